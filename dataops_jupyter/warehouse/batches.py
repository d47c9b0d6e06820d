"""Turning what a step returns into a stream of Arrow record batches with bounded memory."""

from __future__ import annotations

import json
import math
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc

from ..errors import InvalidInputError

#: Rows per batch when the data arrives row by row.
BATCH_ROWS = 100_000
#: Rows per slice of data that is in memory already (a DataFrame or an Arrow table).
IN_MEMORY_BATCH_ROWS = 1_000_000


class IngestInputError(InvalidInputError):
    """Data that cannot be ingested as given (wrong shape, mixed types in one column)."""


def _is_dataframe(data: Any) -> bool:
    return type(data).__name__ == "DataFrame" and hasattr(data, "to_dict")


def _is_nested(value: Any) -> bool:
    return isinstance(value, Mapping | list | tuple)


def _to_json(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return json.dumps(value, default=str)


def _as_json_field(table: pa.Table, name: str) -> pa.Table:
    index = table.schema.get_field_index(name)
    field = pa.field(name, pa.string(), metadata={b"dataops": b"json"})
    return table.set_column(index, field, table.column(index).cast(pa.string()))


def _from_dataframe(frame: Any) -> pa.Table:
    """A DataFrame as Arrow: ``uuid.UUID`` objects as UUIDs, dicts and lists as JSON text.

    Arrow converts ordinary frames directly; only frames it refuses (UUID objects) or whose
    columns hold dicts or lists take the column-by-column path.
    """
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _from_dataframe_by_column(frame)
    if any(pa.types.is_nested(field.type) for field in table.schema):
        return _from_dataframe_by_column(frame)
    return table


def _from_dataframe_by_column(frame: Any) -> pa.Table:
    uuid_columns: list[str] = []
    json_columns: list[str] = []
    replaced: dict[Any, Any] = {}
    for column in frame.columns:
        series = frame[column]
        if series.dtype != object:
            continue
        values = series.dropna()
        if values.empty:
            continue
        if all(isinstance(v, uuid.UUID) for v in values):
            replaced[column] = series.map(lambda v: v.bytes if isinstance(v, uuid.UUID) else None)
            uuid_columns.append(str(column))
        elif any(_is_nested(v) for v in values):
            replaced[column] = series.map(_to_json)
            json_columns.append(str(column))
    if replaced:
        frame = frame.copy(deep=False)  # the caller's frame stays as it was
        for column, series in replaced.items():
            frame[column] = series.astype(object)
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise IngestInputError(f"the DataFrame could not be converted: {exc}") from None
    for column in uuid_columns:
        index = table.schema.get_field_index(column)
        table = table.set_column(
            index, column, table.column(index).cast(pa.binary(16)).cast(pa.uuid())
        )
    for column in json_columns:
        table = _as_json_field(table, column)
    return table


def _rows_to_table(rows: list[Mapping[str, Any]]) -> pa.Table:
    """Rows as a table whose columns are every key seen, in order of first appearance.

    A key missing from a row is NULL there. Dicts and lists are kept as JSON text exactly as
    given (Arrow would force one structure on all of them and add missing keys as nulls).
    Rows that all have the same keys are converted by Arrow in one call; only the columns
    holding dicts or lists are then rebuilt from the rows.
    """
    keys = rows[0].keys()
    if all(row.keys() == keys for row in rows) and all(isinstance(k, str) for k in keys):
        try:
            table = pa.Table.from_pylist(rows)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return _rows_to_table_by_column(rows)
        for index, field in enumerate(table.schema):
            if pa.types.is_nested(field.type):
                values = pa.array([_to_json(row.get(field.name)) for row in rows], pa.string())
                json_field = pa.field(field.name, pa.string(), metadata={b"dataops": b"json"})
                table = table.set_column(index, json_field, values)
        return table
    return _rows_to_table_by_column(rows)


def _rows_to_table_by_column(rows: list[Mapping[str, Any]]) -> pa.Table:
    names: dict[str, None] = {}
    for row in rows:
        for name in row:
            if not isinstance(name, str):
                raise IngestInputError(f"column names must be strings, got {name!r}")
            names.setdefault(name)
    columns: dict[str, list[Any]] = {name: [row.get(name) for row in rows] for name in names}
    json_names = [n for n, values in columns.items() if any(_is_nested(v) for v in values)]
    for name in json_names:
        columns[name] = [_to_json(v) for v in columns[name]]
    arrays = {}
    for name, values in columns.items():
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise IngestInputError(
                f"rows could not be converted: column {name!r} mixes kinds of values ({exc})"
            ) from None
    table = pa.table(arrays)
    for name in json_names:
        table = _as_json_field(table, name)
    return table


def _nested_to_json(table: pa.Table) -> pa.Table:
    """Struct, list and map columns become JSON text (stored as JSON in the warehouse)."""
    for index, field in enumerate(table.schema):
        if pa.types.is_nested(field.type):
            values = [_to_json(v) for v in table.column(index).to_pylist()]
            table = table.set_column(
                index,
                pa.field(field.name, pa.string(), metadata={b"dataops": b"json"}),
                pa.array(values, pa.string()),
            )
        elif pa.types.is_dictionary(field.type):
            table = table.set_column(
                index, field.name, table.column(index).cast(field.type.value_type)
            )
    return table


def _list_of_rows(rows: list[Mapping[str, Any]], batch_rows: int) -> Iterator[pa.Table]:
    """A long list of dicts, converted one slice ahead in a helper thread: the warehouse
    writes slice N (without holding the GIL) while slice N + 1 is being converted. Only lists
    take this path; a generator is always read in the caller's thread."""
    from concurrent.futures import ThreadPoolExecutor

    starts = range(0, len(rows), batch_rows)
    with ThreadPoolExecutor(1, thread_name_prefix="dataops-ingest") as pool:
        pending = pool.submit(_rows_to_table, rows[0:batch_rows])
        for start in starts[1:]:
            following = pool.submit(_rows_to_table, rows[start : start + batch_rows])
            yield pending.result()
            pending = following
        yield pending.result()


def _tables(data: Any, batch_rows: int) -> Iterator[pa.Table]:
    if isinstance(data, pa.Table):
        yield data
    elif isinstance(data, pa.RecordBatch):
        yield pa.Table.from_batches([data])
    elif _is_dataframe(data):
        yield _from_dataframe(data)
    elif isinstance(data, Mapping):
        yield _rows_to_table([data])
    elif isinstance(data, list) and len(data) > batch_rows and all(type(r) is dict for r in data):
        yield from _list_of_rows(data, batch_rows)
    elif isinstance(data, str | bytes) or data is None:
        raise IngestInputError(
            f"cannot ingest {type(data).__name__}: give a DataFrame, an Arrow table, a dict, "
            "a list of dicts, or an iterable of those"
        )
    elif isinstance(data, Iterable):
        rows: list[Mapping[str, Any]] = []
        for item in data:
            if type(item) is dict or isinstance(item, Mapping):  # the first test is the fast one
                rows.append(item)
                if len(rows) >= batch_rows:
                    yield _rows_to_table(rows)
                    rows = []
                continue
            if rows:
                yield _rows_to_table(rows)
                rows = []
            if isinstance(item, list) and all(isinstance(r, Mapping) for r in item):
                if item:
                    yield _rows_to_table(item)
            else:
                yield from _tables(item, batch_rows)
        if rows:
            yield _rows_to_table(rows)
    else:
        raise IngestInputError(
            f"cannot ingest {type(data).__name__}: give a DataFrame, an Arrow table, a dict, "
            "a list of dicts, or an iterable of those"
        )


def record_batches(data: Any, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
    """Arrow record batches, nested values as JSON text.

    Rows that arrive one by one come in batches of ``batch_rows``. A DataFrame or Arrow table
    is already in memory as a whole: it goes in slices of up to ``IN_MEMORY_BATCH_ROWS``, since
    fewer, larger inserts are faster and keep nothing more in memory.
    """
    for table in _tables(data, batch_rows):
        table = _nested_to_json(table)
        yield from table.to_batches(max_chunksize=max(batch_rows, IN_MEMORY_BATCH_ROWS))


def is_replayable(data: Any) -> bool:
    """Whether iterating ``data`` twice gives the same rows (false for generators)."""
    return isinstance(data, pa.Table | pa.RecordBatch | Mapping | list | tuple) or _is_dataframe(
        data
    )


class BatchSource:
    """Batches of one load that can be read again after a transient failure.

    Data that can be iterated twice is simply converted again. A generator is read once: its
    batches are spooled to a temporary Arrow file as they pass, so a retry replays the spool and
    then continues the generator. Memory stays at about one batch either way.
    """

    def __init__(self, data: Any, batch_rows: int = BATCH_ROWS) -> None:
        self._data = data
        self._batch_rows = batch_rows
        self._replayable = is_replayable(data)
        self._live: Iterator[pa.RecordBatch] | None = None
        self._spool: Any = None
        self._writer: ipc.RecordBatchStreamWriter | None = None
        self._spooled = 0
        self._writer_schema: pa.Schema | None = None

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        if self._replayable:
            yield from record_batches(self._data, self._batch_rows)
            return
        if self._live is None:
            self._live = record_batches(self._data, self._batch_rows)
        yield from self._replay_spool()
        for batch in self._live:
            self._keep(batch)
            yield batch

    def _keep(self, batch: pa.RecordBatch) -> None:
        if self._writer is not None and batch.schema != self._writer_schema:
            self._writer.close()
            self._writer = None
        if self._writer is None:
            if self._spool is None:
                self._spool = tempfile.TemporaryFile(prefix="dataops-ingest-")  # noqa: SIM115
            self._spool.seek(0, 2)
            self._writer = ipc.new_stream(self._spool, batch.schema)
            self._writer_schema = batch.schema
        self._writer.write_batch(batch)
        self._spooled += 1

    def _replay_spool(self) -> Iterator[pa.RecordBatch]:
        if not self._spooled:
            return
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._spool.seek(0)
        total = 0
        spooled = self._spooled
        while total < spooled:
            reader = ipc.open_stream(self._spool)
            for batch in reader:
                total += 1
                yield batch
        self._spool.seek(0, 2)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._spool is not None:
            self._spool.close()
