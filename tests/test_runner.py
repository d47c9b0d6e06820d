"""The runner with real papermill and ipykernel kernels."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from dataops_jupyter.errors import ArgumentError
from dataops_jupyter.jobs import load_job
from dataops_jupyter.runner import JobRun, load_record, run_folder, run_job

from .conftest import MakeJob, write_notebook

pytestmark = pytest.mark.timeout(120)


def test_untagged_cells_never_run_and_steps_report(make_job: MakeJob, tmp_path: Path) -> None:
    marker = tmp_path / "scratch-ran"
    folder = make_job(
        "green",
        [
            ([], "raise RuntimeError('scratch cell must not run')"),
            ([], f"open({str(marker)!r}, 'w').write('x')"),
            (["step:one"], "print('hello from one')"),
            (["step:two"], "import os\nprint('cwd', os.getcwd())\nvalue = 42"),
        ],
    )
    events: list[tuple[str, str | None]] = []
    record = run_job(load_job(folder), listener=lambda e, r, s: events.append((e, s and s.name)))
    assert record.status == "succeeded", record
    assert not marker.exists()
    assert [(s.name, s.status) for s in record.steps] == [
        ("one", "succeeded"),
        ("two", "succeeded"),
    ]
    assert all(s.duration is not None and s.started_at is not None for s in record.steps)
    assert events == [
        ("run_started", None),
        ("step_started", "one"),
        ("step_finished", "one"),
        ("step_started", "two"),
        ("step_finished", "two"),
        ("run_finished", None),
    ]
    folder_of_run = run_folder(folder, record.run_id)
    log = (folder_of_run / "log.txt").read_text()
    assert "[one] hello from one" in log
    assert f"[two] cwd {folder}" in log
    assert load_record(folder_of_run).status == "succeeded"
    output = nbformat.read(str(folder_of_run / "output.ipynb"), as_version=4)
    sources = [c.source for c in output.cells]
    assert not any("scratch" in s for s in sources)


def test_failing_second_step_reports_its_original_cell(make_job: MakeJob) -> None:
    folder = make_job(
        "red",
        [
            (["step:first"], "x = 1"),
            ([], "# scratch"),
            (["step:second"], "def helper():\n    raise ValueError('bad input row 7')\nhelper()"),
            (["step:third"], "print('never')"),
        ],
    )
    original = nbformat.read(str(folder / "main.ipynb"), as_version=4)
    record = run_job(load_job(folder))
    assert record.status == "failed"
    assert [s.status for s in record.steps] == ["succeeded", "failed", "skipped"]
    error = record.error
    assert error is not None
    assert (error.step, error.notebook, error.cell_index) == ("second", "main.ipynb", 2)
    assert error.cell_id == original.cells[2].id
    assert (error.ename, error.evalue) == ("ValueError", "bad input row 7")
    assert "helper()" in error.traceback and "\x1b[" not in error.traceback
    assert record.steps[1].error == error
    log = (run_folder(folder, record.run_id) / "log.txt").read_text()
    assert "[second] ValueError" in log and "never" not in log


def test_arguments_are_injected_typed_and_checked(make_job: MakeJob) -> None:
    folder = make_job(
        "args",
        [
            (["parameters"], "limit = 10\nlabel = 'a'\nratio = 0.5"),
            (
                ["step"],
                "%load_ext kernel_magics\nprint(repr(limit), repr(label), repr(ratio))\n"
                "print('job', job.name, job.args['limit'], job.execution_id)",
            ),
        ],
    )
    job = load_job(folder)
    record = run_job(job, {"limit": 3, "ratio": 2})
    assert record.status == "succeeded"
    log = (run_folder(folder, record.run_id) / "log.txt").read_text()
    assert "3 'a' 2" in log
    assert f"job args 3 {record.run_id}" in log
    with pytest.raises(ArgumentError, match="'limit' must be an integer"):
        JobRun(job, {"limit": "many"})
    assert len(list((folder / ".dataops" / "runs").iterdir())) == 1


def _wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.1)


def _group_alive(pgid: int) -> bool:
    return any(p.info["pid"] for p in psutil.process_iter(["pid"]) if _pgid(p.info["pid"]) == pgid)


def _pgid(pid: int) -> int | None:
    import os

    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None


def test_cancel_stops_the_kernel_and_its_children(make_job: MakeJob, tmp_path: Path) -> None:
    started = tmp_path / "started"
    folder = make_job(
        "slow",
        [
            (
                ["step:spawn"],
                f"import subprocess\nchild = subprocess.Popen(['sleep', '300'])\n"
                f"open({str(started)!r}, 'w').write(str(child.pid))",
            ),
            (["step:wait"], "import time\ntime.sleep(300)"),
            (["step:after"], "print('after')"),
        ],
    )
    run = JobRun(load_job(folder))
    thread = threading.Thread(target=run.run)
    thread.start()
    _wait_for(lambda: started.exists() and run.record.steps[1].status == "running")
    child_pid = int(started.read_text())
    pgid = run.record.kernel_pgid
    assert pgid is not None and _group_alive(pgid)
    run.cancel()
    thread.join(30)
    assert not thread.is_alive()
    record = run.record
    assert record.status == "cancelled"
    assert [s.status for s in record.steps] == ["succeeded", "cancelled", "skipped"]
    _wait_for(lambda: not _group_alive(pgid), timeout=10)
    assert not psutil.pid_exists(child_pid) or psutil.Process(child_pid).status() == "zombie"


def test_job_timeout_stops_the_run(make_job: MakeJob) -> None:
    folder = make_job("late", [(["step:sleep"], "import time\ntime.sleep(60)")], "timeout = 2")
    started = time.monotonic()
    record = run_job(load_job(folder))
    assert time.monotonic() - started < 30
    assert record.status == "timed_out"
    assert record.message is not None and "timed out after 2 s" in record.message
    assert record.steps[0].status == "cancelled"


def test_several_notebooks_share_one_kernel_in_order(make_job: MakeJob) -> None:
    folder = make_job(
        "multi",
        [(["parameters"], "n = 1"), (["step:use"], "print('total', total + n)")],
        'notebooks = ["first.ipynb", "main.ipynb"]',
    )
    write_notebook(folder / "first.ipynb", [(["step:make"], "total = 40")])
    record = run_job(load_job(folder), {"n": 2})
    assert record.status == "succeeded"
    assert "[use] total 42" in (run_folder(folder, record.run_id) / "log.txt").read_text()
    assert json.loads((run_folder(folder, record.run_id) / "run.json").read_text())[
        "arguments"
    ] == {"n": 2}


@pytest.mark.parametrize(
    ("ending", "call"),
    [
        ("import sys\nsys.exit(0)", "sys.exit(0)"),
        ("import sys\nsys.exit()", "sys.exit()"),
        ("raise SystemExit", "sys.exit()"),
        ("raise SystemExit(0)", "sys.exit(0)"),
    ],
)
def test_sys_exit_zero_ends_the_run_as_papermill_does(
    make_job: MakeJob, ending: str, call: str
) -> None:
    """papermill ends such a run as succeeded with the remaining cells not run."""
    folder = make_job(
        "early",
        [
            (["step:check"], f"print('nothing new')\n{ending}"),
            (["step:load"], "print('loading')"),
            (["step:report"], "print('report')"),
        ],
    )
    record = run_job(load_job(folder))
    assert record.status == "succeeded", record
    assert record.error is None
    assert [s.status for s in record.steps] == ["succeeded", "skipped", "skipped"]
    reason = f"the notebook ended with {call} in step 'check'"
    assert [s.reason for s in record.steps[1:]] == [reason, reason]
    assert record.message == f"{reason}; the steps after it were skipped"
    log = (run_folder(folder, record.run_id) / "log.txt").read_text()
    assert "[check] nothing new" in log and "loading" not in log


@pytest.mark.parametrize("ending", ["import sys\nsys.exit(1)", "import sys\nsys.exit('no data')"])
def test_sys_exit_with_an_error_code_fails_the_step(make_job: MakeJob, ending: str) -> None:
    folder = make_job("bad-exit", [(["step:check"], ending), (["step:load"], "print('loading')")])
    record = run_job(load_job(folder))
    assert record.status == "failed"
    assert [s.status for s in record.steps] == ["failed", "skipped"]
    assert record.error is not None and record.error.ename == "SystemExit"
    assert record.steps[1].reason == "step 'check' failed"


def test_empty_step_cells_are_skipped_saying_why(make_job: MakeJob) -> None:
    folder = make_job(
        "drafts",
        [
            (["step:first"], "print('one')"),
            (["step:blank"], "   \n\t\n"),
            (["step:after"], "print('two')"),
            (["step:todo"], ""),
        ],
    )
    record = run_job(load_job(folder))
    assert record.status == "succeeded", record
    assert [(s.status, s.reason) for s in record.steps] == [
        ("succeeded", None),
        ("skipped", "its cell is empty"),
        ("succeeded", None),
        ("skipped", "its cell is empty"),
    ]
    assert load_record(run_folder(folder, record.run_id)) == record


def test_a_blank_notebook_saved_by_another_editor_runs(tmp_path: Path) -> None:
    """nbformat 4.4: no cell ids, no notebook metadata, sources as lists, an empty one."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "job.toml").write_text('name = "elsewhere"\n')
    cell = {"cell_type": "code", "execution_count": None, "outputs": []}
    notebook = {
        "cells": [
            {**cell, "metadata": {"tags": ["step:first"]}, "source": ["x = 1\n", "print(x)"]},
            {**cell, "metadata": {"tags": ["step:todo"]}, "source": []},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 4,
    }
    (folder / "main.ipynb").write_text(json.dumps(notebook))
    record = run_job(load_job(folder))
    assert record.status == "succeeded", record
    assert [(s.name, s.status) for s in record.steps] == [
        ("first", "succeeded"),
        ("todo", "skipped"),
    ]
    assert "[first] 1" in (run_folder(folder, record.run_id) / "log.txt").read_text()


def test_a_usage_error_keeps_its_message_and_a_traceback(make_job: MakeJob) -> None:
    folder = make_job(
        "mart",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (["step:sales-mart"], "%%sql\nSELECT * FROM all_products"),
        ],
    )
    record = run_job(load_job(folder))
    assert record.status == "failed"
    error = record.error
    assert error is not None and error.ename == "UsageError"
    assert error.evalue.startswith("Catalog Error: Table with name all_products does not exist!")
    assert error.traceback.startswith("UsageError: Catalog Error: Table with name all_products")
    stored = json.loads((run_folder(folder, record.run_id) / "run.json").read_text())
    assert stored["error"]["traceback"] == error.traceback
    assert stored["steps"][1]["error"]["evalue"] == error.evalue
    log = (run_folder(folder, record.run_id) / "log.txt").read_text()
    assert log.count("Table with name all_products does not exist") == 1


