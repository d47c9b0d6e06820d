"""The ``job.toml`` schema and its loader, with errors that name the file, the key and the fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import tomllib
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ..errors import JobDefinitionError
from .names import JobName, TeamName
from .schedule import check_cron, check_timezone

JOB_FILE = "job.toml"
#: Longest description of a job, in characters.
MAX_DESCRIPTION = 2000
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_duration(value: Any) -> float:
    """Seconds from a number or a string like ``"90s"``, ``"30m"``, ``"2h"`` or ``"1d"``."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 300, '5m' or '2h'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    else:
        raise ValueError(
            f"{value!r} is not a duration: use seconds (300) or '90s', '5m', '2h', '1d'"
        )
    if seconds <= 0:
        raise ValueError("a duration must be greater than zero")
    return seconds


class Schedule(BaseModel):
    """When the control service runs the job: a cron expression read in an IANA timezone."""

    model_config = ConfigDict(extra="forbid")

    cron: str
    timezone: str = "UTC"
    enabled: bool = True

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        return check_timezone(value)


def _check_targets(values: list[str]) -> list[str]:
    for value in values:
        if not (_EMAIL.match(value) or value.startswith(("https://", "http://"))):
            raise ValueError(f"{value!r} is neither an email address nor an http(s) webhook URL")
    return values


class Notify(BaseModel):
    """Who hears about the job: email addresses or webhook URLs per event.

    ``on_delay`` targets hear when a scheduled execution has not succeeded ``delay_minutes``
    after its scheduled time.
    """

    model_config = ConfigDict(extra="forbid")

    on_failure: list[str] = Field(default_factory=list)
    on_success: list[str] = Field(default_factory=list)
    on_deploy: list[str] = Field(default_factory=list)
    on_delay: list[str] = Field(default_factory=list)
    delay_minutes: int | None = None

    _targets = field_validator("on_failure", "on_success", "on_deploy", "on_delay")(_check_targets)

    @field_validator("delay_minutes", mode="before")
    @classmethod
    def _whole_minutes(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10080:
            raise ValueError(
                f"{value!r} is not a number of minutes: use a whole number from 1 to 10080 "
                "(one week), e.g. delay_minutes = 30"
            )
        return value

    @model_validator(mode="after")
    def _delay_pair(self) -> Notify:
        if self.on_delay and self.delay_minutes is None:
            raise ValueError(
                "on_delay needs delay_minutes: how many minutes after its scheduled time an "
                "execution must have succeeded, e.g. delay_minutes = 30"
            )
        if self.delay_minutes is not None and not self.on_delay:
            raise ValueError(
                "delay_minutes needs on_delay: the emails or webhook URLs to alert, "
                'e.g. on_delay = ["ops@example.com"]'
            )
        return self


_SHARE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class ContractsPolicy(BaseModel):
    """``[contracts]``: what a load or step does with rows that break a contract's row rules.

    ``fail`` (default): nothing of the load is committed and the step fails; the rows that
    broke a rule are kept in ``<table>__quarantine``. ``quarantine``: the good rows are
    committed and the others go to quarantine; the step fails (and nothing is committed) only
    when their share is above ``max_rejected``. ``warn``: every row is committed and the
    broken rules are reported.
    """

    model_config = ConfigDict(extra="forbid")

    on_violation: Literal["fail", "quarantine", "warn"] = "fail"
    #: With ``quarantine``: the largest share of a load's rows that may go to quarantine
    #: (``"1%"`` or ``0.01``); above it nothing of the load is committed. No limit by default.
    max_rejected: float = 1.0

    @field_validator("max_rejected", mode="before")
    @classmethod
    def _share(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = _SHARE.match(value)
            if not match:
                raise ValueError(f"{value!r} is not a share: write a percentage such as '1%'")
            value = float(match.group(1)) / 100
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError("max_rejected is a share of the rows: '0%' to '100%' (or 0 to 1)")
        return float(value)


class JobConfig(BaseModel):
    """The contents of ``job.toml``."""

    model_config = ConfigDict(extra="forbid")

    name: JobName
    team: TeamName = "default"
    description: str = Field(default="", max_length=MAX_DESCRIPTION)
    notebooks: list[str] = Field(default_factory=list)
    schedule: Schedule | None = None
    retries: int = Field(default=0, ge=0, le=10)
    retry_delay: float = 60.0
    #: Retry also when a step fails (by default only platform errors are retried).
    retry_user_errors: bool = False
    timeout: float | None = None
    notify: Notify = Field(default_factory=Notify)
    warehouse: str | None = None
    #: Names of environment variables of the host passed to the job's code; every other
    #: variable of the control service (its key, database, SMTP settings) is withheld.
    env: list[str] = Field(default_factory=list)
    contracts: ContractsPolicy = Field(default_factory=ContractsPolicy)

    @field_validator("env")
    @classmethod
    def _env_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _ENV_NAME.fullmatch(name):
                raise ValueError(
                    f"{name!r} is not an environment variable name: use letters, digits and "
                    "'_', not starting with a digit"
                )
            if name.upper().startswith("DATAOPS_"):
                raise ValueError(
                    f"{name!r}: DATAOPS_* variables are set by dataops itself and cannot be "
                    "passed through"
                )
        return value

    @field_validator("notify")
    @classmethod
    def _delay_needs_schedule(cls, value: Notify, info: ValidationInfo) -> Notify:
        if value.on_delay and "schedule" in info.data and info.data["schedule"] is None:
            raise ValueError(
                "on_delay watches scheduled executions: add a [schedule] table with a cron, "
                "or remove on_delay and delay_minutes"
            )
        return value

    @field_validator("retry_delay", "timeout", mode="before")
    @classmethod
    def _durations(cls, value: Any) -> float | None:
        return None if value is None else parse_duration(value)

    @field_validator("notebooks")
    @classmethod
    def _relative_notebooks(cls, value: list[str]) -> list[str]:
        for item in value:
            path = Path(item)
            if path.is_absolute() or ".." in path.parts or path.suffix != ".ipynb":
                raise ValueError(
                    f"{item!r} must be a .ipynb path inside the job folder, e.g. 'ingest.ipynb'"
                )
        if len(set(value)) != len(value):
            raise ValueError("a notebook is listed twice")
        return value


def validation_problems(error: ValidationError) -> list[tuple[str, str]]:
    """Each problem of ``error`` as its dotted key (``schedule.cron``) and what is wrong."""
    problems = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key; check its spelling against the job.toml reference in README"
        elif item["type"] == "missing":
            message = "required key is missing"
        problems.append((key, message))
    return problems


def format_validation_error(source: str, error: ValidationError) -> str:
    """One line per problem: ``<file>: key '<a.b>': <what is wrong>``."""
    return "\n".join(
        f"{source}: key '{key}': {message}" for key, message in validation_problems(error)
    )


def load_job_config(path: Path) -> JobConfig:
    """Read and validate ``job.toml``; raise ``JobDefinitionError`` naming file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise JobDefinitionError(
            f"{path}: file not found; a job folder needs a {JOB_FILE}"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise JobDefinitionError(f"{path}: not valid TOML: {exc}") from None
    try:
        return JobConfig.model_validate(data)
    except ValidationError as exc:
        raise JobDefinitionError(format_validation_error(str(path), exc)) from None
