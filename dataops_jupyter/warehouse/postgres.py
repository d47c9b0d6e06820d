"""PostgreSQL: the production warehouse, loaded with COPY."""

from __future__ import annotations

import io
from typing import Any, ClassVar

import pyarrow as pa

from .base import Warehouse
from .sqltext import Dialect, Statement, quote_identifier
from .types import is_uuid


class PostgresWarehouse(Warehouse):
    """``postgresql://user:password@host:port/database``."""

    dialect: ClassVar[Dialect] = "postgres"
    schemes: ClassVar[tuple[str, ...]] = ("postgresql", "postgres")

    def connect(self) -> Any:
        import psycopg

        url = self.url.replace("postgres://", "postgresql://", 1)
        return psycopg.connect(url, connect_timeout=10)

    def is_transient(self, error: BaseException) -> bool:
        import psycopg
        from psycopg import errors

        if isinstance(error, errors.SerializationFailure | errors.DeadlockDetected):
            return True
        return isinstance(error, psycopg.OperationalError)

    def is_database_error(self, error: BaseException) -> bool:
        import psycopg

        return isinstance(error, psycopg.Error)

    def fetch_arrow(self, connection: Any, statement: Statement) -> pa.Table | None:
        with connection.cursor() as cursor:
            cursor.execute(statement.text, statement.params or None)
            if cursor.description is None:
                return None
            names = [c.name for c in cursor.description]
            rows = cursor.fetchall()
        columns: list[list[Any]] = [list(c) for c in zip(*rows, strict=True)]
        if not rows:
            columns = [[] for _ in names]
        return pa.table({n: pa.array(c) for n, c in zip(names, columns, strict=True)})

    def columns(self, connection: Any, table: str) -> dict[str, str] | None:
        schema, _, name = table.rpartition(".")
        rows = connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = %(name)s AND table_schema = coalesce(%(schema)s, current_schema()) "
            "ORDER BY ordinal_position",
            {"name": name, "schema": schema or None},
        ).fetchall()
        return {row[0]: row[1] for row in rows} or None

    def clear_table(self, connection: Any, table: str) -> None:
        self.run_in(connection, f"TRUNCATE {quote_identifier(table)}")

    def temporary_clause(self) -> str:
        return "ON COMMIT DROP"

    def append_batch(self, connection: Any, table: str, batch: pa.RecordBatch) -> None:
        import pyarrow.csv as csv

        batch = _text_ready(batch)
        buffer = io.BytesIO()
        csv.write_csv(batch, buffer, csv.WriteOptions(include_header=False, quoting_style="needed"))
        columns = ", ".join(quote_identifier(n) for n in batch.schema.names)
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {quote_identifier(table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
        ):
            copy.write(buffer.getbuffer())


def _text_ready(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Columns the CSV writer cannot write as PostgreSQL reads them, converted to text."""
    arrays, changed = [], False
    for column, field in zip(batch.columns, batch.schema, strict=True):
        if is_uuid(field.type):
            column = pa.array(
                [None if v is None else str(v) for v in column.to_pylist()], pa.string()
            )
            changed = True
        arrays.append(column)
    if not changed:
        return batch
    return pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)
