"""Where a job's contracts are: ``contracts/*.odcs.yaml`` (or ``.odcs.yml``) of the job folder,
else of the workspace."""

from __future__ import annotations

from pathlib import Path

CONTRACTS_FOLDER = "contracts"
CONTRACT_PATTERNS = ("*.odcs.yaml", "*.odcs.yml")


def contracts_in(folder: Path) -> list[Path]:
    """The contract files directly in ``folder/contracts/``, sorted by name."""
    found = {p for pattern in CONTRACT_PATTERNS for p in (folder / CONTRACTS_FOLDER).glob(pattern)}
    return sorted(p for p in found if p.is_file())


def contract_files(job_folder: Path | None, workspace: Path | None) -> list[Path]:
    """The job folder's contracts when it has any, else the workspace's (``[]`` when neither
    has a ``contracts/`` with contract files)."""
    for folder in (job_folder, workspace):
        if folder is not None and (found := contracts_in(folder)):
            return found
    return []
