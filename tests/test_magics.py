"""``%%sql``, ``%%ingest`` and ``job`` in a real IPython shell, a real kernel and a real run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from IPython.core.error import UsageError
from jupyter_client.manager import start_new_kernel

from dataops_jupyter.jobs import load_job

from .conftest import MakeJob, ipython_shell

pytestmark = pytest.mark.timeout(180)

RUN_VARS = (
    "DATAOPS_JOB_DIR",
    "DATAOPS_JOB_NAME",
    "DATAOPS_ARGS",
    "DATAOPS_RUN_ID",
    "DATAOPS_STEPS",
)


@pytest.fixture
def shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An IPython shell working in a job folder whose warehouse is a DuckDB file in tmp_path."""
    for name in (*RUN_VARS, "DATAOPS_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "job.toml").write_text('name = "shop"\n')
    (tmp_path / "dataops.toml").write_text('warehouse = "duckdb://wh.duckdb"\n')
    monkeypatch.chdir(folder)
    ip = ipython_shell()
    ip.reset(new_session=False)
    ip.run_line_magic("reload_ext", "kernel_magics")
    yield ip


def query(shell: Any, sql: str) -> list[tuple[Any, ...]]:
    shell.run_cell_magic("sql", "-o _r --no-display", sql)
    result = shell.user_ns["_r"]  # None for a statement that is not a query
    return [] if result is None else [tuple(row) for row in result.itertuples(index=False)]


def test_job_context_names_the_job_and_its_warehouse(shell: Any, tmp_path: Path) -> None:
    job = shell.user_ns["job"]
    assert job.name == "shop" and job.execution_id is None and job.step is None
    assert job.warehouse_url == f"duckdb://{tmp_path / 'wh.duckdb'}"
    job.properties["target"] = "sales"
    assert job.properties["target"] == "sales"
    assert "sales" in (tmp_path / "shop" / ".dataops" / "properties.json").read_text()


def test_sql_binds_identifiers_and_results(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    shell.user_ns["threshold"] = 2
    shell.user_ns["job"].properties["table"] = "items"
    shell.run_cell_magic(
        "sql",
        "",
        "CREATE TABLE {table} AS SELECT range AS n FROM range(50);\n"
        "INSERT INTO {table} VALUES (:threshold * 100)",
    )
    shell.run_cell_magic(
        "sql", "-o big --limit 5", "SELECT n FROM {table} WHERE n > :threshold ORDER BY n"
    )
    out = capsys.readouterr().out
    assert "48 rows, showing the first 5" in out
    assert len(shell.user_ns["big"]) == 48 and shell.user_ns["big"]["n"].iloc[-1] == 200
    shell.run_line_magic("sql", "--no-display -o one SELECT count(*) AS c FROM items")
    assert shell.user_ns["one"]["c"][0] == 51


def test_values_are_never_pasted_into_sql(shell: Any) -> None:
    query(shell, "CREATE TABLE users AS SELECT 'ann' AS name")
    shell.user_ns["evil"] = "x'; DROP TABLE users; --"
    assert query(shell, "SELECT count(*) FROM users WHERE name = :evil") == [(0,)]
    assert query(shell, "SELECT :evil AS v") == [("x'; DROP TABLE users; --",)]
    assert query(shell, "SELECT count(*) FROM users") == [(1,)]


@pytest.mark.parametrize(
    ("setup", "sql", "message"),
    [
        ({"t": 'users"; DROP TABLE users; --'}, "SELECT * FROM {t}", "not a valid identifier"),
        ({}, "SELECT * FROM {missing}", "{missing} is not defined"),
        ({}, "SELECT :nothing", ":nothing has no value"),
        ({}, "SELEC 1", "syntax error"),
        ({}, "SELECT * FROM no_such_table", "no_such_table"),
    ],
)
def test_user_mistakes_are_short_usage_errors(
    shell: Any, setup: dict[str, Any], sql: str, message: str
) -> None:
    query(shell, "CREATE TABLE IF NOT EXISTS users AS SELECT 'ann' AS name")
    shell.user_ns["job"].properties.update_all(setup)
    with pytest.raises(UsageError, match=message) as info:
        shell.run_cell_magic("sql", "", sql)
    assert "Traceback" not in str(info.value)
    assert query(shell, "SELECT count(*) FROM users") == [(1,)]


def test_statements_of_a_cell_are_all_or_nothing(shell: Any) -> None:
    query(shell, "CREATE TABLE ledger (n INTEGER)")
    with pytest.raises(UsageError):
        shell.run_cell_magic(
            "sql", "", "INSERT INTO ledger VALUES (1); INSERT INTO ledger VALUES ('x')"
        )
    assert query(shell, "SELECT count(*) FROM ledger") == [(0,)]


def test_ingest_modes(shell: Any, capsys: pytest.CaptureFixture[str]) -> None:
    shell.run_cell_magic(
        "ingest",
        "products",
        "rows = [{'id': i, 'name': f'p{i}', 'price': i * 1.5} for i in range(5)]\nrows",
    )
    assert "append: 5 rows into products" in capsys.readouterr().out
    shell.run_cell_magic(
        "ingest",
        "products --mode merge --key id",
        "[{'id': 1, 'name': 'one'}, {'id': 9, 'name': 'nine'}]",
    )
    assert query(shell, "SELECT id, name FROM products ORDER BY id") == [
        (0, "p0"),
        (1, "one"),
        (2, "p2"),
        (3, "p3"),
        (4, "p4"),
        (9, "nine"),
    ]
    shell.run_cell_magic("ingest", "products --mode replace", "{'id': 7, 'name': 'only'}")
    assert query(shell, "SELECT id, name, _load_id IS NOT NULL FROM products") == [
        (7, "only", True)
    ]
    summary = shell.user_ns["job"].ingest([{"id": 8}], "products")
    assert summary.rows == 1 and summary.mode == "append"
    loads = query(shell, "SELECT mode, rows, status, job FROM _dataops_loads ORDER BY started_at")
    assert loads == [
        ("append", 5, "succeeded", "shop"),
        ("merge", 2, "succeeded", "shop"),
        ("replace", 1, "succeeded", "shop"),
        ("append", 1, "succeeded", "shop"),
    ]


@pytest.mark.parametrize(
    ("line", "body", "message"),
    [
        ("products", "x = 1", "last line of an %%ingest cell must be the data"),
        ("products", "'text'", "cannot ingest str"),
        ("products --mode merge", "[{'id': 1}]", "needs key columns"),
        ("products --schema freeze", "[{'id': 1, 'brand_new': 2}]", "new columns: brand_new"),
        ("products", "[{'id': 'not a number'}]", "column 'id': the table has BIGINT"),
        ("bad;name", "[{'id': 1}]", "not a valid identifier"),
        ("products --mode upsert", "[{'id': 1}]", "invalid"),
    ],
)
def test_ingest_mistakes_are_usage_errors(shell: Any, line: str, body: str, message: str) -> None:
    shell.run_cell_magic("ingest", "products", "[{'id': 1}]")
    with pytest.raises((UsageError, SystemExit), match=message):
        shell.run_cell_magic("ingest", line, body)
    assert query(shell, "SELECT count(*) FROM products") == [(1,)]


# -- interactive equals headless ---------------------------------------------------------------

PIPELINE = [
    (["parameters"], "schema = 'analytics'\nmin_price = 10"),
    (["step:setup"], "%load_ext kernel_magics"),
    (["step:schema"], "%%sql\nCREATE SCHEMA IF NOT EXISTS {schema}"),
    (
        ["step:load"],
        "%%ingest {schema}.products --mode replace\n"
        "[{'id': i, 'name': f'p{i}', 'price': i * 4} for i in range(6)]",
    ),
    (
        ["step:more"],
        "%%ingest {schema}.products --mode append\n"
        "({'id': i, 'name': f'late{i}', 'price': 1} for i in range(6, 8))",
    ),
    (
        ["step:fix"],
        "%%ingest {schema}.products --mode merge --key id\n"
        "[{'id': 0, 'name': 'zero', 'price': 99}]",
    ),
    (
        ["step:report"],
        "%%sql -o expensive\n"
        "SELECT id, name FROM {schema}.products WHERE price > :min_price ORDER BY id",
    ),
    (
        ["step:save"],
        "print(job.step)\njob.ingest(expensive, f'{schema}.expensive', mode='replace')",
    ),
]


def snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            table: con.execute(
                f"SELECT * EXCLUDE (_load_id, _loaded_at) FROM analytics.{table} ORDER BY ALL"
            ).fetchall()
            for table in ("products", "expensive")
        }


def run_interactively(folder: Path) -> None:
    """Run the job's cells one after another in a real kernel, as a user does."""
    env = {k: v for k, v in __import__("os").environ.items() if k not in RUN_VARS}
    km, kc = start_new_kernel(cwd=str(folder), env=env)
    try:
        for step in (
            load_job(folder).notebooks[0].parameters_source,
            *[s.source for s in load_job(folder).steps],
        ):
            reply = kc.execute_interactive(step or "", timeout=60, output_hook=lambda msg: None)
            assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_same_tables_interactively_and_in_a_run(make_job: MakeJob, tmp_path: Path) -> None:
    folder = make_job("mart", PIPELINE)
    (tmp_path / "dataops.toml").write_text('warehouse = "duckdb://wh.duckdb"\n')
    warehouse = tmp_path / "wh.duckdb"
    run_interactively(folder)
    interactive = snapshot(warehouse)
    assert interactive["expensive"] == [(0, "zero"), (3, "p3"), (4, "p4"), (5, "p5")]
    warehouse.unlink()
    result = subprocess.run(
        [sys.executable, "-m", "dataops_jupyter.cli", "run", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[save] save" in result.stdout  # job.step names the running step
    assert snapshot(warehouse) == interactive
    with duckdb.connect(str(warehouse), read_only=True) as con:
        steps = con.execute("SELECT step FROM _dataops_loads ORDER BY started_at").fetchall()
    assert [s[0] for s in steps] == ["load", "more", "fix", "save"]


def test_long_load_shows_progress_in_the_notebook(shell: Any) -> None:
    from kernel_magics.commands import LoadProgress

    progress = LoadProgress("events", total=300, in_run=False)
    progress(100, 0.5)
    assert progress._widget is None, "no progress for a short load"
    progress(150, 2.5)
    bar, label = progress._widget
    assert (bar.value, bar.max) == (150, 300)
    assert "events: 150 rows of 300" in label.value and "rows/s" in label.value
    summary = shell.user_ns["job"].ingest([{"n": 1}], "events")
    progress.finish(summary)
    assert bar.bar_style == "success" and "1 rows into events" in label.value


def test_long_load_prints_progress_lines_in_a_run(make_job: MakeJob, tmp_path: Path) -> None:
    folder = make_job(
        "slow-load",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (
                ["step:load"],
                "%%ingest events\nimport time\nimport pandas as pd\n"
                "def chunks():\n    for i in range(4):\n        time.sleep(0.9)\n"
                "        yield pd.DataFrame({'n': range(i * 10, i * 10 + 10)})\nchunks()",
            ),
        ],
    )
    (tmp_path / "dataops.toml").write_text('warehouse = "duckdb://wh.duckdb"\n')
    from dataops_jupyter.runner import run_folder, run_job

    record = run_job(load_job(folder))
    assert record.status == "succeeded", record
    log = (run_folder(folder, record.run_id) / "log.txt").read_text()
    assert "[load] ingest events: 30 rows" in log or "[load] ingest events: 20 rows" in log, log
    assert "[load] append: 40 rows into events" in log


def test_statements_that_are_not_queries_say_what_they_did(
    shell: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.run_cell_magic(
        "sql",
        "",
        "CREATE TABLE all_products (id INTEGER, price DOUBLE);\n"
        "INSERT INTO all_products VALUES (1, 2.5), (2, 3.0), (3, 9.9)",
    )
    assert capsys.readouterr().out.splitlines() == [
        "created table all_products",
        "inserted 3 rows into all_products",
    ]
    shell.run_cell_magic("sql", "", "UPDATE all_products SET price = price * 2 WHERE id < 3")
    shell.run_cell_magic("sql", "", "DELETE FROM all_products WHERE id = 1")
    shell.run_cell_magic("sql", "", "DROP TABLE IF EXISTS nothing_here")
    assert capsys.readouterr().out.splitlines() == [
        "updated 2 rows in all_products",
        "deleted 1 row from all_products",
        "dropped table nothing_here",
    ]
    shell.run_cell_magic(
        "sql", "", "INSERT INTO all_products VALUES (7, 1.0) RETURNING id;\nSELECT 1 AS one"
    )
    assert capsys.readouterr().out.splitlines()[-1] == "1 row"
    shell.run_cell_magic("sql", "-o back", "INSERT INTO all_products VALUES (8, 1.0) RETURNING id")
    assert list(shell.user_ns["back"]["id"]) == [8]
    assert "1 row" in capsys.readouterr().out
    empty = shell.user_ns["job"].sql("DELETE FROM all_products")
    assert empty.empty
