"""The sidebar's poll: one request returns the jobs with their recent runs, job discovery is
cached by modification times, and a workspace of 500 jobs leaves Jupyter's own API usable."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import MakeJob, write_notebook

pytestmark = pytest.mark.timeout(300)

#: Runs per job the sidebar asks for (``RUNS_PER_JOB`` in src/model.ts).
RUNS_PER_JOB = 5


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"dataops_jupyter": True}},
        "DataOpsExtension": {"embedded_control_service": False},
    }


def catalog(jp_serverapp: Any) -> Any:
    """The extension's job catalog (its ``loads`` counts job folders read from disk)."""
    extension = jp_serverapp.extension_manager.extension_points["dataops_jupyter"].app
    return extension.run_manager.catalog


async def poll(jp_fetch: Any) -> dict[str, Any]:
    """What the sidebar asks for on each poll."""
    response = await jp_fetch("dataops", "jobs", params={"runs": str(RUNS_PER_JOB)})
    answer: dict[str, Any] = json.loads(response.body)
    return answer


async def test_one_request_returns_jobs_with_their_recent_runs(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path, make_job: MakeJob
) -> None:
    make_job("orders", [(["step:load"], "print('loaded')")], parent=jp_root_dir / "jobs")
    make_job("products", [(["step:load"], "print('products')")], parent=jp_root_dir / "jobs")
    make_job("broken", [([], "1")], parent=jp_root_dir / "jobs")
    started = json.loads(
        (await jp_fetch("dataops", "jobs", "orders", "runs", method="POST", body="{}")).body
    )
    for _ in range(600):
        answer = await poll(jp_fetch)
        if answer["runs"]["orders"][0]["status"] in ("succeeded", "failed"):
            break
        await asyncio.sleep(0.1)

    assert [job["name"] for job in answer["jobs"]] == ["orders", "products"]
    assert [item["path"] for item in answer["invalid"]] == ["jobs/broken"]
    assert [run["run_id"] for run in answer["runs"]["orders"]] == [started["run_id"]]
    assert answer["runs"]["orders"][0]["status"] == "succeeded"
    assert answer["runs"]["products"] == []
    # Without ?runs the answer is the plain job list, as before.
    plain = json.loads((await jp_fetch("dataops", "jobs")).body)
    assert set(plain) == {"jobs", "invalid"}


async def test_discovery_reads_a_job_folder_again_only_when_it_changed(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path, make_job: MakeJob
) -> None:
    orders = make_job("orders", [(["step:load"], "1")], parent=jp_root_dir)
    make_job("products", [(["step:load"], "1")], parent=jp_root_dir)
    make_job("broken", [([], "1")], parent=jp_root_dir)
    found = catalog(jp_serverapp)

    await poll(jp_fetch)
    assert found.loads == 3
    await poll(jp_fetch)
    await jp_fetch("dataops", "jobs", "orders")
    assert found.loads == 3  # nothing changed: no notebook or job.toml was read again

    write_notebook(orders / "main.ipynb", [(["step:extract"], "1"), (["step:load"], "2")])
    answer = await poll(jp_fetch)
    assert found.loads == 4  # only the edited job
    steps = {job["name"]: [s["name"] for s in job["steps"]] for job in answer["jobs"]}
    assert steps["orders"] == ["extract", "load"]

    (orders / "job.toml").write_text('name = "orders"\ndescription = "Orders, daily"\n')
    answer = await poll(jp_fetch)
    assert found.loads == 5
    assert answer["jobs"][0]["description"] == "Orders, daily"

    write_notebook(orders / "second.ipynb", [(["step:more"], "1")])  # now two notebooks
    answer = await poll(jp_fetch)
    assert [job["name"] for job in answer["jobs"]] == ["products"]
    assert "several notebooks" in {i["path"]: i["message"] for i in answer["invalid"]}["orders"]

    broken = jp_root_dir / "broken"
    write_notebook(broken / "main.ipynb", [(["step"], "1")])  # fixed
    (orders / "second.ipynb").unlink()
    answer = await poll(jp_fetch)
    assert [job["name"] for job in answer["jobs"]] == ["broken", "orders", "products"]
    assert answer["invalid"] == []


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def test_500_jobs_polled_leave_the_contents_api_responsive(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path, make_job: MakeJob
) -> None:
    """Sidebars poll back to back for 20 s while a user opens a notebook every 0.2 s.

    The figures go to BENCHMARKS.md; this test asserts the load, not the times."""
    for index in range(500):
        make_job(
            f"job-{index:03d}",
            [(["parameters"], "day = '2024-01-01'"), (["step:load"], "print(day)")],
            'description = "A job"',
            parent=jp_root_dir / "jobs" / f"group-{index % 10}",
        )
    found = catalog(jp_serverapp)
    polls: list[float] = []
    opens: list[float] = []
    stop = time.monotonic() + 20

    async def sidebar() -> None:
        while time.monotonic() < stop:
            began = time.perf_counter()
            answer = await poll(jp_fetch)
            polls.append(time.perf_counter() - began)
            assert len(answer["jobs"]) == 500 and len(answer["runs"]) == 500

    async def user() -> None:
        await asyncio.sleep(1)
        while time.monotonic() < stop:
            began = time.perf_counter()
            response = await jp_fetch("api", "contents", "jobs", "group-7", "job-007", "main.ipynb")
            opens.append(time.perf_counter() - began)
            assert json.loads(response.body)["type"] == "notebook"
            await asyncio.sleep(0.2)

    await asyncio.gather(sidebar(), sidebar(), user())

    assert found.loads == 500  # every job folder was read once, however many polls
    print(
        f"\n500 jobs: {len(polls)} polls (one request each), poll p50 "
        f"{statistics.median(polls) * 1000:.0f} ms, max {max(polls) * 1000:.0f} ms; "
        f"contents API p50 {statistics.median(opens) * 1000:.1f} ms, "
        f"p95 {_percentile(opens, 0.95) * 1000:.1f} ms, max {max(opens) * 1000:.1f} ms "
        f"over {len(opens)} requests"
    )
