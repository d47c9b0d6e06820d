"""Turning what a step returns into a stream of Arrow record batches with bounded memory."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

from .values import (
    IngestInputError,
    arrow_ready,
    check_time_zones,
    check_unique,
    json_field,
    json_texts,
    python_column,
    value_kinds,
)

#: Rows per batch when the data arrives row by row.
BATCH_ROWS = 100_000
#: Rows per slice of data that is in memory already (a DataFrame or an Arrow table).
IN_MEMORY_BATCH_ROWS = 1_000_000


def _is_dataframe(data: Any) -> bool:
    return type(data).__name__ == "DataFrame" and hasattr(data, "to_dict")


#: What ``pandas.api.types.infer_dtype`` calls columns of objects that Arrow converts as they
#: are (strings, numbers, times of day): neither nested values nor timestamps among them.
_PLAIN_OBJECTS = {
    "string",
    "bytes",
    "integer",
    "floating",
    "mixed-integer-float",
    "decimal",
    "boolean",
    "time",
    "timedelta",
    "empty",
}


_OBJECT = np.dtype(object)


def _from_dataframe(frame: Any) -> pa.Table:
    """A DataFrame as Arrow: ``uuid.UUID`` objects as UUIDs, dicts and lists as JSON text.

    Columns of Python objects are looked at before Arrow sees them: UUIDs and nested values
    (checked for depth) are converted here, timestamps checked for time zones. Arrow converts
    the other columns of the frame in one call.
    """
    from pandas.api.types import infer_dtype

    check_unique(str(column) for column in frame.columns)
    converted: dict[int, tuple[pa.Field, pa.Array]] = {}
    for position, (column, dtype) in enumerate(frame.dtypes.items()):
        if dtype != _OBJECT:
            continue
        series = frame[column]
        name, values = str(column), series.to_numpy()
        # pandas tells the kinds of values in one fast pass: only columns of several kinds
        # (or of kinds it does not name, like dicts and UUIDs) are looked at value by value.
        kind = infer_dtype(values, skipna=True)
        if kind in _PLAIN_OBJECTS:
            continue
        # "date" too: datetimes are dates, and a column of both is called "date".
        timestamps = kind in ("datetime", "date")
        nested, dated = (False, True) if timestamps else value_kinds(values)
        if nested:
            converted[position] = json_field(name), pa.array(json_texts(name, values), pa.string())
            continue
        if dated:
            check_time_zones(name, values)
        present = series.dropna()
        if not present.empty and all(isinstance(v, uuid.UUID) for v in present):
            raw = [v.bytes if isinstance(v, uuid.UUID) else None for v in values]
            converted[position] = (
                pa.field(name, pa.uuid()),
                pa.array(raw, pa.binary(16)).cast(pa.uuid()),
            )
    if len(converted) == len(frame.columns):
        fields, arrays = zip(*converted.values(), strict=True) if converted else ((), ())
        return pa.Table.from_arrays(list(arrays), schema=pa.schema(fields))
    rest = frame.drop(columns=[frame.columns[p] for p in converted]) if converted else frame
    try:
        table = pa.Table.from_pandas(rest, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise IngestInputError(f"the DataFrame could not be converted: {exc}") from None
    for position, (field, array) in sorted(converted.items()):
        table = table.add_column(position, field, array)
    return table


def _rows_to_table(rows: list[Mapping[str, Any]]) -> pa.Table:
    """Rows as a table whose columns are every key seen, in order of first appearance.

    A key missing from a row is NULL there. Dicts and lists are kept as JSON text exactly as
    given (Arrow would force one structure on all of them and add missing keys as nulls).
    Each column is converted on its own, after a look at the kinds of its values.
    """
    names: list[Any] = list(rows[0])
    columns: list[list[Any]] | None = None
    if len(set(map(len, rows))) == 1:
        # Rows as long as the first that all have its keys have exactly its keys.
        with contextlib.suppress(KeyError):
            columns = [list(map(itemgetter(name), rows)) for name in names]
    if columns is None:
        names = list(dict.fromkeys(name for row in rows for name in row))
        columns = [[row.get(name) for row in rows] for name in names]
    fields, arrays = [], []
    for name, values in zip(names, columns, strict=True):
        if not isinstance(name, str):
            raise IngestInputError(f"column names must be strings, got {name!r}")
        field, array = python_column(name, values)
        fields.append(field)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


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
        check_unique(table.schema.names)
        table = arrow_ready(table)
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
