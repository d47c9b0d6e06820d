"""``GET /dataops/control/status``: which control service this server uses, and whether it
answers (the token is never part of the answer)."""

from __future__ import annotations

from typing import Any

from tornado import web

from ...errors import DataOpsError
from .base import DataOpsHandler


class ControlStatusHandler(DataOpsHandler):
    @web.authenticated
    async def get(self) -> None:
        control = self.control
        status: dict[str, Any] = {
            "available": control.available,
            "embedded": control.embedded is not None,
            "url": control.url or None,
            "team": None,
            "version": None,
            "running": False,
            "message": None,
        }
        if control.available:
            try:
                health = await self.upstream(lambda client: (client.team, client.health()))
                status.update(team=health[0], version=health[1].get("version"), running=True)
            except DataOpsError as exc:
                status["message"] = exc.message
        self.reply(status)
