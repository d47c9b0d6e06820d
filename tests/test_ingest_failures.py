"""Failures injected into loads on a real PostgreSQL server: killed connections, bad values,
duplicate keys, schema conflicts. A load either completes or leaves the table as it was."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from dataops_jupyter.warehouse import (
    IngestError,
    RetryPolicy,
    WarehouseError,
    WarehouseUnavailableError,
    ingest,
)
from dataops_jupyter.warehouse.postgres import PostgresWarehouse

pytestmark = pytest.mark.timeout(120)

ALL_ROWS = "SELECT * FROM {} ORDER BY id"


class CountingWarehouse(PostgresWarehouse):
    """A PostgreSQL warehouse that counts the connections it opens (each try opens one)."""

    def __init__(self, url: str, retry: RetryPolicy | None = None) -> None:
        super().__init__(url, retry=retry)
        self.connections = 0

    def connect(self) -> Any:
        self.connections += 1
        return super().connect()


def sql(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one statement on its own autocommit connection, as another client would."""
    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def other_backends(url: str, where: str = "TRUE") -> list[int]:
    rows = sql(
        url,
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        f"AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND {where}",
    )
    return [row[0] for row in rows]


def terminate(url: str, pids: list[int]) -> None:
    for pid in pids:
        assert sql(url, "SELECT pg_terminate_backend(%s, 5000)", (pid,)) == [(True,)]


def loads(url: str) -> list[tuple[Any, ...]]:
    return sql(url, "SELECT status, rows, error FROM _dataops_loads ORDER BY started_at")


def seed(url: str) -> list[tuple[Any, ...]]:
    warehouse = PostgresWarehouse(url)
    ingest(warehouse, [{"id": i, "name": f"old {i}", "qty": i} for i in range(5)], "stock")
    return sql(url, ALL_ROWS.format("stock"))


def killing_source(url: str, total: int, kill_at: int) -> Iterator[dict[str, Any]]:
    """Rows for a load; when row ``kill_at`` is due, the load's connection is terminated.

    From row 300 on the rows carry one more column, so the retry replays batches of two shapes.
    """
    for i in range(100, 100 + total):
        if i == 100 + kill_at:
            victims = other_backends(url)
            assert len(victims) == 1, victims
            terminate(url, victims)
        row = {"id": i, "name": f"new {i}", "qty": i % 7}
        yield row if i < 400 else {**row, "note": "late"}


# -- killed connections --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["append", "replace", "merge"])
def test_a_load_whose_connection_is_killed_midway_is_retried_and_lands_whole(
    postgres_url: str, mode: str
) -> None:
    before = seed(postgres_url)
    warehouse = CountingWarehouse(postgres_url)

    summary = ingest(
        warehouse,
        killing_source(postgres_url, total=1000, kill_at=450),
        "stock",
        mode=mode,
        key="id",
        batch_rows=100,
    )

    assert summary.attempts == 2
    assert summary.rows == 1000
    new = sql(
        postgres_url,
        "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM stock WHERE _load_id = %s",
        (summary.load_id,),
    )
    assert new == [(1000, 1000, 100, 1099)]
    assert sql(postgres_url, "SELECT count(note) FROM stock") == [(700,)]
    old = sql(postgres_url, "SELECT count(*) FROM stock WHERE _load_id <> %s", (summary.load_id,))
    assert old == [(0 if mode == "replace" else len(before),)]
    assert loads(postgres_url)[-1] == ("succeeded", 1000, None)
    assert [row[0] for row in loads(postgres_url)].count("failed") == 0


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_a_killed_load_without_retries_fails_cleanly_and_the_table_is_as_before(
    postgres_url: str, mode: str
) -> None:
    before = seed(postgres_url)
    warehouse = CountingWarehouse(postgres_url, retry=RetryPolicy(attempts=1))

    with pytest.raises(WarehouseUnavailableError) as caught:
        ingest(
            warehouse,
            killing_source(postgres_url, total=1000, kill_at=450),
            "stock",
            mode=mode,
            batch_rows=100,
        )

    assert "administrator command" in str(caught.value)
    assert sql(postgres_url, ALL_ROWS.format("stock")) == before
    assert sql(
        postgres_url, "SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'"
    ) == [(0,)]
    status, rows, error = loads(postgres_url)[-1]
    assert (status, rows) == ("failed", 0)
    assert "administrator command" in error


