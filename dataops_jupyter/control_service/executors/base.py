"""The executor seam: an executor runs one attempt of an execution and reports how it ended.

The control service owns cron, history, retries and alerts; an executor only starts attempts,
stops them on request and calls back once per attempt with an :class:`Outcome`.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ...runner.records import RunRecord
from ..sandbox import Account, job_environment

#: The runner's record statuses mapped to execution statuses.
_STATUS = {"succeeded": "succeeded", "cancelled": "cancelled", "timed_out": "user_error"}


@dataclass
class Attempt:
    """Everything needed to run one attempt, independent of where it runs."""

    execution_id: str
    team: str
    job: str
    job_folder: Path
    record_folder: Path
    arguments: dict[str, Any]
    timeout: float | None
    #: Variables of this execution (``DATAOPS_TEAM``, its token, its secrets file…).
    env: dict[str, str] = field(default_factory=dict)
    #: The deployment's own Python (with its requirements), if it has one.
    python: str | None = None
    #: Names of host variables the job's ``job.toml`` passes through (``env``).
    pass_env: list[str] = field(default_factory=list)
    #: ``HOME`` of the job code (``None``: the host's).
    home: str | None = None
    #: The OS user the job code runs as (``None``: the executor's own).
    account: Account | None = None

    def environment(self) -> dict[str, str]:
        """The whole environment of the runner, built from the host it runs on: allow-listed
        variables only (see :mod:`..sandbox`), never the service's own."""
        return job_environment(os.environ, self.env, self.pass_env, self.home)

    def process_options(self) -> dict[str, Any]:
        """Extra ``subprocess`` arguments: the user to run as, if any."""
        return self.account.process_options() if self.account is not None else {}

    def command(self, default_python: str) -> list[str]:
        """The ``dataops run`` command line of this attempt."""
        command = [
            self.python or default_python, "-m", "dataops_jupyter.cli", "run", str(self.job_folder),
            "--run-id", self.execution_id, "--record-dir", str(self.record_folder),
            "--args-json", json.dumps(self.arguments), "--json",
        ]  # fmt: skip
        if self.timeout:
            command += ["--timeout", str(self.timeout)]
        return command


@dataclass
class Outcome:
    """How an attempt ended. ``steps`` and ``error`` are the run record's steps and error
    (:class:`~dataops_jupyter.runner.records.StepResult`, ``StepError``) as JSON, validated
    by those models when read from ``run.json``."""

    status: str
    message: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None


#: How much of the runner's output (its end) a platform error quotes.
DETAIL_CHARS = 1500


def outcome_from_record(record_folder: Path, exit_code: int | None, detail: str = "") -> Outcome:
    """Read the runner's ``run.json``: a failing step is the user's error; a run that ended
    without one (kernel or runner died, no record) is the platform's, and its message ends
    with ``detail`` (the end of the runner's output, which names the cause)."""
    detail = detail.strip()[-DETAIL_CHARS:]
    try:
        text = (record_folder / "run.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        return Outcome(
            "platform_error",
            f"the runner ended with code {exit_code} and no run record. {detail}".strip(),
        )
    try:
        record = RunRecord.model_validate_json(text)
    except ValidationError as exc:
        return Outcome(
            "platform_error",
            f"the runner ended with code {exit_code} and a run record that does not read "
            f"({exc.error_count()} errors). {detail}".strip(),
        )
    status = record.status
    error = record.error.model_dump(mode="json") if record.error is not None else None
    if status in _STATUS:
        result = _STATUS[status]
    elif status == "failed" and error is not None:
        result = "user_error"
    else:
        result = "platform_error"
    message = record.message
    if status not in ("succeeded", "failed", "cancelled", "timed_out"):
        message = (
            f"the runner ended with code {exit_code} while the run was {status}. {detail}".strip()
        )
    return Outcome(result, message, [s.model_dump(mode="json") for s in record.steps], error)


#: Called once per attempt when it has ended.
OnFinished = Callable[[str, Outcome], Awaitable[None]]


class Executor(ABC):
    """Runs attempts somewhere (local processes, a Dask cluster)."""

    def __init__(self, on_finished: OnFinished) -> None:
        self.on_finished = on_finished

    @abstractmethod
    def free_slots(self) -> int:
        """How many more attempts can start now."""

    @abstractmethod
    async def start(self, attempt: Attempt) -> None:
        """Start an attempt; ``on_finished`` is awaited when it ends."""

    @abstractmethod
    async def cancel(self, execution_id: str) -> None:
        """Stop a running attempt; it then ends as ``cancelled``."""

    @abstractmethod
    def running(self) -> set[str]:
        """Ids of the attempts this executor is running."""

    @abstractmethod
    async def close(self) -> None:
        """Stop everything (the service is shutting down)."""
