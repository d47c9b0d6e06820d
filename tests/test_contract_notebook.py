"""Contracts in the notebook and in runs: real kernels, a real DuckDB file, the products
example. A load or SQL step that breaks its table's contract fails with the rule and a sample
row, the rows that broke it sit in ``<table>__quarantine``, and the same results show under
the cell and in the run's record."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from jupyter_client.manager import start_new_kernel

from dataops_jupyter.jobs import load_job
from dataops_jupyter.runner import run_job

from .control import RunningService, deploy, wait_for

pytestmark = pytest.mark.timeout(300)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: products
version: 1.0.0
status: active
schema:
  - name: products
    physicalName: shop.products
    properties:
      - name: id
        logicalType: integer
        required: true
        unique: true
      - name: price
        logicalType: number
        logicalTypeOptions: {exclusiveMinimum: 0}
"""
BAD_LOAD = (
    "%%ingest shop.products\n"
    "[{'id': 1, 'price': 2.5}, {'id': 2, 'price': -4.0}, {'id': 3, 'price': 9.0}]"
)


@pytest.fixture
def job_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATAOPS_JOB_DIR", "DATAOPS_RUN_ID", "DATAOPS_RUN_DIR", "DATAOPS_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "dataops.toml").write_text('warehouse = "duckdb://wh.duckdb"\n')
    folder = tmp_path / "shop"
    (folder / "contracts").mkdir(parents=True)
    (folder / "job.toml").write_text('name = "shop"\n')
    (folder / "contracts" / "products.odcs.yaml").write_text(CONTRACT)
    return folder


class Kernel:
    """A real kernel in a job folder, as JupyterLab runs one."""

    def __init__(self, folder: Path) -> None:
        self.km, self.kc = start_new_kernel(cwd=str(folder))
        self.execute("%load_ext kernel_magics")

    def execute(self, code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        outputs: list[dict[str, Any]] = []

        def hook(message: dict[str, Any]) -> None:
            if message["msg_type"] in ("display_data", "execute_result", "stream", "error"):
                outputs.append({"type": message["msg_type"], **message["content"]})

        reply = self.kc.execute_interactive(code, timeout=90, output_hook=hook)
        return reply["content"], outputs

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def _rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_ingest_in_the_notebook_shows_the_result_and_keeps_bad_rows(job_folder: Path) -> None:
    kernel = Kernel(job_folder)
    try:
        reply, outputs = kernel.execute(BAD_LOAD)
        assert reply["status"] == "error"
        assert reply["ename"] == "ContractViolation"
        assert "products.price.exclusiveMinimum" in reply["evalue"]
        assert "id=2" in reply["evalue"] and "Nothing was committed" in reply["evalue"]
        [shown] = [o for o in outputs if o["type"] == "display_data"]
        text, page = shown["data"]["text/plain"], shown["data"]["text/html"]
        assert text.startswith("✗ contract products on shop.products: 1 of ")
        assert "<details><summary>1 sample row</summary>" in page and "-4.0" in page
        # The rows of the load that break no rule are not committed either (policy "fail").
        database = job_folder.parent / "wh.duckdb"
        assert _rows(database, "SELECT id, price, _rule FROM shop.products__quarantine") == [
            (2, -4.0, "products.price.exclusiveMinimum")
        ]
        # A good load passes and says so under the cell.
        reply, outputs = kernel.execute(BAD_LOAD.replace("-4.0", "4.0"))
        assert reply["status"] == "ok", reply
        [shown] = [o for o in outputs if o["type"] == "display_data"]
        assert shown["data"]["text/plain"].startswith("✓ contract products on shop.products")
        # %contract check runs the same checks on the whole table.
        reply, outputs = kernel.execute("%contract check shop.products")
        assert reply["status"] == "ok"
        [shown] = [o for o in outputs if o["type"] == "display_data"]
        assert "checks passed" in shown["data"]["text/plain"]
        reply, _ = kernel.execute("%contract check shop.nothing")
        assert reply["status"] == "error" and "no contract of the job describes" in reply["evalue"]
    finally:
        kernel.close()


def test_sql_in_the_notebook_commits_nothing_that_breaks_the_contract(job_folder: Path) -> None:
    kernel = Kernel(job_folder)
    try:
        reply, _ = kernel.execute(
            "%%ingest shop.raw\n[{'id': 1, 'price': 2.0}, {'id': 1, 'price': 3.0}]"
        )
        assert reply["status"] == "ok"
        reply, outputs = kernel.execute(
            "%%sql\nCREATE TABLE shop.products AS SELECT id, price FROM shop.raw"
        )
        # Table rules judge the whole table: the id appears twice.
        assert reply["status"] == "error" and "products.id.unique" in reply["evalue"]
        assert any(o["type"] == "display_data" for o in outputs)
        reply, _ = kernel.execute("%sql SELECT * FROM shop.products")
        assert reply["status"] == "error" and "does not exist" in reply["evalue"]
    finally:
        kernel.close()


def _products_copy(tmp_path: Path) -> Path:
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".dataops", "*.duckdb*"))
    return root / "products"