def test_a_load_killed_while_waiting_inside_a_statement_is_retried(postgres_url: str) -> None:
    seed(postgres_url)
    warehouse = CountingWarehouse(postgres_url)
    outcome: dict[str, Any] = {}

    # Another client locks the rows, so the replace's DELETE waits inside the statement.
    with psycopg.connect(postgres_url) as blocker:
        blocker.execute("SELECT * FROM stock FOR UPDATE")

        def load() -> None:
            try:
                rows = [{"id": i, "name": "fresh", "qty": 1} for i in range(50)]
                outcome["summary"] = ingest(warehouse, rows, "stock", mode="replace")
            except BaseException as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=load)
        thread.start()
        deadline = time.monotonic() + 20
        waiting: list[int] = []
        while not waiting and time.monotonic() < deadline:
            time.sleep(0.02)
            waiting = other_backends(postgres_url, "wait_event_type = 'Lock'")
        assert len(waiting) == 1
        terminate(postgres_url, waiting)
        time.sleep(0.2)
        blocker.rollback()
        thread.join(30)

    assert "error" not in outcome, outcome.get("error")
    assert outcome["summary"].attempts >= 2
    assert sql(postgres_url, "SELECT count(*), min(name), max(name) FROM stock") == [
        (50, "fresh", "fresh")
    ]


def test_a_lock_timeout_is_waited_out_with_backoff(postgres_url: str) -> None:
    seed(postgres_url)
    # Statements give up on a lock after 50 ms (SQLSTATE 55P03), as a busy server may be set.
    warehouse = CountingWarehouse(postgres_url + "?options=-c%20lock_timeout%3D50")
    with psycopg.connect(postgres_url) as blocker:
        blocker.execute("LOCK TABLE stock IN ACCESS EXCLUSIVE MODE")
        releaser = threading.Timer(0.6, blocker.rollback)
        releaser.start()
        summary = ingest(warehouse, [{"id": 50, "name": "late", "qty": 1}], "stock")
        releaser.join()
    assert summary.attempts >= 2
    assert warehouse.connections == summary.attempts
    assert sql(postgres_url, "SELECT name FROM stock WHERE id = 50") == [("late",)]


def test_a_query_whose_connection_is_killed_is_run_again(postgres_url: str) -> None:
    warehouse = CountingWarehouse(postgres_url)
    killer_done = threading.Event()

    def kill_the_sleeper() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            sleepers = other_backends(postgres_url, "query LIKE 'SELECT pg_sleep%%'")
            if sleepers:
                terminate(postgres_url, sleepers)
                break
            time.sleep(0.02)
        killer_done.set()

    killer = threading.Thread(target=kill_the_sleeper)
    killer.start()
    result = warehouse.query("SELECT pg_sleep(1) AS slept, 42 AS answer")
    killer.join(30)
    assert killer_done.is_set()
    assert result is not None and result.column("answer").to_pylist() == [42]
    assert warehouse.connections == 2


# -- connection problems that retrying does or does not fix ----------------------------------------


def test_a_missing_database_is_not_retried(postgres_url: str) -> None:
    warehouse = CountingWarehouse(postgres_url.rsplit("/", 1)[0] + "/nowhere")
    started = time.monotonic()
    with pytest.raises(WarehouseError, match='database "nowhere" does not exist'):
        ingest(warehouse, [{"id": 1}], "t")
    assert time.monotonic() - started < 2
    # One try for the load, one to record the failure: no retries.
    assert warehouse.connections == 2


