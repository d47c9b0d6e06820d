"""Contract files as text, data and positions: where each key and item sits in the YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidInputError

#: A place in a document: keys of mappings and indexes of sequences from the root.
Location = tuple[str | int, ...]
#: Contract files are small; a larger file is refused before it is parsed.
MAX_CONTRACT_BYTES = 4 << 20


class ContractFileError(InvalidInputError):
    """A contract file that cannot be read as YAML (the message gives ``file:line:column``)."""

    kind = "invalid-contract"


@dataclass(frozen=True)
class Position:
    """A 1-based line and column."""

    line: int
    column: int


@dataclass
class ContractDocument:
    """One parsed file: its data and the position of every key and sequence item."""

    path: Path
    text: str
    data: Any
    positions: dict[Location, Position] = field(default_factory=dict)

    def position(self, location: Location) -> Position:
        """Where ``location`` is written, or where its nearest written parent is."""
        while location not in self.positions and location:
            location = location[:-1]
        return self.positions.get(location, Position(1, 1))

    def where(self, location: Location) -> str:
        """``file:line:column`` of ``location``."""
        at = self.position(location)
        return f"{self.path}:{at.line}:{at.column}"


def read_document(path: Path, text: str | None = None) -> ContractDocument:
    """Read ``path`` (or ``text`` for it) as YAML, keeping positions."""
    if text is None:
        try:
            if path.stat().st_size > MAX_CONTRACT_BYTES:
                raise ContractFileError(
                    f"{path}: the file is larger than {MAX_CONTRACT_BYTES >> 20} MiB; a contract "
                    "describes tables, it does not hold their data"
                )
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ContractFileError(f"{path}: no such file") from None
        except UnicodeDecodeError as exc:
            raise ContractFileError(
                f"{path}: not UTF-8 text (byte {exc.start}); save the contract as UTF-8"
            ) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "not valid YAML"
        raise ContractFileError(f"{at}: {problem}; the file must be YAML") from None
    except yaml.YAMLError as exc:
        raise ContractFileError(f"{path}: not valid YAML ({exc})") from None
    document = ContractDocument(path=path, text=text, data=data)
    if root is not None:
        _walk(root, (), document.positions)
    return document


def _walk(node: yaml.Node, location: Location, positions: dict[Location, Position]) -> None:
    positions.setdefault(location, Position(node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key.start_mark)
            child = (*location, name)
            # A key's own position: messages about a key point at the key, not its value.
            positions[child] = Position(key.start_mark.line + 1, key.start_mark.column + 1)
            _walk(value, child, positions)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*location, index), positions)