def test_a_step_keeps_a_preview_of_its_last_result(make_job: MakeJob) -> None:
    folder = make_job(
        "shown",
        [
            (["step:table"], "import pandas as pd\npd.DataFrame({'n': range(30)})"),
            (["step:text"], "print('no result')"),
        ],
    )
    record = run_job(load_job(folder))
    preview = record.steps[0].preview
    assert preview is not None
    lines = preview.splitlines()
    assert lines[0].split() == ["n"] and lines[1].split() == ["0", "0"]
    assert len(lines) <= 9 and "more lines in output.ipynb" in lines[-1]
    assert record.steps[1].preview is None


def test_each_step_records_the_tables_it_wrote_and_read(make_job: MakeJob) -> None:
    folder = make_job(
        "tables",
        [
            (["parameters"], 'schema = "shop"\nfloor = 0'),
            (["step:setup"], "%load_ext kernel_magics"),
            (
                ["step:ingest"],
                "%%ingest {schema}.current --mode replace\n[{'id': 1, 'price': 2.5}]",
            ),
            (["step:load"], "job.ingest([{'id': 2, 'price': 4.0}], 'shop.legacy')"),
            (
                ["step:merge"],
                "%%sql\nCREATE OR REPLACE TABLE {schema}.all_products AS\n"
                "SELECT id, price FROM {schema}.current\nUNION ALL\n"
                "SELECT id, price FROM {schema}.legacy;\n"
                "DELETE FROM {schema}.all_products WHERE price <= :floor;\n"
                "CREATE TABLE IF NOT EXISTS shop.audit (n INTEGER);\n"
                "INSERT INTO shop.audit SELECT count(*) FROM {schema}.all_products",
            ),
            (["step:report"], "job.sql('SELECT count(*) AS n FROM shop.all_products')"),
            (["step:nothing"], "print('no tables')"),
        ],
    )
    record = run_job(load_job(folder))
    assert record.status == "succeeded", (record.message, record.error)
    stored = json.loads((run_folder(folder, record.run_id) / "run.json").read_text())
    steps = {s["name"]: (s["writes"], s["reads"], s["checks"]) for s in stored["steps"]}
    assert steps == {
        "setup": ([], [], []),
        "ingest": (["shop.current"], [], []),
        "load": (["shop.legacy"], [], []),
        "merge": (
            ["shop.all_products", "shop.audit"],
            ["shop.current", "shop.legacy", "shop.all_products"],
            [],
        ),
        "report": ([], ["shop.all_products"], []),
        "nothing": ([], [], []),
    }
    reports = run_folder(folder, record.run_id) / "steps.jsonl"
    assert reports.stat().st_mode & 0o777 == 0o600


