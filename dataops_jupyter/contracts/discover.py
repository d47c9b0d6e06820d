"""Where contracts live: ``contracts/*.odcs.yaml`` of a job folder, then of the workspace."""

from __future__ import annotations

from pathlib import Path

CONTRACTS_FOLDER = "contracts"
PATTERNS = ("*.odcs.yaml", "*.odcs.yml")


def contract_files(job_folder: Path | None, workspace: Path | None) -> list[Path]:
    """The contract files of ``job_folder`` and of ``workspace``, each folder's sorted by name;
    a file found through both is listed once."""
    found: list[Path] = []
    for folder in (job_folder, workspace):
        if folder is None:
            continue
        base = Path(folder) / CONTRACTS_FOLDER
        if not base.is_dir():
            continue
        for path in sorted(p for pattern in PATTERNS for p in base.glob(pattern)):
            if path.is_file() and path.resolve() not in {f.resolve() for f in found}:
                found.append(path)
    return found
