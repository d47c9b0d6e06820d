"""PostgreSQL: the production warehouse, loaded with COPY."""

from __future__ import annotations

import io
import re
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from .base import RetryPolicy, Warehouse
from .sqltext import Dialect, Statement, quote_identifier, quote_name
from .types import is_uuid

#: SQLSTATEs after which running the whole transaction again may succeed: the connection was
#: lost or ended by the server, too many clients, a lock could not be had, a serialization
#: failure or a deadlock.
_TRANSIENT_STATES = {"40001", "40P01", "55P03", "53300", "57P01", "57P02", "57P03"}
#: Reasons a connection cannot be opened that waiting does not fix.
_PERMANENT_CONNECT = re.compile(
    r"does not exist|authentication failed|no pg_hba\.conf entry|password|invalid "
    r"(dsn|connection option|URI)|permission denied",
    re.IGNORECASE,
)
#: Catalog indexes that a concurrent CREATE of the same table or schema collides on.
_CATALOG_INDEXES = {
    "pg_type_typname_nsp_index",
    "pg_class_relname_nsp_index",
    "pg_namespace_nspname_index",
}

#: Arrow types of result columns, by PostgreSQL type OID, so that empty or all-NULL results
#: keep their types. Other types are inferred from the values.
_RESULT_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    25: pa.string(),
    114: pa.string(),
    700: pa.float32(),
    701: pa.float64(),
    1043: pa.string(),
    1082: pa.date32(),
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    3802: pa.string(),
}


#: Memory for each hash of a merge (PostgreSQL's default is 4 MB; a 100 k-row stage needs 20 MB).
MERGE_WORK_MEM = "64MB"


class PostgresWarehouse(Warehouse):
    """``postgresql://user:password@host:port/database``."""

    dialect: ClassVar[Dialect] = "postgres"
    schemes: ClassVar[tuple[str, ...]] = ("postgresql", "postgres")
    default_retry: ClassVar[RetryPolicy] = RetryPolicy(
        attempts=8, first_delay=0.1, max_delay=2.0, deadline=30.0
    )

    def connect(self) -> Any:
        import psycopg
        from psycopg.types.string import TextLoader

        url = self.url.replace("postgres://", "postgresql://", 1)
        connection = psycopg.connect(url, connect_timeout=10)
        # JSON comes back as its text, as DuckDB returns it: documents of different shapes
        # cannot share one Arrow column type.
        for name in ("json", "jsonb"):
            connection.adapters.register_loader(name, TextLoader)
        return connection

    def is_transient(self, error: BaseException) -> bool:
        import psycopg

        if not isinstance(error, psycopg.Error):
            return False
        state = error.sqlstate
        if state is not None:
            return state in _TRANSIENT_STATES or state.startswith("08")
        if isinstance(error, psycopg.OperationalError):
            # No SQLSTATE: the connection failed to open or was lost on the way.
            return not _PERMANENT_CONNECT.search(str(error))
        return False

    def is_creation_race(self, error: BaseException) -> bool:
        from psycopg import errors

        if isinstance(error, errors.DuplicateTable | errors.DuplicateSchema):
            return True
        return (
            isinstance(error, errors.UniqueViolation)
            and error.diag.constraint_name in _CATALOG_INDEXES
        )

    def is_database_error(self, error: BaseException) -> bool:
        import psycopg

        return isinstance(error, psycopg.Error)

    def fetch_arrow(self, connection: Any, statement: Statement) -> pa.Table | None:
        with connection.cursor() as cursor:
            cursor.execute(statement.text, statement.params or None)
            if cursor.description is None:
                # As DuckDB answers: the rows a statement changed, as a one-column table.
                changed = cursor.rowcount
                return pa.table({"Count": [changed]}) if changed >= 0 else None
            description = [(c.name, c.type_code) for c in cursor.description]
            rows = cursor.fetchall()
        arrays: dict[str, pa.Array] = {}
        for index, (name, oid) in enumerate(description):
            values = [row[index] for row in rows]
            arrays[_unique(name, arrays)] = _result_array(values, _RESULT_TYPES.get(oid))
        return pa.table(arrays)

    def columns(self, connection: Any, table: str) -> dict[str, str] | None:
        # format_type keeps precision and scale (numeric(18,2)), which information_schema drops.
        rows = connection.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
            "WHERE a.attrelid = to_regclass(%(table)s) AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY a.attnum",
            {"table": quote_identifier(table)},
        ).fetchall()
        return {row[0]: row[1] for row in rows} or None

    def temporary_clause(self) -> str:
        return "ON COMMIT DROP"

    def prepare_merge(self, connection: Any, stage: str) -> None:
        """Statistics for the stage, which autovacuum never sees (it is temporary): without them
        the planner guesses a few hundred rows and hashes the whole target table instead of the
        stage. The extra memory lets the stage's hash stay in one batch."""
        self.run_in(connection, "SET LOCAL default_statistics_target = 10")
        self.run_in(connection, f"ANALYZE {quote_identifier(stage)}")
        self.run_in(connection, f"SET LOCAL work_mem = '{MERGE_WORK_MEM}'")

    def append_batch(self, connection: Any, table: str, batch: pa.RecordBatch) -> None:
        """COPY in PostgreSQL's binary format when every column's type allows it (about three
        times faster than text), else as CSV."""
        encoder = _binary_encoder(batch, self.columns(connection, table) or {})
        if encoder is not None:
            chunks = [encoder.write_header(), encoder.write_batch(batch), encoder.finish()]
            _copy(connection, table, batch.schema.names, "binary", chunks)
            return
        import pyarrow.csv as csv

        batch = _text_ready(batch)
        buffer = io.BytesIO()
        csv.write_csv(batch, buffer, csv.WriteOptions(include_header=False, quoting_style="needed"))
        _copy(connection, table, batch.schema.names, "csv", [buffer.getbuffer()])