def test_a_server_that_does_not_answer_is_retried_with_backoff_then_reported() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = RetryPolicy(attempts=4, first_delay=0.05, max_delay=0.2, deadline=10)
    warehouse = CountingWarehouse(f"postgresql://postgres@127.0.0.1:{port}/db", retry=policy)
    started = time.monotonic()
    with pytest.raises(WarehouseUnavailableError, match=r"stayed unavailable.*Connection refused"):
        warehouse.query("SELECT 1")
    assert warehouse.connections == 4
    assert time.monotonic() - started >= 0.05 * 0.5 * (1 + 2 + 4)


# -- bad data ------------------------------------------------------------------------------------


def test_values_the_database_refuses_fail_the_whole_load_with_its_message(
    postgres_url: str,
) -> None:
    sql(
        postgres_url,
        "CREATE TABLE readings (id integer PRIMARY KEY, level smallint CHECK (level >= 0), "
        "code varchar(3))",
    )
    warehouse = CountingWarehouse(postgres_url)
    ingest(warehouse, [{"id": 1, "level": 5, "code": "abc"}], "readings")
    before = sql(postgres_url, ALL_ROWS.format("readings"))

    cases = [
        ({"level": 70000}, 'value "70000" is out of range for type smallint'),
        ({"level": -1}, 'violates check constraint "readings_level_check"'),
        ({"code": "TOOLONG"}, "value too long for type character varying(3)"),
    ]
    for bad, message in cases:
        warehouse.connections = 0
        rows = [{"id": i, "level": 1, "code": "ok"} for i in range(10, 300)]
        rows[250] = {**rows[250], **bad}
        with pytest.raises(WarehouseError) as caught:
            ingest(warehouse, rows, "readings", batch_rows=100)
        assert message in str(caught.value)
        assert "loading readings failed" in str(caught.value)
        assert warehouse.connections == 2  # the load, then recording its failure
        assert sql(postgres_url, ALL_ROWS.format("readings")) == before
        assert loads(postgres_url)[-1][0] == "failed"
        assert message in loads(postgres_url)[-1][2]


def test_text_into_an_integer_column_is_a_type_conflict_before_any_row_is_sent(
    postgres_url: str,
) -> None:
    before = seed(postgres_url)
    warehouse = CountingWarehouse(postgres_url)
    with pytest.raises(IngestError) as caught:
        ingest(warehouse, [{"id": 900, "qty": "seven"}], "stock")
    assert str(caught.value).startswith(
        "type conflict in stock: column 'qty': the table has bigint, the data has TEXT"
    )
    assert sql(postgres_url, ALL_ROWS.format("stock")) == before


def test_a_duplicate_key_into_a_primary_key_fails_and_merge_takes_the_last(
    postgres_url: str,
) -> None:
    sql(postgres_url, "CREATE TABLE accounts (id integer PRIMARY KEY, balance integer)")
    warehouse = CountingWarehouse(postgres_url)
    ingest(warehouse, [{"id": 1, "balance": 10}, {"id": 2, "balance": 20}], "accounts")

    warehouse.connections = 0
    with pytest.raises(WarehouseError) as caught:
        ingest(warehouse, [{"id": 3, "balance": 30}, {"id": 2, "balance": 99}], "accounts")
    assert 'duplicate key value violates unique constraint "accounts_pkey"' in str(caught.value)
    assert "(id)=(2)" in str(caught.value)
    assert warehouse.connections == 2
    assert sql(postgres_url, "SELECT id, balance FROM accounts ORDER BY id") == [(1, 10), (2, 20)]

    # The same rows as a merge: duplicates in the data are fine, the last one wins.
    rows = [{"id": 2, "balance": 21}, {"id": 3, "balance": 30}, {"id": 2, "balance": 22}]
    ingest(warehouse, rows, "accounts", mode="merge", key="id")
    assert sql(postgres_url, "SELECT id, balance FROM accounts ORDER BY id") == [
        (1, 10),
        (2, 22),
        (3, 30),
    ]


