"""``/dataops/jobs``: the jobs found under the server root, and new jobs from the template."""

from __future__ import annotations

import asyncio
from typing import Any

from tornado import web

from ...errors import InvalidInputError
from ...jobs import convert_notebook, create_job
from ...runner.records import RUN_STATUSES
from ..models import InvalidJob, Job, JobList, JobListWithRuns, RunPage
from ..runs import LocalRunManager
from .base import DataOpsHandler, int_argument, page_limit, status_arguments
from .schedule import schedule_of


def _listing(runs: LocalRunManager, recent: int | None) -> JobList:
    jobs, invalid = runs.jobs()
    root = runs.root
    listing = JobList(
        jobs=[Job.of(job, root) for job in jobs],
        invalid=[
            InvalidJob(path=str(folder.relative_to(root)), message=message)
            for folder, message in invalid
        ],
    )
    if recent is None:
        return listing
    return JobListWithRuns(
        jobs=listing.jobs,
        invalid=listing.invalid,
        runs={
            job.name: [runs.records.wire(record) for record in runs.runs_of([job], recent)]
            for job in jobs
        },
    )


class JobsHandler(DataOpsHandler):
    @web.authenticated
    async def get(self) -> None:
        """The jobs; with ``?runs=N`` also the newest N runs of each, by job name."""
        recent = int_argument(self, "runs", 0) if self.get_query_argument("runs", "") else None
        self.reply(await asyncio.to_thread(_listing, self.runs, recent))

    @web.authenticated
    async def post(self) -> None:
        """A new job: from the template in ``folder``, or ``notebook`` made a job."""
        body = self.json_body()
        unknown = sorted(set(body) - _CREATE_FIELDS)
        if unknown:
            raise InvalidInputError(
                f"unknown field {unknown[0]!r}: a new job takes {', '.join(sorted(_CREATE_FIELDS))}"
            )
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidInputError("'name' is required: the new job's name, e.g. 'orders'")
        text = {key: _text(body, key) for key in ("team", "description", "schedule", "timezone")}
        schedule = schedule_of(text["schedule"], text["timezone"] or "UTC", "schedule")
        team = text["team"] or "default"
        existing, _ = await asyncio.to_thread(self.runs.jobs)
        notebook = body.get("notebook")
        if notebook is not None:
            if not isinstance(notebook, str) or not notebook:
                raise InvalidInputError("'notebook' must be the notebook's path, e.g. 'x.ipynb'")
            if "folder" in body:
                raise InvalidInputError("give either 'notebook' or 'folder', not both")
            job = await asyncio.to_thread(
                convert_notebook,
                self.runs.root,
                notebook,
                name,
                team,
                text["description"],
                schedule=schedule,
                existing=existing,
            )
        else:
            job = await asyncio.to_thread(
                create_job,
                self.runs.root,
                name,
                team,
                text["description"],
                folder=_text(body, "folder"),
                schedule=schedule,
                existing=existing,
            )
        self.reply(Job.of(job, self.runs.root), status=201)


#: What ``POST /dataops/jobs`` takes.
_CREATE_FIELDS = {"name", "team", "description", "folder", "notebook", "schedule", "timezone"}


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInputError(f"{key!r} must be a string")
    return value.strip() if key != "description" else value


class JobHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(Job.of(await asyncio.to_thread(self.runs.job, name), self.runs.root))


class JobRunsHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        """A page of the job's runs, newest first: ``?limit=&before=<run id>&status=``
        (``status`` repeated for several)."""
        limit = page_limit(self)
        before = self.get_query_argument("before", None) or None
        statuses = status_arguments(self, RUN_STATUSES)
        records, cursor = await asyncio.to_thread(self.runs.page, name, limit, before, statuses)
        wire = self.runs.records.wire
        self.reply(RunPage(runs=[wire(record) for record in records], next_cursor=cursor))

    @web.authenticated
    async def post(self, name: str) -> None:
        body = self.json_body()
        arguments = body.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise InvalidInputError("'arguments' must be a JSON object of name → value")
        force = body.get("force", False)
        if not isinstance(force, bool):
            raise InvalidInputError("'force' must be true or false")
        record = await self.runs.start(name, arguments, force=force)
        self.reply(record.wire(self.runs.root), status=202)
