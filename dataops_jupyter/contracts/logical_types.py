"""Which warehouse column types hold each ODCS logical type (DuckDB and PostgreSQL names).

| logicalType | column types that fit |
| --- | --- |
| string | VARCHAR, TEXT, CHAR, CHARACTER VARYING, CITEXT, UUID, ENUM |
| integer | TINYINT … HUGEINT, unsigned kinds, INT2/4/8, SERIAL, DECIMAL/NUMERIC of scale 0 |
| number | every integer type, DECIMAL/NUMERIC, REAL, FLOAT, DOUBLE (PRECISION) |
| boolean | BOOLEAN |
| date | DATE |
| timestamp | TIMESTAMP (any precision, with or without time zone), DATETIME |
| time | TIME (with or without time zone) |
| array | lists and arrays (``INTEGER[]``, ``VARCHAR[3]``), JSON |
| object | STRUCT, MAP, UNION, JSON, JSONB |
"""

from __future__ import annotations

import re

_INTEGER = re.compile(
    r"^(u?(tiny|small|big|huge)?int(eger)?|u?int(2|4|8|16|32|64|128)|(small|big)?serial)$"
)
_DECIMAL = re.compile(r"^(decimal|numeric)(\s*\(\s*\d+\s*(,\s*(\d+)\s*)?\))?$")
_FLOAT = re.compile(r"^(real|float[48]?|double( precision)?|float\(\d+\))$")
_STRING = re.compile(
    r"^(varchar|text|string|char|bpchar|character( varying)?|citext|name|uuid|enum)(\s*\(.*\))?$"
)
_TIMESTAMP = re.compile(
    r"^(timestamp|datetime)(_(s|ms|ns|tz))?(\s*\(\d+\))?( with(out)? time zone)?$"
)
_TIME = re.compile(r"^time(tz)?(\s*\(\d+\))?( with(out)? time zone)?$")


def fits(logical_type: str, column_type: str) -> bool:
    """Whether a column of ``column_type`` holds values of ``logical_type``. Unknown logical
    types fit everything (lint reports them)."""
    kind = " ".join(column_type.strip().lower().split())
    logical = logical_type.lower()
    if logical == "string":
        return bool(_STRING.match(kind)) or kind.startswith("enum(")
    if logical == "integer":
        if _INTEGER.match(kind):
            return True
        decimal = _DECIMAL.match(kind)
        return bool(decimal and decimal.group(4) in (None, "0") and decimal.group(2))
    if logical == "number":
        return bool(_INTEGER.match(kind) or _DECIMAL.match(kind) or _FLOAT.match(kind))
    if logical == "boolean":
        return kind in ("boolean", "bool")
    if logical == "date":
        return kind == "date"
    if logical == "timestamp":
        return bool(_TIMESTAMP.match(kind))
    if logical == "time":
        return bool(_TIME.match(kind))
    if logical == "array":
        return kind.endswith("]") or kind.startswith(("list", "array")) or kind in ("json", "jsonb")
    if logical == "object":
        return kind.startswith(("struct", "map", "union", "row")) or kind in ("json", "jsonb")
    return True
