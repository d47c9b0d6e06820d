"""Wire models of the control service's REST API (mirrored in ``src/types.ts``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ExecutionStatus = Literal[
    "submitted", "running", "succeeded", "user_error", "platform_error", "cancelled", "skipped"
]
FINAL_STATUSES: frozenset[str] = frozenset(
    {"succeeded", "user_error", "platform_error", "cancelled", "skipped"}
)
Trigger = Literal["manual", "schedule", "retry"]


class ErrorBody(BaseModel):
    error: str
    message: str


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""


class JobUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = None
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
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=MAX_VERSION)


class ExecutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    arguments: dict[str, Any] = Field(default_factory=dict)


class StepOutcome(BaseModel):
    name: str
    status: str
    started_at: datetime | None = None
    duration: float | None = None
    error: dict[str, Any] | None = None


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
    steps: list[StepOutcome]
    error: dict[str, Any] | None


class ExecutionList(BaseModel):
    executions: list[Execution]
    next_cursor: str | None = None


class LogChunk(BaseModel):
    text: str
    offset: int
    complete: bool


class SecretValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str


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
