"""``/dataops/runs``: status, log and cancel of local runs."""

from __future__ import annotations

import asyncio

from tornado import web

from ..models import RunList
from .base import DataOpsHandler, int_argument


class RunsHandler(DataOpsHandler):
    @web.authenticated
    async def get(self) -> None:
        job = self.get_query_argument("job", None) or None
        limit = int_argument(self, "limit", 50)
        records = await asyncio.to_thread(self.runs.list, job, limit)
        self.reply(RunList(runs=[r.wire(self.runs.root) for r in records]))


class RunHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, run_id: str) -> None:
        record = await asyncio.to_thread(self.runs.get, run_id)
        self.reply(record.wire(self.runs.root))


class RunLogHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, run_id: str) -> None:
        offset = int_argument(self, "offset", 0)
        self.reply(await asyncio.to_thread(self.runs.read_log, run_id, offset))


class RunCancelHandler(DataOpsHandler):
    @web.authenticated
    async def post(self, run_id: str) -> None:
        record = await self.runs.cancel(run_id)
        self.reply(record.wire(self.runs.root), status=202)
