"""A contract as the engine reads it: the ODCS model, and per schema object the warehouse table
it describes, its columns and its rules.

A schema object names its table by ``physicalName``, else by ``name``; the name may be
qualified (``shop.all_products``) and may take job arguments (``{schema}.all_products``, also
written ``${schema}``), filled in when the contract is checked. A property names its column the
same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from open_data_contract_standard.model import (
    DataQuality,
    OpenDataContractStandard,
    SchemaObject,
    SchemaProperty,
)
from pydantic import ValidationError

from ..errors import InvalidInputError
from .documents import ContractDocument, read_document

_ARGUMENT = re.compile(r"\$?\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


class ContractError(InvalidInputError):
    """A contract that cannot be used as it is (the message says where and what to fix)."""

    kind = "invalid-contract"


@dataclass
class ColumnSpec:
    """One property of a schema object: the column it names and what the contract says of it."""

    name: str
    column: str
    logical_type: str | None = None
    physical_type: str | None = None
    required: bool = False
    unique: bool = False
    primary_key: bool = False
    primary_key_position: int | None = None
    options: dict[str, Any] = field(default_factory=dict)
    quality: list[DataQuality] = field(default_factory=list)
    #: Where the property is in the file, to name it in messages.
    location: tuple[str | int, ...] = ()


@dataclass
class TableSpec:
    """One schema object: the table it describes, its columns and its table-level rules."""

    object_name: str
    #: The table's name as written, arguments not yet filled in (``{schema}.all_products``).
    table_template: str
    columns: list[ColumnSpec] = field(default_factory=list)
    quality: list[DataQuality] = field(default_factory=list)
    location: tuple[str | int, ...] = ()

    @property
    def arguments(self) -> list[str]:
        """The job arguments the table's name takes."""
        return _ARGUMENT.findall(self.table_template)

    def table(self, arguments: Mapping[str, Any] | None = None) -> str:
        """The table's name with ``arguments`` filled in; each part a plain SQL name."""
        arguments = arguments or {}

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in arguments:
                raise ContractError(
                    f"table {self.table_template!r} of schema object {self.object_name!r} takes "
                    f"the job argument {name!r}: give it (--arg {name}=VALUE), or check the "
                    "contract from its job's folder, whose parameters hold its default"
                )
            return str(arguments[name])

        return _ARGUMENT.sub(fill, self.table_template)

    def primary_key(self) -> list[ColumnSpec]:
        """The key columns in ``primaryKeyPosition`` order (written order when none is given)."""
        keys = [c for c in self.columns if c.primary_key]
        return sorted(
            keys,
            key=lambda c: (c.primary_key_position is None, c.primary_key_position or 0),
        )


@dataclass
class Contract:
    """One contract file: its ODCS model and the tables it describes."""

    path: Path
    odcs: OpenDataContractStandard
    tables: list[TableSpec]
    document: ContractDocument

    @property
    def label(self) -> str:
        """The contract's id, else its name, else its file's name."""
        return self.odcs.id or self.odcs.name or self.path.name

    def server_types(self) -> list[str]:
        """The ``type`` of each server entry (``duckdb``, ``postgres``, ``snowflake``…)."""
        return [s.type for s in self.odcs.servers or [] if s.type]


def load_contract(path: Path, text: str | None = None) -> Contract:
    """Read one ODCS file. A file the ODCS model refuses is a :class:`ContractError` naming the
    first place it is wrong; ``dataops contract lint`` lists every problem."""
    document = read_document(path, text)
    if not isinstance(document.data, dict):
        raise ContractError(
            f"{path}: not an ODCS contract: the file must be a YAML mapping with apiVersion, "
            "kind: DataContract and schema"
        )
    try:
        odcs = OpenDataContractStandard.model_validate(document.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = tuple(
            "schema" if part == "schema_" else part
            for part in first["loc"]
            if isinstance(part, (str, int))
        )
        raise ContractError(
            f"{document.where(location)}: {first['msg']} (run `dataops contract lint {path}` "
            "for every problem)"
        ) from None
    return Contract(path=path, odcs=odcs, tables=_tables(odcs), document=document)


def _tables(odcs: OpenDataContractStandard) -> list[TableSpec]:
    tables = []
    for index, item in enumerate(odcs.schema_ or []):
        location: tuple[str | int, ...] = ("schema", index)
        name = item.name or item.physicalName or f"schema[{index}]"
        tables.append(
            TableSpec(
                object_name=name,
                table_template=(item.physicalName or item.name or "").strip(),
                columns=_columns(item, location),
                quality=list(item.quality or []),
                location=location,
            )
        )
    return tables


def _columns(item: SchemaObject, location: tuple[str | int, ...]) -> list[ColumnSpec]:
    return [
        _column(prop, (*location, "properties", index))
        for index, prop in enumerate(item.properties or [])
    ]


def _column(prop: SchemaProperty, location: tuple[str | int, ...]) -> ColumnSpec:
    name = prop.name or prop.physicalName or ""
    return ColumnSpec(
        name=name,
        column=prop.physicalName or name,
        logical_type=(prop.logicalType or "").lower() or None,
        physical_type=prop.physicalType,
        required=bool(prop.required),
        unique=bool(prop.unique),
        primary_key=bool(prop.primaryKey),
        primary_key_position=(
            prop.primaryKeyPosition
            if prop.primaryKeyPosition is not None and prop.primaryKeyPosition >= 0
            else None
        ),
        options=dict(prop.logicalTypeOptions or {}),
        quality=list(prop.quality or []),
        location=location,
    )


def split_name(name: str) -> list[str]:
    """``shop.all_products`` → ``["shop", "all_products"]``; a quoted part may hold dots."""
    parts, current, quoted = [], "", False
    for char in name:
        if char == '"':
            quoted = not quoted
        elif char == "." and not quoted:
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return [
        p[1:-1].replace('""', '"') if p.startswith('"') and p.endswith('"') else p for p in parts
    ]


def plain_name(part: str) -> bool:
    """Whether a name part needs no quotes."""
    return bool(_NAME_PART.match(part))