def test_a_table_made_by_merge_refuses_a_duplicate_key_from_a_later_append(
    postgres_url: str,
) -> None:
    warehouse = PostgresWarehouse(postgres_url)
    ingest(warehouse, [{"sku": "a", "n": 1}], "skus", mode="merge", key="sku")
    with pytest.raises(WarehouseError, match="duplicate key value"):
        ingest(warehouse, [{"sku": "a", "n": 2}], "skus")
    assert sql(postgres_url, "SELECT sku, n FROM skus") == [("a", 1)]


def test_schema_conflicts_with_a_table_made_by_hand(postgres_url: str) -> None:
    sql(
        postgres_url,
        "CREATE TABLE visits (id bigint, at timestamp(3) without time zone, "
        "amount numeric(10,2), tags jsonb)",
    )
    sql(postgres_url, "INSERT INTO visits VALUES (1, '2024-01-01 10:00', 5.25, '[1]')")
    warehouse = PostgresWarehouse(postgres_url)
    before = sql(postgres_url, "SELECT id, at, amount, tags FROM visits")

    with pytest.raises(
        IngestError,
        match=r"column 'at': the table has timestamp\(3\) without time zone, "
        r"the data has TIMESTAMPTZ",
    ):
        ingest(warehouse, [{"id": 2, "at": datetime(2024, 1, 2, tzinfo=UTC)}], "visits")
    with pytest.raises(IngestError, match=r"new columns: channel"):
        ingest(warehouse, [{"id": 2, "channel": "web"}], "visits", schema="freeze")
    assert sql(postgres_url, "SELECT id, at, amount, tags FROM visits") == before

    # What fits goes in: a naive timestamp, a decimal with fewer places, a list as JSON.
    from decimal import Decimal

    ingest(
        warehouse,
        [{"id": 2, "at": datetime(2024, 1, 2, 9, 30), "amount": Decimal("7.5"), "tags": ["x"]}],
        "visits",
    )
    assert sql(postgres_url, "SELECT amount, tags FROM visits WHERE id = 2") == [
        (Decimal("7.50"), ["x"])
    ]


# -- concurrent clients --------------------------------------------------------------------------


def test_two_first_loads_into_the_same_new_table_both_land(postgres_url: str) -> None:
    warehouse = PostgresWarehouse(postgres_url)
    first_created = threading.Event()
    outcome: dict[str, Any] = {}

    def slow_rows() -> Iterator[dict[str, Any]]:
        yield from ({"id": i, "source": "first"} for i in range(100))
        # The first batch is written: the table and the load log exist, not yet committed.
        first_created.set()
        time.sleep(0.5)
        yield from ({"id": i, "source": "first"} for i in range(100, 200))

    def first() -> None:
        try:
            outcome["first"] = ingest(warehouse, slow_rows(), "arrivals", batch_rows=100)
        except BaseException as exc:
            outcome["first_error"] = exc

    thread = threading.Thread(target=first)
    thread.start()
    assert first_created.wait(20)
    second = ingest(warehouse, [{"id": 1000, "source": "second"}], "arrivals")
    thread.join(30)

    assert "first_error" not in outcome, outcome.get("first_error")
    assert second.attempts >= 2  # it ran into the first load's new table and tried again
    assert not second.created
    assert sql(postgres_url, "SELECT source, count(*) FROM arrivals GROUP BY 1 ORDER BY 1") == [
        ("first", 200),
        ("second", 1),
    ]


def test_a_reader_inside_a_transaction_keeps_the_old_rows_during_a_replace(
    postgres_url: str,
) -> None:
    warehouse = PostgresWarehouse(postgres_url)
    ingest(warehouse, [{"id": i} for i in range(100)], "daily")
    with psycopg.connect(postgres_url) as reader:
        reader.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        assert reader.execute("SELECT count(*) FROM daily").fetchall() == [(100,)]
        ingest(warehouse, [{"id": i} for i in range(30)], "daily", mode="replace")
        # Its snapshot predates the replace: it still sees every old row, never an empty table.
        assert reader.execute("SELECT count(*) FROM daily").fetchall() == [(100,)]
        reader.rollback()
        assert reader.execute("SELECT count(*) FROM daily").fetchall() == [(30,)]
