"""A job's history by pages through a real Jupyter server (``jp_fetch``): its local runs
(``/dataops/jobs/{name}/runs``) and its executions on a real control service
(``/dataops/control/jobs/{job}/executions``), with ``before`` cursors and a status filter."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import MakeJob
from .control import RunningService, wait_for

pytestmark = pytest.mark.timeout(240)

CELLS = [
    (["parameters"], "fail = False"),
    (["step:extract"], "\n# read the orders\nprint('extract')"),
    (["step:load"], "if fail:\n    raise RuntimeError('asked to fail')\nprint('load done')"),
]


@pytest.fixture
def jp_server_config(control: RunningService, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A server that relays to the test's control service as team ``analytics``."""
    for name in ("DATAOPS_URL", "DATAOPS_TOKEN", "DATAOPS_TEAM", "DATAOPS_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    return {
        "ServerApp": {"jpserver_extensions": {"dataops_jupyter": True}},
        "DataOpsExtension": {
            "control_url": control.url,
            "control_token": control.token("analytics"),
        },
    }


@pytest.fixture
def orders(jp_root_dir: Path, make_job: MakeJob) -> Path:
    return make_job("orders", CELLS, 'team = "analytics"', parent=jp_root_dir)


def query(params: dict[str, Any]) -> list[tuple[str, Any]]:
    """Query parameters as pairs; a list value repeats its parameter."""
    return [
        (name, value)
        for name, values in params.items()
        for value in (values if isinstance(values, list) else [values])
    ]


async def call(
    jp_fetch: Any, *parts: str, method: str = "GET", body: Any = None, **params: Any
) -> Any:
    kwargs: dict[str, Any] = {"method": method, "params": query(params)}
    if method == "POST":
        kwargs["body"] = json.dumps(body or {})
    response = await jp_fetch("dataops", *parts, **kwargs)
    return json.loads(response.body)


async def refused(jp_fetch: Any, *parts: str, **params: Any) -> str:
    """The message of a 400 answer to a GET."""
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("dataops", *parts, params=query(params))
    assert info.value.code == 400 and info.value.response is not None
    return str(json.loads(info.value.response.body)["message"])


async def pages(jp_fetch: Any, *parts: str, key: str, **params: Any) -> list[list[str]]:
    """The ids of every page of a history, following ``next_cursor``."""
    found: list[list[str]] = []
    before: str | None = None
    while True:
        cursor = {"before": before} if before else {}
        page = await call(jp_fetch, *parts, **params, **cursor)
        found.append([item["run_id" if key == "runs" else "id"] for item in page[key]])
        before = page["next_cursor"]
        if before is None:
            return found
        assert len(found) < 10, "the cursor never ends"


async def run_to_end(jp_fetch: Any, fail: bool) -> dict[str, Any]:
    started = await call(
        jp_fetch, "jobs", "orders", "runs", method="POST", body={"arguments": {"fail": fail}}
    )
    for _ in range(600):
        run: dict[str, Any] = await call(jp_fetch, "runs", started["run_id"])
        if run["status"] in ("succeeded", "failed", "cancelled", "timed_out"):
            return run
        await asyncio.sleep(0.2)
    raise AssertionError(f"run {started['run_id']} did not end")


async def test_steps_carry_the_first_line_of_their_cell_and_unknown_jobs_have_no_runs(
    jp_fetch: Any, orders: Path
) -> None:
    job = await call(jp_fetch, "jobs", "orders")
    assert [(s["name"], s["first_line"]) for s in job["steps"]] == [
        ("extract", "# read the orders"),
        ("load", "if fail:"),
    ]
    with pytest.raises(HTTPClientError) as info:
        await call(jp_fetch, "jobs", "nope", "runs")
    assert info.value.code == 404


async def test_local_runs_by_pages_and_by_status(jp_fetch: Any, orders: Path) -> None:
    runs = [await run_to_end(jp_fetch, fail) for fail in (False, True, False)]
    assert [r["status"] for r in runs] == ["succeeded", "failed", "succeeded"]
    newest_first = [r["run_id"] for r in reversed(runs)]

    by_one = await pages(jp_fetch, "jobs", "orders", "runs", key="runs", limit=1)
    assert [ids for ids in by_one if ids] == [[i] for i in newest_first]
    by_two = await pages(jp_fetch, "jobs", "orders", "runs", key="runs", limit=2)
    assert by_two == [newest_first[:2], newest_first[2:]]
    whole = await call(jp_fetch, "jobs", "orders", "runs")
    assert [r["run_id"] for r in whole["runs"]] == newest_first and whole["next_cursor"] is None
    assert whole["runs"][1]["error"]["step"] == "load"

    failed = await call(jp_fetch, "jobs", "orders", "runs", status="failed")
    assert [r["run_id"] for r in failed["runs"]] == [runs[1]["run_id"]]
    succeeded = await pages(
        jp_fetch, "jobs", "orders", "runs", key="runs", limit=1, status="succeeded"
    )
    assert [ids for ids in succeeded if ids] == [[runs[2]["run_id"]], [runs[0]["run_id"]]]

    assert "'limit'" in await refused(jp_fetch, "jobs", "orders", "runs", limit="many")
    assert "from 1 to 500" in await refused(jp_fetch, "jobs", "orders", "runs", limit="0")
    assert "run id" in await refused(jp_fetch, "jobs", "orders", "runs", before="yesterday")
    message = await refused(jp_fetch, "jobs", "orders", "runs", status="broken")
    assert "'status' must be one of" in message and "succeeded" in message


async def test_executions_by_pages_and_by_status_through_jupyter(
    jp_fetch: Any, orders: Path, control: RunningService
) -> None:
    await call(jp_fetch, "control", "jobs", "orders", "deployments", method="POST")
    client = control.client("analytics")
    ids = []
    for fail in (True, False, False):
        started = await call(
            jp_fetch,
            "control", "jobs", "orders", "executions",
            method="POST", body={"arguments": {"fail": fail}},
        )  # fmt: skip
        done = await asyncio.to_thread(wait_for, client, "analytics", "orders", started["id"])
        ids.append(done["id"])
    newest_first = list(reversed(ids))
    executions = ("control", "jobs", "orders", "executions")

    by_one = await pages(jp_fetch, *executions, key="executions", limit=1)
    assert [page for page in by_one if page] == [[i] for i in newest_first]
    by_two = await pages(jp_fetch, *executions, key="executions", limit=2)
    assert [i for page in by_two for i in page] == newest_first

    failed = await call(jp_fetch, *executions, status="user_error")
    assert [e["id"] for e in failed["executions"]] == [ids[0]]
    assert failed["executions"][0]["error"]["step"] == "load"
    both = await call(jp_fetch, *executions, status=["user_error", "succeeded"])
    assert [e["id"] for e in both["executions"]] == newest_first
    later = await pages(jp_fetch, *executions, key="executions", limit=1, status="succeeded")
    assert [page for page in later if page] == [[ids[2]], [ids[1]]]

    # The service itself, as its own clients call it.
    api = "/api/v1/teams/analytics/jobs/orders/executions"
    direct = client.get(api, params={"status": ["user_error", "platform_error"], "limit": 5})
    assert [e["id"] for e in direct.json()["executions"]] == [ids[0]]
    bad = client.get(api, params={"status": "broken"})
    assert bad.status_code == 400 and "user_error" in bad.json()["message"]

    message = await refused(jp_fetch, *executions, status="failed")
    assert "status" in message and "user_error" in message
    assert "from 1 to 500" in await refused(jp_fetch, *executions, limit="501")
    assert "before" in await refused(jp_fetch, *executions, before="not/an id")