def _plant_negative_price(folder: Path) -> None:
    """A legacy export that brings a product with a negative price."""
    path = folder / "products.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if "Retro Racer" in source:
            source = source.replace(
                "games,7.50\n",
                "games,7.50\n9b7c3f0e-1d2a-4c5b-8e6f-7a8b9c0d1e2f,Broken Bin,music,-3.00\n",
            )
            cell["source"] = source.splitlines(keepends=True)
    path.write_text(json.dumps(notebook), encoding="utf-8")


def test_a_run_that_loads_a_negative_price_fails_its_step(tmp_path: Path) -> None:
    folder = _products_copy(tmp_path)
    good = run_job(load_job(folder))
    assert good.status == "succeeded", (good.message, good.error)
    built = next(s for s in good.steps if s.name == "all-products")
    assert built.writes == ["shop.all_products"]
    assert built.checks and {c.status for c in built.checks} == {"passed"}
    assert len(built.checks) >= 8

    _plant_negative_price(folder)
    record = run_job(load_job(folder))
    assert record.status == "failed"
    assert record.error is not None and record.error.step == "all-products"
    assert record.error.ename == "ContractViolation"
    assert "all_products.price.exclusiveMinimum" in record.error.evalue
    assert "name='Broken Bin'" in record.error.evalue  # the sample row
    step = next(s for s in record.steps if s.name == "all-products")
    failed = [c for c in step.checks if c.status == "failed"]
    assert [c.rule for c in failed] == ["all_products.price.exclusiveMinimum"]
    assert failed[0].samples[0]["name"] == "Broken Bin"
    database = folder.parent / "warehouse.duckdb"
    quarantined = _rows(database, "SELECT name, price, _rule FROM shop.all_products__quarantine")
    assert [(n, float(p), r) for n, p, r in quarantined] == [
        ("Broken Bin", -3.0, "all_products.price.exclusiveMinimum")
    ]
    # Nothing of the failed step was committed: the table is the one the good run built.
    assert _rows(database, "SELECT count(*) FROM shop.all_products") == [(22,)]
    assert [s.status for s in record.steps][-1] == "skipped"


def test_a_deployed_execution_that_breaks_the_contract_is_a_user_error(
    tmp_path: Path, control: RunningService
) -> None:
    folder = _products_copy(tmp_path)
    _plant_negative_price(folder)
    client = control.client("analytics")
    deploy(client, "analytics", folder)
    started = client.post("/api/v1/teams/analytics/jobs/products/executions").json()
    final = wait_for(client, "analytics", "products", started["id"], timeout=180)
    assert final["status"] == "user_error", final
    assert final["error"]["step"] == "all-products"
    assert final["error"]["ename"] == "ContractViolation"
    step = next(s for s in final["steps"] if s["name"] == "all-products")
    failed = [c for c in step["checks"] if c["status"] == "failed"]
    assert [c["rule"] for c in failed] == ["all_products.price.exclusiveMinimum"]
    assert failed[0]["samples"][0]["name"] == "Broken Bin"
    assert step["writes"] == []  # nothing of the step was committed
