"""Wire models of the server extension's own ``/dataops`` routes (docs/rest-api.md), mirrored
in ``src/types.ts`` and published as ``docs/server-schema.json`` (:mod:`.schema`).

A run is the runner's own record (:class:`~dataops_jupyter.runner.Run`, with its
:class:`~dataops_jupyter.runner.StepResult` steps); a log slice and an error body are the
control service's models, so that local runs and executions read the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .. import jobs
from ..contracts.results import CheckResult
from ..control_service.models import ErrorBody, LogChunk
from ..jobs import Schedule
from ..jobs.model import first_line
from ..runner import Run, StepError, StepResult


class Step(BaseModel):
    """A code cell tagged ``step`` (or ``step:<name>``) in one of the job's notebooks;
    ``cell_index`` counts the notebook's cells from 0."""

    name: str
    notebook: str
    cell_index: int
    cell_id: str
    #: The first line of the cell that is not blank (at most 120 characters).
    first_line: str


class Job(BaseModel):
    """A job folder: ``job.toml`` plus its notebooks."""

    name: str
    team: str
    description: str
    #: The job's folder, relative to the server root.
    path: str
    notebooks: list[str]
    schedule: Schedule | None
    retries: int
    #: Seconds, or ``None`` for no limit.
    timeout: float | None
    #: Defaults from the ``parameters`` cell.
    parameters: dict[str, Any]
    steps: list[Step]

    @classmethod
    def of(cls, job: jobs.Job, root: Path) -> Job:
        """The wire form of a loaded job; ``path`` relative to ``root`` when it is below it."""
        try:
            path = str(job.folder.relative_to(Path(root).resolve()))
        except ValueError:
            path = str(job.folder)
        config = job.config
        return cls(
            name=job.name,
            team=config.team,
            description=config.description,
            path=path,
            notebooks=[nb.notebook for nb in job.notebooks],
            schedule=config.schedule,
            retries=config.retries,
            timeout=config.timeout,
            parameters=job.parameters,
            steps=[
                Step(
                    name=s.name,
                    notebook=s.notebook,
                    cell_index=s.cell_index,
                    cell_id=s.cell_id,
                    first_line=first_line(s.source),
                )
                for s in job.steps
            ],
        )


class InvalidJob(BaseModel):
    """A job folder that does not load, with what to fix."""

    #: The folder, relative to the server root.
    path: str
    message: str


class JobList(BaseModel):
    """``GET /dataops/jobs``: the jobs sorted by name, and the folders that do not load."""

    jobs: list[Job]
    invalid: list[InvalidJob]


class JobListWithRuns(JobList):
    """``GET /dataops/jobs?runs=N``: also the newest N runs of each job, newest first."""

    runs: dict[str, list[Run]]


class RunList(BaseModel):
    """``GET /dataops/runs``: runs, newest first."""

    runs: list[Run]


class RunPage(BaseModel):
    """``GET /dataops/jobs/{name}/runs``: a page of a job's runs, newest first."""

    runs: list[Run]
    #: Pass as ``before`` for the next page; ``None`` on the last page.
    next_cursor: str | None


class Features(BaseModel):
    """What this server offers."""

    runs: bool
    #: Whether the ``/dataops/control`` routes have a service (configured or embedded).
    control_service: bool
    #: Whether that service is one this server starts.
    embedded_control_service: bool


class Config(BaseModel):
    """``GET /dataops/config``."""

    version: str
    #: The folder jobs are looked for in.
    root: str
    features: Features


class ControlStatus(BaseModel):
    """``GET /dataops/control/status``: which control service this server uses, and whether
    it answers (the token is never part of it)."""

    available: bool
    embedded: bool
    #: ``None`` for the embedded service.
    url: str | None
    team: str | None
    version: str | None
    running: bool
    #: Why it is not running.
    message: str | None


class ControlConnection(BaseModel):
    """``GET``/``PUT /dataops/control/connection``: the control service JupyterLab's settings
    chose for this server (the token itself is never part of it)."""

    #: ``None``: the server's own configuration.
    url: str | None
    team: str | None
    #: Whether it is the service this server started.
    embedded: bool
    #: Whether the server holds a token for it.
    token_set: bool


class SchedulePreview(BaseModel):
    """``GET /dataops/schedule``: when a cron fires next in its timezone."""

    cron: str
    timezone: str
    #: ISO 8601 times with the timezone's offset.
    next: list[str]


__all__ = [
    "CheckResult",
    "Config",
    "ControlConnection",
    "ControlStatus",
    "ErrorBody",
    "Features",
    "InvalidJob",
    "Job",
    "JobList",
    "JobListWithRuns",
    "LogChunk",
    "Run",
    "RunList",
    "RunPage",
    "Schedule",
    "SchedulePreview",
    "Step",
    "StepError",
    "StepResult",
]
