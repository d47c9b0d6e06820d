"""``dataops contract``: check tables against their contracts and write a starting contract.

Contracts are found in ``contracts/`` of the job folder (the current folder, or ``--job``),
then of the workspace. A contract's table names take the job's arguments: the defaults of its
parameters cell, overridden with ``--arg``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import EXIT_FAILED, EXIT_OK, Commands, add_command, add_job_arguments

#: One mark per check status.
CHECK_MARK = {"passed": "✓", "warning": "!", "failed": "✗", "error": "✗", "skipped": "-"}


@dataclass
class Place:
    """Where a contract command works: the job (if any), the workspace, the warehouse URL and
    the arguments that fill in table names."""

    job_folder: Path | None
    workspace: Path
    warehouse_url: str
    arguments: dict[str, Any] = field(default_factory=dict)


def _place(options: argparse.Namespace) -> Place:
    from ..jobs import load_job, parse_cli_arguments
    from ..jobs.config import JOB_FILE
    from ..warehouse import resolve_warehouse_url, workspace_root

    folder = Path(options.job).resolve() if options.job else Path.cwd()
    job_folder = folder if (folder / JOB_FILE).is_file() else None
    defaults: dict[str, Any] | None = None
    job_url = None
    if job_folder is not None:
        job = load_job(job_folder)
        defaults, job_url = job.parameters, job.config.warehouse
        workspace = workspace_root(job_folder)
    else:
        workspace = workspace_root(folder / "_") if not options.job else folder
    arguments = parse_cli_arguments(options.arg, options.args_json, defaults)
    url = options.warehouse or resolve_warehouse_url(job_folder or folder / "_", job_url)
    return Place(job_folder, workspace, url, {**(defaults or {}), **arguments})


def _targets(options: argparse.Namespace, place: Place) -> tuple[list[Any], list[Any]]:
    """The contracts named (files), or found, and the check targets the names select."""
    from ..contracts.discover import contract_files
    from ..contracts.engine import iter_targets
    from ..contracts.model import ContractError, load_contract
    from ..errors import InvalidInputError

    files = [Path(t) for t in options.targets if Path(t).is_file()]
    tables = [t for t in options.targets if not Path(t).is_file()]
    found = files or contract_files(place.job_folder, place.workspace)
    if not found:
        where = place.job_folder or place.workspace
        raise InvalidInputError(
            f"no contract to check: give a contract file, or put contracts/*.odcs.yaml in {where}"
        )
    contracts = [load_contract(path) for path in found]
    targets = list(iter_targets(contracts, place.arguments))
    if tables:
        known = {t.table.lower(): t for t in targets}
        known.update({t.spec.object_name.lower(): t for t in targets})
        missing = [name for name in tables if name.lower() not in known]
        if missing:
            listed = ", ".join(sorted({t.table for t in targets})) or "none"
            raise ContractError(
                f"{missing[0]!r} is neither a contract file nor a table with a contract "
                f"(tables with contracts: {listed})"
            )
        chosen = [known[name.lower()] for name in tables]
        targets = [t for t in targets if any(t is c for c in chosen)]
    return contracts, targets


def check(options: argparse.Namespace) -> int:
    """Run every check of the contracts and print one line per check."""
    from ..contracts.engine import check_targets
    from ..contracts.junit import junit_xml
    from ..warehouse import open_warehouse

    place = _place(options)
    contracts, targets = _targets(options, place)
    report = check_targets(open_warehouse(place.warehouse_url), targets, contracts)
    if options.junit:
        Path(options.junit).write_text(junit_xml(report), encoding="utf-8")
    if options.json:
        print(report.model_dump_json(indent=2))
    else:
        _print_report(report, options.verbose)
    return EXIT_OK if report.summary.ok else EXIT_FAILED


def _print_report(report: Any, verbose: bool) -> None:
    table = None
    for result in report.results:
        if result.table != table:
            table = result.table
            print(f"{table}")
        measured = "" if result.measured is None else str(result.measured)
        line = (
            f"  {CHECK_MARK[result.status]} {result.rule:<44} {result.status:<8} "
            f"{measured:>10}  {result.threshold or ''}"
        )
        if result.reason and result.status != "passed":
            line += f"  ({result.reason})"
        print(line.rstrip())
        if result.status in ("failed", "warning") and result.samples:
            shown = result.samples if verbose else result.samples[:1]
            for sample in shown:
                print("      e.g. " + json.dumps(sample, ensure_ascii=False))
        if verbose and result.sql and result.status != "passed":
            print("      sql: " + result.sql)
    print(f"{report.summary.line()} in {report.duration:.2f} s")


def init(options: argparse.Namespace) -> int:
    """Write a starting contract from a table of the warehouse."""
    from ..contracts.discover import CONTRACTS_FOLDER
    from ..contracts.init import initial_contract_yaml
    from ..contracts.model import split_name
    from ..errors import ConflictError
    from ..warehouse import open_warehouse

    place = _place(options)
    text = initial_contract_yaml(open_warehouse(place.warehouse_url), options.table)
    if options.out == "-":
        sys.stdout.write(text)
        return EXIT_OK
    base = place.job_folder or place.workspace
    out = (
        Path(options.out)
        if options.out
        else base / CONTRACTS_FOLDER / f"{split_name(options.table)[-1]}.odcs.yaml"
    )
    if out.exists() and not options.force:
        raise ConflictError(f"{out} exists: give another --out, or --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    print(f"check it with: dataops contract check {out}")
    return EXIT_OK


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--job", metavar="DIR", help="the job folder (default: the current one)")
    parser.add_argument(
        "--warehouse", metavar="URL", help="the warehouse (default: the job's or workspace's)"
    )
    add_job_arguments(parser)


def add_commands(commands: Commands) -> None:
    """``dataops contract check|init``."""
    group = commands.add_parser(
        "contract",
        help="check tables against their data contracts",
        description="Data contracts (ODCS v3): check tables, write a starting contract.",
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    checking = add_command(
        actions,
        "check",
        check,
        help="run the contracts' checks on the warehouse",
        description=(
            "Run every check of the contracts on the warehouse: one line per check (rule, "
            "status, measured value, threshold). Exit 0 when no error-severity check failed."
        ),
    )
    checking.add_argument(
        "targets", nargs="*", metavar="TABLE|FILE", help="contract files or tables (default: all)"
    )
    _common(checking)
    checking.add_argument("--json", action="store_true", help="print the result document")
    checking.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    checking.add_argument(
        "--verbose", "-v", action="store_true", help="every sample row, and the SQL of each"
    )
    starting = add_command(
        actions,
        "init",
        init,
        help="write a starting contract from a table",
        description=(
            "Write a contract for TABLE from what its data shows: types, required, unique, "
            "valid values, ranges and a freshness SLA."
        ),
    )
    starting.add_argument("table", metavar="TABLE", help="the table (schema.table)")
    starting.add_argument(
        "--out",
        metavar="FILE",
        help="where to write it (default: contracts/TABLE.odcs.yaml; - prints)",
    )
    starting.add_argument("--force", action="store_true", help="replace an existing file")
    _common(starting)
