"""The embedded control service: started by the server extension when no control service URL
is configured, as a separate ``dataops control-service`` process on a free loopback port.

It serves every team: that of each job folder under the root and each team with jobs in its
database (so a job whose folder moved or whose team changed stays listed). This server holds
an admin token of the service; a call about a job is made for the job's team.

Its state lives in ``<server root>/.dataops/control/``: the SQLite database, deployments and
execution artifacts, the key that encrypts secrets, the API token of this server and the
service's own log. Deployed jobs use the workspace's warehouse, so a table written by a
notebook and by a deployed job is the same table. The process dies with the Jupyter server.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from ..client import ControlClient, ControlServiceError
from ..errors import DataOpsError, InvalidInputError
from ..jobs import Job, discover_jobs
from ..warehouse.resolve import ENV_URL, resolve_warehouse_url

#: Seconds the service gets to answer ``/healthz`` after it was started.
START_TIMEOUT = 90.0
#: Seconds the service gets to stop (and stop its executions) before it is killed.
STOP_TIMEOUT = 20.0
#: Seconds before a failed start is tried again.
RETRY_AFTER = 10.0
_PR_SET_PDEATHSIG = 1


class ControlServiceUnavailable(DataOpsError):
    """No control service to talk to (not configured, or the embedded one did not start)."""

    status = 503
    kind = "control-service-unavailable"


#: The team of calls that concern no job, and of jobs no folder or database row names.
DEFAULT_TEAM = "default"


@dataclass
class Endpoint:
    url: str
    token: str


def _exit_with_parent() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except OSError:
        pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(path: Path, size: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-size:].strip()
    except OSError:
        return ""


def workspace_warehouse(jobs: list[Job], root: Path, log: logging.Logger) -> str | None:
    """The warehouse URL the jobs resolve to (that of a job right in ``root`` if they differ)."""
    urls = set()
    for job in jobs:
        with contextlib.suppress(InvalidInputError):
            urls.add(resolve_warehouse_url(job.folder))
    if len(urls) == 1:
        return urls.pop()
    try:
        return resolve_warehouse_url(root / "job")
    except InvalidInputError as exc:
        log.warning("dataops-jupyter: no workspace warehouse for the control service: %s", exc)
        return None


class EmbeddedControlService:
    """Starts (on first need), watches and stops the control service process of one root.

    ``team``: serve only this team; ``jobs``: the jobs under the root (default: found anew)."""

    def __init__(
        self,
        root: Path,
        team: str | None = None,
        log: logging.Logger | None = None,
        jobs: Callable[[], list[Job]] | None = None,
    ):
        self.root = Path(root).resolve()
        self.folder = self.root / ".dataops" / "control"
        self.requested_team = team or None
        self.log = log or logging.getLogger(__name__)
        self.jobs = jobs or (lambda: discover_jobs(self.root)[0])
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoint: Endpoint | None = None
        self._lock = asyncio.Lock()
        self._failure: tuple[float, str] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.folder / 'control.db'}"

    # -- teams (blocking: call them from a worker thread) ---------------------------------------

    def _stored_jobs(self) -> list[tuple[str, str]]:
        """``(team, job)`` of every job the service holds, asked over HTTP with its admin
        token (none while it is not running yet)."""
        endpoint = self.endpoint
        if endpoint is None or not self.running:
            return []
        try:
            with ControlClient(endpoint.url, endpoint.token, retries=1) as client:
                rows = client.every_job()
        except ControlServiceError as exc:
            self.log.warning("dataops-jupyter: cannot list the control service's jobs: %s", exc)
            return []
        return [(str(row["team"]), str(row["name"])) for row in rows]

    def teams(self) -> list[str]:
        """The teams served: those of the job folders and those with jobs in the database."""
        if self.requested_team:
            return [self.requested_team]
        found = {job.config.team for job in self.jobs()}
        found.update(team for team, _ in self._stored_jobs())
        return sorted(found) or [DEFAULT_TEAM]

    def team_of(self, job: str | None) -> str:
        """The team a call about ``job`` is made for: that of its folder under the root, else
        that of the job in the database, else the default team."""
        if self.requested_team:
            return self.requested_team
        if job is not None:
            for local in self.jobs():
                if local.name == job:
                    return local.config.team
            stored = sorted(team for team, name in self._stored_jobs() if name == job)
            if stored:
                return stored[0]
        teams = self.teams()
        return DEFAULT_TEAM if DEFAULT_TEAM in teams or len(teams) != 1 else teams[0]

    async def ensure_running(self) -> Endpoint:
        """The service's endpoint; starts it (again, if it died) and waits until it answers."""
        async with self._lock:
            if self.running and self.endpoint is not None:
                return self.endpoint
            if self._failure and time.monotonic() - self._failure[0] < RETRY_AFTER:
                raise ControlServiceUnavailable(self._failure[1])
            try:
                self.endpoint = await self._start()
            except Exception as exc:
                message = (
                    exc.message
                    if isinstance(exc, ControlServiceUnavailable)
                    else f"the embedded control service did not start: {exc}"
                )
                self._failure = (time.monotonic(), message)
                self.log.error("dataops-jupyter: %s", message)
                await self._terminate()
                raise ControlServiceUnavailable(message) from None
            self._failure = None
            return self.endpoint

    # -- start --------------------------------------------------------------------------------

    def _secret_key(self) -> str:
        path = self.folder / "secret.key"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(base64.urlsafe_b64encode(os.urandom(32)).decode("ascii"))
        return path.read_text().strip()

    def _env(self, warehouse: str | None) -> dict[str, str]:
        env = {**os.environ, "DATAOPS_SECRET_KEY": self._secret_key()}
        for name in ("DATAOPS_URL", "DATAOPS_TOKEN", "DATAOPS_TEAM"):
            env.pop(name, None)
        if warehouse:
            env[ENV_URL] = warehouse
        return env

    def _command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "dataops_jupyter.cli", "control-service", *args]

    def _saved_token(self) -> str | None:
        try:
            saved = json.loads((self.folder / "token.json").read_text())
        except (OSError, ValueError):
            return None
        if isinstance(saved, dict) and saved.get("admin") is True:
            return str(saved.get("token") or "") or None
        return None  # a team token of an earlier version: replaced by an admin token

    def _create_token(self, env: dict[str, str]) -> str:
        done = subprocess.run(
            self._command("create-token", "--db", self.db_url, "--admin",
                          "--name", "jupyter server"),
            capture_output=True, text=True, env=env, cwd=self.folder, timeout=120, check=False,
        )  # fmt: skip
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            raise ControlServiceUnavailable(
                "the embedded control service could not create its token: "
                + (done.stderr.strip()[-1500:] or f"exit code {done.returncode}")
            )
        token = lines[-1].strip()
        path = self.folder / "token.json"
        path.touch(mode=0o600)
        path.write_text(json.dumps({"admin": True, "token": token}))
        return token

    def _prepare(self) -> tuple[str, dict[str, str]]:
        self.folder.mkdir(parents=True, exist_ok=True)
        jobs = self.jobs()
        env = self._env(workspace_warehouse(jobs, self.root, self.log))
        token = self._saved_token() or self._create_token(env)
        return token, env

    def _wait_until_healthy(
        self, process: subprocess.Popen[bytes], url: str, token: str, env: dict[str, str]
    ) -> str:
        """Wait for ``/healthz``; check the token (a new one if the database was replaced)."""
        deadline = time.monotonic() + START_TIMEOUT
        log_file = self.folder / "service.log"
        while True:
            if process.poll() is not None:
                raise ControlServiceUnavailable(
                    f"the embedded control service exited with code {process.returncode}: "
                    f"{_tail(log_file)} (log: {log_file})"
                )
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/healthz", timeout=2).ok:
                    break
            if time.monotonic() > deadline:
                raise ControlServiceUnavailable(
                    f"the embedded control service did not answer within {START_TIMEOUT:.0f} s "
                    f"(log: {log_file})"
                )
            time.sleep(0.1)
        who = requests.get(
            f"{url}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        if who.status_code == 401:
            token = self._create_token(env)
        return token

    async def _start(self) -> Endpoint:
        token, env = await asyncio.to_thread(self._prepare)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        command = self._command(
            "--host", "127.0.0.1", "--port", str(port), "--db", self.db_url,
            "--artifacts", str(self.folder / "artifacts"), "--executor", "local",
        )  # fmt: skip
        with (self.folder / "service.log").open("ab") as output:
            # Started from the event loop's thread: the parent-death signal follows that thread.
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                env=env,
                cwd=self.folder,
                start_new_session=True,
                preexec_fn=_exit_with_parent,
            )
        self.log.info(
            "dataops-jupyter: embedded control service (pid %s) at %s, state in %s",
            self.process.pid, url, self.folder,
        )  # fmt: skip
        try:
            token = await asyncio.to_thread(self._wait_until_healthy, self.process, url, token, env)
        except requests.RequestException as exc:
            raise ControlServiceUnavailable(
                f"the embedded control service at {url} failed its first call: {exc}"
            ) from None
        return Endpoint(url, token)

    # -- stop ---------------------------------------------------------------------------------

    async def _terminate(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)  # stops its executions, then exits
        try:
            await asyncio.to_thread(process.wait, STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            await asyncio.to_thread(process.wait)

    async def stop(self) -> None:
        """Stop the service (the Jupyter server is stopping)."""
        async with self._lock:
            if self.process is not None:
                self.log.info("dataops-jupyter: stopping the embedded control service")
            await self._terminate()
            self.endpoint = None
