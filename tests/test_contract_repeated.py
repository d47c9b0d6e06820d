"""Repeated key values counted from hashes on DuckDB give exactly the figure of the SQL
expression (``count(…) - count(DISTINCT …)``): single and compound keys, NULLs counted or not,
tables read in slices of the hash range, and the figure a contract check reports."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from dataops_jupyter.contracts.engine import check_targets, iter_targets
from dataops_jupyter.contracts.model import load_contract
from dataops_jupyter.contracts.repeated import duplicates_expression, repeated_rows
from dataops_jupyter.warehouse import open_warehouse

KEYS = [(('"a"',), True), (('"a"',), False), (('"a"', '"b"'), True), (('"a"', '"b"'), False)]


@pytest.fixture
def connection(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "r.duckdb"))
    # 2,000 rows: a = 0..999 twice over the first 200 values, NULLs in both columns, and
    # compound keys that repeat only in some rows.
    con.execute(
        "CREATE TABLE t AS SELECT "
        "CASE WHEN i % 97 = 0 THEN NULL WHEN i < 400 THEN i % 200 ELSE i END AS a, "
        "CASE WHEN i % 89 = 0 THEN NULL ELSE i % 2 END AS b "
        "FROM range(2000) r(i)"
    )
    return con


@pytest.mark.parametrize(("key", "skip_nulls"), KEYS)
@pytest.mark.parametrize("at_once", [1_000_000, 300])
def test_the_figure_from_hashes_is_the_sql_figure(
    connection: duckdb.DuckDBPyConnection, key: tuple[str, ...], skip_nulls: bool, at_once: int
) -> None:
    expected = connection.execute(f"SELECT {duplicates_expression(key, skip_nulls)} FROM t")
    wanted = int(expected.fetchall()[0][0])
    assert wanted > 0
    assert repeated_rows(connection, "t", key, skip_nulls, 2000, at_once=at_once) == wanted


@pytest.mark.parametrize(("key", "skip_nulls"), KEYS)
def test_no_repeated_value_is_zero_and_nulls_count_when_asked(
    connection: duckdb.DuckDBPyConnection, key: tuple[str, ...], skip_nulls: bool
) -> None:
    connection.execute("CREATE TABLE u AS SELECT i AS a, i AS b FROM range(1000) r(i)")
    assert repeated_rows(connection, "u", key, skip_nulls, 1000) == 0
    # A row whose key is NULL: a row beyond the first when a single key's NULLs count (a
    # compound key compares whole, NULL parts being values).
    connection.execute("INSERT INTO u VALUES (NULL, NULL)")
    counted = 1 if not skip_nulls and len(key) == 1 else 0
    sql = connection.execute(f"SELECT {duplicates_expression(key, skip_nulls)} FROM u")
    assert sql.fetchall()[0][0] == counted
    assert repeated_rows(connection, "u", key, skip_nulls, 1001) == counted


def test_a_check_reports_the_repeated_ids(tmp_path: Path) -> None:
    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(
            "CREATE TABLE items AS SELECT CASE WHEN i < 10 THEN 0 ELSE i END AS id, "
            "CASE WHEN i = 20 THEN NULL ELSE i % 7 END AS part FROM range(100) r(i)"
        )
    contract = tmp_path / "items.odcs.yaml"
    document = {
        "apiVersion": "v3.0.2",
        "kind": "DataContract",
        "id": "items",
        "version": "1.0.0",
        "status": "active",
        "schema": [
            {
                "name": "items",
                "physicalName": "items",
                "properties": [
                    {"name": "id", "logicalType": "integer", "unique": True},
                    {"name": "part", "logicalType": "integer"},
                ],
                "quality": [{"metric": "duplicateValues", "mustBe": 0}],
            }
        ],
    }
    contract.write_text(yaml.safe_dump(document), encoding="utf-8")
    loaded = load_contract(contract)
    warehouse = open_warehouse(f"duckdb://{database}")
    results = {r.rule: r for r in check_targets(warehouse, list(iter_targets([loaded]))).results}
    # Ten rows with id 0: nine beyond the first.
    assert (results["items.id.unique"].status, results["items.id.unique"].measured) == (
        "failed",
        9,
    )
    # (id, part) whole: (0, 0)…(0, 6) for i < 10 repeat (0, 0), (0, 1) and (0, 2) once each.
    assert results["items.duplicateValues"].measured == 3
    assert results["items.id.unique"].samples[0] == {"id": 0, "occurrences": 10}


def test_a_view_is_judged_like_its_table(tmp_path: Path) -> None:
    """A contract on a view gets the same results as on the table it shows (a view's rules
    are counted in one pass, since each scan of a view would compute it again)."""
    from .test_contract_check import PRODUCTS, _check, _contract, _create, _rows

    warehouse = open_warehouse(f"duckdb://{tmp_path / 'w.duckdb'}")
    rows = _rows()
    _create(warehouse, [*rows, dict(rows[3]), {**rows[4], "id": None}])
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("CREATE VIEW shop.products_view AS SELECT * FROM shop.products")
    contract = _contract(tmp_path / "c.odcs.yaml", PRODUCTS)
    on_table = _check(warehouse, contract, schema="shop")
    on_view = _check(
        warehouse,
        _contract(tmp_path / "v.odcs.yaml", {**PRODUCTS, "physicalName": "shop.products_view"}),
    )
    shown = [(r.rule, r.status, r.measured, r.samples) for r in on_table]
    assert shown == [(r.rule, r.status, r.measured, r.samples) for r in on_view]
    by_rule = {r.rule: r for r in on_table}
    # A repeated id and a NULL id break the key; the repeated row breaks invalidValues twice.
    assert by_rule["products.id.primaryKey"].measured == 2
    assert by_rule["products.category.invalidValues"].measured == 2
    assert [s["category"] for s in by_rule["products.category.invalidValues"].samples] == [
        "toys",
        "toys",
    ]
