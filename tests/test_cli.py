"""The ``dataops`` command as a user runs it: a real process, real kernels, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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
    for command in ("new", "run"):
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
    assert "step 'bad' failed main.ipynb cell 1" in result.stdout
    assert "ZeroDivisionError" in result.stdout


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
        (["--arg", "n=abc"], "'n' must be an integer"),
        (["--arg", "other=1"], "unknown argument 'other'"),
        (["--args-json", "[1]"], "must be a JSON object"),
    ],
)
def test_usage_errors_exit_2(make_job: MakeJob, args: list[str], message: str) -> None:
    folder = make_job("strict", [(["parameters"], "n = 1"), (["step"], "pass")])
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
    result = dataops("new", "Bad Name", cwd=tmp_path)
    assert result.returncode == 2 and "not a valid job name" in result.stderr
