"""What every ``dataops`` command module shares: exit codes, status marks, option helpers and
the way a command registers itself. Command modules import this module only, never each other."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

#: One mark per run, step or execution status, in front of its name.
MARK = {
    "succeeded": "✓",
    "failed": "✗",
    "user_error": "✗",
    "platform_error": "✗",
    "cancelled": "■",
    "skipped": "-",
    "timed_out": "⏱",
    "running": "▶",
    "submitted": "…",
    "pending": " ",
}

#: A command: its parsed options in, its exit code out.
Handler = Callable[[argparse.Namespace], int]
#: The ``add_subparsers()`` object the command modules add their commands to.
Commands = Any


def mark(status: str) -> str:
    """The mark shown in front of ``status``."""
    return MARK.get(status, "?")


def add_command(
    commands: Commands,
    name: str,
    handler: Handler,
    *,
    help: str,
    description: str,
    parents: list[argparse.ArgumentParser] | None = None,
) -> argparse.ArgumentParser:
    """Add command ``name``, run by ``handler``; the parser, to add its arguments to."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=help, description=description, parents=parents or []
    )
    parser.set_defaults(handler=handler)
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


def table(header: list[str], rows: list[list[str]], indent: str = "") -> None:
    """Print ``rows`` under ``header`` in columns as wide as their widest cell."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    for row in [header, *rows]:
        line = "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        print(indent + line)


def print_step(step: Mapping[str, Any], preview: bool = True) -> None:
    """One step's line (mark, name, status, duration, why it was skipped), and under it the
    first rows of the last table it showed when ``preview``."""
    took = step.get("duration")
    duration = f"{took:.2f} s" if took is not None else ""
    status = str(step.get("status"))
    line = f"  {mark(status)} {step.get('name', ''):<24} {status:<10} {duration:>8}"
    if step.get("reason"):
        line += f"  ({step['reason']})"
    print(line.rstrip(), flush=True)
    if preview and step.get("preview"):
        print("      " + str(step["preview"]).replace("\n", "\n      "))


def failure(error: Mapping[str, Any], verbose: bool = False) -> str:
    """``Failed in step X (main.ipynb, cell 5, id …): UsageError: first line``; cells are
    counted from 1 as JupyterLab shows them. ``verbose`` adds the whole traceback."""
    where = []
    if error.get("notebook"):
        where.append(str(error["notebook"]))
        if isinstance(error.get("cell_index"), int):
            where.append(f"cell {error['cell_index'] + 1}")
        if error.get("cell_id"):
            where.append(f"id {error['cell_id']}")
    located = f" ({', '.join(where)})" if where else ""
    ename, evalue = str(error.get("ename") or "Error"), str(error.get("evalue") or "").strip()
    lines = evalue.splitlines()
    headline = f"{ename}: {lines[0]}" if lines else ename
    text = f"Failed in step {error.get('step')}{located}: {headline}"
    detail = str(error.get("traceback") or "").strip() or evalue
    if verbose and detail and detail != headline:
        text += "\n" + detail
    elif len(detail.splitlines()) > 1:
        text += "\n  (--verbose shows the whole message and traceback)"
    return text
