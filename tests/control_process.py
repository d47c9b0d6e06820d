"""A control service as users start it: ``dataops control-service`` in its own process on a free
loopback port, with its state in a temporary folder."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from dataops_jupyter.control_service.auth import create_token
from dataops_jupyter.control_service.bundles import make_bundle
from dataops_jupyter.control_service.db import make_engine, migrate
from dataops_jupyter.testing.postgres import free_port

SECRET_KEY = "pS-bz5dX6Kn6kB4l3BaHgVqYpxnmwoO9uTk6aYBCpD0="
FINAL = {"succeeded", "user_error", "platform_error", "cancelled", "skipped"}


@dataclass
class ServiceProcess:
    url: str
    token: str
    team: str
    process: subprocess.Popen[bytes]
    folder: Path

    def for_team(self, team: str) -> ServiceProcess:
        """The same service, with a new token of ``team``."""
        engine = make_engine(f"sqlite:///{self.folder / 'control.db'}")
        try:
            token = create_token(engine, team)
        finally:
            engine.dispose()
        return dataclasses.replace(self, token=token, team=team)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "dataops_jupyter.cli", "control-service", *args]


def start_service_process(
    folder: Path, team: str = "analytics", env: dict[str, str] | None = None
) -> ServiceProcess:
    """Start ``dataops control-service`` with ``DATAOPS_SECRET_KEY`` (and ``env``) set."""
    folder.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{folder / 'control.db'}"
    engine = make_engine(db)
    migrate(engine)
    token = create_token(engine, team)
    engine.dispose()
    port = free_port()
    log = (folder / "service.log").open("ab")
    process = subprocess.Popen(
        _command("--port", str(port), "--db", db, "--artifacts", str(folder / "artifacts")),
        stdout=log, stderr=log, cwd=folder, start_new_session=True,
        env={**os.environ, "DATAOPS_SECRET_KEY": SECRET_KEY, **(env or {})},
    )  # fmt: skip
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, (folder / "service.log").read_text()
        try:
            if requests.get(f"{url}/healthz", timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline, "the control service did not start"
        time.sleep(0.1)
    return ServiceProcess(url, token, team, process, folder)


@pytest.fixture(scope="session")
def service_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    """One control service process for the session's tests; each module uses its own team."""
    running = start_service_process(tmp_path_factory.mktemp("control-process"))
    yield running
    running.stop()


def deploy_folder(service: ServiceProcess, folder: Path) -> dict[str, object]:
    """Create the job if needed and deploy ``folder`` (without the CLI)."""
    headers = {"Authorization": f"Bearer {service.token}"}
    api = f"{service.url}/api/v1/teams/{service.team}/jobs"
    if requests.get(f"{api}/{folder.name}", headers=headers, timeout=30).status_code == 404:
        requests.post(api, json={"name": folder.name}, headers=headers, timeout=30)
    response = requests.post(
        f"{api}/{folder.name}/deployments",
        data=make_bundle(folder),
        headers={**headers, "Content-Type": "application/zip"},
        timeout=300,
    )
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result
