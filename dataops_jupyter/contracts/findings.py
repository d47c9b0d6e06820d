"""What lint reports: one finding per problem, at the line and column of the key it is about."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .documents import ContractDocument, Location

FindingSeverity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem of a contract file; ``str()`` gives ``file:line:column: message``."""

    path: Path
    line: int
    column: int
    severity: FindingSeverity
    message: str

    def __str__(self) -> str:
        label = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}:{self.column}: {label}{self.message}"


def finding(
    document: ContractDocument,
    location: Location,
    message: str,
    severity: FindingSeverity = "error",
) -> Finding:
    """A finding at the place ``location`` is written in ``document``."""
    at = document.position(location)
    return Finding(document.path, at.line, at.column, severity, message)


def key_name(location: Location) -> str:
    """The last key of ``location`` (``schema[0].properties[2].logicalType`` → ``logicalType``),
    or the dotted place of an item."""
    for part in reversed(location):
        if isinstance(part, str):
            return part
    return "the document"
