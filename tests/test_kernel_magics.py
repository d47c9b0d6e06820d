"""The kernel side stays light: no server, tornado or control service imports."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ipython_shell

FORBIDDEN = (
    "jupyter_server",
    "tornado",
    "dataops_jupyter.server",
    "dataops_jupyter.control_service",
)


def test_kernel_magics_imports_nothing_heavy() -> None:
    code = "import sys, kernel_magics\nprint('\\n'.join(sorted(sys.modules)))"
    modules = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    heavy = [m for m in modules if m.startswith(FORBIDDEN)]
    assert heavy == []
    assert "pandas" not in modules and "pydantic" not in modules


def test_job_context_in_an_ipython_shell(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "job.toml").write_text('name = "interactive-job"\n')
    monkeypatch.chdir(tmp_path)
    for name in ("DATAOPS_JOB_DIR", "DATAOPS_JOB_NAME", "DATAOPS_ARGS", "DATAOPS_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    shell = ipython_shell()
    shell.run_line_magic("load_ext", "kernel_magics")
    job = shell.user_ns["job"]
    assert job.name == "interactive-job" and job.args == {} and job.execution_id is None


def test_interactive_sql_records_no_tables_and_loads_no_parser(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "job.toml").write_text('name = "interactive-job"\n')
    code = (
        "import sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "shell.run_line_magic('load_ext', 'kernel_magics')\n"
        "shell.run_cell_magic('sql', '', 'CREATE TABLE t AS SELECT 1 AS x')\n"
        "shell.run_cell_magic('ingest', 'u', '[{\"x\": 1}]')\n"
        "shell.user_ns['job'].sql('SELECT count(*) AS n FROM t')\n"
        "print('parser loaded:', 'sqlglot' in sys.modules)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAOPS_")}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "created table t" in result.stdout and "1 rows into u" in result.stdout
    assert "parser loaded: False" in result.stdout
    assert not list(tmp_path.rglob("steps.jsonl"))
