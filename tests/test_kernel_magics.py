"""The kernel side stays light: no server, tornado or control service imports."""

from __future__ import annotations

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
