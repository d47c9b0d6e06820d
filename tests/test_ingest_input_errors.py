"""Data that a load cannot take as given is refused in one line naming the column, before
anything is committed; what it can take is stored the same way on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa
import pytest
from jupyter_client.manager import start_new_kernel

from dataops_jupyter.errors import InvalidInputError
from dataops_jupyter.warehouse import (
    IngestError,
    IngestInputError,
    Warehouse,
    WarehouseError,
    ingest,
)

from .test_ingest import column_types, loads, rows_of, table_exists

pytestmark = pytest.mark.timeout(180)

NEW_YORK = ZoneInfo("America/New_York")
UINT64_MAX = 18446744073709551615


def nested(depth: int) -> Any:
    """A value of ``depth`` levels of dicts around a number."""
    value: Any = 1
    for _ in range(depth):
        value = {"x": value}
    return value


def snapshot(warehouse: Warehouse, table: str) -> list[dict[str, Any]] | None:
    if not table_exists(warehouse, table):
        return None
    return sorted(rows_of(warehouse, f"SELECT * FROM {table}"), key=repr)


def refused(
    warehouse: Warehouse, data: Any, table: str, kind: type[Exception] = IngestInputError
) -> str:
    """Load ``data``, expect a refusal that changes nothing; return its message.

    Ours are one line; the database's own (``WarehouseError``) may add its detail lines.
    """
    before = snapshot(warehouse, table)
    with pytest.raises(kind) as info:
        ingest(warehouse, data, table)
    message = str(info.value)
    assert isinstance(info.value, InvalidInputError)
    if kind is not WarehouseError:
        assert "\n" not in message and len(message) < 200, message
    assert snapshot(warehouse, table) == before
    last = loads(warehouse)[-1]
    assert (last["status"], last["table_name"], last["error"]) == ("failed", table, message)
    return message


def seed(warehouse: Warehouse, table: str, rows: list[dict[str, Any]]) -> None:
    ingest(warehouse, rows, table)


# -- duplicate names ------------------------------------------------------------------------------


def test_a_column_name_used_twice_is_refused_naming_it(warehouse: Warehouse) -> None:
    seed(warehouse, "pairs", [{"a": 0, "b": 0}])
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    expected = "column 'a' appears twice in the data: rename one"
    assert refused(warehouse, frame, "pairs") == expected
    arrow = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["a", "a"])
    assert refused(warehouse, arrow, "pairs") == expected
    # Columns named 1 and "1" are both "1" in the table.
    assert refused(warehouse, pd.DataFrame({1: [1], "1": [2]}), "pairs") == (
        "column '1' appears twice in the data: rename one"
    )


def test_names_differing_only_in_case_are_one_column_in_duckdb(tmp_path: Path) -> None:
    from dataops_jupyter.warehouse import open_warehouse

    warehouse = open_warehouse(f"duckdb://{tmp_path / 'w.duckdb'}")
    assert refused(warehouse, [{"Id": 1, "id": 2}], "cased", IngestError) == (
        "columns 'Id' and 'id' are one column in this warehouse, which ignores the case of "
        "names: rename one"
    )


# -- integers beyond int64 ------------------------------------------------------------------------


def test_the_uint64_maximum_is_stored_whole(warehouse: Warehouse) -> None:
    wide = "ubigint" if warehouse.dialect == "duckdb" else "numeric(20,0)"
    inputs = {
        "from_arrow": pa.table({"n": pa.array([1, UINT64_MAX], pa.uint64())}),
        "from_frame": pd.DataFrame({"n": pd.Series([1, UINT64_MAX], dtype="uint64")}),
        "from_rows": [{"n": 1}, {"n": UINT64_MAX}],
    }
    for table, data in inputs.items():
        ingest(warehouse, data, table)
        assert column_types(warehouse, table)["n"] == wide, table
        stored = rows_of(warehouse, f"SELECT n FROM {table} ORDER BY n")
        assert [int(r["n"]) for r in stored] == [1, UINT64_MAX], table
    # uint64 values that fit BIGINT make an ordinary BIGINT column, and go into one.
    ingest(warehouse, pd.DataFrame({"n": pd.Series([5], dtype="uint64")}), "small")
    assert column_types(warehouse, "small")["n"] == "bigint"


def test_a_uint64_value_beyond_a_bigint_column_is_refused_naming_it(warehouse: Warehouse) -> None:
    seed(warehouse, "counters", [{"n": 1}])
    column = "BIGINT" if warehouse.dialect == "duckdb" else "bigint"
    for data in (
        [{"n": UINT64_MAX}],
        pd.DataFrame({"n": pd.Series([UINT64_MAX], dtype="uint64")}),
        pa.table({"n": pa.array([UINT64_MAX], pa.uint64())}),
    ):
        assert refused(warehouse, data, "counters", IngestError) == (
            f"column 'n' holds {UINT64_MAX}, which does not fit the table's {column} column: "
            "change the column's type, or load the values into a new column"
        )


def test_a_negative_value_for_an_unsigned_duckdb_column_is_refused(tmp_path: Path) -> None:
    from dataops_jupyter.warehouse import open_warehouse

    warehouse = open_warehouse(f"duckdb://{tmp_path / 'w.duckdb'}")
    seed(warehouse, "counters", [{"n": UINT64_MAX}])
    assert refused(warehouse, [{"n": -1}], "counters", IngestError) == (
        "column 'n' holds -1, which does not fit the table's UBIGINT column: change the "
        "column's type, or load the values into a new column"
    )


def test_an_integer_no_64_bit_type_holds_is_refused(warehouse: Warehouse) -> None:
    assert refused(warehouse, [{"n": 1}, {"n": 2**70}], "huge") == (
        f"column 'n' holds {2**70}, which does not fit a 64-bit integer: load such numbers "
        "as Decimal or as text"
    )
    assert refused(warehouse, [{"n": -1}, {"n": UINT64_MAX}], "huge").startswith(
        f"column 'n' holds {UINT64_MAX}, which does not fit a 64-bit integer"
    )


def test_a_value_the_database_refuses_is_reported_with_the_database_reason(
    warehouse: Warehouse,
) -> None:
    warehouse.query("CREATE TABLE stock (id INTEGER NOT NULL, qty INTEGER CHECK (qty > 0))")
    missing = refused(warehouse, [{"qty": 1}], "stock", WarehouseError)
    negative = refused(warehouse, [{"id": 1, "qty": -1}], "stock", WarehouseError)
    for message in (missing, negative):
        assert "transaction is aborted" not in message.lower(), message
    first = missing.splitlines()[0].lower(), negative.splitlines()[0].lower()
    assert "id" in first[0] and "null" in first[0], missing
    assert "check" in first[1], negative


# -- nesting depth --------------------------------------------------------------------------------

TOO_DEEP = (
    "column 'payload' nests dicts or lists more than 64 levels deep: flatten the values, or "
    "store them as text (json.dumps)"
)


@pytest.mark.parametrize("depth", [65, 1_000, 2_000, 100_000])
def test_values_nested_too_deep_are_refused_before_arrow_sees_them(
    warehouse: Warehouse, depth: int
) -> None:
    seed(warehouse, "events", [{"id": 0, "payload": {"x": 1}}])
    value = nested(depth)
    assert refused(warehouse, [{"id": 1, "payload": value}], "events") == TOO_DEEP
    assert refused(warehouse, pd.DataFrame({"id": [1], "payload": [value]}), "events") == TOO_DEEP
    # After text, in a column of Python objects (as pandas 2 keeps strings).
    frame = pd.DataFrame({"id": [1, 2], "payload": pd.Series(["text", value], dtype=object)})
    assert refused(warehouse, frame, "events") == TOO_DEEP
    # Deep in a later row, in rows of different keys.
    rows = [{"id": 2, "payload": {"x": 1}}, {"id": 3, "other": 1, "payload": [value]}]
    assert refused(warehouse, rows, "events") == TOO_DEEP


def test_a_value_that_contains_itself_is_too_deep(warehouse: Warehouse) -> None:
    loop: list[Any] = []
    loop.append(loop)
    assert refused(warehouse, [{"payload": loop}], "events") == TOO_DEEP


def test_an_arrow_type_nested_too_deep_is_refused(warehouse: Warehouse) -> None:
    array: pa.Array = pa.array([1])
    for _ in range(70):
        array = pa.StructArray.from_arrays([array], names=["x"])
    assert refused(warehouse, pa.table({"payload": array}), "events") == TOO_DEEP


def test_values_nested_64_levels_are_stored(warehouse: Warehouse) -> None:
    ingest(warehouse, [{"id": 1, "payload": nested(64)}], "events")
    frame = pd.DataFrame({"id": [2], "payload": pd.Series([nested(64)], dtype=object)})
    ingest(warehouse, frame, "events")
    stored = rows_of(warehouse, "SELECT payload FROM events ORDER BY id")
    assert [json.loads(r["payload"]) for r in stored] == [nested(64), nested(64)]
    # Columns of Python strings load as text.
    ingest(warehouse, pd.DataFrame({"name": pd.Series(["a", None, "b"], dtype=object)}), "names")
    assert column_types(warehouse, "names")["name"] in ("varchar", "text")


# -- time zones -----------------------------------------------------------------------------------

MIXED = (
    "column 'ts' mixes timestamps with and without a time zone: make them all aware or all naive"
)


def test_timestamps_with_and_without_a_time_zone_in_one_column_are_refused(
    warehouse: Warehouse,
) -> None:
    aware, naive = datetime(2026, 1, 1, tzinfo=NEW_YORK), datetime(2026, 1, 1)
    assert refused(warehouse, [{"ts": aware}, {"ts": naive}], "times") == MIXED
    assert refused(warehouse, [{"ts": naive}, {"ts": None}, {"ts": aware}], "times") == MIXED
    frame = pd.DataFrame({"ts": pd.Series([aware, naive], dtype=object)})
    assert refused(warehouse, frame, "times") == MIXED
    frame = pd.DataFrame({"ts": pd.Series([date(2026, 1, 1), aware, naive], dtype=object)})
    assert refused(warehouse, frame, "times") == MIXED


def test_aware_timestamps_of_several_zones_keep_their_instants(warehouse: Warehouse) -> None:
    rows = [
        {"id": 1, "ts": datetime(2026, 1, 1, tzinfo=NEW_YORK)},
        {"id": 2, "ts": datetime(2026, 1, 1, tzinfo=UTC)},
        {"id": 3, "ts": None},
    ]
    ingest(warehouse, rows, "times")
    frame = pd.DataFrame({"id": [4, 5], "ts": pd.Series([rows[0]["ts"], pd.NaT], dtype=object)})
    ingest(warehouse, frame, "times")
    stored = rows_of(warehouse, "SELECT id, ts FROM times ORDER BY id")
    assert [r["ts"] for r in stored] == [
        datetime(2026, 1, 1, 5, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
        None,
        datetime(2026, 1, 1, 5, tzinfo=UTC),
        None,
    ]


# -- NaN and JSON text ----------------------------------------------------------------------------


def test_nan_and_none_become_null_from_every_kind_of_input(warehouse: Warehouse) -> None:
    nan = float("nan")
    inputs = [
        [{"id": 1, "x": 1.5}, {"id": 2, "x": nan}, {"id": 3, "x": None}],
        pd.DataFrame({"id": [4, 5, 6], "x": [1.5, nan, None]}),
        pa.table({"id": [7, 8, 9], "x": pa.array([1.5, nan, None], pa.float64())}),
        pa.table({"id": [10, 11, 12], "x": pa.array([1.5, nan, None], pa.float32())}),
    ]
    for data in inputs:
        ingest(warehouse, data, "measures")
    stored = rows_of(warehouse, "SELECT id, x, x IS NULL AS missing FROM measures ORDER BY id")
    assert [r["missing"] for r in stored] == [False, True, True] * 4
    assert all(r["x"] is None or not math.isnan(r["x"]) for r in stored)
    # Inside JSON values too: JSON has no NaN or infinity.
    ingest(warehouse, [{"id": 1, "doc": {"a": nan, "b": [float("inf"), 2.0]}}], "documents")
    text = rows_of(warehouse, "SELECT doc FROM documents")[0]["doc"]
    assert json.loads(text) == {"a": None, "b": [None, 2.0]}


def test_json_values_keep_non_ascii_characters_as_utf8_text(warehouse: Warehouse) -> None:
    document = {"name": "Müller", "city": "東京", "tags": ["ü", "€"]}
    ingest(warehouse, [{"id": 1, "doc": document}], "documents")
    ingest(warehouse, pd.DataFrame({"id": [2], "doc": [document]}), "documents")
    ingest(warehouse, pa.table({"id": [3], "doc": [{"name": "Müller"}]}), "documents")
    text_of = "CAST(doc AS VARCHAR)" if warehouse.dialect == "duckdb" else "doc::text"
    stored = rows_of(warehouse, f"SELECT {text_of} AS text FROM documents ORDER BY id")
    for row in stored:
        assert "Müller" in row["text"] and "\\u" not in row["text"], row
    assert "東京" in stored[0]["text"] and "€" in stored[1]["text"]
    assert rows_of(warehouse, "SELECT doc->>'name' AS name FROM documents WHERE id = 1") == [
        {"name": "Müller"}
    ]


# -- in a real kernel -----------------------------------------------------------------------------


def test_the_kernel_shows_each_refusal_in_one_line_and_survives_deep_values(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "job.toml").write_text('name = "shop"\n')
    (tmp_path / "dataops.toml").write_text('warehouse = "duckdb://wh.duckdb"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAOPS_")}
    km, kc = start_new_kernel(cwd=str(folder), env=env)

    def run(code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        outputs: list[dict[str, Any]] = []
        reply = kc.execute_interactive(code, timeout=60, output_hook=outputs.append)
        return reply["content"], outputs

    def refusal(code: str) -> str:
        content, outputs = run(code)
        assert content["status"] == "error", content
        errors = [o["content"] for o in outputs if o["msg_type"] == "error"]
        assert len(errors) == 1 and len(errors[0]["traceback"]) == 1, errors
        line: str = errors[0]["traceback"][0]
        assert "\n" not in line
        return line

    try:
        content, _ = run(
            "%load_ext kernel_magics\nimport resource\nimport pandas as pd\n"
            "def nested(depth):\n    value = 1\n    for _ in range(depth):\n"
            "        value = {'x': value}\n    return value\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss"
        )
        assert content["status"] == "ok", content
        for depth in (1_000, 2_000):
            assert refusal(f"%%ingest events\n[{{'id': 1, 'payload': nested({depth})}}]") == (
                f"IngestInputError: {TOO_DEEP}"
            )
        assert refusal("%%ingest pairs\npd.DataFrame([[1, 2]], columns=['a', 'a'])") == (
            "IngestInputError: column 'a' appears twice in the data: rename one"
        )
        # job.ingest raises the same error, which notebook code can catch by its type.
        content, outputs = run(
            "from dataops_jupyter.warehouse import IngestInputError\n"
            "try:\n    job.ingest(pd.DataFrame({'payload': [nested(2_000)]}), 'events')\n"
            "except IngestInputError as error:\n    print('caught:', error)\n"
            "grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before\n"
            "print('grown KiB:', grown)"
        )
        assert content["status"] == "ok", content
        printed = "".join(o["content"].get("text", "") for o in outputs)
        assert f"caught: {TOO_DEEP}" in printed
        grown = int(printed.split("grown KiB:")[1])
        assert grown < 100_000, f"the kernel grew by {grown} KiB"
        content, _ = run("%%ingest events\n[{'id': 1, 'payload': nested(3)}]")
        assert content["status"] == "ok" and km.is_alive()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
