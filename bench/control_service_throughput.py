"""Throughput of the control service's executors against running jobs one after another.

Twenty copies of a trivial two-step job run (1) as sequential ``dataops run`` subprocesses,
(2) through a real control service (``dataops control-service``) on its local pool, and
(3) through a second control service on a Dask cluster (a ``dask scheduler`` and workers with
one thread each on this machine). For the services, all executions are triggered over the
REST API at once, and the time is taken from the first execution's creation to the last one's
end as the service recorded them. Rounds alternate between the three; medians of the rounds
are printed in jobs per minute, with their ratios, and the CPU time each side spent per job
(all its processes: runners, kernels, service, scheduler and workers), which shows overhead
apart from what else the machine is doing.

Usage: ``python bench/control_service_throughput.py [--jobs 20] [--runs 3] [--pool 2]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import nbformat
import psutil
import requests
from nbformat.v4 import new_code_cell, new_notebook

from dataops_jupyter.control_service.bundles import make_bundle
from dataops_jupyter.control_service.executors.local import die_with_parent

TEAM = "bench"
CELLS = [
    (["parameters"], "n = 3"),
    (["step:extract"], "rows = list(range(n))"),
    (["step:load"], "print(sum(rows))"),
]
FINAL = {"succeeded", "user_error", "platform_error", "cancelled", "skipped"}
DASK_ENV = {
    "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
    "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_job(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "job.toml").write_text(f'name = "{folder.name}"\nteam = "{TEAM}"\n')
    nb = new_notebook(
        cells=[new_code_cell(src, metadata={"tags": tags}) for tags, src in CELLS],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, str(folder / "job.ipynb"))
    return folder


class Processes:
    """Child processes of the benchmark, stopped (SIGTERM, then SIGKILL) in reverse order."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.started: list[subprocess.Popen[bytes]] = []

    def spawn(
        self, name: str, command: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        with (self.workdir / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir,
                env={**os.environ, **(env or {})}, preexec_fn=die_with_parent,
            )  # fmt: skip
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.started):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def dataops(*args: str) -> list[str]:
    return [sys.executable, "-m", "dataops_jupyter.cli", *args]


def dask(*args: str) -> list[str]:
    beside = Path(sys.executable).parent / "dask"
    return [str(beside) if beside.exists() else "dask", *args]


class Service:
    """A ``dataops control-service`` process with the benchmark's jobs deployed."""

    def __init__(self, processes: Processes, name: str, extra: list[str]) -> None:
        workdir = processes.workdir / name
        workdir.mkdir()
        db = f"sqlite:///{workdir / 'control.db'}"
        token = subprocess.run(
            dataops("control-service", "create-token", "--db", db, "--team", TEAM),
            check=True, capture_output=True, text=True,
        ).stdout.split()[-1]  # fmt: skip
        port = free_port()
        self.process = processes.spawn(
            name,
            dataops("control-service", "--port", str(port), "--db", db,
                    "--artifacts", str(workdir / "artifacts"), *extra),
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}/api/v1/teams/{TEAM}"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the {name} control service did not start; see {name}.log")
            time.sleep(0.2)

    def deploy(self, folders: list[Path]) -> None:
        for folder in folders:
            self.http.post(f"{self.url}/jobs", json={"name": folder.name}).raise_for_status()
            self.http.post(
                f"{self.url}/jobs/{folder.name}/deployments",
                data=make_bundle(folder),
                headers={"Content-Type": "application/zip"},
            ).raise_for_status()

    def run_all(self, folders: list[Path]) -> float:
        """Trigger every job at once; seconds from the first creation to the last end."""
        started = {
            folder.name: self.http.post(f"{self.url}/jobs/{folder.name}/executions").json()["id"]
            for folder in folders
        }
        finals = []
        for job, execution in started.items():
            while True:
                body = self.http.get(f"{self.url}/jobs/{job}/executions/{execution}").json()
                if body["status"] in FINAL:
                    break
                time.sleep(0.2)
            if body["status"] != "succeeded":
                raise SystemExit(f"{job} ended {body['status']}: {body.get('message')}")
            finals.append(body)
        first = min(datetime.fromisoformat(b["created_at"]) for b in finals)
        last = max(datetime.fromisoformat(b["finished_at"]) for b in finals)
        return (last - first).total_seconds()


