"""``/dataops/jobs``: the jobs found under the server root, and new jobs from the template."""

from __future__ import annotations

import asyncio
from typing import Any

from tornado import web

from ...errors import InvalidInputError
from ...jobs import create_job, describe_job
from ...runner.records import RUN_STATUSES
from ..runs import LocalRunManager
from .base import DataOpsHandler, int_argument, page_limit, status_arguments


def _listing(runs: LocalRunManager, recent: int | None) -> dict[str, Any]:
    jobs, invalid = runs.jobs()
    root = runs.root
    listing: dict[str, Any] = {
        "jobs": [describe_job(job, root) for job in jobs],
        "invalid": [
            {"path": str(folder.relative_to(root)), "message": message}
            for folder, message in invalid
        ],
    }
    if recent is not None:
        listing["runs"] = {
            job.name: [record.wire(root) for record in runs.runs_of([job], recent)] for job in jobs
        }
    return listing


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
        self.reply(describe_job(job, self.runs.root), status=201)


class JobHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(describe_job(await asyncio.to_thread(self.runs.job, name), self.runs.root))


class JobRunsHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        """A page of the job's runs, newest first: ``?limit=&before=<run id>&status=``
        (``status`` repeated for several)."""
        limit = page_limit(self)
        before = self.get_query_argument("before", None) or None
        statuses = status_arguments(self, RUN_STATUSES)
        records, cursor = await asyncio.to_thread(self.runs.page, name, limit, before, statuses)
        root = self.runs.root
        self.reply({"runs": [r.wire(root) for r in records], "next_cursor": cursor})

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