def _copy(connection: Any, table: str, columns: list[str], kind: str, chunks: list[Any]) -> None:
    """``COPY table (columns) FROM STDIN`` in format ``kind``, fed with ``chunks``."""
    names = ", ".join(quote_name(n) for n in columns)
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {quote_identifier(table)} ({names}) FROM STDIN WITH (FORMAT {kind})"
        ) as copy,
    ):
        for chunk in chunks:
            copy.write(chunk)


#: Binary COPY encodings (by the encoder's type name) and the column types that read them.
_BINARY_READERS = {
    "Text": ("text", "character varying"),
    "Int8": ("bigint",),
    "Int4": ("integer",),
    "Int2": ("smallint",),
    "Float8": ("double precision",),
    "Float4": ("real",),
    "Bool": ("boolean",),
    "Date": ("date",),
    "Numeric": ("numeric",),
    "Bytea": ("bytea",),
}


def _binary_encoder(batch: pa.RecordBatch, column_types: dict[str, str]) -> Any:
    """An encoder of ``batch`` to binary COPY if each column's binary form is exactly what its
    table column reads; ``None`` otherwise (UUID, JSON, intervals, or a different width)."""
    try:
        from pgpq import ArrowToPostgresBinaryEncoder
    except ImportError:
        return None
    for field in batch.schema:
        if is_uuid(field.type) or (field.metadata or {}).get(b"dataops") == b"json":
            return None
    try:
        encoder = ArrowToPostgresBinaryEncoder(batch.schema)
    except Exception:  # a type the encoder does not know
        return None
    for field, column in zip(batch.schema, encoder.schema().columns, strict=True):
        target = column_types.get(field.name, "").split("(")[0].strip().lower()
        kind = type(column.data_type).__name__
        if kind == "Timestamp":
            wanted = "timestamp with time zone" if field.type.tz else "timestamp without time zone"
            if target != wanted:
                return None
        elif target not in _BINARY_READERS.get(kind, ()):
            return None
    return encoder


def _unique(name: str, taken: dict[str, Any]) -> str:
    """A result column name not used yet (``SELECT a.id, b.id`` has two ``id``)."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


def _result_array(values: list[Any], kind: pa.DataType | None) -> pa.Array:
    """One result column as Arrow; values Arrow cannot hold as they are become text."""
    try:
        return pa.array(values, kind) if kind is not None else pa.array(values)
    # PostgreSQL has values Arrow cannot hold (ranges, money, integers wider than 64 bits,
    # mixed array shapes): showing them as text beats refusing the whole query result.
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def _text_ready(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Columns the CSV writer cannot write as PostgreSQL reads them, converted to text."""
    arrays, changed = [], False
    for column, field in zip(batch.columns, batch.schema, strict=True):
        kind = field.type
        if is_uuid(kind):
            column = pa.array(
                [None if v is None else str(v) for v in column.to_pylist()], pa.string()
            )
            changed = True
        elif pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            # bytea's hex input form; raw bytes are not valid text.
            column = pa.array(
                [None if v is None else "\\x" + v.hex() for v in column.to_pylist()], pa.string()
            )
            changed = True
        elif pa.types.is_duration(kind):
            # The CSV writer prints a bare number, which PostgreSQL would read as seconds.
            micros = pc.cast(pc.cast(column, pa.duration("us"), safe=False), pa.int64())
            column = pc.binary_join_element_wise(
                pc.cast(micros, pa.string()), pa.scalar(" microseconds"), ""
            )
            changed = True
        arrays.append(column)
    if not changed:
        return batch
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
