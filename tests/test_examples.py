"""The demo workspace (examples/) runs end to end on its embedded DuckDB warehouse."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dataops_jupyter.jobs import load_job
from dataops_jupyter.runner import run_job

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of examples/ without anything a run left there."""
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".dataops", "*.duckdb*"))
    return root


def expected_sales(since_days: int) -> dict[str, tuple[int, int, Decimal]]:
    """What the sales mart must hold, worked out from how the two notebooks make their rows."""
    categories = ["books", "games", "music"]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    since = today - timedelta(days=since_days)
    sales: dict[str, tuple[int, int, Decimal]] = {}
    for n in range(120):
        product = n % 20
        ordered_at = today - timedelta(days=n % 45, hours=n % 24)
        if ordered_at < since:
            continue
        category = categories[product % 3]
        price = Decimal("4.50") + Decimal("1.25") * product
        quantity = 1 + n % 4
        orders, items, revenue = sales.get(category, (0, 0, Decimal(0)))
        sales[category] = (orders + 1, items + quantity, revenue + quantity * price)
    return sales


def test_products_then_sales_mart(workspace: Path) -> None:
    products = run_job(load_job(workspace / "products"))
    assert products.status == "succeeded", products.message
    mart = load_job(workspace / "sales-mart")
    assert [s.name for s in mart.steps] == ["setup", "ingest-orders", "sales-mart", "report"]
    first = run_job(mart)
    assert first.status == "succeeded", (first.message, first.error)
    again = run_job(mart, {"since_days": 7})  # a re-run merges the same orders
    assert again.status == "succeeded", (again.message, again.error)

    with duckdb.connect(str(workspace / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM shop.orders").fetchone() == (120,)
        rows = con.execute(
            "SELECT category, orders, items, revenue FROM shop.sales_by_category"
        ).fetchall()
    assert {
        category: (orders, items, Decimal(revenue)) for category, orders, items, revenue in rows
    } == expected_sales(7)


def test_sales_mart_says_to_run_products_first(workspace: Path) -> None:
    record = run_job(load_job(workspace / "sales-mart"))
    assert record.status == "failed"
    assert record.error is not None and record.error.step == "sales-mart"
    assert "all_products" in record.error.evalue
