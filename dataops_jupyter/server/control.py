"""The server extension's way to the control service: a remote one (``control_url`` and
``control_token``) or the embedded one, reached over HTTP with :class:`ControlClient` in both
cases. The token stays in this process; the browser only ever talks to ``/dataops/control``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..client import ControlClient, ControlServiceError, ControlServiceUnreachable
from ..jobs import Job
from .embedded import ControlServiceUnavailable, EmbeddedControlService

T = TypeVar("T")


class ControlConnection:
    """Configured URL, token and team, or an embedded service started on first need."""

    def __init__(
        self,
        root: Path,
        url: str = "",
        token: str = "",
        team: str = "",
        embedded: bool = True,
        log: logging.Logger | None = None,
        jobs: Callable[[], list[Job]] | None = None,
    ) -> None:
        self.log = log or logging.getLogger(__name__)
        self.url = url.rstrip("/")
        self.token = token
        self.team = team or None
        self.embedded = (
            EmbeddedControlService(root, self.team, self.log, jobs)
            if embedded and not url
            else None
        )
        self._task: asyncio.Task[None] | None = None

    @property
    def available(self) -> bool:
        """Whether there is a control service to talk to (configured or embedded)."""
        return bool(self.url) or self.embedded is not None

    def start_in_background(self) -> None:
        """Start the embedded service now rather than on the first call (server start)."""
        if self.embedded is None or self._task is not None:
            return

        async def start() -> None:
            assert self.embedded is not None
            with contextlib.suppress(ControlServiceUnavailable):  # logged; retried on use
                await self.embedded.ensure_running()

        self._task = asyncio.ensure_future(start())

    async def client(self, job: str | None = None, team: str | None = None) -> ControlClient:
        """A client for one call or stream about ``job`` (close it after use).

        The embedded service serves several teams: the client is for ``team``, else for the
        team of ``job``."""
        if self.embedded is not None:
            endpoint = await self.embedded.ensure_running()
            team = team or await asyncio.to_thread(self.embedded.team_of, job)
            return ControlClient(endpoint.url, endpoint.token, team, retries=2)
        if not self.url:
            raise ControlServiceUnavailable(
                "no control service: set DataOpsExtension.control_url (or DATAOPS_URL), or "
                "leave it empty and DataOpsExtension.embedded_control_service on"
            )
        if not self.token:
            raise ControlServiceUnavailable(
                f"the control service at {self.url} needs a token: set "
                "DataOpsExtension.control_token (or DATAOPS_TOKEN) for the Jupyter server"
            )
        try:
            client = ControlClient(self.url, self.token, self.team, retries=2)
        except ControlServiceError as exc:
            message = f"DataOpsExtension.control_url: {exc.message}"
            raise ControlServiceUnavailable(message) from None
        if self.team is None:
            try:
                self.team = await asyncio.to_thread(client.resolve_team)
            except ControlServiceError as exc:
                raise self.translate(exc) from None
        return client

    def translate(self, exc: ControlServiceError) -> ControlServiceError:
        """The service's refusal of this server's token is the server's problem (502), not the
        browser's: a 401 would read as a lost Jupyter login."""
        if exc.status in (401, 403):
            return ControlServiceError(
                f"the control service refused the token configured for this Jupyter server "
                f"({exc.message}); check DataOpsExtension.control_token",
                502,
                "control-service-token",
            )
        if isinstance(exc, ControlServiceUnreachable) and self.embedded is not None:
            exc.message = f"the embedded control service is not reachable: {exc.message}"
        if exc.kind == "invalid" and "admin token" in exc.message:
            exc.message += " (set DataOpsExtension.control_team)"
        return exc

    async def call(
        self, call: Callable[[ControlClient], T], job: str | None = None, team: str | None = None
    ) -> T:
        """Run ``call(client)`` in a worker thread; errors become the handler's answer."""
        client = await self.client(job, team)
        try:
            return await asyncio.to_thread(call, client)
        except ControlServiceError as exc:
            raise self.translate(exc) from None
        finally:
            client.close()

    async def teams(self) -> list[str | None]:
        """The teams this server works for: every team of the embedded service, else the
        configured one (``None``: the token's own)."""
        if self.embedded is not None:
            await self.embedded.ensure_running()  # its jobs name teams no folder may name
            return list(await asyncio.to_thread(self.embedded.teams))
        return [self.team]

    async def call_each_team(self, call: Callable[[ControlClient], T]) -> list[T]:
        """``call(client)`` once for each team, in team order."""
        return [await self.call(call, team=team) for team in await self.teams()]

    async def call_first_team(self, call: Callable[[ControlClient], T]) -> T:
        """``call(client)`` for each team in turn until one does not answer 404."""
        teams = await self.teams()
        for team in teams[:-1]:
            try:
                return await self.call(call, team=team)
            except ControlServiceError as exc:
                if exc.status != 404:
                    raise
        return await self.call(call, team=teams[-1])

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.embedded is not None:
            await self.embedded.stop()
