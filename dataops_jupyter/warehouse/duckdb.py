"""DuckDB: the embedded default warehouse, a single file in the workspace."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from .base import RetryPolicy, Warehouse
from .sqltext import Dialect, Statement, quote_identifier, quote_name

#: Another process holds the file (``IO Error: Could not set lock on file``).
_LOCK_MARKERS = ("could not set lock", "conflicting lock")
#: Another transaction of this process changed the same rows or catalog entries.
_CONFLICT_MARKERS = ("conflict",)


_OPEN_CLOSE = threading.Lock()


def _split(table: str) -> tuple[str | None, str]:
    schema, _, name = table.rpartition(".")
    return (schema or None), name


class DuckDBWarehouse(Warehouse):
    """``duckdb:///path/to/file.duckdb`` (``duckdb:///:memory:`` for a private in-memory one).

    DuckDB lets one process at a time write a file, so every call opens the file, works in one
    transaction and closes it; a process that finds the file locked retries with backoff.
    """

    dialect: ClassVar[Dialect] = "duckdb"
    schemes: ClassVar[tuple[str, ...]] = ("duckdb",)
    case_insensitive: ClassVar[bool] = True
    #: The file is busy for as long as another process's transaction, usually tens of
    #: milliseconds: poll often with a short ceiling, so that a waiting process gets its turn
    #: instead of sleeping through free moments, and give up only after a long busy spell.
    default_retry: ClassVar[RetryPolicy] = RetryPolicy(
        attempts=1000, first_delay=0.01, max_delay=0.2, deadline=60.0
    )
    _view_counter = 0
    _counter_lock = threading.Lock()

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        path = url.split("://", 1)[1] if "://" in url else url
        self.path = path[1:] if path.startswith("/:memory:") else path
        self._memory: Any = None
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)

    def connect(self) -> Any:
        import duckdb

        # Connections of one process to one file share a database instance, which closes with
        # its last connection. Opening while another thread closes it can leave the new
        # connection on an instance without its Python functions (``python_arrow_scan``
        # missing): the open/close steps of a process take turns.
        with _OPEN_CLOSE:
            if self.path == ":memory:":
                # One private database per warehouse object; connections are cursors on it.
                if self._memory is None:
                    self._memory = duckdb.connect(":memory:")
                return self._memory.cursor()
            return duckdb.connect(self.path)

    def disconnect(self, connection: Any) -> None:
        with _OPEN_CLOSE:
            connection.close()

    def begin(self, connection: Any) -> None:
        connection.execute("BEGIN TRANSACTION")

    def is_transient(self, error: BaseException) -> bool:
        import duckdb

        if not isinstance(error, duckdb.Error):
            return False
        message = str(error).lower()
        if isinstance(error, duckdb.IOException):
            return any(marker in message for marker in _LOCK_MARKERS)
        if isinstance(error, duckdb.TransactionException):
            return any(marker in message for marker in _CONFLICT_MARKERS)
        return False

    def is_database_error(self, error: BaseException) -> bool:
        import duckdb

        return isinstance(error, duckdb.Error)

    def fetch_arrow(self, connection: Any, statement: Statement) -> pa.Table | None:
        relation = connection.sql(statement.text, params=statement.params or None)
        if relation is None:
            return None
        table: pa.Table = relation.to_arrow_table()
        return table

    def columns(self, connection: Any, table: str) -> dict[str, str] | None:
        schema, name = _split(table)
        rows = connection.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            # Names are compared without case, as DuckDB resolves them.
            "WHERE lower(table_name) = lower($name) "
            "AND lower(table_schema) = lower(coalesce($schema, current_schema())) "
            "AND table_catalog = current_database() "
            "ORDER BY ordinal_position",
            {"name": name, "schema": schema},
        ).fetchall()
        return {row[0]: row[1] for row in rows} or None

    def _view_name(self) -> str:
        with self._counter_lock:
            DuckDBWarehouse._view_counter += 1
            return f"_dataops_batch_{DuckDBWarehouse._view_counter}"

    def append_batch(self, connection: Any, table: str, batch: pa.RecordBatch) -> None:
        view = self._view_name()
        connection.register(view, batch)
        columns = ", ".join(quote_name(n) for n in batch.schema.names)
        try:
            connection.execute(
                f"INSERT INTO {quote_identifier(table)} ({columns}) SELECT {columns} FROM {view}"
            )
        except BaseException:
            # The failed statement aborted the transaction, which then refuses to unregister
            # ("Current transaction is aborted"): keep the statement's own error. The view goes
            # with the connection.
            with contextlib.suppress(Exception):
                connection.unregister(view)
            raise
        connection.unregister(view)
