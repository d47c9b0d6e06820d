"""``/dataops/jobs``: the jobs found under the server root, and new jobs from the template."""

from __future__ import annotations

import asyncio

from tornado import web

from ...errors import InvalidInputError
from ...jobs import create_job
from ..models import InvalidJob, Job, JobList, JobListWithRuns
from ..runs import LocalRunManager
from .base import DataOpsHandler, int_argument


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
            job.name: [record.wire(root) for record in runs.runs_of([job], recent)] for job in jobs
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
        body = self.json_body()
        name, team, description = (
            body.get("name"),
            body.get("team", "default"),
            body.get("description", ""),
        )
        if not isinstance(name, str) or not name:
            raise InvalidInputError("'name' is required: the new job's name, e.g. 'orders'")
        if not isinstance(team, str) or not isinstance(description, str):
            raise InvalidInputError("'team' and 'description' must be strings")
        job = await asyncio.to_thread(
            create_job, self.runs.root, name, team or "default", description
        )
        self.reply(Job.of(job, self.runs.root), status=201)


class JobHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(Job.of(await asyncio.to_thread(self.runs.job, name), self.runs.root))


class JobRunsHandler(DataOpsHandler):
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
