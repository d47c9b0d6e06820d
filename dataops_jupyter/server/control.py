"""The server extension's way to the control service: a remote one (``control_url`` and
``control_token``) or the embedded one, reached over HTTP with :class:`ControlClient` in both
cases. The token stays in this process; the browser only ever talks to ``/dataops/control``."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from ..client import ControlClient, ControlServiceError, ControlServiceUnreachable
from ..errors import InvalidInputError
from ..jobs import Job, check_team_name, quote
from .embedded import ControlServiceUnavailable, EmbeddedControlService

T = TypeVar("T")


@dataclass(frozen=True)
class ConnectionSettings:
    """Which control service to use: a URL with its token and team, or none (embedded)."""

    url: str = ""
    token: str = ""
    team: str = ""


class ControlConnection:
    """Configured URL, token and team, or an embedded service started on first need.

    :meth:`reconfigure` switches it at run time (JupyterLab's settings do); what it was given
    there is kept in ``saved`` (readable by this user alone) and used again at the next start.
    """

    def __init__(
        self,
        root: Path,
        url: str = "",
        token: str = "",
        team: str = "",
        embedded: bool = True,
        log: logging.Logger | None = None,
        jobs: Callable[[], list[Job]] | None = None,
        saved: Path | None = None,
    ) -> None:
        self.log = log or logging.getLogger(__name__)
        self._root, self._jobs, self._embedded_allowed = root, jobs, embedded
        self._configured = ConnectionSettings(url, token, team)
        self._saved = saved
        self._task: asyncio.Task[None] | None = None
        self.embedded: EmbeddedControlService | None = None
        self._apply(read_saved(saved) or self._configured)

    def _apply(self, settings: ConnectionSettings) -> None:
        self.url = settings.url.rstrip("/")
        self.token = settings.token
        self.team = settings.team or None
        self.embedded = (
            EmbeddedControlService(self._root, self.team, self.log, self._jobs)
            if self._embedded_allowed and not self.url
            else None
        )

    @property
    def settings(self) -> ConnectionSettings:
        """What this connection uses now."""
        return ConnectionSettings(self.url, self.token, self.team or "")

    async def reconfigure(self, url: str, team: str, token: str | None = None) -> None:
        """Use the control service at ``url`` as ``team`` from now on; ``url`` empty: the
        server's own configuration again. Without ``token`` the current one is kept, but only
        for the same URL: a token is never sent to another service."""
        url, team = url.strip().rstrip("/"), team.strip()
        if url:
            check_service_url(url)
        if team:
            try:
                check_team_name(team)
            except ValueError as exc:
                raise InvalidInputError(f"'team': {exc}") from None
        if not url:
            settings = ConnectionSettings(
                self._configured.url, self._configured.token, team or self._configured.team
            )
        else:
            kept = self.token if url == self.url else ""
            settings = ConnectionSettings(url, token if token is not None else kept, team)
        await self.stop()
        self._apply(settings)
        write_saved(self._saved, settings if url or team else None)
        self.log.info("dataops-jupyter: control service %s", self.url or "embedded")

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
        self._task = None
        if self.embedded is not None:
            await self.embedded.stop()


def check_service_url(url: str) -> None:
    """Refuse a control service URL that is not ``http(s)://host[:port][/path]``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(
            f"'url': {quote(url)} is not a control service URL; write http://host:port"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InvalidInputError(
            "'url': write the control service URL without user, password, query or fragment "
            "(the token goes in its own field)"
        )


def read_saved(path: Path | None) -> ConnectionSettings | None:
    """The connection saved by :meth:`ControlConnection.reconfigure`, if there is one."""
    if path is None or not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ConnectionSettings(str(data["url"]), str(data["token"]), str(data["team"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_saved(path: Path | None, settings: ConnectionSettings | None) -> None:
    """Keep ``settings`` in ``path`` (owner-only), or forget them with ``None``."""
    if path is None:
        return
    if settings is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as handle:
        json.dump(dataclasses.asdict(settings), handle)
