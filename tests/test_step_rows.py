"""Rows per step: a run's record says how many rows each step's loads put into their tables
and how many their contracts kept out (real kernel, real DuckDB file)."""

from __future__ import annotations

import json

import pytest

from dataops_jupyter.jobs import load_job
from dataops_jupyter.runner import run_job
from dataops_jupyter.runner.records import run_folder

from .conftest import MakeJob

pytestmark = pytest.mark.timeout(300)

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: prices
version: 1.0.0
status: active
schema:
  - name: prices
    physicalName: shop.prices
    properties:
      - name: id
        logicalType: integer
      - name: price
        logicalType: number
        logicalTypeOptions: {exclusiveMinimum: 0}
"""


@pytest.fixture(autouse=True)
def _outside_a_run(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATAOPS_JOB_DIR", "DATAOPS_RUN_ID", "DATAOPS_RUN_DIR", "DATAOPS_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_each_step_records_the_rows_its_loads_ingested(make_job: MakeJob) -> None:
    folder = make_job(
        "rows",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (
                ["step:load"],
                "job.ingest([{'id': i} for i in range(1000)], 'raw.items')\n"
                "job.ingest([{'id': i} for i in range(250)], 'raw.more')",
            ),
            (["step:cell"], "%%ingest raw.cell\n[{'id': 1}, {'id': 2}, {'id': 3}]"),
            (
                ["step:prices"],
                "job.ingest([{'id': 1, 'price': 2.0}, {'id': 2, 'price': -1.0},"
                " {'id': 3, 'price': 5.0}], 'shop.prices')",
            ),
            (["step:count"], "job.sql('SELECT count(*) AS n FROM raw.items')"),
        ],
        toml_extra='\n[contracts]\non_violation = "quarantine"\n',
    )
    (folder / "contracts").mkdir()
    (folder / "contracts" / "prices.odcs.yaml").write_text(CONTRACT)
    record = run_job(load_job(folder))
    assert record.status == "succeeded", (record.message, record.error)
    stored = json.loads((run_folder(folder, record.run_id) / "run.json").read_text())
    rows = {s["name"]: (s["rows_ingested"], s["rows_rejected"]) for s in stored["steps"]}
    assert rows == {
        "setup": (0, 0),
        "load": (1250, 0),
        "cell": (3, 0),
        "prices": (2, 1),
        "count": (0, 0),
    }


def test_a_step_that_fails_after_a_load_keeps_its_rows(make_job: MakeJob) -> None:
    folder = make_job(
        "half",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (
                ["step:load"],
                "job.ingest([{'id': i} for i in range(40)], 'raw.items')\n"
                "raise ValueError('then broke')",
            ),
        ],
    )
    record = run_job(load_job(folder))
    assert record.status == "failed"
    assert (record.steps[1].rows_ingested, record.steps[1].status) == (40, "failed")


def test_a_load_its_contract_refuses_records_the_rows_it_kept_out(make_job: MakeJob) -> None:
    folder = make_job(
        "refused",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (
                ["step:prices"],
                "job.ingest([{'id': 1, 'price': 2.0}, {'id': 2, 'price': -1.0},"
                " {'id': 3, 'price': -5.0}], 'shop.prices')",
            ),
        ],
    )
    (folder / "contracts").mkdir()
    (folder / "contracts" / "prices.odcs.yaml").write_text(CONTRACT)
    record = run_job(load_job(folder))
    assert record.status == "failed"
    step = record.steps[1]
    assert step.error is not None and step.error.ename == "ContractViolation"
    # Nothing was committed (policy "fail"); the two bad rows are in quarantine.
    assert (step.rows_ingested, step.rows_rejected) == (0, 2)
