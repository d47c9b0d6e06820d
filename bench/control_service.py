"""Control service figures: scheduler start lag with 500 jobs due every minute (no-op
executor), and listing a job's executions with 100,000 rows of history.

Usage: ``python bench/control_service.py [--jobs 500] [--minutes 2] [--history 100000]
[--postgres]``. Prints p50/p95/p99; BENCHMARKS.md keeps the latest results.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from dataops_jupyter.control_service.bundles import make_bundle
from dataops_jupyter.control_service.db import executions
from dataops_jupyter.testing.control import service_config, start_service

JOB_TOML = 'name = "{name}"\n[schedule]\ncron = "* * * * *"\n'


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def make_job_folder(root: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder = root / "template"
    folder.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("1", metadata={"tags": ["step"]})]),
                   str(folder / "job.ipynb"))  # fmt: skip
    return folder


def scheduler_lag(db_url: str | None, jobs: int, minutes: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = service_config(root, executor="noop", tick=0.5)
        if db_url:
            config.db_url = db_url
        running = start_service(config)
        try:
            service = running.service
            template = make_job_folder(root)
            started = time.perf_counter()
            for index in range(jobs):
                name = f"job-{index:04d}"
                (template / "job.toml").write_text(JOB_TOML.format(name=name))
                service.store.create_job("bench", name)
                service.deploy("bench", name, make_bundle(template), "bench", "")
            print(f"deployed {jobs} jobs in {time.perf_counter() - started:.1f} s")
            now = datetime.now(UTC)
            first = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
            end = first + timedelta(minutes=minutes - 1, seconds=20)
            print(
                f"waiting for {minutes} minute boundaries (until {end:%H:%M:%S} UTC) …", flush=True
            )
            while datetime.now(UTC) < end:
                time.sleep(1)
            with service.engine.connect() as c:
                rows = c.execute(
                    select(
                        executions.c.scheduled_for, executions.c.started_at, executions.c.status
                    ).where(executions.c.trigger == "schedule")
                ).all()
            lags = [(r.started_at - r.scheduled_for).total_seconds() for r in rows if r.started_at]
            expected = jobs * minutes
            print(
                f"scheduler start lag, {len(lags)} of {expected} executions "
                f"({jobs} jobs x {minutes} min): "
                f"p50 {percentile(lags, 0.5):.2f} s, p95 {percentile(lags, 0.95):.2f} s, "
                f"p99 {percentile(lags, 0.99):.2f} s, max {max(lags):.2f} s (target p99 <= 2 s)"
            )
        finally:
            running.stop()


def list_latency(db_url: str | None, history: int, requests: int = 200) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = service_config(root, executor="noop", background=False)
        if db_url:
            config.db_url = db_url
        running = start_service(config)
        try:
            service = running.service
            for name in ("busy", "other"):
                service.store.create_job("bench", name)
            base = datetime(2025, 1, 1, tzinfo=UTC)
            started = time.perf_counter()
            batch = []
            for index in range(history):
                when = base + timedelta(minutes=index)
                batch.append(dict(
                    id=f"{when:%Y%m%dT%H%M%S}-{index:08x}", team="bench",
                    job="busy" if index % 4 else "other", version=1, status="succeeded",
                    trigger="schedule", arguments={}, attempt=1, scheduled_for=when,
                    not_before=when, created_at=when, started_at=when, finished_at=when,
                    steps=[{"name": "step-1", "status": "succeeded", "duration": 0.1}], notified=[],
                ))  # fmt: skip
                if len(batch) == 5000:
                    with service.engine.begin() as c:
                        c.execute(insert(executions), batch)
                    batch = []
            if batch:
                with service.engine.begin() as c:
                    c.execute(insert(executions), batch)
            print(f"inserted {history:,} executions in {time.perf_counter() - started:.1f} s")
            client = running.client("bench")
            times = []
            cursor = None
            for index in range(requests):
                params: dict[str, object] = {"limit": 50}
                if index % 2 and cursor:
                    params["before"] = cursor
                t0 = time.perf_counter()
                response = client.get("/api/v1/teams/bench/jobs/busy/executions", params=params)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200 and len(response.json()["executions"]) == 50
                cursor = response.json()["next_cursor"]
            print(
                f"list 50 of a job's executions with {history:,} rows: "
                f"p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms "
                f"(target p95 <= 50 ms)"
            )
        finally:
            running.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--minutes", type=int, default=2)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    parser.add_argument("--skip-lag", action="store_true")
    options = parser.parse_args()
    targets: list[tuple[str, str | None]] = [("SQLite", None)]
    cluster = None
    if options.postgres:
        from dataops_jupyter.testing.postgres import PostgresCluster

        cluster = PostgresCluster()
        targets.append(("PostgreSQL", cluster.start()))
    try:
        for label, url in targets:
            print(f"\n== {label}")
            list_latency(url and cluster and cluster.create_database("listing"), options.history)
            if not options.skip_lag:
                lag_url = url and cluster and cluster.create_database("lag")
                scheduler_lag(lag_url, options.jobs, options.minutes)
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
