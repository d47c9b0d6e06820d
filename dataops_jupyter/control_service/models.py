"""Wire models of the control service's REST API (mirrored in ``src/types.ts``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from annotated_types import Interval
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ..jobs import JobName
from ..runner.records import StepError, StepResult
from .limits import (
    MAX_ARGUMENTS_BYTES,
    MAX_DESCRIPTION,
    MAX_PROPERTIES_BYTES,
    MAX_SECRET_BYTES,
    limit_bytes,
)

ExecutionStatus = Literal[
    "submitted", "running", "succeeded", "user_error", "platform_error", "cancelled", "skipped"
]
FINAL_STATUSES: frozenset[str] = frozenset(
    {"succeeded", "user_error", "platform_error", "cancelled", "skipped"}
)
Trigger = Literal["manual", "schedule", "retry"]
#: A deployed version of a job: 1, 2, …
Version = Annotated[int, Interval(ge=1, le=2**31 - 1)]
#: An execution's id (``20260101T120000-1f4a3b2c``).
ExecutionId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z-]{1,64}$")]
#: The name of a secret.
SecretName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION)]
#: A job's properties: any JSON object up to 64 KiB.
Properties = Annotated[
    dict[str, Any], AfterValidator(limit_bytes("properties", MAX_PROPERTIES_BYTES))
]


#: Request bodies: no unknown fields, and no coercion (``0`` is not ``false``, ``"1"`` not 1).
REQUEST = ConfigDict(extra="forbid", strict=True)


class ErrorBody(BaseModel):
    error: str
    message: str


class JobCreate(BaseModel):
    model_config = REQUEST

    name: JobName
    description: Description = ""


class JobUpdate(BaseModel):
    model_config = REQUEST

    description: Description | None = None
    enabled: bool | None = None


class ScheduleInfo(BaseModel):
    cron: str
    timezone: str


class Job(BaseModel):
    team: str
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
    active_version: int | None
    enabled: bool
    schedule: ScheduleInfo | None
    next_runs: list[datetime] = Field(default_factory=list)
    retries: int
    retry_delay: float
    timeout: float | None


class JobList(BaseModel):
    jobs: list[Job]


class Deployment(BaseModel):
    team: str
    job: str
    version: int
    content_hash: str
    created_at: datetime
    created_by: str
    reason: str
    active: bool
    steps: list[str]
    #: Defaults of the job's arguments (the ``parameters`` cell).
    parameters: dict[str, Any] = Field(default_factory=dict)
    test_output: str


class DeploymentList(BaseModel):
    deployments: list[Deployment]


#: The largest version number (versions count from 1).
MAX_VERSION = 2**31 - 1


class ActivateRequest(BaseModel):
    model_config = REQUEST

    version: Version


class ExecutionCreate(BaseModel):
    model_config = REQUEST

    arguments: Annotated[
        dict[str, Any], AfterValidator(limit_bytes("all arguments together", MAX_ARGUMENTS_BYTES))
    ] = Field(default_factory=dict)


class Execution(BaseModel):
    id: str
    team: str
    job: str
    version: int
    status: ExecutionStatus
    trigger: Trigger
    arguments: dict[str, Any]
    attempt: int
    retry_of: str | None
    scheduled_for: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    message: str | None
    #: Each step as the runner recorded it (the run record's own step model).
    steps: list[StepResult]
    #: The failing step (``user_error``).
    error: StepError | None


class ExecutionList(BaseModel):
    executions: list[Execution]
    next_cursor: str | None = None


class LogChunk(BaseModel):
    text: str
    offset: int
    complete: bool


class SecretValue(BaseModel):
    model_config = REQUEST

    value: Annotated[str, AfterValidator(limit_bytes("a secret value", MAX_SECRET_BYTES))]


class SecretNames(BaseModel):
    names: list[str]


class WhoAmI(BaseModel):
    """The caller's token: its name, its team (``None`` for an admin token) and admin flag."""

    name: str
    team: str | None
    admin: bool


class Health(BaseModel):
    status: Literal["ok"]
    version: str
