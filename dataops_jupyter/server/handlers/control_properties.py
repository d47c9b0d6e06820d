"""``/dataops/control/jobs/{job}/properties``: a deployed job's properties (read, replace)."""

from __future__ import annotations

from tornado import web

from .base import DataOpsHandler


class ControlPropertiesHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, job: str) -> None:
        self.reply(await self.upstream(lambda client: client.properties(job)))

    @web.authenticated
    async def put(self, job: str) -> None:
        values = self.json_body()
        self.reply(await self.upstream(lambda client: client.set_properties(job, values)))
