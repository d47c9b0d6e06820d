"""The job model: job.toml, steps from tags, ordering, arguments and the template."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataops_jupyter.errors import (
    ArgumentError,
    ConflictError,
    InvalidInputError,
    JobDefinitionError,
)
from dataops_jupyter.jobs import (
    check_arguments,
    create_job,
    discover_jobs,
    load_job,
    load_job_config,
    parse_cli_arguments,
)

from .conftest import MakeJob, write_notebook

STEPS = [
    ([], "print('scratch')"),
    (["parameters"], "limit = 10\nname = 'x'\nratio = 0.5\nflag = False\nwhen = compute()"),
    (["step:extract"], "a = 1"),
    "## notes",
    (["step"], "b = 2"),
    (["step:load"], "c = 3"),
]


def test_steps_come_in_notebook_order_with_names_and_cells(make_job: MakeJob) -> None:
    job = load_job(make_job("orders", STEPS))
    assert [s.name for s in job.steps] == ["extract", "step-2", "load"]
    assert [s.cell_index for s in job.steps] == [2, 4, 5]
    assert all(s.cell_id for s in job.steps)
    assert job.parameters == {"limit": 10, "name": "x", "ratio": 0.5, "flag": False, "when": None}
    assert job.config.team == "default"


def test_full_job_toml_is_read(make_job: MakeJob) -> None:
    toml = """
