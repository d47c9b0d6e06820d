"""The ingestion engine against DuckDB and PostgreSQL: what lands in the table, and how."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest

from dataops_jupyter.warehouse import (
    IngestError,
    IngestInputError,
    LoadContext,
    Warehouse,
    ingest,
    open_warehouse,
)

PARIS = ZoneInfo("Europe/Paris")


def rows_of(warehouse: Warehouse, sql: str) -> list[dict[str, Any]]:
    result = warehouse.query(sql)
    return [] if result is None else result.to_pylist()


def count(warehouse: Warehouse, table: str) -> int:
    return int(rows_of(warehouse, f"SELECT count(*) AS n FROM {table}")[0]["n"])


def column_types(warehouse: Warehouse, table: str) -> dict[str, str]:
    with warehouse.transaction() as connection:
        columns = warehouse.columns(connection, table)
    assert columns is not None, f"{table} does not exist"
    return {name: kind.lower() for name, kind in columns.items()}


def table_exists(warehouse: Warehouse, table: str) -> bool:
    with warehouse.transaction() as connection:
        return warehouse.columns(connection, table) is not None


def loads(warehouse: Warehouse) -> list[dict[str, Any]]:
    return rows_of(
        warehouse,
        "SELECT load_id, table_name, mode, rows, started_at, finished_at, status, job, run, "
        "step, error FROM _dataops_loads ORDER BY started_at",
    )


# -- inputs --------------------------------------------------------------------------------------


def test_every_kind_of_input_lands_in_the_table(warehouse: Warehouse) -> None:
    frame = pd.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    inputs: list[tuple[str, Any, int]] = [
        ("dataframe", frame, 2),
        ("arrow table", pa.table({"id": [3, 4], "name": ["c", "d"]}), 2),
        ("record batch", pa.RecordBatch.from_pylist([{"id": 5, "name": "e"}]), 1),
        ("one dict", {"id": 6, "name": "f"}, 1),
        ("list of dicts", [{"id": 7, "name": "g"}, {"id": 8, "name": "h"}], 2),
        ("generator of dicts", ({"id": i, "name": "gen"} for i in range(9, 12)), 3),
        ("tuple of frames", (frame.assign(id=[12, 13]), frame.assign(id=[14, 15])), 4),
        ("generator of lists", ([{"id": i, "name": "l"}] * 2 for i in (16, 17)), 4),
        ("iterator of tables", iter([pa.table({"id": [18], "name": ["t"]})]), 1),
    ]
    total = 0
    for label, data, expected in inputs:
        summary = ingest(warehouse, data, "people")
        assert summary.rows == expected, label
        total += expected
        assert count(warehouse, "people") == total, label
    assert rows_of(warehouse, "SELECT name FROM people WHERE id = 6") == [{"name": "f"}]
    assert count(warehouse, "people WHERE id BETWEEN 9 AND 11 AND name = 'gen'") == 3


def test_things_that_are_not_data_are_refused_with_the_accepted_kinds(
    warehouse: Warehouse,
) -> None:
    for bad in ("a string", None, 42):
        with pytest.raises(IngestInputError, match="give a DataFrame, an Arrow table, a dict"):
            ingest(warehouse, bad, "nothing")
    with pytest.raises(IngestInputError, match="column 'x' mixes kinds of values"):
        ingest(warehouse, [{"id": 1, "x": 1}, {"id": 2, "x": "one"}], "nothing")
    assert not table_exists(warehouse, "nothing")


def test_a_generator_is_read_lazily_one_batch_at_a_time(warehouse: Warehouse) -> None:
    produced = 0
    ahead: list[int] = []

    def events() -> Iterator[dict[str, Any]]:
        nonlocal produced
        for i in range(3000):
            produced += 1
            yield {"id": i, "payload": f"event {i}"}

    def progress(loaded: int, _seconds: float) -> None:
        ahead.append(produced - loaded)

    summary = ingest(warehouse, events(), "events", batch_rows=250, progress=progress)

    assert summary.rows == 3000
    assert count(warehouse, "events") == 3000
    assert rows_of(warehouse, "SELECT count(DISTINCT id) AS n FROM events") == [{"n": 3000}]
    # One progress report per batch, and the source was never more than a batch ahead.
    assert len(ahead) == 3000 // 250
    assert max(ahead) <= 250


def test_rows_with_different_keys_keep_every_column(warehouse: Warehouse) -> None:
    ingest(
        warehouse,
        [{"id": 1, "name": "a"}, {"id": 2, "city": "Lyon"}, {"zip": "69001", "id": 3}],
        "sparse",
    )
    assert rows_of(warehouse, "SELECT id, name, city, zip FROM sparse ORDER BY id") == [
        {"id": 1, "name": "a", "city": None, "zip": None},
        {"id": 2, "name": None, "city": "Lyon", "zip": None},
        {"id": 3, "name": None, "city": None, "zip": "69001"},
    ]


def test_a_column_empty_in_the_first_batch_takes_the_type_of_later_values(
    warehouse: Warehouse,
) -> None:
    rows = [{"id": i, "score": None if i < 4 else i * 10, "never": None} for i in range(8)]
    ingest(warehouse, iter(rows), "scores", batch_rows=3)
    types = column_types(warehouse, "scores")
    assert types["score"] == "bigint"
    assert types["never"] in ("varchar", "text")
    assert rows_of(warehouse, "SELECT sum(score) AS s FROM scores") == [{"s": 40 + 50 + 60 + 70}]


def test_column_names_as_spreadsheets_write_them(warehouse: Warehouse) -> None:
    frame = pd.DataFrame({"Order Date": [date(2024, 5, 1)], "unit-price": [9.5], "Qty": [3]})
    ingest(warehouse, frame, "orders")
    assert rows_of(warehouse, 'SELECT "Order Date", "unit-price", "Qty" FROM orders') == [
        {"Order Date": date(2024, 5, 1), "unit-price": 9.5, "Qty": 3}
    ]


# -- types ---------------------------------------------------------------------------------------

EXPECTED_TYPES = {
    "duckdb": {
        "id": "uuid",
        "amount": "decimal(18,2)",
        "paid_at": "timestamp with time zone",
        "local_time": "timestamp",
        "day": "date",
        "qty": "bigint",
        "ratio": "double",
        "ok": "boolean",
        "label": "varchar",
        "raw": "blob",
        "wait": "interval",
        "meta": "json",
        "_load_id": "varchar",
        "_loaded_at": "timestamp with time zone",
    },
    "postgres": {
        "id": "uuid",
        "amount": "numeric(18,2)",
        "paid_at": "timestamp with time zone",
        "local_time": "timestamp without time zone",
        "day": "date",
        "qty": "bigint",
        "ratio": "double precision",
        "ok": "boolean",
        "label": "text",
        "raw": "bytea",
        "wait": "interval",
        "meta": "jsonb",
        "_load_id": "text",
        "_loaded_at": "timestamp with time zone",
    },
}


def test_a_missing_table_is_created_with_types_from_the_data(warehouse: Warehouse) -> None:
    order_id = uuid.uuid4()
    paid = datetime(2024, 3, 31, 23, 30, tzinfo=PARIS)
    row = {
        "id": order_id,
        "amount": Decimal("1234.56"),
        "paid_at": paid,
        "local_time": datetime(2024, 3, 31, 8, 0),
        "day": date(2024, 3, 31),
        "qty": 3,
        "ratio": 0.25,
        "ok": True,
        "label": 'comma, "quote"\nand newline',
        "raw": b"\x00\x01\xff",
        "wait": timedelta(hours=1, seconds=3),
        "meta": {"a": 1},
    }
    summary = ingest(warehouse, [row, {"id": None, "label": ""}], "orders")
    assert summary.created and summary.rows == 2

    assert column_types(warehouse, "orders") == EXPECTED_TYPES[warehouse.dialect]
    [got] = rows_of(warehouse, "SELECT * FROM orders WHERE id IS NOT NULL")
    assert str(got["id"]) == str(order_id)
    assert got["amount"] == Decimal("1234.56")
    assert got["paid_at"] == paid  # the same instant, whatever zone it is shown in
    assert got["paid_at"].utcoffset() is not None
    assert got["local_time"] == datetime(2024, 3, 31, 8, 0)
    assert got["day"] == date(2024, 3, 31)
    assert (got["qty"], got["ratio"], got["ok"]) == (3, 0.25, True)
    assert got["label"] == 'comma, "quote"\nand newline'
    assert got["raw"] == b"\x00\x01\xff"
    assert rows_of(
        warehouse,
        "SELECT CAST(EXTRACT(epoch FROM wait) AS INTEGER) AS s FROM orders WHERE id IS NOT NULL",
    ) == [{"s": 3603}]
    # An empty string stays an empty string; a missing value is NULL.
    assert rows_of(warehouse, "SELECT label, amount FROM orders WHERE id IS NULL") == [
        {"label": "", "amount": None}
    ]


def test_dataframe_types_uuid_decimal_and_zoned_timestamps(warehouse: Warehouse) -> None:
    ids = [uuid.uuid4(), None]
    frame = pd.DataFrame(
        {
            "id": ids,
            "price": [Decimal("1.50"), Decimal("20.25")],
            "at": pd.to_datetime(["2024-06-01 10:00", "2024-06-02 11:30"]).tz_localize(PARIS),
            "segment": pd.Categorical(["retail", "b2b"]),
            "visits": pd.array([3, None], dtype="Int64"),
        }
    )
    ingest(warehouse, frame, "customers")
    types = column_types(warehouse, "customers")
    assert types["id"] == "uuid"
    assert types["price"] in ("decimal(18,2)", "numeric(18,2)")
    assert types["at"] == "timestamp with time zone"
    assert types["segment"] in ("varchar", "text")
    assert types["visits"] == "bigint"
    got = rows_of(warehouse, "SELECT * FROM customers ORDER BY price")
    assert str(got[0]["id"]) == str(ids[0]) and got[1]["id"] is None
    assert got[0]["at"] == datetime(2024, 6, 1, 8, 0, tzinfo=UTC)
    assert [r["segment"] for r in got] == ["retail", "b2b"]
    assert [r["visits"] for r in got] == [3, None]
    assert frame["id"].iloc[0] == ids[0]  # the caller's frame is left as it was


def test_nested_values_are_stored_as_json_and_queryable(warehouse: Warehouse) -> None:
    rows = [
        {"id": 1, "meta": {"color": "red", "dims": {"w": 2}}, "tags": ["a", "b"]},
        {"id": 2, "meta": {"size": 3}, "tags": [1, "mixed", None]},
        {"id": 3, "meta": None, "tags": []},
    ]
    ingest(warehouse, rows, "items")
    assert column_types(warehouse, "items")["meta"] in ("json", "jsonb")
    got = rows_of(
        warehouse,
        "SELECT id, meta->>'color' AS color, meta->'dims'->>'w' AS w, tags->>0 AS first "
        "FROM items ORDER BY id",
    )
    assert got == [
        {"id": 1, "color": "red", "w": "2", "first": "a"},
        {"id": 2, "color": None, "w": None, "first": "1"},
        {"id": 3, "color": None, "w": None, "first": None},
    ]
    # The documents are kept as given: no keys of other rows added to them.
    import json

    stored = rows_of(warehouse, "SELECT meta FROM items WHERE id = 2")[0]["meta"]
    assert json.loads(stored) == {"size": 3}

    frame = pd.DataFrame({"id": [4], "meta": [{"nested": [1, 2]}], "tags": [["z"]]})
    ingest(warehouse, frame, "items")
    arrow = pa.table({"id": [5], "meta": [{"k": "v"}], "tags": [["y"]]})
    ingest(warehouse, arrow, "items")
    got = rows_of(
        warehouse, "SELECT meta->'nested'->>1 AS n, tags->>0 AS t FROM items WHERE id = 4"
    )
    assert got == [{"n": "2", "t": "z"}]
    assert rows_of(warehouse, "SELECT meta->>'k' AS k FROM items WHERE id = 5") == [{"k": "v"}]


# -- schema changes ------------------------------------------------------------------------------


def test_evolve_adds_new_columns_and_keeps_old_rows(warehouse: Warehouse) -> None:
    ingest(warehouse, [{"id": 1, "name": "a"}], "products")
    summary = ingest(warehouse, [{"id": 2, "name": "b", "price": 9.99, "stock": 4}], "products")
    assert summary.columns_added == ["price", "stock"]
    assert "columns added: price, stock" in str(summary)
    assert rows_of(warehouse, "SELECT id, price, stock FROM products ORDER BY id") == [
        {"id": 1, "price": None, "stock": None},
        {"id": 2, "price": 9.99, "stock": 4},
    ]


def test_freeze_refuses_new_columns_and_names_them(warehouse: Warehouse) -> None:
    ingest(warehouse, [{"id": 1}], "frozen")
    with pytest.raises(IngestError, match=r"schema 'freeze'.*new columns: color, size"):
        ingest(warehouse, [{"id": 2, "color": "red", "size": None}], "frozen", schema="freeze")
    assert list(column_types(warehouse, "frozen")) == ["id", "_load_id", "_loaded_at"]
    assert count(warehouse, "frozen") == 1
    # Loads that fit are fine under freeze.
    ingest(warehouse, [{"id": 3}], "frozen", schema="freeze")
    assert count(warehouse, "frozen") == 2


def test_a_type_conflict_names_the_column_and_both_types(warehouse: Warehouse) -> None:
    ingest(warehouse, [{"id": 1, "amount": 10}], "ledger")
    with pytest.raises(IngestError) as caught:
        ingest(warehouse, [{"id": 2, "amount": "ten"}], "ledger")
    message = str(caught.value).lower()
    assert "'amount'" in message
    assert "the table has bigint" in message
    assert "the data has varchar" in message or "the data has text" in message
    assert count(warehouse, "ledger") == 1

    # Values that fit without loss are accepted (integers into a float column).
    ingest(warehouse, [{"id": 1, "ratio": 0.5}], "ratios")
    ingest(warehouse, [{"id": 2, "ratio": 2}], "ratios")
    assert rows_of(warehouse, "SELECT sum(ratio) AS s FROM ratios") == [{"s": 2.5}]


def test_decimals_with_more_places_than_the_column_are_refused_not_rounded(
    warehouse: Warehouse,
) -> None:
    ingest(warehouse, [{"price": Decimal("1.25")}], "prices")
    with pytest.raises(IngestError, match=r"(?i)'price'.*has (decimal|numeric)\(18,2\).*\(5,4\)"):
        ingest(warehouse, [{"price": Decimal("1.2345")}], "prices")
    ingest(warehouse, [{"price": Decimal("7.5")}], "prices")
    assert rows_of(warehouse, "SELECT price FROM prices ORDER BY price") == [
        {"price": Decimal("1.25")},
        {"price": Decimal("7.50")},
    ]


# -- modes ---------------------------------------------------------------------------------------


def test_replace_swaps_the_contents(warehouse: Warehouse) -> None:
    ingest(warehouse, [{"id": i} for i in range(5)], "snapshot")
    summary = ingest(warehouse, [{"id": 100}, {"id": 101}], "snapshot", mode="replace")
    assert summary.rows == 2
    assert rows_of(warehouse, "SELECT id FROM snapshot ORDER BY id") == [{"id": 100}, {"id": 101}]
    ingest(warehouse, [], "snapshot", mode="replace")
    assert count(warehouse, "snapshot") == 0
    ingest(warehouse, [{"id": 1}], "brand_new", mode="replace")
    assert count(warehouse, "brand_new") == 1


def test_readers_never_see_an_empty_or_partial_table_during_replace(
    warehouse: Warehouse,
) -> None:
    size = 600
    ingest(warehouse, [{"id": i, "gen": 0} for i in range(size)], "board")
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    done = threading.Event()
    reader = open_warehouse(warehouse.url)

    def read() -> None:
        try:
            while not done.is_set():
                [row] = rows_of(
                    reader, "SELECT count(*) AS n, count(DISTINCT _load_id) AS loads FROM board"
                )
                seen.append((row["n"], row["loads"]))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for generation in range(1, 6):
            data = ({"id": i, "gen": generation} for i in range(size))
            ingest(warehouse, data, "board", mode="replace", batch_rows=100)
    finally:
        done.set()
        thread.join(30)
    assert not errors
    assert len(seen) > 5
    assert set(seen) == {(size, 1)}
    assert rows_of(warehouse, "SELECT DISTINCT gen FROM board") == [{"gen": 5}]


def test_merge_upserts_on_the_key_and_the_last_row_of_a_key_wins(warehouse: Warehouse) -> None:
    ingest(
        warehouse,
        [{"sku": "a", "price": 1, "name": "apple"}, {"sku": "b", "price": 2, "name": "bean"}],
        "catalog",
        mode="merge",
        key="sku",
    )
    rows = [
        {"sku": "b", "price": 20},
        {"sku": "c", "price": 3},
        {"sku": "b", "price": 21},  # same batch as the first "b"
        {"sku": "c", "price": 30},
        {"sku": "d", "price": 4},
        {"sku": "b", "price": 22},  # a later batch
    ]
    summary = ingest(warehouse, iter(rows), "catalog", mode="merge", key=["sku"], batch_rows=4)
    assert summary.rows == 6
    assert rows_of(warehouse, "SELECT sku, price, name FROM catalog ORDER BY sku") == [
        {"sku": "a", "price": 1, "name": "apple"},
        {"sku": "b", "price": 22, "name": "bean"},  # columns not in the data are kept
        {"sku": "c", "price": 30, "name": None},
        {"sku": "d", "price": 4, "name": None},
    ]
    # The rows a merge wrote carry its load id.
    ids = rows_of(
        warehouse, "SELECT sku FROM catalog WHERE _load_id = '" + summary.load_id + "' ORDER BY sku"
    )
    assert [r["sku"] for r in ids] == ["b", "c", "d"]


def test_merge_on_a_composite_key_with_new_columns(warehouse: Warehouse) -> None:
    ingest(
        warehouse,
        [{"day": date(2024, 1, 1), "shop": 1, "sales": 5}],
        "daily",
        mode="merge",
        key=["day", "shop"],
    )
    ingest(
        warehouse,
        [
            {"day": date(2024, 1, 1), "shop": 1, "sales": 6, "returns": 1},
            {"day": date(2024, 1, 1), "shop": 2, "sales": 7, "returns": 0},
        ],
        "daily",
        mode="merge",
        key=["day", "shop"],
    )
    assert rows_of(warehouse, "SELECT shop, sales, returns FROM daily ORDER BY shop") == [
        {"shop": 1, "sales": 6, "returns": 1},
        {"shop": 2, "sales": 7, "returns": 0},
    ]


def test_merge_needs_a_key_present_in_every_row(warehouse: Warehouse) -> None:
    with pytest.raises(IngestError, match="needs key columns"):
        ingest(warehouse, [{"id": 1}], "keyed", mode="merge")
    with pytest.raises(IngestError, match="key column 'sku' is not in the data"):
        ingest(warehouse, [{"id": 1}], "keyed", mode="merge", key="sku")
    ingest(warehouse, [{"sku": "a", "n": 1}], "keyed", mode="merge", key="sku")
    with pytest.raises(IngestError, match=r"1 rows have no value in key column\(s\) sku"):
        ingest(
            warehouse,
            [{"sku": "b", "n": 2}, {"sku": None, "n": 3}],
            "keyed",
            mode="merge",
            key="sku",
        )
    assert rows_of(warehouse, "SELECT sku, n FROM keyed") == [{"sku": "a", "n": 1}]


def test_bad_requests_are_refused_before_touching_the_warehouse(warehouse: Warehouse) -> None:
    with pytest.raises(IngestError, match="mode 'upsert' is not one of append, replace, merge"):
        ingest(warehouse, [{"id": 1}], "t", mode="upsert")
    with pytest.raises(IngestError, match="schema 'strict' is not one of evolve, freeze"):
        ingest(warehouse, [{"id": 1}], "t", schema="strict")
    with pytest.raises(IngestError, match="'_load_id', which is reserved"):
        ingest(warehouse, [{"id": 1, "_load_id": "mine"}], "t")
    assert not table_exists(warehouse, "t")


# -- bookkeeping ---------------------------------------------------------------------------------


def test_every_row_carries_its_load_id_and_time(warehouse: Warehouse) -> None:
    before = datetime.now(UTC)
    first = ingest(warehouse, [{"id": 1}, {"id": 2}], "stamped")
    second = ingest(warehouse, pd.DataFrame({"id": [3]}), "stamped")
    after = datetime.now(UTC)
    got = rows_of(warehouse, "SELECT id, _load_id, _loaded_at FROM stamped ORDER BY id")
    assert [r["_load_id"] for r in got] == [first.load_id, first.load_id, second.load_id]
    assert first.load_id != second.load_id
    assert got[0]["_loaded_at"] == got[1]["_loaded_at"]
    for r in got:
        assert before - timedelta(seconds=1) <= r["_loaded_at"] <= after + timedelta(seconds=1)


def test_each_load_is_recorded_with_who_loaded_it_failed_ones_too(warehouse: Warehouse) -> None:
    context = LoadContext(job="daily-sales", run="run-42", step="load")
    ok = ingest(warehouse, [{"id": 1}, {"id": 2}], "sales", context=context)
    with pytest.raises(IngestError):
        ingest(warehouse, [{"id": "x"}], "sales", context=context)

    recorded = loads(warehouse)
    success, failure = recorded
    assert (success["load_id"], success["status"]) == (ok.load_id, "succeeded")
    assert success["table_name"] == "sales" and success["mode"] == "append"
    assert success["rows"] == 2
    assert (success["job"], success["run"], success["step"]) == ("daily-sales", "run-42", "load")
    assert success["started_at"] <= success["finished_at"]
    assert success["error"] is None
    assert failure["status"] == "failed"
    assert failure["table_name"] == "sales"
    assert failure["rows"] == 0
    assert "type conflict" in failure["error"]
    assert (failure["job"], failure["run"], failure["step"]) == ("daily-sales", "run-42", "load")


def test_a_load_that_fails_midway_leaves_the_table_exactly_as_before(
    warehouse: Warehouse,
) -> None:
    ingest(warehouse, [{"id": i, "note": "kept"} for i in range(3)], "stable")
    before = rows_of(warehouse, "SELECT * FROM stable ORDER BY id")

    def broken() -> Iterator[dict[str, Any]]:
        for i in range(10, 40):
            if i == 35:
                raise ValueError("the source API went away")
            yield {"id": i, "note": "new", "extra": i}

    for mode in ("append", "replace", "merge"):
        with pytest.raises(ValueError, match="the source API went away"):
            ingest(warehouse, broken(), "stable", mode=mode, key="id", batch_rows=10)
        assert rows_of(warehouse, "SELECT * FROM stable ORDER BY id") == before, mode
    assert "extra" not in column_types(warehouse, "stable")

    # A new table that failed to load does not exist afterwards.
    with pytest.raises(ValueError):
        ingest(warehouse, broken(), "never_made", batch_rows=10)
    assert not table_exists(warehouse, "never_made")
    failed = [r for r in loads(warehouse) if r["status"] == "failed"]
    assert len(failed) == 4
    assert all("the source API went away" in r["error"] for r in failed)


def test_tables_in_a_schema(warehouse: Warehouse) -> None:
    ingest(warehouse, [{"id": 1}], "staging.orders")
    ingest(warehouse, [{"id": 2}], "staging.orders")
    assert count(warehouse, "staging.orders") == 2
    assert not table_exists(warehouse, "orders")


def test_duckdb_names_differing_only_in_case_are_the_same_table_and_column(
    tmp_path: Path,
) -> None:
    warehouse = open_warehouse(f"duckdb://{tmp_path / 'w.duckdb'}")
    ingest(warehouse, [{"Id": 1, "Name": "a"}], "Orders")
    summary = ingest(warehouse, [{"id": 2, "NAME": "b", "note": "x"}], "orders")
    assert summary.columns_added == ["note"]
    ingest(warehouse, [{"ID": 2, "name": "c"}], "ORDERS", mode="merge", key="ID")
    assert rows_of(warehouse, 'SELECT "Id", "Name", note FROM Orders ORDER BY 1') == [
        {"Id": 1, "Name": "a", "note": None},
        {"Id": 2, "Name": "c", "note": "x"},
    ]
