"""The Dask executor against a real cluster: a ``dask scheduler`` and two ``dask worker``
processes on loopback, and a real control service using them over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from dataops_jupyter.control_service.executors.local import die_with_parent
from dataops_jupyter.testing.postgres import free_port
from tests.conftest import write_notebook
from tests.control import (
    RunningService,
    deploy,
    service_config,
    start_service,
    wait_for,
    wait_for_retry,
)

pytestmark = pytest.mark.timeout(240)

TEAM = "analytics"
JOB = "dask-job"
API = f"/api/v1/teams/{TEAM}/jobs/{JOB}"
#: The scheduler settings under which a dying worker fails exactly its running attempt.
DASK_ENV = {
    "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
    "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
    # A worker host's own settings, which job code must not inherit.
    "DATAOPS_SECRET_KEY": "a-key-in-the-workers-environment",
}


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    #: Worker address → its process.
    workers: dict[str, subprocess.Popen[bytes]]


def _dask_command() -> list[str]:
    beside = Path(sys.executable).parent / "dask"
    return [str(beside)] if beside.exists() else [shutil.which("dask") or "dask"]


def _spawn(command: list[str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
            env={**os.environ, **DASK_ENV}, preexec_fn=die_with_parent,
        )  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    scheduler = _spawn(
        [*_dask_command(), "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
        folder / "scheduler.log",
        folder,
    )
    workers: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in ("w1", "w2"):
            workers[name] = _spawn(
                [*_dask_command(), "worker", address, "--name", name, "--nthreads", "1",
                 "--no-dashboard", "--no-nanny", "--host", "127.0.0.1",
                 "--local-directory", str(folder / name)],
                folder / f"{name}.log",
                folder,
            )  # fmt: skip
        with Client(address, timeout="30s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
            info = client.scheduler_info(n_workers=-1)["workers"]
        yield Cluster(address, scheduler, {a: workers[i["name"]] for a, i in info.items()})
    finally:
        for process in [*workers.values(), scheduler]:
            _stop(process)


@pytest.fixture(scope="module")
def control(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("control")
    config = service_config(folder, executor="dask", dask_scheduler=cluster.address)
    running = start_service(config)
    try:
        job = folder / JOB
        job.mkdir()
        (job / "job.toml").write_text(f'name = "{JOB}"\nretries = 1\nretry_delay = "1s"\n')
        write_notebook(
            job / "main.ipynb",
            [
                (["parameters"], 'pid_dir = ""\nhold = ""'),
                (["step:first"],
                 "import os, time, psutil\n"
                 "runner = psutil.Process(os.getppid())\n"
                 "with open(os.path.join(pid_dir, os.environ['DATAOPS_RUN_ID']), 'a') as f:\n"
                 "    f.write(f'{os.getpid()} {runner.pid} {runner.ppid()}\\n')\n"
                 "deadline = time.time() + 60\n"
                 "while hold and os.path.exists(hold) and time.time() < deadline:\n"
                 "    time.sleep(0.1)\n"
                 "print('first step ran in', os.getpid())"),
                (["step:second"],
                 "print('second step:', 6 * 7)\n"
                 "print('inherited', sorted(k for k in os.environ if k.startswith(('DASK_', 'DATAOPS_SECRET'))))"),
            ],
        )  # fmt: skip
        deploy(running.client(TEAM), TEAM, job)
        yield running
    finally:
        running.stop()
    assert not running.service.executor.running()


@pytest.fixture
def api(control: RunningService) -> httpx.Client:
    return control.client(TEAM)


def start(api: httpx.Client, tmp_path: Path, hold: Path | None = None) -> tuple[str, Path]:
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir(exist_ok=True)
    arguments = {"pid_dir": str(pid_dir), "hold": str(hold) if hold else ""}
    response = api.post(f"{API}/executions", json={"arguments": arguments})
    assert response.status_code == 202, response.text
    return response.json()["id"], pid_dir


def pids_of(pid_dir: Path, execution_id: str, timeout: float = 60) -> list[list[int]]:
    """The ``kernel runner worker`` pid lines the first step wrote for ``execution_id``."""
    path = pid_dir / execution_id
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text().endswith("\n"):
        assert time.monotonic() < deadline, f"execution {execution_id} never reached its step"
        time.sleep(0.05)
    return [[int(n) for n in line.split()] for line in path.read_text().splitlines()]


def processes_of(execution_id: str) -> list[psutil.Process]:
    """Live processes that belong to an execution: the runner (by its command line) and the
    kernel (by the run id in its environment)."""
    found = []
    for process in psutil.process_iter(["cmdline", "environ"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        environ = process.info["environ"] or {}
        if execution_id in cmdline or environ.get("DATAOPS_RUN_ID") == execution_id:
            found.append(process)
    return found


def assert_no_processes(execution_id: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while left := processes_of(execution_id):
        assert time.monotonic() < deadline, f"left running: {[p.cmdline() for p in left]}"
        time.sleep(0.2)


def claim(control: RunningService, execution_id: str) -> dict[str, Any]:
    path = control.service.record_folder(execution_id) / "dask-attempt.json"
    result: dict[str, Any] = json.loads(path.read_text())
    return result


def test_execution_runs_on_a_worker(
    control: RunningService, api: httpx.Client, cluster: Cluster, tmp_path: Path
) -> None:
    execution_id, pid_dir = start(api, tmp_path)
    final = wait_for(api, TEAM, JOB, execution_id, timeout=60)
    assert final["status"] == "succeeded", final
    assert [(s["name"], s["status"]) for s in final["steps"]] == [
        ("first", "succeeded"), ("second", "succeeded"),
    ]  # fmt: skip
    assert all(s["duration"] is not None for s in final["steps"])
    log = api.get(f"{API}/executions/{execution_id}/logs").json()
    assert log["complete"] and "second step: 42" in log["text"]
    assert "[second] inherited []" in log["text"], "the worker's environment is not job code's"
    [[_, _, worker_pid]] = pids_of(pid_dir, execution_id)
    worker = claim(control, execution_id)["worker"]
    assert cluster.workers[worker].pid == worker_pid  # run by a Dask worker, not the service
    assert worker_pid != os.getpid()


def test_cancel_stops_the_attempt_on_its_worker(
    control: RunningService, api: httpx.Client, cluster: Cluster, tmp_path: Path
) -> None:
    hold = tmp_path / "hold"
    hold.touch()
    execution_id, pid_dir = start(api, tmp_path, hold)
    [[kernel, runner, worker_pid]] = pids_of(pid_dir, execution_id)
    assert {kernel, runner} <= {p.pid for p in processes_of(execution_id)}
    response = api.post(f"{API}/executions/{execution_id}/cancel")
    assert response.status_code == 202, response.text
    final = wait_for(api, TEAM, JOB, execution_id, timeout=30)
    assert final["status"] == "cancelled", final
    assert [s["status"] for s in final["steps"]] == ["cancelled", "skipped"]
    record = json.loads((control.service.record_folder(execution_id) / "run.json").read_text())
    assert record["status"] == "cancelled"  # the runner stopped its kernel and said so
    assert_no_processes(execution_id)
    assert psutil.pid_exists(worker_pid)  # its worker lives on
    assert all(w.poll() is None for w in cluster.workers.values())
    executions = api.get(f"{API}/executions").json()["executions"]
    assert not [e for e in executions if e["retry_of"] == execution_id]
    assert len(pids_of(pid_dir, execution_id)) == 1


def test_killed_worker_fails_its_attempt_and_the_service_retries(
    control: RunningService, api: httpx.Client, cluster: Cluster, tmp_path: Path
) -> None:
    hold = tmp_path / "hold"
    hold.touch()
    execution_id, pid_dir = start(api, tmp_path, hold)
    [[_, _, worker_pid]] = pids_of(pid_dir, execution_id)
    [(killed, worker)] = [(a, w) for a, w in cluster.workers.items() if w.pid == worker_pid]
    [survivor] = [w for a, w in cluster.workers.items() if a != killed]
    os.kill(worker_pid, signal.SIGKILL)
    worker.wait(10)

    failed = wait_for(api, TEAM, JOB, execution_id, timeout=30)
    assert failed["status"] == "platform_error", failed
    assert "worker" in failed["message"]
    assert [s["status"] for s in failed["steps"]] == ["failed", "skipped"]
    assert_no_processes(execution_id)  # runner and kernel died with their worker
    hold.unlink()

    retry, executions = wait_for_retry(api, TEAM, JOB, execution_id, timeout=60)
    assert [e for e in executions if e["retry_of"] == execution_id] == [retry]
    assert retry["status"] == "succeeded" and retry["attempt"] == 2, retry
    [[_, _, retry_worker]] = pids_of(pid_dir, retry["id"])
    assert retry_worker == survivor.pid
    assert_no_processes(retry["id"])
    # Dask never ran the killed attempt again, and the service retried it once.
    time.sleep(1)
    assert len(pids_of(pid_dir, execution_id)) == 1
    executions = api.get(f"{API}/executions").json()["executions"]
    assert not [e for e in executions if e["retry_of"] == retry["id"]]
    assert not [e for e in executions if e["status"] in ("submitted", "running")]


def test_a_claimed_or_cancelled_attempt_never_starts_a_runner(tmp_path: Path) -> None:
    from dataops_jupyter.control_service.executors.base import Attempt
    from dataops_jupyter.control_service.executors.dask import (
        CANCEL_FILE,
        CLAIM_FILE,
        run_attempt,
    )

    def attempt(name: str) -> Attempt:
        folder = tmp_path / name
        folder.mkdir()
        return Attempt(name, TEAM, JOB, tmp_path / "missing-job", folder, {}, None)

    again = attempt("again")
    (again.record_folder / CLAIM_FILE).write_text("{}")  # Dask offers a started attempt again
    assert run_attempt(again)["skipped"] == "already ran"
    cancelled = attempt("cancelled")
    (cancelled.record_folder / CANCEL_FILE).touch()
    assert run_attempt(cancelled)["skipped"] == "cancelled"
    for each in (again, cancelled):
        assert not (each.record_folder / "runner.out").exists()
