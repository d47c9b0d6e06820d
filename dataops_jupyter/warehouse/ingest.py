"""The ingestion engine: any supported data into a warehouse table, all or nothing.

A load streams Arrow batches into the table inside one transaction. The table is created with
types inferred from the data when missing; new columns are added (``schema="evolve"``) or
refused (``"freeze"``); a column whose type would change is an error. ``replace`` swaps the
contents inside the transaction, so readers see the old rows until the new ones are committed.
``merge`` upserts on the key: within one load, the last row of a key wins. Every row gets
``_load_id`` and ``_loaded_at``; each load is recorded in ``_dataops_loads``.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidInputError
from .base import RetryPolicy, Warehouse, WarehouseError, first_line
from .batches import BatchSource
from .guard import GuardRejection, LoadGuard
from .sqltext import Dialect, quote_identifier, quote_name
from .types import accepts, describe, family, sql_type

Mode = Literal["append", "replace", "merge"]
SchemaPolicy = Literal["evolve", "freeze"]
MODES: tuple[str, ...] = ("append", "replace", "merge")
SCHEMA_POLICIES: tuple[str, ...] = ("evolve", "freeze")
LOADS_TABLE = "_dataops_loads"
LOAD_ID, LOADED_AT, SEQUENCE = "_load_id", "_loaded_at", "_dataops_seq"
#: Called after each batch with the rows loaded so far and the seconds since the load began.
Progress = Callable[[int, float], None]


class IngestError(InvalidInputError):
    """A load that cannot succeed as asked; the table is left as it was."""

    kind = "ingest"


@dataclass(frozen=True)
class LoadContext:
    """Who loads: recorded with each load in ``_dataops_loads``."""

    job: str | None = None
    run: str | None = None
    step: str | None = None


@dataclass
class LoadSummary:
    """What a load did."""

    load_id: str
    table: str
    mode: str
    rows: int
    seconds: float
    columns_added: list[str] = field(default_factory=list)
    created: bool = False
    attempts: int = 1
    #: Rows the guard (a contract) kept out of the table; ``rows`` counts every row brought.
    rejected: int = 0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float(self.rows)

    def __str__(self) -> str:
        extra = " (table created)" if self.created else ""
        if self.columns_added:
            extra += f" (columns added: {', '.join(self.columns_added)})"
        if self.rejected:
            extra += f" ({self.rejected:,} rejected by the contract, in {self.table}__quarantine)"
        return (
            f"{self.mode}: {self.rows - self.rejected:,} rows into {self.table} in "
            f"{self.seconds:.2f} s ({self.rows_per_second:,.0f} rows/s){extra}"
        )


_LOADS_DDL = (
    f"CREATE TABLE IF NOT EXISTS {LOADS_TABLE} (load_id VARCHAR PRIMARY KEY, "
    "table_name VARCHAR NOT NULL, mode VARCHAR NOT NULL, rows BIGINT NOT NULL, "
    "started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ, status VARCHAR NOT NULL, "
    "job VARCHAR, run VARCHAR, step VARCHAR, error VARCHAR)"
)


#: Recording a failure waits a little for a busy warehouse, not as long as a load would.
_RECORD_RETRY = RetryPolicy(attempts=50, first_delay=0.01, max_delay=0.2, deadline=5.0)


def _repeated_text(value: str, rows: int) -> pa.Array:
    """A string column holding ``value`` in every row, built from two buffers."""
    data = value.encode("utf-8")
    offsets = np.arange(0, (rows + 1) * len(data), len(data), dtype=np.int32)[: rows + 1]
    return pa.Array.from_buffers(
        pa.string(), rows, [None, pa.py_buffer(offsets), pa.py_buffer(data * rows)]
    )


def _check_request(table: str, mode: str, key: Sequence[str] | None, schema: str) -> list[str]:
    quote_identifier(table, "table")
    if mode not in MODES:
        raise IngestError(f"mode {mode!r} is not one of {', '.join(MODES)}")
    if schema not in SCHEMA_POLICIES:
        raise IngestError(f"schema {schema!r} is not one of {', '.join(SCHEMA_POLICIES)}")
    keys = [key] if isinstance(key, str) else list(key or [])
    if mode == "merge" and not keys:
        raise IngestError("mode 'merge' needs key columns, e.g. key=['product_id']")
    for name in keys:
        quote_name(name)
    return keys


def _ensure_loads_table(warehouse: Warehouse, connection: Any) -> None:
    # Look before creating: even CREATE TABLE IF NOT EXISTS makes concurrent transactions
    # conflict on the catalog when the table is already there.
    if warehouse.columns(connection, LOADS_TABLE) is None:
        warehouse.run_in(connection, _LOADS_DDL)


class _Load:
    """One attempt at one load, inside one transaction."""

    def __init__(
        self,
        warehouse: Warehouse,
        table: str,
        mode: str,
        keys: list[str],
        schema: str,
        load_id: str,
        loaded_at: datetime,
        progress: Progress | None,
    ) -> None:
        self.warehouse, self.table, self.mode, self.keys = warehouse, table, mode, keys
        self.schema, self.load_id, self.loaded_at = schema, load_id, loaded_at
        self.progress = progress
        #: Column types of the table by :meth:`fold`-ed name; ``None`` until looked up.
        self.columns: dict[str, str] | None = None
        self.created = False
        self.added: list[str] = []
        #: New columns that held only NULLs so far: created once a batch shows their type.
        self.untyped: dict[str, pa.Field] = {}
        self.stage: str | None = None
        self.stage_columns: list[str] = []
        self.stage_known: set[str] = set()
        self.rows = 0
        self.rejected = 0

    def stamp(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        rows = batch.num_rows
        for name in (LOAD_ID, LOADED_AT, SEQUENCE):
            if name in batch.schema.names:
                raise IngestError(f"the data has a column named {name!r}, which is reserved")
        loaded_at = pa.scalar(self.loaded_at, pa.timestamp("us", tz="UTC"))
        arrays = [*batch.columns, _repeated_text(self.load_id, rows), pa.repeat(loaded_at, rows)]
        fields = [
            *batch.schema,
            pa.field(LOAD_ID, pa.string()),
            pa.field(LOADED_AT, arrays[-1].type),
        ]
        if self.mode == "merge":
            arrays.append(pa.array(np.arange(self.rows, self.rows + rows, dtype=np.int64)))
            fields.append(pa.field(SEQUENCE, pa.int64()))
        return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))

    def fit_schema(self, connection: Any, batch: pa.RecordBatch) -> pa.RecordBatch:
        """Create the table, or check the batch against it and add new columns.

        Returns the batch to write: without new columns whose values are all NULL, since
        their type is not known yet (a later batch may tell; the end of the load adds the
        rest as text).
        """
        warehouse, dialect = self.warehouse, self.warehouse.dialect
        names = batch.schema.names
        self.check_folded_names(names)
        for name in self.keys:
            if name not in names:
                raise IngestError(f"key column {name!r} is not in the data")
        if self.columns is None:
            found = warehouse.columns(connection, self.table)
            self.columns = None if found is None else {self.fold(n): t for n, t in found.items()}
        fields = [f for f in batch.schema if f.name != SEQUENCE]
        if self.columns is None:
            if self.schema == "evolve":
                self.defer_untyped(f for f in fields if self.is_untyped(f))
            fields = [f for f in fields if f.name not in self.untyped]
            schema_name = self.table.rpartition(".")[0]
            if schema_name:
                warehouse.create_schema(connection, schema_name)
            warehouse.create_table(connection, self.table, fields)
            if self.keys and dialect == "postgres":
                warehouse.create_key_index(connection, self.table, self.keys)
            self.columns = {self.fold(f.name): sql_type(f, dialect) for f in fields}
            self.created = True
            return self.without_untyped(batch)
        conflicts, new = [], []
        for f in fields:
            existing = self.columns.get(self.fold(f.name))
            if existing is None:
                if self.schema == "evolve" and self.is_untyped(f):
                    self.defer_untyped([f])
                else:
                    new.append(f)
                    self.untyped.pop(f.name, None)
            elif pa.types.is_null(f.type):
                continue
            elif (outside := _outside_integer_column(existing, f, batch, dialect)) is not None:
                raise IngestError(
                    f"column {f.name!r} holds {outside}, which does not fit the table's "
                    f"{existing} column: change the column's type, or load the values into a "
                    "new column"
                )
            elif not accepts(existing, describe(f, dialect)):
                conflicts.append(
                    f"column {f.name!r}: the table has {existing}, the data has "
                    f"{describe(f, dialect)}"
                )
        if conflicts:
            raise IngestError(
                f"type conflict in {self.table}: "
                + "; ".join(conflicts)
                + ". Convert the values, or load them into a new column"
            )
        if new and self.schema == "freeze":
            raise IngestError(
                f"{self.table} has schema 'freeze' and the data has new columns: "
                f"{', '.join(f.name for f in new)}. Drop them, or load with schema='evolve'"
            )
        for f in new:
            self.add_column(connection, f)
        return self.without_untyped(batch)

    def check_folded_names(self, names: Sequence[str]) -> None:
        """Names that differ only in case are one column where the database ignores case."""
        if not self.warehouse.case_insensitive:
            return
        seen: dict[str, str] = {}
        for name in names:
            other = seen.setdefault(self.fold(name), name)
            if other != name:
                raise IngestError(
                    f"columns {other!r} and {name!r} are one column in this warehouse, which "
                    "ignores the case of names: rename one"
                )

    def fold(self, name: str) -> str:
        """A column name as the database compares names (DuckDB ignores case)."""
        return name.lower() if self.warehouse.case_insensitive else name

    def is_untyped(self, field: pa.Field) -> bool:
        return pa.types.is_null(field.type) and field.name not in self.keys

    def defer_untyped(self, fields: Iterable[pa.Field]) -> None:
        for f in fields:
            self.untyped.setdefault(f.name, f)

    def without_untyped(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        keep = [n for n in batch.schema.names if n not in self.untyped]
        return batch if len(keep) == batch.num_columns else batch.select(keep)

    def add_column(self, connection: Any, field: pa.Field) -> None:
        assert self.columns is not None
        self.warehouse.add_column(connection, self.table, field)
        self.columns[self.fold(field.name)] = sql_type(field, self.warehouse.dialect)
        self.added.append(field.name)

    def add_untyped(self, connection: Any) -> None:
        """Columns that were NULL in every row still become columns (of text)."""
        for name in self.untyped:
            if self.columns is not None and self.fold(name) not in self.columns:
                self.add_column(connection, pa.field(name, pa.string()))
        self.untyped.clear()

    def write(self, connection: Any, batch: pa.RecordBatch) -> None:
        if self.mode != "merge":
            self.warehouse.append_batch(connection, self.table, batch)
            return
        if self.stage is None:
            self.stage = f"_dataops_stage_{self.load_id.replace('-', '')}"
            self.warehouse.create_stage(connection, self.stage, self.table)
            self.stage_known = set(self.columns or {})
        for f in batch.schema:
            if f.name == SEQUENCE:
                continue
            if self.fold(f.name) not in self.stage_known:
                self.warehouse.add_column(connection, self.stage, f)
                self.stage_known.add(self.fold(f.name))
            if f.name not in self.stage_columns:
                self.stage_columns.append(f.name)
        self.warehouse.append_batch(connection, self.stage, batch)

    def merge(self, connection: Any) -> None:
        if self.stage is None:
            return
        keys = [quote_name(k) for k in self.keys]
        nulls = self.warehouse.run_in(
            connection,
            f"SELECT count(*) FROM {quote_identifier(self.stage)} WHERE "
            + " OR ".join(f"{k} IS NULL" for k in keys),
        )
        if nulls and nulls[0][0]:
            raise IngestError(
                f"{nulls[0][0]} rows have no value in key column(s) {', '.join(self.keys)}"
            )
        self.warehouse.merge_stage(
            connection, self.stage, self.table, self.keys, self.stage_columns
        )


def _outside_integer_column(
    column_type: str, field: pa.Field, batch: pa.RecordBatch, dialect: Dialect
) -> int | None:
    """A value of an integer ``field`` that its table column cannot hold, if the types say
    there may be one: uint64 values beyond BIGINT (only those stay uint64), or negative values
    for an unsigned DuckDB column."""
    if not pa.types.is_integer(field.type):
        return None
    if field.type == pa.uint64() and not accepts(column_type, describe(field, dialect)):
        largest: int = pc.max(batch.column(field.name)).as_py()
        return largest
    if family(column_type) == "int" and column_type.upper().startswith("U"):
        smallest = pc.min(batch.column(field.name)).as_py()
        if smallest is not None and smallest < 0:
            return int(smallest)
    return None


def ingest(
    warehouse: Warehouse,
    data: Any,
    table: str,
    mode: str = "append",
    key: Sequence[str] | str | None = None,
    schema: str = "evolve",
    context: LoadContext | None = None,
    progress: Progress | None = None,
    batch_rows: int | None = None,
    guard: LoadGuard | None = None,
) -> LoadSummary:
    """Load ``data`` into ``table``; see the module docstring for the rules.

    A ``guard`` judges the load's rows before the merge and the whole table before the commit
    (see :mod:`.guard`): it may reject rows, or the whole load."""
    keys = _check_request(table, mode, key, schema)
    context = context or LoadContext()
    load_id = str(uuid.uuid4())
    loaded_at = datetime.now(UTC)
    source = BatchSource(data, batch_rows) if batch_rows else BatchSource(data)
    started = time.monotonic()
    attempts = 0

    def attempt() -> _Load:
        nonlocal attempts
        attempts += 1
        load = _Load(warehouse, table, mode, keys, schema, load_id, loaded_at, progress)
        with warehouse.transaction() as connection:
            _ensure_loads_table(warehouse, connection)
            cleared = False
            for raw in source:
                if raw.num_rows == 0 and load.columns is not None:
                    continue
                batch = load.fit_schema(connection, load.stamp(raw))
                if mode == "replace" and not cleared and not load.created:
                    warehouse.clear_table(connection, table)
                cleared = True
                if guard is not None:
                    batch = guard.admit(connection, batch)
                load.write(connection, batch)
                load.rows += raw.num_rows
                if progress is not None:
                    progress(load.rows, time.monotonic() - started)
            if mode == "replace" and not cleared and warehouse.columns(connection, table):
                warehouse.clear_table(connection, table)
            load.add_untyped(connection)
            if guard is not None and load.columns is not None:
                rows_at, where = _loaded_rows(load)
                load.rejected = guard.screen(connection, rows_at, where, load.rows)
            load.merge(connection)
            if guard is not None and load.columns is not None:
                guard.verify(connection)
            _record(warehouse, connection, load, context, started, "succeeded", None)
        return load

    try:
        # A table or schema that a concurrent load created first is there on the next try.
        load = warehouse.retrying(attempt, transient=warehouse.is_creation_race)
    except GuardRejection as exc:
        if guard is not None:
            guard.after_rollback()
        _record_failure(warehouse, table, mode, load_id, context, started, exc.message)
        raise
    except IngestError as exc:
        _record_failure(warehouse, table, mode, load_id, context, started, exc.message)
        raise
    except Exception as exc:
        if warehouse.is_database_error(exc) and not warehouse.is_transient(exc):
            message = f"loading {table} failed: {first_line(exc)}"
            _record_failure(warehouse, table, mode, load_id, context, started, message)
            raise WarehouseError(message) from None
        _record_failure(warehouse, table, mode, load_id, context, started, first_line(exc))
        raise
    finally:
        source.close()
    return LoadSummary(
        load_id=load_id,
        table=table,
        mode=mode,
        rows=load.rows,
        seconds=time.monotonic() - started,
        columns_added=load.added,
        created=load.created,
        attempts=attempts,
        rejected=load.rejected,
    )


def _loaded_rows(load: _Load) -> tuple[str, str | None]:
    """Where the load's rows are before the commit: its stage (merge), the whole table when
    the load made it or replaced its rows, else the table's rows carrying its load id."""
    if load.stage is not None:
        return quote_identifier(load.stage), None
    if load.created or load.mode == "replace":
        return quote_identifier(load.table), None
    return quote_identifier(load.table), f"{quote_name(LOAD_ID)} = '{load.load_id}'"


