"""Cron scheduling, catch-up, skipped runs, two service processes on one PostgreSQL, and a
control service killed with SIGKILL in the middle of an execution."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy import select, update

from dataops_jupyter.control_service.auth import create_token
from dataops_jupyter.control_service.db import executions, jobs, make_engine, migrate
from dataops_jupyter.testing.postgres import free_port

from .conftest import MakeJob
from .control import FINAL, RunningService, deploy, wait_for, wait_for_file

pytestmark = pytest.mark.timeout(300)
API = "/api/v1/teams/analytics"


def set_next_run(service_engine: Any, when: datetime, names: list[str] | None = None) -> None:
    with service_engine.begin() as c:
        query = update(jobs).values(next_run_at=when)
        if names:
            query = query.where(jobs.c.name.in_(names))
        c.execute(query)


def test_catch_up_is_one_run_and_overlap_is_skipped(
    control: RunningService, make_job: MakeJob, tmp_path: Path
) -> None:
    client = control.client()
    marker = tmp_path / "runs"
    folder = make_job(
        "hourly",
        [
            (
                ["step:work"],
                f"with open({str(marker)!r}, 'a') as f: f.write('run\\n')\nimport time\ntime.sleep(4)",
            )
        ],
        '[schedule]\ncron = "0 * * * *"',
    )
    deploy(client, "analytics", folder)
    service = control.service
    three_hours_ago = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
        hours=3
    )
    set_next_run(service.engine, three_hours_ago)
    deadline = time.monotonic() + 30
    while not client.get(f"{API}/jobs/hourly/executions").json()["executions"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    listed = client.get(f"{API}/jobs/hourly/executions").json()["executions"]
    assert len(listed) == 1, "missed hours give one catch-up run, not three"
    first = listed[0]
    assert first["trigger"] == "schedule"
    assert datetime.fromisoformat(first["scheduled_for"]) == datetime.now(UTC).replace(
        minute=0, second=0, microsecond=0
    )
    job = client.get(f"{API}/jobs/hourly").json()
    assert datetime.fromisoformat(job["next_runs"][0]) > datetime.now(UTC)
    # The next cron time comes while the first run is still going: that run is skipped.
    set_next_run(service.engine, datetime.now(UTC) - timedelta(seconds=1))
    deadline = time.monotonic() + 30
    while len(client.get(f"{API}/jobs/hourly/executions").json()["executions"]) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    executions_now = client.get(f"{API}/jobs/hourly/executions").json()["executions"]
    newest = next(e for e in executions_now if e["id"] != first["id"])
    assert newest["status"] == "skipped" and first["id"] in newest["message"]
    assert wait_for(client, "analytics", "hourly", first["id"])["status"] == "succeeded"
    assert marker.read_text().count("run") == 1


def _serve(db: str, artifacts: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dataops_jupyter.cli", "control-service", "--db", db,
         "--artifacts", str(artifacts), "--port", str(port), "--pool-size", "2"],
        stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, "the control service exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the control service did not become healthy"
        time.sleep(0.2)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_two_service_processes_on_one_postgres_never_run_a_job_twice(
    postgres_url: str, make_job: MakeJob, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    engine = make_engine(postgres_url)
    migrate(engine)
    token = create_token(engine, "analytics")
    artifacts = tmp_path / "artifacts"
    ports = [free_port(), free_port()]
    for port in ports:
        processes.append(_serve(postgres_url, artifacts, port, tmp_path / f"service-{port}.log"))
    for port, process in zip(ports, processes, strict=True):
        _healthy(port, process)
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{ports[0]}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    names = [f"job-{i}" for i in range(12)]
    marker = tmp_path / "ran"
    marker.mkdir()
    for name in names:
        folder = make_job(name, [(["step:mark"], f"with open({str(marker / name)!r}, 'a') as f: f.write('x')")],
                          '[schedule]\ncron = "0 0 1 1 *"')  # fmt: skip
        deploy(client, "analytics", folder)
    set_next_run(engine, datetime.now(UTC) - timedelta(seconds=1), names)
    deadline = time.monotonic() + 150
    while True:
        with engine.connect() as c:
            rows = c.execute(
                select(executions.c.job, executions.c.status, executions.c.owner)
            ).all()
        if len(rows) >= len(names) and all(r.status in FINAL for r in rows):
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.5)
    assert sorted(r.job for r in rows) == sorted(names), "exactly one execution per job"
    assert all(r.status == "succeeded" for r in rows)
    assert {p.name: p.read_text() for p in marker.iterdir()} == {n: "x" for n in names}
    owners = {r.owner for r in rows}
    assert len(owners) == 2, f"both processes took work: {owners}"
    client.close()
    engine.dispose()


def test_killed_service_recovers_every_execution(
    make_job: MakeJob, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    db = f"sqlite:///{tmp_path / 'control.db'}"
    engine = make_engine(db)
    migrate(engine)
    token = create_token(engine, "analytics")
    port = free_port()
    artifacts = tmp_path / "artifacts"
    processes.append(_serve(db, artifacts, port, tmp_path / "service.log"))
    _healthy(port, processes[-1])
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    attempts = tmp_path / "attempts"
    folder = make_job(
        "survivor",
        [(["step:work"], f"import os, time\nwith open({str(attempts)!r}, 'a') as f: f.write(f'{{os.getpid()}}\\n')\n"
          f"time.sleep(60 if len(open({str(attempts)!r}).read().split()) == 1 else 0)")],
        'retries = 1\nretry_delay = "1s"\n[schedule]\ncron = "0 0 1 1 *"',
    )  # fmt: skip
    deploy(client, "analytics", folder)
    first = client.post(f"{API}/jobs/survivor/executions").json()
    wait_for_file(attempts)
    kernel_pid = int(attempts.read_text().split()[0])
    processes[-1].kill()  # SIGKILL: no clean-up of any kind
    processes[-1].wait(10)
    client.close()
    deadline = time.monotonic() + 15
    while (
        psutil.pid_exists(kernel_pid)
        and psutil.Process(kernel_pid).status() != psutil.STATUS_ZOMBIE
    ):
        assert time.monotonic() < deadline, "the kernel outlived its control service"
        time.sleep(0.2)
    orphans = [
        p
        for p in psutil.process_iter(["cmdline"])
        if first["id"] in " ".join(p.info["cmdline"] or [])
    ]
    assert orphans == []
    set_next_run(engine, datetime.now(UTC) - timedelta(seconds=1))
    processes.append(_serve(db, artifacts, port, tmp_path / "service.log"))
    _healthy(port, processes[-1])
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert wait_for(client, "analytics", "survivor", first["id"])["status"] == "platform_error"
    deadline = time.monotonic() + 120
    while True:
        listed = client.get(f"{API}/jobs/survivor/executions").json()["executions"]
        if len(listed) >= 3 and all(e["status"] in FINAL for e in listed):
            break
        assert time.monotonic() < deadline, listed
        time.sleep(0.3)
    by_trigger = sorted((e["trigger"], e["status"]) for e in listed)
    assert by_trigger in (
        [("manual", "platform_error"), ("retry", "succeeded"), ("schedule", "skipped")],
        [("manual", "platform_error"), ("retry", "skipped"), ("schedule", "succeeded")],
        [("manual", "platform_error"), ("retry", "succeeded"), ("schedule", "succeeded")],
    ), by_trigger
    assert datetime.fromisoformat(
        client.get(f"{API}/jobs/survivor").json()["next_runs"][0]
    ) > datetime.now(UTC)
    client.close()
    engine.dispose()
