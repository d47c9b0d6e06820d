"""What the Data Jobs sidebar's poll and a job view's history page cost the server with 1,000
jobs and 10,000 runs, in one process (no HTTP, no event loop).

Seeds the jobs with :mod:`dataops_jupyter.testing.seed` into a temporary folder (or uses
``--folder`` if it holds them already), then times the sidebar's listing
(``GET /dataops/jobs?runs=5``: discovery, the newest five runs of each job, the JSON answer)
once cold and ``--polls`` times warm, and the first page of 25 runs of every 50th job
(``GET /dataops/jobs/{name}/runs``). Usage:
``python bench/sidebar_scale.py [--jobs 1000] [--runs 10] [--polls 7] [--folder DIR]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from dataops_jupyter.server.handlers.jobs import _listing
from dataops_jupyter.server.models import RunPage
from dataops_jupyter.server.runs import LocalRunManager
from dataops_jupyter.testing.seed import job_name, seed


def measure(folder: Path, jobs: int, polls: int) -> dict[str, float]:
    """Milliseconds: the cold listing, the warm listings' median, the pages' median."""
    runs = LocalRunManager(folder)
    began = time.perf_counter()
    _listing(runs, 5).model_dump_json()
    cold = time.perf_counter() - began
    warm = []
    for _ in range(polls):
        began = time.perf_counter()
        answer = _listing(runs, 5).model_dump_json()
        warm.append(time.perf_counter() - began)
    pages = []
    for index in range(0, jobs, 50):
        began = time.perf_counter()
        records, cursor = runs.page(job_name(index), 25, None, [])
        wire = [runs.records.wire(record) for record in records]
        RunPage(runs=wire, next_cursor=cursor).model_dump_json()
        pages.append(time.perf_counter() - began)
    return {
        "cold poll ms": round(cold * 1000),
        "poll p50 ms": round(statistics.median(warm) * 1000),
        "poll answer MB": round(len(answer) / 1e6, 1),
        "runs page p50 ms": round(statistics.median(pages) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--polls", type=int, default=7)
    parser.add_argument("--folder", type=Path, help="seeded already (else a temporary one)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dataops-scale-") as temporary:
        folder = options.folder
        if folder is None:
            folder = Path(temporary)
            seed(folder, options.jobs, options.runs)
        print(json.dumps(measure(folder, options.jobs, options.polls)))


if __name__ == "__main__":
    main()
