"""Contracts enforced while a load or a SQL step is in its transaction, on DuckDB and
PostgreSQL: every policy of job.toml's ``[contracts]``, with the rows accounted for (rows
brought = rows committed + rows quarantined)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from dataops_jupyter.contracts.enforce import ContractGuard, ContractViolation, find_target
from dataops_jupyter.contracts.engine import CheckTarget
from dataops_jupyter.contracts.model import load_contract
from dataops_jupyter.jobs.config import ContractsPolicy
from dataops_jupyter.warehouse import Statement, Warehouse, ingest, prepare

CONTRACT = {
    "apiVersion": "v3.1.0",
    "kind": "DataContract",
    "id": "products",
    "version": "1.0.0",
    "status": "active",
    "schema": [
        {
            "name": "products",
            "physicalName": "{schema}.products",
            "properties": [
                {"name": "id", "logicalType": "integer", "required": True, "unique": True},
                {"name": "name", "logicalType": "string", "logicalTypeOptions": {"minLength": 1}},
                {"name": "category", "logicalType": "string", "quality": [
                    {"metric": "invalidValues", "mustBe": 0,
                     "arguments": {"validValues": ["books", "games"]}}]},
                {"name": "price", "logicalType": "number",
                 "logicalTypeOptions": {"exclusiveMinimum": 0}},
            ],
        }
    ],
}  # fmt: skip


def _target(tmp_path: Path) -> CheckTarget:
    path = tmp_path / "products.odcs.yaml"
    path.write_text(yaml.safe_dump(CONTRACT), encoding="utf-8")
    target = find_target([load_contract(path)], "shop.products", {"schema": "shop"})
    assert target is not None
    return target


def _rows(count: int, bad: dict[int, dict[str, Any]] | None = None, start: int = 0) -> list[Any]:
    rows = [
        {"id": start + i, "name": f"p{start + i}", "category": "books", "price": Decimal("2.50")}
        for i in range(count)
    ]
    for index, change in (bad or {}).items():
        rows[index].update(change)
    return rows


BAD = {3: {"price": Decimal("-1.00")}, 7: {"category": "toys"}}


def _count(warehouse: Warehouse, table: str) -> int:
    columns = None
    with warehouse.transaction() as connection:
        columns = warehouse.columns(connection, table)
    if columns is None:
        return 0
    result = warehouse.run([Statement(f"SELECT count(*) AS n FROM {table}")])
    assert result is not None
    return int(result.column(0)[0].as_py())


def _quarantine(warehouse: Warehouse) -> list[dict[str, Any]]:
    if not _count(warehouse, "shop.products__quarantine"):
        return []
    result = warehouse.run([Statement("SELECT * FROM shop.products__quarantine ORDER BY id")])
    assert result is not None
    return result.to_pylist()


def _guard(warehouse: Warehouse, tmp_path: Path, **policy: Any) -> ContractGuard:
    return ContractGuard(warehouse, _target(tmp_path), ContractsPolicy(**policy))


def test_fail_commits_nothing_and_keeps_the_bad_rows(warehouse: Warehouse, tmp_path: Path) -> None:
    ingest(warehouse, _rows(5), "shop.products")
    guard = _guard(warehouse, tmp_path)
    with pytest.raises(ContractViolation) as raised:
        ingest(warehouse, _rows(10, BAD, start=100), "shop.products", guard=guard)
    assert _count(warehouse, "shop.products") == 5  # only the earlier load
    kept = _quarantine(warehouse)
    assert [(r["id"], r["_rule"]) for r in kept] == [
        (103, "products.price.exclusiveMinimum"),
        (107, "products.category.invalidValues"),
    ]
    assert kept[0]["_reason"] == "price is above 0"
    assert kept[0]["_load_id"] and kept[0]["_loaded_at"] is not None
    message = raised.value.message
    assert "products.price.exclusiveMinimum" in message and "id=103" in message
    assert "2 rows kept in shop.products__quarantine" in message
    assert raised.value.quarantined == 2
    failed = {r.rule for r in raised.value.results if r.status == "failed"}
    assert failed == {"products.price.exclusiveMinimum", "products.category.invalidValues"}


def test_quarantine_commits_the_good_rows(warehouse: Warehouse, tmp_path: Path) -> None:
    guard = _guard(warehouse, tmp_path, on_violation="quarantine")
    summary = ingest(warehouse, _rows(10, BAD), "shop.products", guard=guard)
    assert (summary.rows, summary.rejected) == (10, 2)
    committed, quarantined = _count(warehouse, "shop.products"), len(_quarantine(warehouse))
    assert (committed, quarantined) == (8, 2)
    assert committed + quarantined == summary.rows
    assert "2 rejected by the contract" in str(summary)
    moved = [r for r in guard.results if r.reason and "moved to" in r.reason]
    assert {r.status for r in moved} == {"warning"} and len(moved) == 2


def test_quarantine_above_the_limit_commits_nothing(warehouse: Warehouse, tmp_path: Path) -> None:
    guard = _guard(warehouse, tmp_path, on_violation="quarantine", max_rejected="10%")
    with pytest.raises(ContractViolation, match=r"more than max_rejected 10\.00% of 10 rows"):
        ingest(warehouse, _rows(10, BAD), "shop.products", guard=guard)
    assert _count(warehouse, "shop.products") == 0
    assert len(_quarantine(warehouse)) == 2


def test_warn_commits_everything_and_reports(warehouse: Warehouse, tmp_path: Path) -> None:
    guard = _guard(warehouse, tmp_path, on_violation="warn")
    summary = ingest(warehouse, _rows(10, BAD), "shop.products", guard=guard)
    assert (summary.rows, summary.rejected, _count(warehouse, "shop.products")) == (10, 0, 10)
    assert _quarantine(warehouse) == []
    assert guard.summary().failed == 2


def test_row_rules_judge_only_the_rows_a_load_brings(warehouse: Warehouse, tmp_path: Path) -> None:
    # Rows already in the table that break a row rule do not fail the next load...
    ingest(warehouse, _rows(3, {1: {"price": Decimal("-9")}}), "shop.products")
    guard = _guard(warehouse, tmp_path)
    ingest(warehouse, _rows(3, start=10), "shop.products", guard=guard)
    assert guard.summary().failed == 0
    # ...but table rules judge the whole table: an id loaded again breaks uniqueness.
    guard = _guard(warehouse, tmp_path, on_violation="quarantine")
    with pytest.raises(ContractViolation, match=r"products\.id\.unique"):
        ingest(warehouse, _rows(2, start=10), "shop.products", guard=guard)
    assert _count(warehouse, "shop.products") == 6


def test_merge_quarantines_before_it_changes_rows(warehouse: Warehouse, tmp_path: Path) -> None:
    ingest(warehouse, _rows(4), "shop.products", mode="merge", key="id")
    update = _rows(4, {2: {"price": Decimal("-3")}})
    update[0]["name"] = "renamed"
    guard = _guard(warehouse, tmp_path, on_violation="quarantine")
    summary = ingest(warehouse, update, "shop.products", mode="merge", key="id", guard=guard)
    assert summary.rejected == 1
    result = warehouse.run([Statement("SELECT id, name, price FROM shop.products ORDER BY id")])
    assert result is not None
    rows = result.to_pylist()
    assert rows[0]["name"] == "renamed"  # a good update is merged
    assert rows[2]["price"] == Decimal("2.50")  # the bad one left the old row as it was
    assert [r["id"] for r in _quarantine(warehouse)] == [2]


def test_a_sql_step_that_breaks_the_contract_commits_nothing(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    ingest(warehouse, _rows(4, {1: {"price": Decimal("-5")}}), "shop.raw")
    guard = _guard(warehouse, tmp_path)
    statements = prepare(
        "CREATE TABLE {schema}.products AS SELECT id, name, category, price FROM {schema}.raw",
        {},
        {"schema": "shop"},
        warehouse.dialect,
    )
    with pytest.raises(ContractViolation, match="id=1"):
        warehouse.execute(statements, before_commit=guard.before_commit)
    guard.after_rollback()
    assert _count(warehouse, "shop.products") == 0
    [kept] = _quarantine(warehouse)
    assert (kept["id"], kept["_rule"], kept["_load_id"]) == (
        1,
        "products.price.exclusiveMinimum",
        None,
    )
    # With the policy "quarantine" the step commits its good rows.
    guard = _guard(warehouse, tmp_path, on_violation="quarantine")
    warehouse.execute(statements, before_commit=guard.before_commit)
    assert _count(warehouse, "shop.products") == 3
    assert len(_quarantine(warehouse)) == 2


def test_rows_are_judged_batch_by_batch_and_in_the_table_alike(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    # Small batches: each one is judged as it comes, and the accounting holds across them.
    guard = _guard(warehouse, tmp_path, on_violation="quarantine")
    summary = ingest(warehouse, _rows(10, BAD), "shop.products", guard=guard, batch_rows=2)
    assert (summary.rows, summary.rejected, _count(warehouse, "shop.products")) == (10, 2, 8)
    assert sorted(r["id"] for r in _quarantine(warehouse)) == [3, 7]
    # A load without a column a rule reads is judged in the table once written.
    rows = [{k: v for k, v in row.items() if k != "category"} for row in _rows(3, start=50)]
    rows[1]["price"] = Decimal("-2")
    guard = _guard(warehouse, tmp_path, on_violation="quarantine")
    summary = ingest(warehouse, rows, "shop.products", guard=guard)
    assert summary.rejected == 1
    assert sorted(r["id"] for r in _quarantine(warehouse)) == [3, 7, 51]
    assert _count(warehouse, "shop.products") == 10