team = "analytics"
description = "Orders from the shop"
retries = 2
retry_delay = "5m"
timeout = "1h"
warehouse = "duckdb:///w.duckdb"
[schedule]
cron = "0 6 * * 1-5"
timezone = "Europe/Berlin"
[notify]
on_failure = ["ops@example.com", "https://hooks.example.com/x"]
"""
    job = load_job(make_job("orders", STEPS, toml))
    config = job.config
    assert (config.retries, config.retry_delay, config.timeout) == (2, 300.0, 3600.0)
    assert config.schedule is not None and config.schedule.timezone == "Europe/Berlin"
    assert config.notify.on_failure == ["ops@example.com", "https://hooks.example.com/x"]


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('name = "Bad_Name"', "key 'name'"),
        ('name = "ok"\nteam = "A B"', "key 'team'"),
        ('name = "ok"\nretries = -1', "key 'retries'"),
        ('name = "ok"\ntimeout = "soon"', "key 'timeout'"),
        ('name = "ok"\nschedul = 1', "key 'schedul': unknown key"),
        ('name = "ok"\n[schedule]\ncron = "every day"', "key 'schedule.cron'"),
        ('name = "ok"\n[schedule]\ncron = "0 6 * * *"\ntimezone = "Mars/Base"', "IANA timezone"),
        ('name = "ok"\n[schedule]\ncron = "0 0 30 2 *"', "key 'schedule.cron': '0 0 30 2 *' never"),
        ('name = "ok"\n[schedule]\ncron = "0 0 31 4 *"', "key 'schedule.cron': '0 0 31 4 *' never"),
        ('name = "ok"\n[notify]\non_failure = ["nobody"]', "key 'notify.on_failure'"),
        ('name = "ok"\nnotebooks = ["../x.ipynb"]', "key 'notebooks'"),
        ("team = 'x'", "key 'name': required key is missing"),
        ('name = "ok', "not valid TOML"),
    ],
)
def test_invalid_job_toml_names_file_and_key(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "job.toml"
    path.write_text(toml)
    with pytest.raises(JobDefinitionError) as info:
        load_job_config(path)
    assert expected in info.value.message
    assert str(path) in info.value.message


def test_a_cron_that_fires_only_in_leap_years_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "job.toml"
    path.write_text('name = "leap"\n[schedule]\ncron = "0 0 29 2 *"')
    schedule = load_job_config(path).schedule
    assert schedule is not None and schedule.cron == "0 0 29 2 *"


def test_job_without_step_cells_is_refused(make_job: MakeJob) -> None:
    with pytest.raises(JobDefinitionError, match="no step cells"):
        load_job(make_job("empty", [([], "x = 1")]))


def test_duplicate_step_names_are_refused(make_job: MakeJob) -> None:
    folder = make_job("dup", [(["step:a"], "1"), (["step:a"], "2")])
    with pytest.raises(
        JobDefinitionError, match=r"step name 'a' is already used by main\.ipynb cell 1"
    ):
        load_job(folder)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ([(["step:a", "step:b"], "1")], "several step tags"),
        ([(["step:bad name"], "1")], "not a valid step tag"),
        ([(["step", "parameters"], "x = 1")], "both 'parameters' and a step"),
        ([(["parameters"], "x = ("), (["step"], "1")], "not valid Python"),
        ([(["parameters"], "x = 1"), (["parameters"], "y = 1"), (["step"], "1")], "more than one"),
    ],
)
def test_bad_tags_are_refused(make_job: MakeJob, cells: list, expected: str) -> None:
    with pytest.raises(JobDefinitionError, match=expected):
        load_job(make_job("tags", cells))


def test_unreadable_notebook_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "job.toml").write_text('name = "broken"')
    (folder / "main.ipynb").write_text("{not json")
    with pytest.raises(JobDefinitionError, match=r"main\.ipynb: not a valid notebook"):
        load_job(folder)


def test_listed_notebook_that_is_missing_is_refused(make_job: MakeJob) -> None:
    folder = make_job("missing", STEPS, 'notebooks = ["main.ipynb", "gone.ipynb"]')
    with pytest.raises(JobDefinitionError, match=r"gone\.ipynb: notebook not found"):
        load_job(folder)


def test_several_notebooks_run_in_listed_order(make_job: MakeJob) -> None:
    folder = make_job("multi", [(["step:second"], "2")], 'notebooks = ["b.ipynb", "main.ipynb"]')
    write_notebook(folder / "b.ipynb", [(["step:first"], "1")])
    job = load_job(folder)
    assert [(s.name, s.notebook) for s in job.steps] == [
        ("first", "b.ipynb"),
        ("second", "main.ipynb"),
    ]


def test_several_notebooks_without_a_list_is_ambiguous(make_job: MakeJob) -> None:
    folder = make_job("multi", [(["step"], "2")])
    write_notebook(folder / "other.ipynb", [(["step"], "1")])
    with pytest.raises(JobDefinitionError, match="list the ones to run"):
        load_job(folder)


def test_discover_reports_valid_and_invalid_jobs(make_job: MakeJob, tmp_path: Path) -> None:
    make_job("good", STEPS, parent=tmp_path / "jobs")
    make_job("bad", [([], "1")], parent=tmp_path / "jobs")
    make_job("hidden", STEPS, parent=tmp_path / ".secret")
    jobs, invalid = discover_jobs(tmp_path)
    assert [j.name for j in jobs] == ["good"]
    assert [p.name for p, _ in invalid] == ["bad"]


def test_cli_arguments_are_json_with_text_fallback() -> None:
    defaults = {"limit": 10, "day": "2024-01-01", "ratio": 0.5, "tags": [], "any": None}
    args = parse_cli_arguments(
        ["limit=5", "day=2025-02-03", "ratio=2", "tags=[1,2]", "any=hello"], None, defaults
    )
    assert args == {"limit": 5, "day": "2025-02-03", "ratio": 2, "tags": [1, 2], "any": "hello"}
    assert parse_cli_arguments(["limit=7"], '{"limit": 1, "day": "x"}', defaults) == {
        "limit": 7,
        "day": "x",
    }


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"limit": "ten"}, "'limit' must be an integer like its default 10"),
        ({"limit": True}, "'limit' must be an integer"),
        ({"flag": 1}, "'flag' must be a boolean"),
        ({"nope": 1}, "unknown argument 'nope'"),
    ],
)
def test_argument_type_mismatch_is_a_clear_error(arguments: dict, expected: str) -> None:
    with pytest.raises(ArgumentError, match=expected):
        check_arguments(arguments, {"limit": 10, "flag": False})


@pytest.mark.parametrize("pairs", [["limit"], ["=3"]])
def test_malformed_cli_argument(pairs: list[str]) -> None:
    with pytest.raises(ArgumentError, match="key=value"):
        parse_cli_arguments(pairs, None, {"limit": 1})


def test_template_creates_a_loadable_job(tmp_path: Path) -> None:
    job = create_job(tmp_path, "orders", team="shop", description='Orders "daily"')
    assert [s.name for s in job.steps] == ["setup", "example"]
    assert job.parameters == {"limit": 10}
    assert job.config.team == "shop" and job.config.description == 'Orders "daily"'
    with pytest.raises(ConflictError):
        create_job(tmp_path, "orders")
    with pytest.raises(InvalidInputError, match="not a valid job name"):
        create_job(tmp_path, "../evil")
    assert not (tmp_path.parent / "evil").exists()
