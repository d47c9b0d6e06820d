"""``dataops``: the command line, mirroring what the JupyterLab extension does."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from .errors import DataOpsError, InvalidInputError

# jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed, which builds a
# grammar at import: about 1.8 s of every `dataops run`. Notebook validation checks no IRI
# formats, so the command's own processes do without it (jsonschema treats it as optional).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

if TYPE_CHECKING:
    from .runner import RunRecord, StepResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_MARK = {
    "succeeded": "✓",
    "failed": "✗",
    "cancelled": "■",
    "skipped": "-",
    "timed_out": "⏱",
    "running": "▶",
    "pending": " ",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dataops",
        description="Data jobs written in notebooks: create, run, deploy and monitor them.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    new = commands.add_parser(
        "new",
        help="create a job folder from the template",
        description="Create NAME/ with job.toml and a notebook with a parameters cell, a setup "
        "step and an example step.",
    )
    new.add_argument("name", help="job name: lowercase letters, digits and dashes")
    new.add_argument("--team", default="default", help="team that owns the job (default: default)")
    new.add_argument("--description", default="", help="one line saying what the job does")
    new.add_argument("--dir", default=".", help="folder to create the job in (default: .)")

    run = commands.add_parser(
        "run",
        help="run a job locally, exactly as production runs it",
        description="Run the job's step cells in a fresh kernel with papermill. Prints each step "
        "as it runs and a summary. Exit code 0: succeeded, 1: the job failed, was cancelled or "
        "timed out, 2: usage error. The run record is kept in JOB_DIR/.dataops/runs/<run id>/.",
    )
    run.add_argument("job_dir", metavar="JOB_DIR", help="the job folder (holds job.toml)")
    add_job_arguments(run)
    run.add_argument("--timeout", type=float, help="seconds before the run is stopped")
    run.add_argument("--json", action="store_true", help="print only the run record as JSON")
    run.add_argument("--run-id", help=argparse.SUPPRESS)
    run.add_argument("--record-dir", help=argparse.SUPPRESS)

    service = commands.add_parser(
        "control-service",
        help="run the control service (REST API, scheduler, executor), or create tokens",
        description="Serve the control service: deploys, cron schedules, executions, logs, "
        "properties and secrets, for every team. Secrets need DATAOPS_SECRET_KEY (a Fernet key).",
    )
    from .control_service.server import add_arguments

    add_arguments(service)
    from .cli_control import add_commands

    add_commands(commands)
    return parser


def add_key_values(parser: argparse.ArgumentParser, flag: str, what: str) -> None:
    """A repeatable ``FLAG KEY=VALUE`` option whose values are read as JSON, else as text."""
    parser.add_argument(
        flag,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"{what}; VALUE is read as JSON, else kept as text (repeatable)",
    )


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    """``--arg KEY=VALUE`` and ``--args-json JSON``: the arguments of a run or an execution."""
    add_key_values(parser, "--arg", "job argument")
    parser.add_argument("--args-json", metavar="JSON", help="job arguments as one JSON object")


def _print_step(step: StepResult) -> None:
    duration = f"{step.duration:.2f} s" if step.duration is not None else ""
    print(
        f"  {_MARK.get(step.status, '?')} {step.name:<24} {step.status:<10} {duration}", flush=True
    )


def _print_summary(record: RunRecord) -> None:
    print(
        f"\n{_MARK.get(record.status, '?')} {record.job}: {record.status} "
        f"in {record.duration or 0:.2f} s (run {record.run_id})"
    )
    for step in record.steps:
        _print_step(step)
    if record.error is not None:
        err = record.error
        where = f"{err.notebook} cell {err.cell_index} (id {err.cell_id})" if err.notebook else ""
        print(
            f"\nstep {err.step!r} failed {where}:\n{err.traceback or err.ename + ': ' + err.evalue}"
        )
    if record.message:
        print(record.message)
    print(f"log and output notebook: {record.path}/.dataops/runs/{record.run_id}/")


def _command_new(options: argparse.Namespace) -> int:
    from .jobs import create_job

    job = create_job(Path(options.dir), options.name, options.team, options.description)
    print(f"created {job.folder}")
    steps = ", ".join(s.name for s in job.steps)
    print(f"  job.toml, {job.notebooks[0].notebook} with steps: {steps}")
    print(f"run it with: dataops run {job.folder}")
    return EXIT_OK


def _command_run(options: argparse.Namespace) -> int:
    from .jobs import load_job, parse_cli_arguments
    from .runner import JobRun

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

    run = JobRun(
        job,
        arguments,
        run_id=options.run_id,
        listener=listener,
        timeout=options.timeout,
        echo=echo,
        record_folder=Path(options.record_dir) if options.record_dir else None,
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        run.cancel()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    record = run.run()
    if quiet:
        print(json.dumps(record.wire(), indent=2))
    else:
        _print_summary(record)
    return EXIT_OK if record.status == "succeeded" else EXIT_FAILED


def _command_control_service(options: argparse.Namespace) -> int:
    from .control_service.server import main as serve

    return serve(options)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dataops`` command."""
    parser = build_parser()
    options = parser.parse_args(argv)
    handlers: dict[str, Any] = {
        "new": _command_new,
        "run": _command_run,
        "control-service": _command_control_service,
    }
    from .cli_control import HANDLERS

    handlers.update(HANDLERS)
    try:
        result: int = handlers[options.command](options)
        return result
    except InvalidInputError as exc:
        print(f"dataops {options.command}: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except DataOpsError as exc:
        print(f"dataops {options.command}: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE if exc.status < 500 else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
