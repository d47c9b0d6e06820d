"""A workspace of 1,000 jobs with 10 finished runs each: the sidebar's poll and a job view's
history page read only what they show, and finished run records are read from disk once."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from dataops_jupyter.testing.seed import job_name, seed

pytestmark = pytest.mark.timeout(600)

JOBS = 1000
RUNS = 10


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"dataops_jupyter": True}},
        "DataOpsExtension": {"embedded_control_service": False},
    }


def manager(jp_serverapp: Any) -> Any:
    extension = jp_serverapp.extension_manager.extension_points["dataops_jupyter"].app
    return extension.run_manager


async def timed(jp_fetch: Any, *path: str, **params: str) -> tuple[float, dict[str, Any]]:
    began = time.perf_counter()
    response = await jp_fetch(*path, params=params)
    answer: dict[str, Any] = json.loads(response.body)
    return time.perf_counter() - began, answer


async def test_1000_jobs_with_10000_runs(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path
) -> None:
    seed(jp_root_dir / "scale", JOBS, RUNS)
    first, answer = await timed(jp_fetch, "dataops", "jobs", runs="5")
    assert len(answer["jobs"]) == JOBS
    assert all(len(answer["runs"][job_name(i)]) == 5 for i in range(JOBS))
    records = manager(jp_serverapp).records
    loads = records.loads
    assert loads == JOBS * 5  # the newest five of each job, not all ten
    polls = []
    for _ in range(5):
        took, answer = await timed(jp_fetch, "dataops", "jobs", runs="5")
        polls.append(took)
    pages = []
    for index in range(0, JOBS, 100):
        took, page = await timed(jp_fetch, "dataops", "jobs", job_name(index), "runs", limit="25")
        pages.append(took)
        assert len(page["runs"]) == RUNS and page["next_cursor"] is None
    # Finished records are read from disk once: later polls read none, a page only the older five.
    assert records.loads == loads + 5 * len(pages)
    size = len(json.dumps(answer))
    print(
        f"\n{JOBS} jobs, {JOBS * RUNS} runs: first poll {first * 1000:.0f} ms, "
        f"poll p50 {statistics.median(polls) * 1000:.0f} ms (max {max(polls) * 1000:.0f}), "
        f"answer {size / 1e6:.1f} MB; job runs page p50 {statistics.median(pages) * 1000:.1f} ms "
        f"(max {max(pages) * 1000:.1f})"
    )
