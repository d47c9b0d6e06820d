"""``PUT /dataops/control/connection``: switch the control service this server uses (JupyterLab's
settings do). The token stays on the server: answers say only whether one is set."""

from __future__ import annotations

from tornado import web

from ...errors import InvalidInputError
from ..models import ControlConnection
from .base import DataOpsHandler


class ControlConnectionHandler(DataOpsHandler):
    @web.authenticated
    def get(self) -> None:
        self.reply(self._answer())

    @web.authenticated
    async def put(self) -> None:
        body = self.json_body()
        url, team, token = body.get("url", ""), body.get("team", ""), body.get("token")
        if not isinstance(url, str) or not isinstance(team, str):
            raise InvalidInputError("'url' and 'team' must be strings ('' for the default)")
        if token is not None and not isinstance(token, str):
            raise InvalidInputError("'token' must be a string, or left out to keep the current one")
        unknown = sorted(set(body) - {"url", "team", "token"})
        if unknown:
            raise InvalidInputError(f"unknown field(s) {unknown}; send url, team and token")
        await self.control.reconfigure(url, team, token)
        self.reply(self._answer())

    def _answer(self) -> ControlConnection:
        settings = self.control.settings
        return ControlConnection(
            url=settings.url or None,
            team=settings.team or None,
            embedded=self.control.embedded is not None,
            token_set=bool(settings.token),
        )
