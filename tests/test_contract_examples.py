"""``dataops contract check`` on tables built for contracts written by other projects
(``../shared/odcs-examples/``, read where they are, never changed), with violations planted:
each planted violation is found, and nothing else is reported."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from dataops_jupyter.warehouse import Statement, open_warehouse

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "odcs-examples"
if not EXAMPLES.is_dir():
    EXAMPLES = Path("/work/shared/odcs-examples")


def _build(url: str, sql: str) -> None:
    statements = [Statement(s) for s in sql.split(";") if s.strip()]
    open_warehouse(url).run(statements)


def _check(url: str, contract: str, *extra: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "dataops_jupyter.cli", "contract", "check",
         str(EXAMPLES / contract), "--warehouse", url, "--json", *extra],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.stderr == "", done.stderr
    return done.returncode, json.loads(done.stdout)


def _broken(report: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    return {
        r["rule"]: (r["status"], r["measured"])
        for r in report["results"]
        if r["status"] not in ("passed", "skipped")
    }


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"duckdb://{tmp_path / 'examples.duckdb'}"


def test_datacontract_cli_orders(url: str) -> None:
    rows = ", ".join(
        f"('ORD-{i}', TIMESTAMP '2025-01-01 10:00:00', 'C{i % 7}', {100 + i}, 'shipped')"
        for i in range(1, 1201)
    )
    _build(url, f"""
        CREATE TABLE orders (order_id VARCHAR, order_timestamp TIMESTAMP, customer_id VARCHAR,
                             order_total BIGINT, status VARCHAR);
        INSERT INTO orders VALUES {rows};
        UPDATE orders SET order_total = -5 WHERE order_id = 'ORD-7';
        CREATE TABLE line_items (line_item_id VARCHAR, order_id VARCHAR, sku VARCHAR,
                                 quantity INTEGER);
        INSERT INTO line_items VALUES ('L1', 'ORD-1', 'SKU-1', 2), ('L2', 'ORD-1', NULL, 1),
                                      ('L3', 'ORD-2', 'SKU-3', 4)
    """)  # fmt: skip
    code, report = _check(url, "dccli__examples__orders.odcs.yaml")
    assert code == 1
    assert _broken(report) == {
        "orders.order_total.sql": ("failed", 1),
        "line_items.sku.required": ("failed", 1),
    }
    # 1,200 orders: more than the 1,000 the table-level SQL rule asks for.
    [table_rule] = [r for r in report["results"] if r["rule"] == "orders.sql"]
    assert (table_rule["status"], table_rule["measured"]) == ("passed", 1200)
    assert report["summary"]["failed"] == 2


def test_datacontract_cli_duckdb_dialect_rules(url: str) -> None:
    _build(url, """
        CREATE TABLE orders (order_id VARCHAR, order_total INTEGER, order_status VARCHAR,
                             order_timestamp TIMESTAMP, tags VARCHAR[]);
        INSERT INTO orders VALUES
          ('A', 10, 'open', TIMESTAMP '2025-01-01 10:00', ['pii']),
          ('B', 20, 'open', TIMESTAMP '2025-01-02 10:00', ['pii', 'eu']),
          ('B', 30, 'open', TIMESTAMP '2025-01-03 10:00', ['pii']),
          ('C', 40, 'open', TIMESTAMP '2025-01-04 10:00', ['eu'])
    """)  # fmt: skip
    code, report = _check(url, "dccli__fixtures__quality-sql-dialects__duckdb.yaml")
    assert code == 1
    # list_contains and QUALIFY are DuckDB's own: both pass the read-only guard. The first is
    # judged; DuckDB itself refuses the second (count(*) beside a window needs a GROUP BY),
    # and the result says so in DuckDB's words.
    assert _broken(report) == {"orders.sql": ("failed", 1), "orders.sql#2": ("error", None)}
    [refused] = [r for r in report["results"] if r["rule"] == "orders.sql#2"]
    assert "Binder Error" in refused["reason"] and "QUALIFY" in refused["sql"]
    # logicalType date kept in a column of the contract's physicalType timestamp.
    schema = {r["rule"]: r["status"] for r in report["results"] if r["kind"] == "schema"}
    assert schema["orders.order_timestamp.schema"] == "passed"


def test_bitol_column_validity_counts_a_share_of_rows(url: str) -> None:
    _build(url, """
        CREATE TABLE Air_Quality (air_quality_status VARCHAR);
        INSERT INTO Air_Quality VALUES (''), ('n/a'), ('good')
    """)  # fmt: skip
    code, report = _check(url, "bitol__quality__column-validity.odcs.yaml")
    assert code == 1
    # validValues are '', null and 'n/a': 'good' is the one invalid value of three rows.
    assert _broken(report) == {"Air_Quality.air_quality_status.invalidValues": ("failed", 33.3333)}


def test_bitol_column_accuracy_sql_rule(url: str) -> None:
    _build(url, """
        CREATE TABLE Air_Quality (DataValue DOUBLE);
        INSERT INTO Air_Quality VALUES (12.5), (480.0), (650.0)
    """)  # fmt: skip
    code, report = _check(url, "bitol__quality__column-accuracy.odcs.yaml")
    assert code == 1
    assert _broken(report) == {"Air_Quality.DataValue.sql": ("failed", 1)}


def test_datacontract_editor_example(url: str, tmp_path: Path) -> None:
    _build(url, """
        CREATE TABLE orders (order_id UUID, customer_id VARCHAR, order_total INTEGER,
                             order_timestamp TIMESTAMPTZ, order_status VARCHAR);
        INSERT INTO orders VALUES
          ('123e4567-e89b-12d3-a456-426614174000', '1', 9999, '2025-11-23 11:40:26+00', 'shipped'),
          ('123e4567-e89b-12d3-a456-426614174001', '2', -5, '2025-11-23 11:41:26+00', 'paid'),
          ('123e4567-e89b-12d3-a456-426614174002', '3', 100, '2025-11-23 11:42:26+00', 'lost');
        CREATE TABLE line_items (line_item_id UUID, sku VARCHAR, price INTEGER, order_id UUID);
        INSERT INTO line_items VALUES
          ('12c9ba21-0c44-4e29-ba72-b8fd01c1be30', '111222333', 9999,
           '123e4567-e89b-12d3-a456-426614174000')
    """)  # fmt: skip
    junit = tmp_path / "report.xml"
    code, report = _check(url, "dceditor__src__example.yaml", "--junit", str(junit))
    assert code == 1
    assert _broken(report) == {
        # The contract asks for more than 100,000 orders.
        "orders.rowCount": ("failed", 3),
        "orders.order_total.minimum": ("failed", 1),
        "orders.order_status.invalidValues": ("failed", 1),
    }
    suites = ET.parse(junit).getroot()
    assert suites.get("failures") == "3"
    failed = [c.get("name") for c in suites.iter("testcase") if c.find("failure") is not None]
    assert sorted(failed) == sorted(_broken(report))


def test_datacontract_cli_valid_fixture(url: str) -> None:
    _build(url, """
        CREATE TABLE shipments_v2 (sid UUID, oid VARCHAR, delivery_date DATE, carrier VARCHAR,
                                   tracking_number VARCHAR, status VARCHAR,
                                   inline_object_definition JSON, address JSON);
        INSERT INTO shipments_v2 VALUES
          ('123e4567-e89b-12d3-a456-426614174000', 'o1', DATE '2023-10-01', 'UPS', '1Z9', 'Delivered',
           '{"destination": "New York"}', '{"street": "Marienplatz 1", "city": "Munich", "country": "DE"}'),
          ('123e4567-e89b-12d3-a456-426614174000', 'o2', DATE '2023-10-02', 'UPS', '1Z8', 'Delivered',
           '{"destination": "Paris"}', NULL)
    """)  # fmt: skip
    code, report = _check(url, "dccli__fixtures__lint__valid-3.1.0.odcs.yaml")
    assert code == 1
    broken = _broken(report)
    # The SQL rule reads a table named "shipments", which this warehouse does not have.
    assert broken.pop("shipments2.sql")[0] == "error"
    assert broken == {
        "shipments2.shipment_id.primaryKey": ("failed", 1),
        "shipments2.address.required": ("failed", 1),
    }
    skipped = {r["kind"]: r["reason"] for r in report["results"] if r["status"] == "skipped"}
    assert "documentation" in skipped["text"]


def test_bitol_full_example(url: str) -> None:
    _build(url, """
        CREATE TABLE tbl_1 (txn_ref_dt DATE, rcvr_id VARCHAR, rcvr_cntry_code VARCHAR);
        INSERT INTO tbl_1 VALUES (DATE '2024-01-01', 'r1', 'DE'), (DATE '2024-01-02', 'r2', NULL);
        CREATE TABLE receivers_master (id VARCHAR, country_code VARCHAR, receiver_name VARCHAR,
                                       receiver_type VARCHAR);
        INSERT INTO receivers_master VALUES ('r1', 'DE', 'Anna', NULL), ('r2', 'FR', 'Bo', 'b'),
                                            ('r2', 'FR', 'Bo', 'b')
    """)  # fmt: skip
    code, report = _check(url, "bitol__all__full-example.odcs.yaml")
    assert code == 1
    assert _broken(report) == {
        "tbl.rcvr_cntry_code.nullValues": ("failed", 1),
        "tbl.rowCount": ("failed", 2),
        "receivers.id.unique": ("failed", 1),
        "receivers.primaryKey": ("failed", 1),
    }


def test_a_table_not_in_the_warehouse_fails_the_check(url: str) -> None:
    _build(url, "CREATE TABLE unrelated (x INTEGER)")
    code, report = _check(url, "bitol__quality__column-accuracy.odcs.yaml")
    assert code == 1
    assert report["results"][0]["kind"] == "exists"
    assert report["results"][0]["status"] == "failed"
