"""Contracts in the kernel: the job's contracts, a guard for a table a step writes, and the
compact result shown under a cell (the same results a run records)."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dataops_jupyter.contracts.enforce import ContractGuard
    from dataops_jupyter.contracts.engine import CheckTarget
    from dataops_jupyter.contracts.model import Contract
    from dataops_jupyter.contracts.results import CheckResult
    from dataops_jupyter.jobs.config import ContractsPolicy
    from dataops_jupyter.warehouse import Warehouse

    from .context import JobContext

_MARK = {"passed": "✓", "warning": "!", "failed": "✗", "error": "✗", "skipped": "-"}
#: Broken rules listed under a cell before "and N more".
SHOWN_RULES = 8


class JobContracts:
    """The contract files of a job folder and its workspace, and the job's ``[contracts]``
    policy: read again when a contract file or job.toml changes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._key: tuple[tuple[str, float], ...] | None = None
        self._contracts: list[Contract] = []
        self._policy: ContractsPolicy | None = None

    def contracts(self) -> list[Contract]:
        """The contracts, loaded (a broken file is the user's error, named with its place)."""
        self._refresh()
        return self._contracts

    def policy(self) -> ContractsPolicy:
        """The job's ``[contracts]`` policy (the default when job.toml has none)."""
        self._refresh()
        assert self._policy is not None
        return self._policy

    def _refresh(self) -> None:
        from dataops_jupyter.contracts.discover import contract_files
        from dataops_jupyter.contracts.model import load_contract
        from dataops_jupyter.jobs.config import JOB_FILE, ContractsPolicy, load_job_config
        from dataops_jupyter.warehouse import workspace_root

        config = self.folder / JOB_FILE
        files = contract_files(self.folder, workspace_root(self.folder))
        watched = [*files, config] if config.is_file() else files
        key = tuple((str(p), p.stat().st_mtime) for p in watched)
        if key == self._key:
            return
        self._contracts = [load_contract(path) for path in files]
        # job.toml is read only for a job with contracts: without one, nothing needs it.
        with_policy = bool(files) and config.is_file()
        self._policy = load_job_config(config).contracts if with_policy else ContractsPolicy()
        self._key = key

    def guard(self, job: JobContext, warehouse: Warehouse, table: str) -> ContractGuard | None:
        """A guard for ``table`` when a contract describes it, else ``None``."""
        contracts = self.contracts()
        if not contracts:
            return None
        from dataops_jupyter.contracts.enforce import ContractGuard, find_target

        target = find_target(contracts, table, job.identifiers())
        if target is None:
            return None
        return ContractGuard(warehouse, target, self.policy())


def show(results: Sequence[CheckResult], title: str, printed: bool) -> None:
    """Display the results under the cell; also as plain lines on stdout when ``printed``
    (a run's log shows only what is printed)."""
    from IPython.display import display

    text = plain(results, title)
    if printed:
        print(text, flush=True)
        return
    display({"text/plain": text, "text/html": rich(results, title)}, raw=True)


def headline(results: Sequence[CheckResult], title: str) -> str:
    """``✗ contract products on shop.all_products: 2 of 9 checks failed``."""
    broken = [r for r in results if r.status in ("failed", "error")]
    warned = [r for r in results if r.status == "warning"]
    if broken:
        state = f"✗ {title}: {len(broken)} of {len(results)} checks failed"
    else:
        state = f"✓ {title}: {len(results)} checks passed"
    if warned:
        state += f", {len(warned)} warning{'s' if len(warned) != 1 else ''}"
    return state


def _line(result: CheckResult) -> str:
    measured = "" if result.measured is None else f": {result.measured}"
    expected = f" (expected {result.threshold})" if result.threshold else ""
    reason = f" — {result.reason}" if result.reason else ""
    return (
        f"{_MARK[result.status]} {result.rule} — {result.description}{measured}{expected}{reason}"
    )


def plain(results: Sequence[CheckResult], title: str) -> str:
    """The results as text: the headline, then each broken rule with one sample row."""
    lines = [headline(results, title)]
    broken = [r for r in results if r.status in ("failed", "error", "warning")]
    for result in broken[:SHOWN_RULES]:
        lines.append("  " + _line(result))
        if result.samples:
            lines.append("      e.g. " + json.dumps(result.samples[0], ensure_ascii=False))
    if len(broken) > SHOWN_RULES:
        lines.append(f"  … and {len(broken) - SHOWN_RULES} more")
    return "\n".join(lines)


def rich(results: Sequence[CheckResult], title: str) -> str:
    """The results as HTML: the headline, each broken rule, its sample rows on demand."""
    broken = [r for r in results if r.status in ("failed", "error", "warning")]
    items = []
    for result in broken:
        samples = ""
        if result.samples:
            columns = list(result.samples[0])
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
            body = "".join(
                "<tr>"
                + "".join(f"<td>{html.escape(str(row.get(c)))}</td>" for c in columns)
                + "</tr>"
                for row in result.samples
            )
            samples = (
                f"<details><summary>{len(result.samples)} sample row"
                f"{'s' if len(result.samples) != 1 else ''}</summary>"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
            )
        items.append(f"<li>{html.escape(_line(result))}{samples}</li>")
    listed = f"<ul>{''.join(items)}</ul>" if items else ""
    return (
        f'<div class="dataops-contract-result"><strong>'
        f"{html.escape(headline(results, title))}</strong>{listed}</div>"
    )


def title_of(target: CheckTarget) -> str:
    """``contract products on shop.all_products``."""
    return f"contract {target.contract.label} on {target.table}"
