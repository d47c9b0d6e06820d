"""What a step did, told to the runner: the tables it wrote and read, the rows it loaded and
the checks it ran.

In a run the runner names its run folder in ``DATAOPS_RUN_DIR``; each ``%%sql``, ``%%ingest``,
``job.sql`` and ``job.ingest`` appends one JSON line to ``steps.jsonl`` there (readable by its
owner alone), and the runner puts them on the step's record when the step ends. Interactively
nothing is written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: The variable that names the run folder, and the file in it.
RUN_DIR_ENV = "DATAOPS_RUN_DIR"
STEPS_FILE = "steps.jsonl"


def in_run() -> bool:
    """Whether this kernel runs a job's run (no one watches its widgets)."""
    return bool(os.environ.get("DATAOPS_RUN_ID"))


def reporting() -> bool:
    """Whether a runner reads what the steps did."""
    return bool(os.environ.get(RUN_DIR_ENV))


def report_step(
    step: str | None,
    *,
    writes: Sequence[str] = (),
    reads: Sequence[str] = (),
    checks: Sequence[dict[str, Any]] = (),
    unparsed: int = 0,
    rows_ingested: int = 0,
    rows_rejected: int = 0,
) -> None:
    """Tell the runner what ``step`` did (nothing outside a run or outside a step)."""
    folder = os.environ.get(RUN_DIR_ENV)
    if not folder or step is None:
        return
    line = {
        "step": step,
        "writes": list(writes),
        "reads": list(reads),
        "checks": list(checks),
        "unparsed": unparsed,
        "rows_ingested": rows_ingested,
        "rows_rejected": rows_rejected,
    }
    fd = os.open(Path(folder) / STEPS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with open(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, default=str) + "\n")
