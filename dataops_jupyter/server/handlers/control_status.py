"""``GET /dataops/control/status``: which control service this server uses, and whether it
answers (the token is never part of the answer)."""

from __future__ import annotations

from tornado import web

from ...errors import DataOpsError
from ..models import ControlStatus
from .base import DataOpsHandler


class ControlStatusHandler(DataOpsHandler):
    @web.authenticated
    async def get(self) -> None:
        control = self.control
        status = ControlStatus(
            available=control.available,
            embedded=control.embedded is not None,
            url=control.url or None,
            team=None,
            version=None,
            running=False,
            message=None,
        )
        if control.available:
            try:
                health = await self.upstream(lambda client: client.health())
                teams = await self.control.teams()
                if teams == [None]:  # the token's own team
                    teams = [await self.upstream(lambda client: client.team)]
                team = ", ".join(str(t) for t in teams)
                status.team, status.version, status.running = team, health.get("version"), True
            except DataOpsError as exc:
                status.message = exc.message
        self.reply(status)
