"""Overhead of running a job with dataops against plain papermill, side by side.

A trivial three-step job is run (1) with the ``dataops run`` CLI and the ``papermill`` CLI on
an equivalent notebook, and (2) in one warm process with the runner and with
``papermill.execute_notebook``. Runs alternate between the two sides; medians and their ratio
are printed. Usage: ``python bench/run_overhead.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

CELLS = [
    (["parameters"], "n = 3"),
    (["step:extract"], "rows = list(range(n))"),
    (["step:transform"], "rows = [r * 2 for r in rows]"),
    (["step:load"], "print(sum(rows))"),
]


def make_job(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "job.toml").write_text('name = "bench"\n')
    nb = new_notebook(
        cells=[new_code_cell(src, metadata={"tags": tags}) for tags, src in CELLS],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, str(folder / "bench.ipynb"))
    return folder / "bench.ipynb"


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def compare(
    label: str, ours: Callable[[], object], baseline: Callable[[], object], runs: int
) -> tuple[float, float, float]:
    ours(), baseline()  # warm file caches and imports once
    ours_times, base_times = [], []
    for _ in range(runs):
        ours_times.append(timed(ours))
        base_times.append(timed(baseline))
    ours_median, base_median = statistics.median(ours_times), statistics.median(base_times)
    ratio = ours_median / base_median
    print(f"{label:<44} {ours_median:8.3f} s {base_median:8.3f} s {ratio:8.2f}x", flush=True)
    return ours_median, base_median, ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()

    import papermill

    from dataops_jupyter.jobs import load_job
    from dataops_jupyter.runner import run_job

    workdir = Path(tempfile.mkdtemp(prefix="dataops-bench-"))
    try:
        notebook = make_job(workdir / "bench")
        output = workdir / "papermill-out.ipynb"
        bindir = Path(sys.executable).parent
        dataops_cli = [str(bindir / "dataops"), "run", str(workdir / "bench")]
        papermill_cli = [str(bindir / "papermill"), "-p", "n", "3", str(notebook), str(output)]

        def cli(command: list[str]) -> Callable[[], object]:
            return lambda: subprocess.run(command, check=True, capture_output=True)

        print(f"{options.runs} runs each, medians; ratio = dataops / papermill\n")
        print(f"{'':<44} {'dataops':>10} {'papermill':>10} {'ratio':>9}")
        compare("CLI: dataops run vs papermill", cli(dataops_cli), cli(papermill_cli), options.runs)
        job = load_job(workdir / "bench")
        compare(
            "in process: run_job vs execute_notebook",
            lambda: run_job(job, {"n": 3}),
            lambda: papermill.execute_notebook(
                str(notebook), str(output), parameters={"n": 3}, progress_bar=False
            ),
            options.runs,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
