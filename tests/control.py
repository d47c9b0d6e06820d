"""Fixtures around a real control service (see dataops_jupyter/testing/control.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dataops_jupyter.control_service.bundles import make_bundle
from dataops_jupyter.testing.control import RunningService, service_config, start_service

__all__ = [
    "FINAL",
    "RunningService",
    "any_control",
    "control",
    "deploy",
    "service_config",
    "start_service",
    "wait_for",
    "wait_for_file",
    "wait_for_retry",
]

FINAL = {"succeeded", "user_error", "platform_error", "cancelled", "skipped"}


@pytest.fixture
def control(tmp_path: Path) -> Iterator[RunningService]:
    """A control service on SQLite."""
    running = start_service(service_config(tmp_path))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def any_control(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunningService]:
    """A control service on SQLite, then on a real PostgreSQL."""
    config = service_config(tmp_path)
    if request.param == "postgres":
        config.db_url = request.getfixturevalue("postgres_url")
    running = start_service(config)
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


def wait_for_retry(
    client: httpx.Client, team: str, job: str, execution: str, timeout: float = 90
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Wait until the retry of ``execution`` has ended; it and the job's listed executions."""
    deadline = time.monotonic() + timeout
    while True:
        listed: list[dict[str, Any]] = client.get(
            f"/api/v1/teams/{team}/jobs/{job}/executions"
        ).json()["executions"]
        retries = [e for e in listed if e["retry_of"] == execution]
        if retries and retries[0]["status"] in FINAL:
            return retries[0], listed
        assert time.monotonic() < deadline, f"no finished retry of {execution}: {retries}"
        time.sleep(0.3)


def wait_for_file(path: Path, timeout: float = 60) -> None:
    """Wait until a step of a job under test has written ``path``."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} was never written"
        time.sleep(0.1)
