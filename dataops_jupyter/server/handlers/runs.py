"""``/dataops/runs``: status, log and cancel of local runs."""

from __future__ import annotations

from tornado import web

from .base import DataOpsHandler, int_argument


class RunsHandler(DataOpsHandler):
    @web.authenticated
    def get(self) -> None:
        job = self.get_query_argument("job", None) or None
        limit = int_argument(self, "limit", 50)
        self.reply({"runs": [r.wire(self.runs.root) for r in self.runs.list(job, limit)]})


class RunHandler(DataOpsHandler):
    @web.authenticated
    def get(self, run_id: str) -> None:
        self.reply(self.runs.get(run_id).wire(self.runs.root))


class RunLogHandler(DataOpsHandler):
    @web.authenticated
    def get(self, run_id: str) -> None:
        self.reply(self.runs.read_log(run_id, int_argument(self, "offset", 0)))


class RunCancelHandler(DataOpsHandler):
    @web.authenticated
    async def post(self, run_id: str) -> None:
        record = await self.runs.cancel(run_id)
        self.reply(record.wire(self.runs.root), status=202)
