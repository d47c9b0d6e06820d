"""A real control service for tests: uvicorn on a free loopback port, state in tmp_path."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from dataops_jupyter.control_service.app import create_app
from dataops_jupyter.control_service.auth import create_token
from dataops_jupyter.control_service.bundles import make_bundle
from dataops_jupyter.control_service.config import ServiceConfig
from dataops_jupyter.control_service.service import ControlService
from dataops_jupyter.testing.postgres import free_port

FINAL = {"succeeded", "user_error", "platform_error", "cancelled", "skipped"}


@dataclass
class RunningService:
    url: str
    service: ControlService
    server: uvicorn.Server
    thread: threading.Thread
    clients: list[httpx.Client] = field(default_factory=list)

    def token(self, team: str | None, admin: bool = False) -> str:
        return create_token(self.service.engine, team, admin=admin)

    def client(self, team: str | None = "analytics", token: str | None = None) -> httpx.Client:
        """An HTTP client with a fresh token of ``team`` (or the given token)."""
        token = token if token is not None else self.token(team)
        client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        self.clients.append(client)
        return client

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.server.should_exit = True
        self.thread.join(30)


def start_service(config: ServiceConfig) -> RunningService:
    port = free_port()
    config.public_url = config.public_url or f"http://127.0.0.1:{port}"
    service = ControlService(config)
    server = uvicorn.Server(
        uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the control service did not start"
        assert time.monotonic() < deadline, "the control service did not start in time"
        time.sleep(0.05)
    return RunningService(f"http://127.0.0.1:{port}", service, server, thread)


def service_config(tmp_path: Path, **values: Any) -> ServiceConfig:
    settings: dict[str, Any] = {
        "db_url": f"sqlite:///{tmp_path / 'control.db'}",
        "artifacts": tmp_path / "artifacts",
        "tick": 0.2,
        "secret_key": "pS-bz5dX6Kn6kB4l3BaHgVqYpxnmwoO9uTk6aYBCpD0=",
    }
    settings.update(values)
    return ServiceConfig(**settings)


@pytest.fixture
def control(tmp_path: Path) -> Iterator[RunningService]:
    running = start_service(service_config(tmp_path))
    try:
        yield running
    finally:
        running.stop()


def deploy(client: httpx.Client, team: str, folder: Path, reason: str = "") -> dict[str, Any]:
    """Create the job if needed and deploy the folder; the deployment's JSON."""
    name = folder.name
    if client.get(f"/api/v1/teams/{team}/jobs/{name}").status_code == 404:
        created = client.post(f"/api/v1/teams/{team}/jobs", json={"name": name})
        assert created.status_code == 201, created.text
    response = client.post(
        f"/api/v1/teams/{team}/jobs/{name}/deployments",
        params={"reason": reason},
        content=make_bundle(folder),
        headers={"Content-Type": "application/zip"},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def wait_for(
    client: httpx.Client, team: str, job: str, execution: str, timeout: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(
            f"/api/v1/teams/{team}/jobs/{job}/executions/{execution}"
        ).json()
        if body["status"] in FINAL:
            return body
        assert time.monotonic() < deadline, f"execution {execution} still {body['status']}"
        time.sleep(0.2)
