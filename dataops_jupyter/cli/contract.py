"""``dataops contract …``: commands on a job's data contracts (ODCS v3 files), no service needed.

``contract`` is a group: each action registers itself on its sub-command parser in
:func:`add_commands`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidInputError
from .common import EXIT_FAILED, EXIT_OK, Commands, add_command

if TYPE_CHECKING:
    from ..contracts.findings import Finding


def _shown(path: Path) -> Path:
    """``path`` relative to the current folder when it is below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _discovered(job: str | None) -> list[Path]:
    """The contracts of ``--job DIR`` (or of the current folder when it is a job), else of
    the workspace."""
    from ..contracts.discover import contract_files
    from ..jobs.config import JOB_FILE
    from ..warehouse.resolve import WORKSPACE_FILE, workspace_root

    here = Path(job) if job else Path.cwd()
    if job and not (here / JOB_FILE).is_file():
        raise InvalidInputError(f"--job {job}: no {JOB_FILE} there; give the job folder")
    job_folder = here if (here / JOB_FILE).is_file() else None
    if job_folder is not None:
        workspace: Path | None = workspace_root(job_folder)
    else:
        marked = [f for f in (here.resolve(), *here.resolve().parents)
                  if (f / WORKSPACE_FILE).is_file()]  # fmt: skip
        workspace = marked[0] if marked else here
    found = contract_files(job_folder, workspace)
    if not found:
        where = f"{job_folder or here}/contracts/" + (
            f" or {workspace}/contracts/" if workspace and workspace != (job_folder or here) else ""
        )
        raise InvalidInputError(
            f"nothing to lint: no *.odcs.yaml in {where}; give the files, or write a contract "
            "as contracts/<table>.odcs.yaml"
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
        paths = _discovered(options.job)
    findings: list[Finding] = []
    for path in paths:
        found = lint_file(path, _shown(path))
        for item in found:
            print(item)
        findings.extend(found)
    print(_summary(len(paths), findings))
    return EXIT_FAILED if any(f.severity == "error" for f in findings) else EXIT_OK


def add_commands(commands: Commands) -> None:
    """Add the ``contract`` group and its actions to the ``dataops`` sub-command parser."""
    group = commands.add_parser(
        "contract",
        help="lint a job's data contracts (ODCS v3)",
        description="Commands on data contracts: ODCS v3 files in a job folder's (else the "
        "workspace's) contracts/*.odcs.yaml.",
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