def sequential(folders: list[Path]) -> float:
    started = time.perf_counter()
    for folder in folders:
        subprocess.run(dataops("run", str(folder), "--json"), check=True, capture_output=True)
    return time.perf_counter() - started


def cpu_seconds(processes: list[subprocess.Popen[bytes]] | None) -> float:
    """CPU time of long-lived processes, their descendants (a worker under its nanny) and
    their ended children; ``None``: of this process's ended children. Taken between runs,
    when no runner or kernel is alive."""
    if processes is None:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime
    total = 0.0
    for process in processes:
        root = psutil.Process(process.pid)
        for each in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = each.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
    return total


def start_dask(processes: Processes, workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = dask("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    cluster = [processes.spawn("dask-scheduler", scheduler, DASK_ENV)]
    for index in range(workers):
        name = f"dask-worker-{index + 1}"
        scratch = str(processes.workdir / name)
        worker = dask("worker", address, "--name", name, "--nthreads", "1", "--no-dashboard",
                      "--host", "127.0.0.1", "--local-directory", scratch)  # fmt: skip
        cluster.append(processes.spawn(name, worker, DASK_ENV))
    from distributed import Client

    with Client(address, timeout="30s", set_as_default=False) as client:
        client.wait_for_workers(workers, timeout=60)
    return address, cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pool", type=int, default=2, help="local pool size and Dask workers")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="dataops-throughput-"))
    processes = Processes(workdir)
    try:
        folders = [make_job(workdir / "jobs" / f"bench-{i:02d}") for i in range(options.jobs)]
        address, cluster = start_dask(processes, options.pool)
        local = Service(processes, "local", ["--pool-size", str(options.pool)])
        on_dask = Service(processes, "dask", ["--executor", "dask", "--dask-scheduler", address,
                                              "--pool-size", str(options.pool)])  # fmt: skip
        local.deploy(folders)
        on_dask.deploy(folders)
        sides: dict[str, tuple[Callable[[], float], list[subprocess.Popen[bytes]] | None]] = {
            "sequential dataops run": (lambda: sequential(folders), None),
            f"control service, local pool of {options.pool}": (
                lambda: local.run_all(folders), [local.process]),
            f"control service, Dask with {options.pool} workers": (
                lambda: on_dask.run_all(folders), [on_dask.process, *cluster]),
        }  # fmt: skip
        for run, _ in sides.values():  # warm caches and connections once
            run()
        load = os.getloadavg()[0]
        rates: dict[str, list[float]] = {label: [] for label in sides}
        cpu: dict[str, list[float]] = {label: [] for label in sides}
        for _ in range(options.runs):
            for label, (run, owners) in sides.items():
                before = cpu_seconds(owners)
                rates[label].append(options.jobs / run() * 60)
                cpu[label].append((cpu_seconds(owners) - before) / options.jobs)
        print(
            f"{options.jobs} two-step jobs, {options.runs} runs each, medians; {os.cpu_count()} "
            f"cores, load average {load:.1f} before and {os.getloadavg()[0]:.1f} after\n"
        )
        medians = {label: statistics.median(values) for label, values in rates.items()}
        print(f"{'':<40} {'jobs/min':>8}   {'CPU s/job':>9}   runs (jobs/min)")
        for label, values in rates.items():
            runs = " ".join(f"{v:5.1f}" for v in values)
            used = statistics.median(cpu[label])
            print(f"{label:<40} {medians[label]:8.1f}   {used:9.2f}   {runs}")
        seq, pool, on_cluster = medians.values()
        print(f"\nlocal pool / sequential: {pool / seq:.2f}x   (target: pool >= 40 jobs/min)")
        print(f"Dask / local pool:       {on_cluster / pool:.2f}x   (target: >= 0.90)")
    finally:
        processes.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
