"""The ``dataops`` command as a user runs it: a real process, real kernels, exit codes."""

from __future__ import annotations

import ast
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import dataops_jupyter.cli

from .conftest import MakeJob

pytestmark = pytest.mark.timeout(120)


def dataops(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dataops_jupyter.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=100,
    )


def test_help_documents_every_command() -> None:
    result = dataops("--help")
    assert result.returncode == 0
    for command in ("new", "run", "contract"):
        assert command in result.stdout
    run_help = dataops("run", "--help").stdout
    assert "--arg KEY=VALUE" in run_help and "Exit code 0" in run_help


def test_new_then_run_succeeds(tmp_path: Path) -> None:
    created = dataops("new", "daily-sales", "--team", "shop", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "daily-sales" / "job.toml").exists()
    result = dataops("run", "daily-sales", "--arg", "limit=4", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "▶ setup" in result.stdout and "▶ example" in result.stdout
    assert "daily-sales: built 4 rows" in result.stdout
    assert "daily-sales: succeeded" in result.stdout


def test_failed_job_exits_1_and_names_the_step(make_job: MakeJob, tmp_path: Path) -> None:
    folder = make_job("boom", [(["step:ok"], "1"), (["step:bad"], "1 / 0")])
    result = dataops("run", str(folder))
    assert result.returncode == 1
    cell_id = json.loads((folder / "main.ipynb").read_text())["cells"][1]["id"]
    failed = f"Failed in step bad (main.ipynb, cell 2, id {cell_id}): ZeroDivisionError: division"
    assert failed in result.stdout
    summary = result.stdout.split("boom: failed")[1]
    assert "1 / 0" not in summary  # the traceback only with --verbose
    verbose = dataops("run", str(folder), "--verbose").stdout.split("boom: failed")[1]
    assert failed in verbose and "1 / 0" in verbose


def test_json_output_is_the_run_record(make_job: MakeJob) -> None:
    folder = make_job("quiet", [(["parameters"], "n = 1"), (["step:s"], "print(n)")])
    result = dataops("run", str(folder), "--args-json", '{"n": 3}', "--json")
    assert result.returncode == 0
    record = json.loads(result.stdout)
    assert record["status"] == "succeeded" and record["arguments"] == {"n": 3}
    assert [s["status"] for s in record["steps"]] == ["succeeded"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--arg", "n=abc"], "'n' must be an integer like its default 1, got \"abc\""),
        (["--arg", "n=true"], "'n' must be an integer like its default 1, got true (a boolean)"),
        (["--arg", "flag=3"], "'flag' must be a boolean like its default false, got 3"),
        (["--arg", "other=1"], "unknown argument 'other'"),
        (["--args-json", "[1]"], "must be a JSON object"),
    ],
)
def test_usage_errors_exit_2(make_job: MakeJob, args: list[str], message: str) -> None:
    folder = make_job("strict", [(["parameters"], "n = 1\nflag = False"), (["step"], "pass")])
    result = dataops("run", str(folder), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (folder / ".dataops").exists()


def test_missing_job_folder_and_invalid_job_exit_2(tmp_path: Path, make_job: MakeJob) -> None:
    result = dataops("run", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "no job.toml here" in result.stderr
    bad = make_job("bad", [([], "1")])
    result = dataops("run", str(bad))
    assert result.returncode == 2 and "no step cells" in result.stderr
    twice = make_job("twice", ["# Title", (["step:a"], "1"), (["step:a"], "2")])
    result = dataops("run", str(twice))
    assert result.returncode == 2
    assert "main.ipynb: cell 3: step name 'a' is already used by main.ipynb cell 2" in (
        result.stderr
    )
    result = dataops("new", "Bad Name", cwd=tmp_path)
    assert result.returncode == 2 and "not a valid job name" in result.stderr


_LOADED_MODULES = """
import atexit, runpy, sys

def report():
    for module in list(sys.modules.values()):
        print(getattr(module, "__file__", None), file=sys.stderr)

atexit.register(report)
sys.argv = ["dataops", "--help"]
runpy._run_module_as_main("dataops_jupyter.cli")  # what `python -m` does
"""


def test_python_m_loads_each_command_module_once() -> None:
    """``python -m dataops_jupyter.cli`` runs no module twice (as ``__main__`` and by name)."""
    result = subprocess.run(
        [sys.executable, "-c", _LOADED_MODULES], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "usage: dataops" in result.stdout
    files = [f for f in result.stderr.split() if "dataops_jupyter" in f]
    package = Path(dataops_jupyter.cli.__file__).parent
    loaded = sorted(Path(f).name for f in files if Path(f).parent == package)
    assert loaded == ["__init__.py", "__main__.py", "common.py", "contract.py", "control.py",
                      "job.py", "service.py"]  # fmt: skip
    assert len(files) == len(set(files)), "a module was loaded twice"


def test_the_dataops_entry_point_is_the_package_main() -> None:
    from importlib.metadata import entry_points

    [script] = [e for e in entry_points(group="console_scripts") if e.name == "dataops"]
    assert script.value == "dataops_jupyter.cli:main"
    assert script.load() is dataops_jupyter.cli.main


def test_command_modules_import_only_the_shared_helpers() -> None:
    package = Path(dataops_jupyter.cli.__file__).parent
    for path in package.glob("*.py"):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        siblings = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                siblings.add(node.module or "")
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module == "cli":
                siblings.add("cli")
        assert siblings <= {"common"}, f"{path.name} imports {siblings}"


def test_a_failed_query_shows_its_message(make_job: MakeJob) -> None:
    folder = make_job(
        "mart",
        [
            "# Sales mart",
            (["step:setup"], "%load_ext kernel_magics"),
            (["step:sales-mart"], "%%sql\nSELECT * FROM all_products"),
        ],
    )
    cell_id = json.loads((folder / "main.ipynb").read_text())["cells"][2]["id"]
    result = dataops("run", str(folder))
    assert result.returncode == 1
    assert (
        f"Failed in step sales-mart (main.ipynb, cell 3, id {cell_id}): UsageError: "
        "Catalog Error: Table with name all_products does not exist!\n"
    ) in result.stdout
    record = json.loads(dataops("run", str(folder), "--json").stdout)
    assert "all_products does not exist" in record["error"]["traceback"]
    assert record["error"]["cell_index"] == 2


def test_step_results_show_as_small_tables_unless_quiet(make_job: MakeJob) -> None:
    folder = make_job(
        "report",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (
                ["step:build"],
                "%%sql\nCREATE OR REPLACE TABLE sales (product TEXT, sold INTEGER);\n"
                "INSERT INTO sales VALUES ('tea', 3), ('jam', 5)",
            ),
            (["step:report"], "%%sql\nSELECT product, sold FROM sales ORDER BY sold"),
        ],
    )
    result = dataops("run", str(folder))
    assert result.returncode == 0, result.stdout
    assert "[build] created table sales\n" in result.stdout
    assert "[build] inserted 2 rows into sales\n" in result.stdout
    summary = result.stdout.split("report: succeeded")[1]
    lines = summary.splitlines()
    build = next(i for i, line in enumerate(lines) if line.startswith("  ✓ build"))
    assert lines[build + 1].startswith("  ✓ report")  # no table under a step that shows none
    assert lines[build + 2].split() == ["product", "sold"]
    assert lines[build + 3].split() == ["0", "tea", "3"]
    quiet = dataops("run", str(folder), "--quiet")
    assert quiet.returncode == 0 and "tea" not in quiet.stdout.split("report: succeeded")[1]


def test_an_early_sys_exit_succeeds_and_says_why_steps_were_skipped(make_job: MakeJob) -> None:
    folder = make_job(
        "early",
        [(["step:check"], "import sys\nsys.exit(0)"), (["step:load"], "print('loading')")],
    )
    result = dataops("run", str(folder))
    assert result.returncode == 0, result.stdout
    assert "early: succeeded" in result.stdout
    assert "skipped" in result.stdout
    assert "(the notebook ended with sys.exit(0) in step 'check')" in result.stdout


def test_ctrl_c_reports_a_cancel_not_a_dead_kernel(make_job: MakeJob) -> None:
    folder = make_job(
        "slow",
        [(["step:wait"], "import time\nprint('waiting', flush=True)\ntime.sleep(60)")],
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "dataops_jupyter.cli", "run", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if "waiting" in line:
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "slow: cancelled" in out and "cancelled by the user" in out
    assert "Kernel died" not in out + err
