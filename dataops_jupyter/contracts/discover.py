"""Where contracts live: ``contracts/*.odcs.yaml`` (or ``.odcs.yml``) of a job folder, and of
its workspace."""

from __future__ import annotations

from pathlib import Path

CONTRACTS_FOLDER = "contracts"
CONTRACT_PATTERNS = ("*.odcs.yaml", "*.odcs.yml")


def contracts_in(folder: Path) -> list[Path]:
    """The contract files directly in ``folder/contracts/``, sorted by name."""
    found = {p for pattern in CONTRACT_PATTERNS for p in (folder / CONTRACTS_FOLDER).glob(pattern)}
    return sorted(p for p in found if p.is_file())


def contract_files(job_folder: Path | None, workspace: Path | None) -> list[Path]:
    """The contracts of ``job_folder``, then those of ``workspace`` (a table's contract may
    live with the job that writes it or with the workspace); a file reached both ways is
    listed once."""
    found: list[Path] = []
    seen: set[Path] = set()
    for folder in (job_folder, workspace):
        for path in contracts_in(folder) if folder is not None else []:
            if path.resolve() not in seen:
                seen.add(path.resolve())
                found.append(path)
    return found
