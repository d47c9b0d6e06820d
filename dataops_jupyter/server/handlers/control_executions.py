"""``/dataops/control/.../executions``: list, trigger with arguments, detail and cancel."""

from __future__ import annotations

from tornado import web

from ...errors import InvalidInputError
from .base import DataOpsHandler, page_limit


class ControlExecutionsHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, job: str) -> None:
        limit = page_limit(self)
        before = self.get_query_argument("before", None) or None
        # The service checks the statuses and says which it knows.
        statuses = [s for s in self.get_query_arguments("status") if s]
        self.reply(
            await self.upstream(lambda client: client.executions(job, limit, before, statuses))
        )

    @web.authenticated
    async def post(self, job: str) -> None:
        arguments = self.json_body().get("arguments") or {}
        if not isinstance(arguments, dict):
            raise InvalidInputError("'arguments' must be a JSON object of name → value")
        self.reply(await self.upstream(lambda client: client.trigger(job, arguments)), status=202)


class ControlExecutionHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, job: str, execution: str) -> None:
        self.reply(await self.upstream(lambda client: client.execution(job, execution)))


class ControlExecutionByIdHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, execution: str) -> None:
        self.reply(await self.control.call_first_team(lambda c: c.find_execution(execution)))


class ControlExecutionCancelHandler(DataOpsHandler):
    @web.authenticated
    async def post(self, job: str, execution: str) -> None:
        self.reply(await self.upstream(lambda client: client.cancel(job, execution)), status=202)
