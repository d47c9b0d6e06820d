"""A starting contract written from an existing table: what its data shows today.

Properties and their types come from the warehouse's catalog; ``required`` where the column has
no NULL, ``unique`` where no value repeats, ``validValues`` for text columns with few distinct
values, ``minimum``/``maximum`` from the data, and a freshness SLA on ``_loaded_at`` when the
table has one. All its figures come from one aggregate query (plus one per low-cardinality text
column for its values), so the contract passes ``check`` on the table it came from.
"""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import yaml

from ..warehouse.base import Warehouse
from ..warehouse.sqltext import quote_name
from .engine import table_sql
from .logical_types import fits
from .model import ContractError, split_name
from .results import json_value

#: Columns each load writes (``_load_id``, ``_loaded_at``).
LOAD_COLUMNS = frozenset({"_load_id", "_loaded_at"})

#: A text column with at most this many distinct values, each seen twice on average, gets
#: ``validValues``.
MAX_VALID_VALUES = 10
#: Logical types tried in this order for a column type.
_LOGICAL_ORDER = ("boolean", "integer", "number", "date", "timestamp", "time", "string",
                  "array", "object")  # fmt: skip
_ORDERED = ("integer", "number", "date", "timestamp", "time")
#: How fresh a table with ``_loaded_at`` is promised to be, by default.
FRESHNESS = {"property": "freshness", "value": 1, "unit": "d"}


def logical_type(column_type: str) -> str | None:
    """The ODCS logical type a warehouse column type holds, ``None`` when none fits."""
    return next((kind for kind in _LOGICAL_ORDER if fits(kind, column_type)), None)


def initial_contract(warehouse: Warehouse, table: str) -> dict[str, Any]:
    """The contract of ``table`` as ODCS data, ready to be written as YAML."""
    with warehouse.transaction() as connection:
        columns = warehouse.columns(connection, table)
        if columns is None:
            raise ContractError(
                f"table {table!r} does not exist in the warehouse {warehouse.display_url()}"
            )
        kinds = {name: logical_type(kind) for name, kind in columns.items()}
        figures = _profile(warehouse, connection, table, columns, kinds)
        rows = figures.pop("rows")
        listed = {
            name: _values(warehouse, connection, table, name)
            for name, kind in kinds.items()
            if kind == "string"
            and columns[name].lower() != "uuid"
            and 0 < figures[name]["distinct"] <= MAX_VALID_VALUES
            and figures[name]["distinct"] * 2 <= rows
        }
    object_name = split_name(table)[-1]
    properties = [
        _property(name, columns[name], kinds[name], figures[name], rows, listed.get(name))
        if name not in LOAD_COLUMNS
        else _load_column(name, columns[name], kinds[name], figures[name], rows)
        for name in columns
    ]
    contract: dict[str, Any] = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": object_name,
        "name": object_name,
        "version": "0.1.0",
        "status": "draft",
        "description": {"purpose": f"What consumers may rely on in {table}."},
        "schema": [
            {
                "name": object_name,
                "physicalName": table,
                "physicalType": "table",
                "properties": properties,
            }
        ],
    }
    if "_loaded_at" in columns:
        contract["slaProperties"] = [{**FRESHNESS, "element": f"{object_name}._loaded_at"}]
    return contract


def initial_contract_yaml(warehouse: Warehouse, table: str) -> str:
    """:func:`initial_contract` as YAML text."""
    data = initial_contract(warehouse, table)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _profile(
    warehouse: Warehouse,
    connection: Any,
    table: str,
    columns: dict[str, str],
    kinds: dict[str, str | None],
) -> dict[str, Any]:
    selected = ["count(*)"]
    for name in columns:
        column = quote_name(name)
        distinct = f"count(DISTINCT {column})" if kinds[name] not in ("array", "object") else "0"
        selected += [f"count({column})", distinct]
        if kinds[name] in _ORDERED:
            selected += [f"min({column})", f"max({column})"]
        if kinds[name] == "string":
            selected += [f"min(length(CAST({column} AS VARCHAR)))"]
    [row] = warehouse.run_in(
        connection, f"SELECT {', '.join(selected)} FROM {table_sql(table)}"
    ) or [()]
    values = iter(row)
    figures: dict[str, Any] = {"rows": int(next(values))}
    for name in columns:
        figure = {"count": int(next(values)), "distinct": int(next(values))}
        if kinds[name] in _ORDERED:
            figure["min"], figure["max"] = next(values), next(values)
        if kinds[name] == "string":
            figure["min_length"] = next(values)
        figures[name] = figure
    return figures


def _values(warehouse: Warehouse, connection: Any, table: str, name: str) -> list[Any]:
    column = quote_name(name)
    rows = warehouse.run_in(
        connection,
        f"SELECT DISTINCT {column} FROM {table_sql(table)} WHERE {column} IS NOT NULL "
        f"ORDER BY 1 LIMIT {MAX_VALID_VALUES + 1}",
    )
    return [json_value(r[0]) for r in rows or []]


def _property(
    name: str,
    column_type: str,
    kind: str | None,
    figure: dict[str, Any],
    rows: int,
    valid_values: list[Any] | None,
) -> dict[str, Any]:
    prop: dict[str, Any] = {"name": name}
    if kind is not None:
        prop["logicalType"] = kind
    prop["physicalType"] = column_type
    if rows and figure["count"] == rows:
        prop["required"] = True
    if rows > 1 and figure["count"] == rows and figure["distinct"] == rows:
        prop["unique"] = True
    options: dict[str, Any] = {}
    if column_type.lower() == "uuid":
        options["format"] = "uuid"
    if kind in _ORDERED and figure["min"] is not None:
        options["minimum"] = _bound(figure["min"])
        options["maximum"] = _bound(figure["max"])
    if kind == "string" and figure.get("min_length") and column_type.lower() != "uuid":
        options["minLength"] = int(figure["min_length"])
    if options:
        prop["logicalTypeOptions"] = options
    if valid_values:
        prop["quality"] = [
            {
                "type": "library",
                "metric": "invalidValues",
                "description": f"{name} is one of the values seen when the contract was written",
                "arguments": {"validValues": valid_values},
                "mustBe": 0,
            }
        ]
    return prop


def _load_column(
    name: str, column_type: str, kind: str | None, figure: dict[str, Any], rows: int
) -> dict[str, Any]:
    """A column every load writes: its type, and that every row has it; the values of the
    loads so far promise nothing about the next one."""
    prop: dict[str, Any] = {"name": name, "logicalType": kind, "physicalType": column_type}
    if rows and figure["count"] == rows:
        prop["required"] = True
    return prop


def _bound(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return json_value(value)
