"""New jobs from JupyterLab through a real Jupyter server: ``POST /dataops/jobs`` with a folder
and a schedule, a notebook made a job, and the schedule preview ``GET /dataops/schedule``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from dataops_jupyter.jobs import Schedule, load_job

from .conftest import MakeJob, write_notebook

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {"ServerApp": {"jpserver_extensions": {"dataops_jupyter": True}}}


async def call(
    jp_fetch: Any, *parts: str, method: str = "GET", body: Any = None, **params: Any
) -> tuple[int, Any]:
    kwargs: dict[str, Any] = {"method": method, "params": params}
    if method != "GET":
        kwargs["body"] = json.dumps(body if body is not None else {})
    response = await jp_fetch("dataops", *parts, **kwargs)
    return response.code, json.loads(response.body)


async def refused(jp_fetch: Any, status: int, *parts: str, **kwargs: Any) -> str:
    with pytest.raises(HTTPClientError) as info:
        await call(jp_fetch, *parts, **kwargs)
    assert info.value.code == status, info.value.response and info.value.response.body
    assert info.value.response is not None
    return str(json.loads(info.value.response.body)["message"])


def files_under(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


async def test_create_in_a_folder_with_a_schedule(jp_fetch: Any, jp_root_dir: Path) -> None:
    (jp_root_dir / "pipelines").mkdir()
    code, job = await call(
        jp_fetch,
        "jobs",
        method="POST",
        body={
            "name": "nightly",
            "team": "shop",
            "description": 'Sales "nightly"',
            "folder": "pipelines",
            "schedule": "0 6 * * 1-5",
            "timezone": "Europe/Berlin",
        },
    )
    assert code == 201 and job["path"] == "pipelines/nightly"
    assert job["notebooks"] == ["nightly.ipynb"]
    assert job["schedule"] == {"cron": "0 6 * * 1-5", "timezone": "Europe/Berlin", "enabled": True}
    loaded = load_job(jp_root_dir / "pipelines" / "nightly")
    assert loaded.config.team == "shop" and loaded.config.description == 'Sales "nightly"'
    assert loaded.config.schedule == Schedule(cron="0 6 * * 1-5", timezone="Europe/Berlin")
    _, listing = await call(jp_fetch, "jobs")
    assert [j["name"] for j in listing["jobs"]] == ["nightly"] and listing["invalid"] == []


async def test_create_without_a_schedule_has_none(jp_fetch: Any, jp_root_dir: Path) -> None:
    _, job = await call(jp_fetch, "jobs", method="POST", body={"name": "adhoc", "schedule": ""})
    assert job["path"] == "adhoc" and job["schedule"] is None and job["team"] == "default"


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"schedule": "0 6 * *"}, 400, ["'schedule'", "not a cron expression"]),
        ({"schedule": "0 0 30 2 *"}, 400, ["'schedule'", "never fires"]),
        ({"schedule": "0 6 * * *", "timezone": "Mars/Olympus"}, 400, ["'timezone'", "IANA"]),
        ({"timezone": "Mars/Olympus"}, 400, ["'timezone'"]),
        ({"name": "Sales Mart"}, 400, ["'name'", "not a valid job name"]),
        ({"name": "orders"}, 409, ["'name'", "already exists in 'jobs/orders'"]),
        ({"name": "notes"}, 409, ["'name'", "'notes' already exists"]),
        ({"folder": "jobs", "name": "orders-copy"}, 201, []),
        ({"folder": "../outside"}, 400, ["'folder'", "inside the workspace"]),
        ({"folder": "/etc"}, 400, ["'folder'", "inside the workspace"]),
        ({"folder": "missing"}, 400, ["'folder'", "create it first"]),
        ({"folder": ".hidden"}, 400, ["'folder'", "not looked for"]),
        ({"folder": "a/b/c/d"}, 400, ["'folder'", "at most 4 folders"]),
        ({"team": "Shop!"}, 400, ["'team'", "not a valid team name"]),
        ({"nonsense": 1}, 400, ["unknown field 'nonsense'"]),
    ],
)
async def test_create_refuses_bad_input_and_writes_nothing(
    jp_fetch: Any,
    jp_root_dir: Path,
    make_job: MakeJob,
    body: dict[str, Any],
    status: int,
    words: list[str],
) -> None:
    make_job("orders", [(["step"], "1")], parent=jp_root_dir / "jobs")
    (jp_root_dir / ".hidden").mkdir()
    (jp_root_dir / "notes").mkdir()
    (jp_root_dir / "a" / "b" / "c" / "d").mkdir(parents=True)
    before = files_under(jp_root_dir)
    request = {"name": "sales", **body}
    if status == 201:
        code, _ = await call(jp_fetch, "jobs", method="POST", body=request)
        assert code == 201 and (jp_root_dir / "jobs" / "orders-copy" / "job.toml").is_file()
        return
    message = await refused(jp_fetch, status, "jobs", method="POST", body=request)
    for word in words:
        assert word in message
    assert str(jp_root_dir) not in message
    assert files_under(jp_root_dir) == before


def expected_six_oclock(zone: ZoneInfo, now: datetime) -> list[datetime]:
    """The next three 06:00 in ``zone`` after ``now``, by the calendar."""
    local = now.astimezone(zone)
    day = local.date() if local.hour < 6 else local.date() + timedelta(days=1)
    days = [day + timedelta(days=n) for n in range(3)]
    return [datetime(d.year, d.month, d.day, 6, tzinfo=zone) for d in days]


async def test_schedule_preview_in_the_timezone(jp_fetch: Any) -> None:
    zone = ZoneInfo("America/New_York")
    before = expected_six_oclock(zone, datetime.now(zone))
    code, preview = await call(
        jp_fetch, "schedule", cron="0 6 * * *", timezone="America/New_York", count="3"
    )
    after = expected_six_oclock(zone, datetime.now(zone))
    assert code == 200 and preview["cron"] == "0 6 * * *"
    times = [datetime.fromisoformat(text) for text in preview["next"]]
    assert times in (before, after)
    # Written in the job's timezone: the local wall clock says 06:00.
    assert all(t.hour == 6 and t.utcoffset() == t.astimezone(zone).utcoffset() for t in times)
    _, default = await call(jp_fetch, "schedule", cron="*/15 * * * *")
    assert len(default["next"]) == 3 and default["timezone"] == "UTC"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"cron": "0 6 * *"}, ["'cron'", "not a cron expression"]),
        ({"cron": "61 * * * *"}, ["'cron'", "not a cron expression"]),
        ({"cron": "0 0 30 2 *"}, ["'cron'", "never fires"]),
        ({"cron": "0 6 * * *", "timezone": "Nowhere/Land"}, ["'timezone'", "IANA"]),
        ({}, ["'cron' is required"]),
        ({"cron": "0 6 * * *", "count": "0"}, ["'count'"]),
        ({"cron": "0 6 * * *", "count": "many"}, ["'count'"]),
    ],
)
async def test_schedule_preview_refuses_bad_input(
    jp_fetch: Any, params: dict[str, str], words: list[str]
) -> None:
    message = await refused(jp_fetch, 400, "schedule", **params)
    for word in words:
        assert word in message


def plain_notebook(path: Path, tags: tuple[str, ...] = ("step",)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_notebook(
        path,
        ["# Exploring", (["parameters"], "limit = 3"), (list(tags), "print(limit)"), ([], "2")],
    )


async def test_convert_a_notebook_to_a_job(jp_fetch: Any, jp_root_dir: Path) -> None:
    plain_notebook(jp_root_dir / "analysis" / "explore.ipynb")
    (jp_root_dir / "analysis" / "other.ipynb").write_text(
        nbformat.writes(nbformat.v4.new_notebook()), encoding="utf-8"
    )
    code, job = await call(
        jp_fetch,
        "jobs",
        method="POST",
        body={
            "name": "explore",
            "team": "research",
            "notebook": "analysis/explore.ipynb",
            "schedule": "*/30 * * * *",
        },
    )
    assert code == 201 and job["path"] == "analysis" and job["notebooks"] == ["explore.ipynb"]
    assert job["parameters"] == {"limit": 3} and [s["name"] for s in job["steps"]] == ["step-1"]
    loaded = load_job(jp_root_dir / "analysis")
    assert loaded.config.notebooks == ["explore.ipynb"] and loaded.config.team == "research"
    assert loaded.config.schedule == Schedule(cron="*/30 * * * *")
    _, listing = await call(jp_fetch, "jobs")
    assert [(j["name"], j["notebooks"]) for j in listing["jobs"]] == [
        ("explore", ["explore.ipynb"])
    ]
    message = await refused(
        jp_fetch,
        409,
        "jobs",
        method="POST",
        body={"name": "explore-again", "notebook": "analysis/explore.ipynb"},
    )
    assert "'analysis' already has a job.toml" in message


@pytest.mark.parametrize(
    ("notebook", "body", "status", "words"),
    [
        ("x.ipynb", {"notebook": "nope.ipynb"}, 404, ["'notebook'", "not found"]),
        ("x.ipynb", {"notebook": "../x.ipynb"}, 400, ["'notebook'", "inside the workspace"]),
        ("x.ipynb", {"notebook": "x.txt"}, 400, ["'notebook'", "not a notebook"]),
        ("x.ipynb", {"schedule": "every day"}, 400, ["'schedule'"]),
        ("x.ipynb", {"name": "taken"}, 409, ["a job named 'taken' already exists"]),
        ("x.ipynb", {"folder": "."}, 400, ["either 'notebook' or 'folder'"]),
        ("blank/x.ipynb", {"notebook": "blank/x.ipynb"}, 400, ["no step cells"]),
    ],
)
async def test_convert_refuses_and_writes_nothing(
    jp_fetch: Any,
    jp_root_dir: Path,
    make_job: MakeJob,
    notebook: str,
    body: dict[str, Any],
    status: int,
    words: list[str],
) -> None:
    make_job("taken", [(["step"], "1")], parent=jp_root_dir / "jobs")
    plain_notebook(jp_root_dir / notebook, tags=() if notebook.startswith("blank") else ("step",))
    before = files_under(jp_root_dir)
    request = {"name": "converted", "notebook": notebook, **body}
    message = await refused(jp_fetch, status, "jobs", method="POST", body=request)
    for word in words:
        assert word in message
    assert str(jp_root_dir) not in message
    assert files_under(jp_root_dir) == before
