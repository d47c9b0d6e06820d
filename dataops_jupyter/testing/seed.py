"""A large workspace, written quickly: job folders with a small notebook and finished run records.

For scale tests and benchmarks of the sidebar and the job view::

    python -m dataops_jupyter.testing.seed FOLDER --jobs 1000 --runs 10

writes ``FOLDER/job-0000`` … ``FOLDER/job-0999``, each a ``job.toml``, a two-step notebook and
``--runs`` finished runs in ``.dataops/runs/<run_id>/run.json`` (every fifth one failed), the
newest an hour before now and each older one an hour before the next.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..runner.records import RUN_FILE, RUNS_FOLDER, RunRecord, StepError, StepResult, utcnow

#: The steps of every seeded job: (name, cell index in its notebook).
STEPS = (("extract", 1), ("load", 2))
NOTEBOOK = "main.ipynb"


def job_name(index: int) -> str:
    """The name of the ``index``-th seeded job (``job-0042``); names sort like their indexes."""
    return f"job-{index:04d}"


def _notebook() -> str:
    cells: list[dict[str, Any]] = [
        {"cell_type": "code", "id": "params", "metadata": {"tags": ["parameters"]},
         "source": "day = '2026-01-01'", "outputs": [], "execution_count": None},
        *(
            {"cell_type": "code", "id": name, "metadata": {"tags": [f"step:{name}"]},
             "source": f"print({name!r}, day)", "outputs": [], "execution_count": None}
            for name, _ in STEPS
        ),
    ]  # fmt: skip
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1)


def _record(job: str, folder: Path, number: int) -> RunRecord:
    """The ``number``-th newest run of a job (0 is the newest)."""
    finished = utcnow().replace(microsecond=0) - timedelta(hours=number + 1)
    started = finished - timedelta(seconds=12)
    failed = number % 5 == 4
    steps = [
        StepResult(
            name=name,
            notebook=NOTEBOOK,
            cell_index=cell,
            cell_id=name,
            status="failed" if failed and name == "load" else "succeeded",
            started_at=started + timedelta(seconds=6 * at),
            duration=6.0,
        )
        for at, (name, cell) in enumerate(STEPS)
    ]
    error = None
    if failed:
        error = StepError(
            step="load",
            notebook=NOTEBOOK,
            cell_index=2,
            cell_id="load",
            ename="RuntimeError",
            evalue="the warehouse is not reachable",
            traceback="RuntimeError: the warehouse is not reachable",
        )
        steps[-1].error = error
    return RunRecord(
        run_id=f"{started:%Y%m%dT%H%M%S}-{number:08x}",
        job=job,
        path=str(folder),
        arguments={"day": f"{finished:%Y-%m-%d}"},
        status="failed" if failed else "succeeded",
        created_at=started,
        started_at=started,
        finished_at=finished,
        duration=12.0,
        steps=steps,
        error=error,
    )


def seed(folder: Path, jobs: int, runs: int) -> list[Path]:
    """Write ``jobs`` job folders with ``runs`` finished runs each under ``folder``; their paths."""
    notebook = _notebook()
    folders = []
    for index in range(jobs):
        name = job_name(index)
        job = Path(folder).resolve() / name
        job.mkdir(parents=True, exist_ok=True)
        (job / "job.toml").write_text(
            f'name = "{name}"\nteam = "analytics"\ndescription = "Seeded job {index}"\n',
            encoding="utf-8",
        )
        (job / NOTEBOOK).write_text(notebook, encoding="utf-8")
        for number in range(runs):
            record = _record(name, job, number)
            run = job / RUNS_FOLDER / record.run_id
            run.mkdir(parents=True, exist_ok=True)
            (run / RUN_FILE).write_text(record.model_dump_json(indent=2), encoding="utf-8")
        folders.append(job)
    return folders


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dataops_jupyter.testing.seed",
        description="Write job folders with finished run records, for scale tests.",
    )
    parser.add_argument("folder", type=Path, help="where the job folders go (created)")
    parser.add_argument("--jobs", type=int, default=1000, help="how many jobs (1000)")
    parser.add_argument("--runs", type=int, default=10, help="finished runs per job (10)")
    options = parser.parse_args(argv)
    if options.jobs < 0 or options.runs < 0:
        parser.error("--jobs and --runs must be 0 or more")
    seed(options.folder, options.jobs, options.runs)
    print(json.dumps({"jobs": options.jobs, "runs": options.jobs * options.runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
