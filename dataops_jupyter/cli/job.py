"""``dataops new`` and ``dataops run``: commands on a job folder, no service needed."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    Commands,
    add_command,
    add_job_arguments,
    failure,
    mark,
    print_step,
)

if TYPE_CHECKING:
    from ..runner import RunRecord, StepResult


def _print_summary(record: RunRecord, previews: bool, verbose: bool) -> None:
    print(
        f"\n{mark(record.status)} {record.job}: {record.status} "
        f"in {record.duration or 0:.2f} s (run {record.run_id})"
    )
    for step in record.steps:
        print_step(step.model_dump(), previews)
    if record.error is not None:
        print("\n" + failure(record.error.model_dump(), verbose))
    if record.message:
        print(record.message)
    print(f"log and output notebook: {record.path}/.dataops/runs/{record.run_id}/")


def new(options: argparse.Namespace) -> int:
    """Create a job folder from the template."""
    from ..jobs import create_job

    job = create_job(Path(options.dir), options.name, options.team, options.description)
    print(f"created {job.folder}")
    steps = ", ".join(s.name for s in job.steps)
    print(f"  job.toml, {job.notebooks[0].notebook} with steps: {steps}")
    print(f"run it with: dataops run {job.folder}")
    return EXIT_OK


def run(options: argparse.Namespace) -> int:
    """Run a job folder locally with papermill, printing its steps as they run."""
    from ..jobs import load_job, parse_cli_arguments
    from ..runner import JobRun

    job = load_job(Path(options.job_dir))
    arguments = parse_cli_arguments(options.arg, options.args_json, job.parameters)
    quiet = options.json

    def listener(event: str, record: RunRecord, step: StepResult | None) -> None:
        if quiet:
            return
        if event == "run_started":
            print(f"▶ {record.job}: run {record.run_id} ({len(record.steps)} steps)", flush=True)
        elif event == "step_started" and step is not None:
            print(f"  ▶ {step.name}", flush=True)

    def echo(text: str) -> None:
        if not quiet and not text.startswith("[dataops]"):
            sys.stdout.write("    " + text.replace("\n", "\n    ").rstrip(" "))
            sys.stdout.flush()

    job_run = JobRun(
        job,
        arguments,
        run_id=options.run_id,
        listener=listener,
        timeout=options.timeout,
        echo=echo,
        record_folder=Path(options.record_dir) if options.record_dir else None,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        job_run.cancel()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    record = job_run.run()
    if quiet:
        print(record.wire().model_dump_json(indent=2))
    else:
        _print_summary(record, previews=not options.quiet, verbose=options.verbose)
    return EXIT_OK if record.status == "succeeded" else EXIT_FAILED


def add_commands(commands: Commands) -> None:
    """Add ``new`` and ``run`` to the ``dataops`` sub-command parser."""
    created = add_command(
        commands,
        "new",
        new,
        help="create a job folder from the template",
        description="Create NAME/ with job.toml and a notebook with a parameters cell, a setup "
        "step and an example step.",
    )
    created.add_argument("name", help="job name: lowercase letters, digits and dashes")
    created.add_argument(
        "--team", default="default", help="team that owns the job (default: default)"
    )
    created.add_argument("--description", default="", help="one line saying what the job does")
    created.add_argument("--dir", default=".", help="folder to create the job in (default: .)")

    running = add_command(
        commands,
        "run",
        run,
        help="run a job locally, exactly as production runs it",
        description="Run the job's step cells in a fresh kernel with papermill. Prints each step "
        "as it runs and a summary with the table each step displayed last (--quiet: without). "
        "A step ending the notebook with sys.exit(0) ends the run as succeeded. Exit code 0: "
        "succeeded, 1: the job failed, was cancelled or timed out, 2: usage error. The run "
        "record is kept in JOB_DIR/.dataops/runs/<run id>/.",
    )
    running.add_argument("job_dir", metavar="JOB_DIR", help="the job folder (holds job.toml)")
    add_job_arguments(running)
    running.add_argument("--timeout", type=float, help="seconds before the run is stopped")
    running.add_argument("--json", action="store_true", help="print only the run record as JSON")
    running.add_argument(
        "--quiet", "-q", action="store_true", help="do not show the result table of each step"
    )
    running.add_argument(
        "--verbose", "-v", action="store_true", help="show a failed step's whole traceback"
    )
    running.add_argument("--run-id", help=argparse.SUPPRESS)
    running.add_argument("--record-dir", help=argparse.SUPPRESS)