def append_rows(warehouse: Warehouse, connection: Any, table: str, rows: pa.Table) -> None:
    """Append ``rows`` as they are (their own ``_load_id`` and ``_loaded_at`` included) to
    ``table``, creating it or adding columns as a load with ``schema="evolve"`` does."""
    load = _Load(warehouse, table, "append", [], "evolve", "", datetime.now(UTC), None)
    for batch in rows.to_batches():
        if batch.num_rows:
            load.write(connection, load.fit_schema(connection, batch))
    load.add_untyped(connection)


def _record(
    warehouse: Warehouse,
    connection: Any,
    load: _Load | None,
    context: LoadContext,
    started: float,
    status: str,
    error: str | None,
    *,
    table: str = "",
    mode: str = "",
    load_id: str = "",
) -> None:
    now = datetime.now(UTC)
    began = datetime.fromtimestamp(time.time() - (time.monotonic() - started), UTC)
    values = {
        "load_id": load.load_id if load else load_id,
        "table_name": load.table if load else table,
        "mode": load.mode if load else mode,
        "rows": load.rows if load else 0,
        "started_at": began,
        "finished_at": now,
        "status": status,
        "job": context.job,
        "run": context.run,
        "step": context.step,
        "error": error,
    }
    warehouse.insert_row(connection, LOADS_TABLE, values)


def _record_failure(
    warehouse: Warehouse,
    table: str,
    mode: str,
    load_id: str,
    context: LoadContext,
    started: float,
    message: str,
) -> None:
    """Best effort: a failed load is recorded in its own transaction after the rollback."""

    def work() -> None:
        with warehouse.transaction() as connection:
            _ensure_loads_table(warehouse, connection)
            _record(
                warehouse,
                connection,
                None,
                context,
                started,
                "failed",
                message,
                table=table,
                mode=mode,
                load_id=load_id,
            )

    # The warehouse may be the reason the load failed.
    with contextlib.suppress(Exception):
        warehouse.retrying(work, policy=_RECORD_RETRY, transient=warehouse.is_creation_race)
