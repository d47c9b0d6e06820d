"""One DuckDB file shared by several processes at once (a kernel, a local run, the control
service): DuckDB lets one process at a time open a file for writing, and users must not see it."""

from __future__ import annotations

import multiprocessing
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

from dataops_jupyter.warehouse import (
    RetryPolicy,
    WarehouseUnavailableError,
    ingest,
    open_warehouse,
)
from dataops_jupyter.warehouse.duckdb import DuckDBWarehouse

pytestmark = pytest.mark.timeout(120)

SPAWN = multiprocessing.get_context("spawn")
ROWS_PER_LOAD = 7


def _user_process(url: str, name: str, loads: int, ready: Any, go: Any, results: Any) -> None:
    """What one process does: load, read back, upsert a status row, in a loop."""
    errors: list[str] = []
    retried = 0
    try:
        warehouse = open_warehouse(url)
        ready.put(name)
        go.wait(60)
        for i in range(loads):
            try:
                rows = [{"process": name, "loop": i, "n": j} for j in range(ROWS_PER_LOAD)]
                summary = ingest(warehouse, rows, "events")
                retried += summary.attempts - 1
                mine = warehouse.query(
                    "SELECT count(*) AS n FROM events WHERE process = $p", {"p": name}
                )
                assert mine is not None
                if mine.to_pylist() != [{"n": (i + 1) * ROWS_PER_LOAD}]:
                    errors.append(f"{name} saw {mine.to_pylist()} after loop {i}")
                status = {"process": name, "loop": i}
                retried += (
                    ingest(warehouse, status, "progress", mode="merge", key="process").attempts - 1
                )
            except Exception:
                errors.append(traceback.format_exc())
    finally:
        results.put((name, errors, retried))


def _hold_the_file(path: str, seconds: float, ready: Any) -> None:
    """Another process that keeps the file open in a transaction for a while, then commits."""
    import duckdb

    connection = duckdb.connect(path)
    connection.execute("BEGIN TRANSACTION")
    connection.execute("CREATE TABLE IF NOT EXISTS holder (x INTEGER)")
    connection.execute("INSERT INTO holder VALUES (1)")
    ready.set()
    time.sleep(seconds)
    connection.execute("COMMIT")
    connection.close()


def test_three_processes_load_and_read_one_file_without_errors_or_lost_rows(
    tmp_path: Path,
) -> None:
    url = f"duckdb://{tmp_path / 'warehouse.duckdb'}"
    loads = 15
    names = ["kernel", "local-run", "control-service"]
    ready, results, go = SPAWN.Queue(), SPAWN.Queue(), SPAWN.Event()
    processes = [
        SPAWN.Process(target=_user_process, args=(url, name, loads, ready, go, results))
        for name in names
    ]
    for process in processes:
        process.start()
    try:
        for _ in names:
            ready.get(timeout=60)
        go.set()
        outcomes = [results.get(timeout=100) for _ in names]
    finally:
        for process in processes:
            process.join(30)
            if process.is_alive():
                process.kill()

    for name, errors, _retried in outcomes:
        assert errors == [], f"{name}: {errors[0]}"
    # The processes really did get in each other's way, and nobody noticed.
    assert sum(retried for _, _, retried in outcomes) > 0

    warehouse = open_warehouse(url)
    total = warehouse.query("SELECT process, count(*) AS n FROM events GROUP BY process ORDER BY 1")
    assert total is not None
    assert total.to_pylist() == [
        {"process": name, "n": loads * ROWS_PER_LOAD} for name in sorted(names)
    ]
    progress = warehouse.query("SELECT process, loop FROM progress ORDER BY process")
    assert progress is not None
    assert progress.to_pylist() == [{"process": n, "loop": loads - 1} for n in sorted(names)]
    recorded = warehouse.query("SELECT status, count(*) AS n FROM _dataops_loads GROUP BY status")
    assert recorded is not None
    assert recorded.to_pylist() == [{"status": "succeeded", "n": 2 * loads * len(names)}]


def test_a_load_waits_for_another_process_that_holds_the_file(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    warehouse = open_warehouse(f"duckdb://{path}")
    ingest(warehouse, [{"id": 0}], "orders")
    ready = SPAWN.Event()
    holder = SPAWN.Process(target=_hold_the_file, args=(str(path), 1.5, ready))
    holder.start()
    try:
        assert ready.wait(60)
        started = time.monotonic()
        summary = ingest(warehouse, [{"id": 1}, {"id": 2}], "orders")
        waited = time.monotonic() - started
        rows = warehouse.query("SELECT count(*) AS n FROM orders")
    finally:
        holder.join(30)
    assert summary.attempts > 1
    assert waited >= 0.5
    assert rows is not None and rows.to_pylist() == [{"n": 3}]


def test_a_file_busy_past_the_deadline_is_a_clear_error_and_nothing_is_half_done(
    tmp_path: Path,
) -> None:
    path = tmp_path / "warehouse.duckdb"
    warehouse = open_warehouse(f"duckdb://{path}")
    ingest(warehouse, [{"id": 0}], "orders")
    impatient = DuckDBWarehouse(
        warehouse.url,
        retry=RetryPolicy(attempts=1000, first_delay=0.01, max_delay=0.1, deadline=0.5),
    )
    ready = SPAWN.Event()
    holder = SPAWN.Process(target=_hold_the_file, args=(str(path), 2.0, ready))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(WarehouseUnavailableError) as caught:
            ingest(impatient, [{"id": 1}, {"id": 2}], "orders")
    finally:
        holder.join(30)
    message = str(caught.value)
    assert "stayed unavailable" in message
    assert "lock" in message.lower()
    assert caught.value.status == 503

    rows = warehouse.query("SELECT id FROM orders")
    assert rows is not None and rows.to_pylist() == [{"id": 0}]
    # The failure was recorded once the file was free again.
    failed = warehouse.query("SELECT table_name, error FROM _dataops_loads WHERE status = 'failed'")
    assert failed is not None
    [record] = failed.to_pylist()
    assert record["table_name"] == "orders" and "lock" in record["error"].lower()


def test_threads_of_one_process_upsert_the_same_rows_at_once(tmp_path: Path) -> None:
    warehouse = open_warehouse(f"duckdb://{tmp_path / 'warehouse.duckdb'}")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(15):
                ingest(
                    warehouse,
                    [{"slot": s, "worker": worker, "i": i} for s in range(3)],
                    "slots",
                    mode="merge",
                    key="slot",
                )
                ingest(warehouse, {"worker": worker, "i": i}, "log")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    slots = warehouse.query("SELECT count(*) AS n, count(DISTINCT slot) AS d FROM slots")
    log = warehouse.query("SELECT count(*) AS n FROM log")
    assert slots is not None and slots.to_pylist() == [{"n": 3, "d": 3}]
    assert log is not None and log.to_pylist() == [{"n": 45}]
