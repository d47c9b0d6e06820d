"""``dataops contract init``: a starting contract written from a table passes lint and passes
``check`` on the table it came from (DuckDB and PostgreSQL), and catches later bad rows."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from dataops_jupyter.contracts.lint import lint_file
from dataops_jupyter.warehouse import Warehouse, ingest


def dataops(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dataops_jupyter.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def _rows() -> list[dict[str, Any]]:
    return [
        {
            "order_id": 1000 + i,
            "status": ["open", "paid", "shipped"][i % 3],
            "customer": f"customer {i}",
            "total": Decimal("10.50") + i,
            "note": None if i % 4 else "gift",
        }
        for i in range(40)
    ]


def test_init_writes_a_contract_that_holds_on_its_table(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    ingest(warehouse, _rows(), "shop.orders")
    (tmp_path / "dataops.toml").write_text("")
    written = dataops("contract", "init", "shop.orders", "--warehouse", warehouse.url, cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    path = tmp_path / "contracts" / "orders.odcs.yaml"
    assert f"wrote {path}" in written.stdout
    assert [f for f in lint_file(path) if f.severity == "error"] == []
    contract = yaml.safe_load(path.read_text())
    [table] = contract["schema"]
    assert table["physicalName"] == "shop.orders"
    props = {p["name"]: p for p in table["properties"]}
    assert props["order_id"]["logicalType"] == "integer"
    assert props["order_id"]["required"] is True and props["order_id"]["unique"] is True
    assert props["order_id"]["logicalTypeOptions"] == {"minimum": 1000, "maximum": 1039}
    assert props["status"]["quality"][0]["arguments"]["validValues"] == ["open", "paid", "shipped"]
    assert "validValues" not in json.dumps(props["customer"])  # 40 different values
    assert props["total"]["logicalType"] == "number"
    assert "required" not in props["note"]
    assert contract["slaProperties"][0]["element"] == "orders._loaded_at"
    # The load's own columns say what they are, never what one load's values happened to be.
    assert props["_loaded_at"] == {"name": "_loaded_at", "logicalType": "timestamp",
                                   "physicalType": props["_loaded_at"]["physicalType"],
                                   "required": True}  # fmt: skip
    assert "quality" not in props["_load_id"] and "unique" not in props["_load_id"]

    checked = dataops("contract", "check", "--warehouse", warehouse.url, "--json", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    report = json.loads(checked.stdout)
    assert report["summary"]["failed"] == 0 and report["summary"]["total"] >= 15

    # Later rows outside what the data showed break it.
    later = {"order_id": 5000, "status": "lost", "customer": "customer 77", "total": Decimal(20)}
    ingest(warehouse, [{**later, "note": None}], "shop.orders")
    again = dataops("contract", "check", "--warehouse", warehouse.url, "--json", cwd=tmp_path)
    assert again.returncode == 1
    broken = {r["rule"] for r in json.loads(again.stdout)["results"] if r["status"] == "failed"}
    assert broken == {"orders.order_id.maximum", "orders.status.invalidValues"}

    refused = dataops("contract", "init", "shop.orders", "--warehouse", warehouse.url, cwd=tmp_path)
    assert refused.returncode == 2 and "--force" in refused.stderr
    missing = dataops("contract", "init", "shop.nope", "--warehouse", warehouse.url, cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
