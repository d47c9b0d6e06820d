"""Contract checks on real warehouses (a DuckDB file and a PostgreSQL database): every kind of
rule with planted violations, each found and nothing else reported; every operator; SQL rules
refused unless they only read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dataops_jupyter.contracts.engine import check_targets, iter_targets
from dataops_jupyter.contracts.model import ContractError, load_contract
from dataops_jupyter.contracts.results import CheckResult
from dataops_jupyter.warehouse import Statement, Warehouse

GOOD_ID = "6f1c1f3e-0c4e-4f7a-9a57-6d1f0b9f2a11"


def _rows() -> list[dict[str, Any]]:
    """Ten rows: the first two break nothing, each other one breaks exactly one rule."""
    base = {
        "name": "Atlas",
        "category": "books",
        "price": "12.50",
        "email": "a@example.com",
        "code": "ABC",
        "tags": ["x"],
        "created": "2024-05-01 10:00:00",
        "qty": 3,
        "ref": "0d9e8a52-6a55-4d0f-8f0a-5b1a1f1f6c22",
    }
    ids = [f"00000000-0000-4000-8000-{n:012d}" for n in range(10)]
    planted = [
        {},
        {},
        {"name": ""},  # minLength
        {"category": "toys"},  # invalidValues
        {"price": "-1.00"},  # exclusiveMinimum
        {"email": "nope"},  # format email
        {"code": "ab1"},  # pattern
        {"qty": 500},  # maximum
        {"tags": []},  # minItems
        {"ref": "not-a-uuid"},  # format uuid on a text column
    ]
    return [{"id": ids[i], **base, **change} for i, change in enumerate(planted)]


def _create(warehouse: Warehouse, rows: list[dict[str, Any]], table: str = "shop.products") -> None:
    pg = warehouse.dialect == "postgres"
    tags = "text[]" if pg else "VARCHAR[]"
    statements = [
        Statement("CREATE SCHEMA IF NOT EXISTS shop"),
        Statement(f"DROP TABLE IF EXISTS {table}"),
        Statement(
            f"CREATE TABLE {table} (id UUID, name VARCHAR, category VARCHAR, "
            f"price DECIMAL(10,2), email VARCHAR, code VARCHAR, tags {tags}, "
            "created TIMESTAMP, qty INTEGER, ref VARCHAR)"
        ),
    ]
    for row in rows:
        values = []
        for key in ("id", "name", "category", "price", "email", "code", "tags", "created",
                    "qty", "ref"):  # fmt: skip
            value = row[key]
            if value is None:
                values.append("NULL")
            elif key == "tags":
                listed = ", ".join(f"'{v}'" for v in value)
                values.append(f"ARRAY[{listed}]::text[]" if pg else f"[{listed}]::VARCHAR[]")
            elif key == "qty":
                values.append(str(value))
            else:
                values.append("'" + str(value).replace("'", "''") + "'")
        statements.append(Statement(f"INSERT INTO {table} VALUES ({', '.join(values)})"))
    warehouse.run(statements)


def _contract(path: Path, schema_object: dict[str, Any], api: str = "v3.1.0") -> Path:
    document = {
        "apiVersion": api,
        "kind": "DataContract",
        "id": "products",
        "name": "products",
        "version": "1.0.0",
        "status": "active",
        "schema": [schema_object],
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


PRODUCTS = {
    "name": "products",
    "physicalName": "{schema}.products",
    "properties": [
        {"name": "id", "logicalType": "string", "physicalType": "uuid", "required": True,
         "primaryKey": True, "logicalTypeOptions": {"format": "uuid"}},
        {"name": "name", "logicalType": "string", "required": True,
         "logicalTypeOptions": {"minLength": 1, "maxLength": 40}},
        {"name": "category", "logicalType": "string", "quality": [
            {"metric": "invalidValues", "arguments": {"validValues": ["books", "games"]},
             "mustBe": 0}]},
        {"name": "price", "logicalType": "number", "required": True,
         "logicalTypeOptions": {"exclusiveMinimum": 0}},
        {"name": "email", "logicalType": "string", "logicalTypeOptions": {"format": "email"}},
        {"name": "code", "logicalType": "string", "logicalTypeOptions": {"pattern": "^[A-Z]{3}$"}},
        {"name": "tags", "logicalType": "array", "logicalTypeOptions": {"minItems": 1}},
        {"name": "created", "logicalType": "timestamp",
         "logicalTypeOptions": {"minimum": "2020-01-01T00:00:00"}},
        {"name": "qty", "logicalType": "integer",
         "logicalTypeOptions": {"minimum": 0, "maximum": 100}},
        {"name": "ref", "logicalType": "string", "logicalTypeOptions": {"format": "uuid"}},
    ],
    "quality": [
        {"metric": "rowCount", "mustBeGreaterThan": 5},
        {"metric": "duplicateValues", "arguments": {"properties": ["name", "category"]},
         "mustBeLessOrEqualTo": 100},
    ],
}  # fmt: skip


def _check(warehouse: Warehouse, contract: Path, **arguments: Any) -> list[CheckResult]:
    loaded = load_contract(contract)
    report = check_targets(warehouse, list(iter_targets([loaded], arguments)))
    return report.results


def _broken(results: list[CheckResult]) -> dict[str, Any]:
    return {r.rule: r.measured for r in results if r.status != "passed"}


def test_every_planted_violation_is_found_and_nothing_else(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    _create(warehouse, _rows())
    results = _check(warehouse, _contract(tmp_path / "c.odcs.yaml", PRODUCTS), schema="shop")
    assert _broken(results) == {
        "products.name.minLength": 1,
        "products.category.invalidValues": 1,
        "products.price.exclusiveMinimum": 1,
        "products.email.format": 1,
        "products.code.pattern": 1,
        "products.qty.maximum": 1,
        "products.tags.minItems": 1,
        "products.ref.format": 1,
    }
    by_rule = {r.rule: r for r in results}
    # Every result of a broken row-level rule shows the row that broke it.
    assert by_rule["products.price.exclusiveMinimum"].samples[0]["price"] in ("-1.00", -1.0)
    assert by_rule["products.category.invalidValues"].samples[0]["category"] == "toys"
    assert by_rule["products.price.exclusiveMinimum"].scope == "row"
    assert by_rule["products.id.primaryKey"].scope == "table"
    assert by_rule["products.rowCount"].measured == 10
    # The SQL of a result gives its figure when run alone.
    alone = warehouse.run([Statement(by_rule["products.code.pattern"].sql or "")])
    assert alone is not None and alone.column(0).to_pylist() == [1]
    # The column's own type answers the UUID format of a UUID column.
    assert by_rule["products.id.format"].status == "passed"
    assert all(r.status in ("passed", "failed") for r in results)


def test_keys_nulls_and_duplicates_count_rows_that_break_them(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    rows = _rows()[:2]
    rows += [dict(rows[0]), {**rows[1], "id": None}]
    _create(warehouse, rows)
    spec = {
        "name": "products",
        "physicalName": "shop.products",
        "properties": [
            {"name": "id", "logicalType": "string", "primaryKey": True, "primaryKeyPosition": 1},
            {"name": "name", "logicalType": "string", "unique": True},
            {"name": "category", "logicalType": "string", "primaryKey": True,
             "primaryKeyPosition": 2, "quality": [
                 {"metric": "duplicateValues", "mustBe": 0, "severity": "warn"}]},
            {"name": "email", "logicalType": "string", "quality": [
                {"metric": "nullValues", "mustBe": 0},
                {"metric": "missingValues", "arguments": {"missingValues": ["n/a"]},
                 "mustBeLessThan": 50, "unit": "percent"}]},
        ],
    }  # fmt: skip
    results = _check(warehouse, _contract(tmp_path / "k.odcs.yaml", spec))
    by_rule = {r.rule: r for r in results}
    key = by_rule["products.primaryKey"]
    # (id, category): one duplicate of the first row, one row with a NULL id.
    assert (key.status, key.measured) == ("failed", 2)
    assert key.samples[0]["occurrences"] == 2
    assert (by_rule["products.name.unique"].status, by_rule["products.name.unique"].measured) == (
        "failed",
        3,
    )
    duplicates = by_rule["products.category.duplicateValues"]
    assert (duplicates.status, duplicates.severity, duplicates.measured) == (
        "warning",
        "warning",
        3,
    )
    assert by_rule["products.email.nullValues"].status == "passed"
    missing = by_rule["products.email.missingValues"]
    assert (missing.status, missing.measured, missing.unit) == ("passed", 0.0, "percent")


@pytest.mark.parametrize(
    ("operator", "value", "holds"),
    [
        ("mustBe", 4, True),
        ("mustBe", 5, False),
        ("mustNotBe", 4, False),
        ("mustNotBe", 3, True),
        ("mustBeGreaterThan", 3, True),
        ("mustBeGreaterThan", 4, False),
        ("mustBeGreaterOrEqualTo", 4, True),
        ("mustBeGreaterOrEqualTo", 5, False),
        ("mustBeLessThan", 5, True),
        ("mustBeLessThan", 4, False),
        ("mustBeLessOrEqualTo", 4, True),
        ("mustBeLessOrEqualTo", 3, False),
        ("mustBeBetween", [4, 9], True),
        ("mustBeBetween", [5, 9], False),
        ("mustNotBeBetween", [5, 9], True),
        ("mustNotBeBetween", [1, 4], False),
    ],
)
def test_every_operator(
    tmp_path: Path, operator: str, value: Any, holds: bool, duckdb_warehouse: Warehouse
) -> None:
    _create(duckdb_warehouse, _rows()[:4])
    spec = {"name": "p", "physicalName": "shop.products",
            "quality": [{"metric": "rowCount", operator: value}]}  # fmt: skip
    [result] = _check(duckdb_warehouse, _contract(tmp_path / "o.odcs.yaml", spec))
    assert result.measured == 4
    assert result.status == ("passed" if holds else "failed"), result.threshold


def test_percent_unit_is_a_share_of_the_rows(duckdb_warehouse: Warehouse, tmp_path: Path) -> None:
    rows = _rows()
    _create(duckdb_warehouse, rows)  # one row in ten has a category outside the list
    spec = {"name": "p", "physicalName": "shop.products", "properties": [
        {"name": "category", "logicalType": "string", "quality": [
            {"metric": "invalidValues", "arguments": {"validValues": ["books"]},
             "mustBeLessOrEqualTo": 5, "unit": "percent"},
            {"metric": "invalidValues", "arguments": {"validValues": ["books"]},
             "mustBeLessOrEqualTo": 10, "unit": "percent"}]}]}  # fmt: skip
    strict, lenient = _check(duckdb_warehouse, _contract(tmp_path / "u.odcs.yaml", spec))[1:]
    assert (strict.measured, strict.status, strict.threshold) == (10.0, "failed", "≤ 5 %")
    assert (lenient.status, lenient.scope) == ("passed", "table")


def test_sql_rules_take_placeholders_and_are_judged(warehouse: Warehouse, tmp_path: Path) -> None:
    _create(warehouse, _rows())
    spec = {"name": "products", "physicalName": "shop.products", "properties": [
        {"name": "price", "logicalType": "number", "quality": [
            {"type": "sql", "query": "SELECT count(*) FROM {object} WHERE {property} < 0",
             "mustBe": 0}]}],
        "quality": [
            {"type": "sql", "query": "SELECT count(*) FROM ${model}", "mustBeGreaterThan": 1},
            {"type": "sql", "query": "SELECT max(qty) FROM ${object}", "mustBeLessThan": 1000,
             "severity": "info"},
            {"type": "text", "description": "prices are in euros"},
            {"type": "custom", "engine": "great-expectations", "implementation": "x"},
        ]}  # fmt: skip
    results = _check(warehouse, _contract(tmp_path / "s.odcs.yaml", spec))
    statuses = [(r.kind, r.status, r.measured) for r in results if r.kind != "schema"]
    assert statuses == [
        ("sql", "failed", 1),
        ("sql", "passed", 10),
        ("sql", "passed", 500),
        ("text", "skipped", None),
        ("custom", "skipped", None),
    ]
    assert all(r.reason for r in results if r.status == "skipped")
    assert '"shop"."products"' in (results[1].sql or "")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT count(*) FROM ${object}; DROP TABLE shop.products",
        "DELETE FROM ${object} RETURNING 1",
        "WITH gone AS (DELETE FROM ${object} RETURNING *) SELECT count(*) FROM gone",
        "SELECT count(*) FROM ${object} WHERE 1 = 1; UPDATE shop.products SET qty = 0",
        "COPY shop.products TO '/tmp/stolen.csv'",
        "ATTACH '/tmp/other.duckdb' AS other",
        "PRAGMA database_list",
        "CALL pragma_version()",
        "SELECT count(*) FROM read_csv('/etc/passwd')",
        "SELECT count(*) FROM '/etc/passwd'",
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT * INTO stolen FROM ${object}",
        "CREATE TABLE x AS SELECT 1",
    ],
)
def test_sql_rules_that_do_more_than_read_are_refused(
    duckdb_warehouse: Warehouse, tmp_path: Path, query: str
) -> None:
    _create(duckdb_warehouse, _rows())
    spec = {"name": "p", "physicalName": "shop.products",
            "quality": [{"type": "sql", "query": query, "mustBe": 0}]}  # fmt: skip
    [result] = _check(duckdb_warehouse, _contract(tmp_path / "i.odcs.yaml", spec))
    assert result.status == "failed"
    assert result.sql is None
    assert result.reason and ("only read" in result.reason or "may not" in result.reason
                              or "statements" in result.reason), result.reason  # fmt: skip
    # Nothing of the table changed.
    [row] = duckdb_warehouse.run([Statement("SELECT count(*) AS n, max(qty) AS m FROM shop.products")]).to_pylist()  # fmt: skip
    assert row == {"n": 10, "m": 500}


def test_a_missing_table_and_missing_columns_say_so(warehouse: Warehouse, tmp_path: Path) -> None:
    contract = _contract(tmp_path / "c.odcs.yaml", PRODUCTS)
    results = _check(warehouse, contract, schema="nowhere")
    assert results[0].kind == "exists" and results[0].status == "failed"
    assert {r.status for r in results[1:]} == {"skipped"}
    _create(warehouse, _rows())
    spec = {"name": "p", "physicalName": "shop.products", "properties": [
        {"name": "colour", "logicalType": "string", "required": True},
        {"name": "qty", "logicalType": "string", "logicalTypeOptions": {"maxLength": 2}}]}  # fmt: skip
    results = _check(warehouse, _contract(tmp_path / "m.odcs.yaml", spec))
    assert [(r.rule, r.status) for r in results] == [
        ("p.colour.schema", "failed"),
        ("p.colour.required", "skipped"),
        ("p.qty.schema", "failed"),
        ("p.qty.maxLength", "skipped"),
    ]
    assert results[0].measured == "missing"
    assert "does not hold logicalType string" in (results[2].reason or "")


def test_a_table_argument_must_be_given(duckdb_warehouse: Warehouse, tmp_path: Path) -> None:
    contract = load_contract(_contract(tmp_path / "c.odcs.yaml", PRODUCTS))
    with pytest.raises(ContractError, match=r"job argument 'schema'.*--arg schema=VALUE"):
        list(iter_targets([contract], {}))


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Warehouse:
    from dataops_jupyter.warehouse import open_warehouse

    return open_warehouse(f"duckdb://{tmp_path / 'w.duckdb'}")
