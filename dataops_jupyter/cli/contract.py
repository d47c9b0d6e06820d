"""``dataops contract``: lint contract files, check tables against their contracts, and write
a starting contract. No service is needed.

Contracts are found in ``contracts/`` of the job folder (the current folder, or ``--job``) and
of the workspace. A contract's table names take the job's arguments: the defaults of its
parameters cell, overridden with ``--arg``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError
from .common import EXIT_FAILED, EXIT_OK, Commands, add_command, add_job_arguments

if TYPE_CHECKING:
    from ..contracts.findings import Finding

#: One mark per check status.
CHECK_MARK = {"passed": "✓", "warning": "!", "failed": "✗", "error": "✗", "skipped": "-"}


def _folders(job: str | None) -> tuple[Path | None, Path]:
    """The job folder (``--job DIR``, else the current folder when it is a job) and the
    workspace."""
    from ..jobs.config import JOB_FILE
    from ..warehouse.resolve import WORKSPACE_FILE, workspace_root

    here = Path(job).resolve() if job else Path.cwd()
    if job and not (here / JOB_FILE).is_file():
        raise InvalidInputError(f"--job {job}: no {JOB_FILE} there; give the job folder")
    if (here / JOB_FILE).is_file():
        return here, workspace_root(here)
    marked = [f for f in (here, *here.parents) if (f / WORKSPACE_FILE).is_file()]
    return None, marked[0] if marked else here


def _shown(path: Path) -> Path:
    """``path`` relative to the current folder when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _discovered(job_folder: Path | None, workspace: Path, action: str) -> list[Path]:
    """The contracts of the job folder and of the workspace; none is a usage error."""
    from ..contracts.discover import contract_files

    found = contract_files(job_folder, workspace)
    if not found:
        where = f"{job_folder or workspace}/contracts/" + (
            f" or {workspace}/contracts/" if job_folder and workspace != job_folder else ""
        )
        raise InvalidInputError(
            f"nothing to {action}: no *.odcs.yaml in {where}; give the files, or write a "
            "contract as contracts/<table>.odcs.yaml (dataops contract init TABLE writes one)"
        )
    return found


def _summary(files: int, findings: list[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors

    def count(n: int, noun: str) -> str:
        return f"{n} {noun}" + ("" if n == 1 else "s")

    problems = ", ".join(
        [count(errors, "error")] + ([count(warnings, "warning")] if warnings else [])
    )
    return f"{count(files, 'file')}: " + (problems if findings else "no problems")


def lint(options: argparse.Namespace) -> int:
    """Lint contract files; print one line per finding and a summary line."""
    from ..contracts.lint import lint_file

    if options.files:
        paths = [Path(f) for f in options.files]
        for path in paths:
            if path.is_dir():
                raise InvalidInputError(
                    f"{path}: a folder; give contract files, or --job DIR for a job's contracts"
                )
            if not path.is_file():
                raise InvalidInputError(f"{path}: no such file")
    else:
        paths = _discovered(*_folders(options.job), "lint")
    findings: list[Finding] = []
    for path in paths:
        found = lint_file(path, _shown(path))
        for item in found:
            print(item)
        findings.extend(found)
    print(_summary(len(paths), findings))
    return EXIT_FAILED if any(f.severity == "error" for f in findings) else EXIT_OK


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
    from ..warehouse import resolve_warehouse_url

    job_folder, workspace = _folders(options.job)
    defaults: dict[str, Any] | None = None
    job_url = None
    if job_folder is not None:
        job = load_job(job_folder)
        defaults, job_url = job.parameters, job.config.warehouse
    arguments = parse_cli_arguments(options.arg, options.args_json, defaults)
    # Without a job, the warehouse is the workspace's (its dataops.toml, else the default).
    url = options.warehouse or resolve_warehouse_url(job_folder or workspace / "_", job_url)
    return Place(job_folder, workspace, url, {**(defaults or {}), **arguments})


def _targets(options: argparse.Namespace, place: Place) -> tuple[list[Any], list[Any]]:
    """The contracts named (files), or found, and the check targets the names select."""
    from ..contracts.engine import iter_targets
    from ..contracts.model import ContractError, load_contract

    files = [Path(t) for t in options.targets if Path(t).is_file()]
    tables = [t for t in options.targets if not Path(t).is_file()]
    found = files or _discovered(place.job_folder, place.workspace, "check")
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
    """``dataops contract lint|check|init``."""
    group = commands.add_parser(
        "contract",
        help="data contracts (ODCS v3): lint, check, init",
        description="Commands on data contracts: ODCS v3 files in contracts/*.odcs.yaml of a "
        "job folder and of the workspace.",
    )
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    linted = add_command(
        actions,
        "lint",
        lint,
        help="check contract files against ODCS v3 and for what the checks need",
        description="Validate each FILE against the official ODCS JSON Schema of its apiVersion "
        "(v3.0.x, v3.1.0, v3.2.0), then check what a schema cannot: SLA elements and rule "
        "arguments that name tables and columns of the contract, operators, metrics, severities, "
        "logicalTypeOptions, validValues and SQL that parses. Prints file:line:column: message "
        "for each problem and a summary. Without FILE: the contracts of the job folder here (or "
        "--job DIR), else of the workspace. Exit code 0: no errors (warnings allowed), 1: "
        "errors found, 2: usage error.",
    )
    linted.add_argument("files", nargs="*", metavar="FILE", help="contract files to lint")
    linted.add_argument("--job", metavar="DIR", help="lint the contracts of this job folder")
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
