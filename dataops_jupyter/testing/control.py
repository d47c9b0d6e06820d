"""A real control service in this process: uvicorn on a free loopback port (tests, benchmarks)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from ..control_service.app import create_app
from ..control_service.auth import create_token
from ..control_service.config import ServiceConfig
from ..control_service.service import ControlService
from .postgres import free_port

#: A fixed Fernet key for tests; never use it for real secrets.
TEST_SECRET_KEY = "pS-bz5dX6Kn6kB4l3BaHgVqYpxnmwoO9uTk6aYBCpD0="


@dataclass
class RunningService:
    url: str
    service: ControlService
    server: uvicorn.Server
    thread: threading.Thread
    clients: list[Any] = field(default_factory=list)

    def token(self, team: str | None, admin: bool = False) -> str:
        return create_token(self.service.engine, team, admin=admin)

    def client(self, team: str | None = "analytics", token: str | None = None) -> Any:
        """An ``httpx.Client`` with a fresh token of ``team`` (or the given token)."""
        import httpx

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
        "secret_key": TEST_SECRET_KEY,
    }
    settings.update(values)
    return ServiceConfig(**settings)
