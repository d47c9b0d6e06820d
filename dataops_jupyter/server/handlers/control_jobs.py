"""``/dataops/control/jobs``: the team's jobs on the control service; enable, disable and
delete."""

from __future__ import annotations

from typing import Any

from tornado import web

from ...errors import InvalidInputError
from .base import DataOpsHandler


class ControlJobsHandler(DataOpsHandler):
    @web.authenticated
    async def get(self) -> None:
        teams = await self.control.call_each_team(lambda client: client.jobs())
        jobs = sorted((job for team in teams for job in team), key=lambda j: (j["name"], j["team"]))
        self.reply({"jobs": jobs})


class ControlJobHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, job: str) -> None:
        self.reply(await self.upstream(lambda client: client.job(job)))

    @web.authenticated
    async def patch(self, job: str) -> None:
        body = self.json_body()
        changes: dict[str, Any] = {}
        if "enabled" in body:
            if not isinstance(body["enabled"], bool):
                raise InvalidInputError("'enabled' must be true or false")
            changes["enabled"] = body["enabled"]
        if "description" in body:
            if not isinstance(body["description"], str):
                raise InvalidInputError("'description' must be a string")
            changes["description"] = body["description"]
        unknown = sorted(set(body) - {"enabled", "description"})
        if unknown or not changes:
            raise InvalidInputError(
                "send 'enabled' (true or false) and/or 'description'"
                + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            )
        self.reply(await self.upstream(lambda client: client.update_job(job, **changes)))

    @web.authenticated
    async def delete(self, job: str) -> None:
        """Delete the job from the control service, with its versions and executions."""
        await self.upstream(lambda client: client.delete_job(job))
        self.set_status(204)
        self.finish()