def test_a_failing_step_keeps_the_tables_it_wrote_before(make_job: MakeJob) -> None:
    folder = make_job(
        "half",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (["step:load"], "job.ingest([{'id': 1}], 'raw.items')\nraise ValueError('then broke')"),
        ],
    )
    record = run_job(load_job(folder))
    assert record.status == "failed"
    assert record.steps[1].writes == ["raw.items"]


def test_check_results_a_step_reports_are_validated(make_job: MakeJob) -> None:
    report = (
        "from kernel_magics.report import report_step\n"
        "good = {'rule': 'r1', 'table': 't', 'kind': 'unique', 'description': 'ids are unique',"
        " 'status': 'warning', 'severity': 'warning', 'measured': 2}\n"
        "report_step(job.step, checks=[good])\n"
        "report_step(job.step, checks=[dict(good, rule='r2', status='so-so')])\n"
    )
    folder = make_job(
        "checked", [(["step:setup"], "%load_ext kernel_magics"), (["step:check"], report)]
    )
    record = run_job(load_job(folder))
    assert record.status == "succeeded", (record.message, record.error)
    (check,) = record.steps[1].checks
    assert (check.rule, check.status, check.severity, check.measured) == ("r1", "warning",
                                                                         "warning", 2)  # fmt: skip
    assert check.samples == [] and check.scope == "row"
    log = (run_folder(folder, record.run_id) / "log.txt").read_text()
    assert "ignored a line of steps.jsonl that is not a step report" in log


def test_sql_the_parser_cannot_read_still_runs_and_the_log_says_so(make_job: MakeJob) -> None:
    folder = make_job(
        "odd",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (
                ["step:types"],
                "%%sql\nCREATE TYPE mood AS ENUM ('ok', 'sad');\nCREATE TABLE m (x mood)",
            ),
        ],
    )
    record = run_job(load_job(folder))
    assert record.status == "succeeded", (record.message, record.error)
    assert record.steps[1].writes == ["m"]
    log = (run_folder(folder, record.run_id) / "log.txt").read_text()
    assert "step 'types': the tables of 1 statement(s) could not be read" in log
