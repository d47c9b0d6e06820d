"""Arrow types of ingested data mapped to column types of each warehouse, and which changes of
an existing column's type a load may make."""

from __future__ import annotations

import re

import pyarrow as pa

from .sqltext import Dialect

_POSTGRES_NAMES = {
    "VARCHAR": "TEXT",
    "DOUBLE": "DOUBLE PRECISION",
    "BLOB": "BYTEA",
    "JSON": "JSONB",
    "TIMESTAMPTZ": "TIMESTAMPTZ",
}


def is_uuid(kind: pa.DataType) -> bool:
    """Arrow's canonical UUID extension type (what ``uuid.UUID`` values become)."""
    return getattr(kind, "extension_name", None) == "arrow.uuid"


def sql_type(field: pa.Field, dialect: Dialect) -> str:
    """The column type a new table gets for an Arrow field."""
    kind = field.type
    if field.metadata and field.metadata.get(b"dataops") == b"json":
        name = "JSON"
    elif is_uuid(kind):
        name = "UUID"
    elif pa.types.is_boolean(kind):
        name = "BOOLEAN"
    elif kind == pa.uint64():
        # Only values beyond BIGINT's range stay uint64 (see values.arrow_ready).
        return "UBIGINT" if dialect == "duckdb" else "NUMERIC(20,0)"
    elif pa.types.is_integer(kind):
        unsigned32 = kind.bit_width == 32 and pa.types.is_unsigned_integer(kind)
        name = "BIGINT" if kind.bit_width > 32 or unsigned32 else "INTEGER"
    elif pa.types.is_floating(kind):
        name = "DOUBLE" if kind.bit_width == 64 else "REAL"
    elif pa.types.is_decimal(kind):
        precision = 18 if kind.precision <= 18 else 38
        name = f"DECIMAL({precision},{kind.scale})"
    elif pa.types.is_timestamp(kind):
        name = "TIMESTAMPTZ" if kind.tz else "TIMESTAMP"
    elif pa.types.is_date(kind):
        name = "DATE"
    elif pa.types.is_time(kind):
        name = "TIME"
    elif pa.types.is_duration(kind):
        name = "INTERVAL"
    elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        name = "BLOB"
    else:  # strings, and columns that held only nulls
        name = "VARCHAR"
    return _POSTGRES_NAMES.get(name, name) if dialect == "postgres" else name


_FAMILIES = [
    ("json", re.compile(r"^JSONB?$")),
    ("uuid", re.compile(r"^UUID$")),
    ("bool", re.compile(r"^BOOL(EAN)?$")),
    (
        "int",
        re.compile(r"^(TINYINT|SMALLINT|INT\d?|INTEGER|BIGINT|HUGEINT|U\w*INT|SERIAL|BIGSERIAL)$"),
    ),
    ("float", re.compile(r"^(REAL|FLOAT\d?|DOUBLE( PRECISION)?)$")),
    ("decimal", re.compile(r"^(DECIMAL|NUMERIC)")),
    ("timestamptz", re.compile(r"^(TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE)$")),
    ("timestamp", re.compile(r"^(TIMESTAMP|TIMESTAMP WITHOUT TIME ZONE|TIMESTAMP_\w+|DATETIME)$")),
    ("date", re.compile(r"^DATE$")),
    ("time", re.compile(r"^TIME")),
    ("interval", re.compile(r"^INTERVAL")),
    ("blob", re.compile(r"^(BLOB|BYTEA)$")),
    ("text", re.compile(r"^(VARCHAR|TEXT|STRING|CHAR|CHARACTER|CHARACTER VARYING|BPCHAR)")),
]

#: Data of family (value) may go into a column of family (key) without losing anything.
_ACCEPTS = {
    "int": {"int", "bool"},
    "float": {"int", "float", "decimal"},
    "decimal": {"int", "decimal"},
    "timestamptz": {"timestamptz", "timestamp", "date"},
    "timestamp": {"timestamp", "date"},
    "text": {"text", "uuid", "json"},
    "json": {"json", "text"},
    "uuid": {"uuid", "text"},
}


#: Integer columns that hold every uint64 value.
_UNSIGNED_64_COLUMNS = {"UBIGINT", "HUGEINT", "UHUGEINT"}
_MODIFIERS = re.compile(r"\s*\([^)]*\)")
_DECIMAL = re.compile(r"^(?:DECIMAL|NUMERIC)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$")


def family(type_name: str) -> str:
    """A coarse type family of a column type as the database reports it."""
    # "timestamp(3) with time zone", "character varying(20)", "numeric(18,2)"
    upper = " ".join(_MODIFIERS.sub("", type_name.upper()).split())
    for name, pattern in _FAMILIES:
        if pattern.match(upper):
            return name
    return upper


def describe(field: pa.Field, dialect: Dialect) -> str:
    """The type of the data in ``field`` in the database's words, as precise as the data.

    Equal to :func:`sql_type` except for decimals, which keep their own precision.
    """
    kind = field.type
    if pa.types.is_decimal(kind) and not (field.metadata and b"dataops" in field.metadata):
        return f"{'NUMERIC' if dialect == 'postgres' else 'DECIMAL'}({kind.precision},{kind.scale})"
    return sql_type(field, dialect)


def _precision(type_name: str) -> tuple[int, int] | None:
    match = _DECIMAL.match(type_name.upper().strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def accepts(column_type: str, data_type: str) -> bool:
    """Whether data whose type is ``data_type`` fits a ``column_type`` column without loss."""
    column, data = family(column_type), family(data_type)
    if column == data == "int" and data_type.upper() == "UBIGINT":
        return _MODIFIERS.sub("", column_type.upper()).strip() in _UNSIGNED_64_COLUMNS
    if column == data == "decimal":
        # A column without precision (PostgreSQL's plain numeric) takes any decimal. Otherwise
        # fewer decimal places would round the values and fewer integer digits overflow.
        has, gets = _precision(column_type), _precision(data_type)
        if has is None or gets is None:
            return True
        return gets[1] <= has[1] and gets[0] - gets[1] <= has[0] - has[1]
    return column == data or data in _ACCEPTS.get(column, set())
