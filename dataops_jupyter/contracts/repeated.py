"""Counting the repeated values of a key: the figure of a primary key, ``unique`` or
``duplicateValues`` rule.

The figure is the rows beyond the first of each value of the key
(:func:`duplicates_expression`). In SQL it takes ``count(DISTINCT …)``, whose hash table of
every value is most of the time a whole contract takes on a large table. On DuckDB the figure
is found another way, exactly: the database hashes the key of each row (a fast, parallel scan),
the hashes are sorted in memory, and only rows whose hash occurs twice — the repeated values,
and the rare different values with the same hash — are counted again by the SQL expression,
as are rows with a NULL key part. Rows whose hash occurs once hold a value that occurs once:
they add nothing to the figure.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pyarrow as pa

#: Hashes read into memory at once (8 bytes each); larger tables are read in slices of the
#: hash range, one scan each.
HASHES_AT_ONCE = 16_000_000

_views = itertools.count(1)


def duplicates_expression(key: tuple[str, ...], skip_nulls: bool) -> str:
    """The rows beyond the first of each value of ``key``, as an aggregate expression."""
    if len(key) == 1 and skip_nulls:
        return f"count({key[0]}) - count(DISTINCT {key[0]})"
    whole = f"({', '.join(key)})" if len(key) > 1 else key[0]
    if not skip_nulls:
        return f"count(*) - count(DISTINCT {whole})"
    known = " AND ".join(f"{k} IS NOT NULL" for k in key)
    return f"count(*) FILTER (WHERE {known}) - count(DISTINCT {whole}) FILTER (WHERE {known})"


def repeated_rows(
    connection: Any,
    source: str,
    key: tuple[str, ...],
    skip_nulls: bool,
    rows: int,
    at_once: int = HASHES_AT_ONCE,
) -> int:
    """The figure of :func:`duplicates_expression` on ``source`` (a table of about ``rows``
    rows) over a DuckDB ``connection``, computed without a hash table of every value; at most
    ``at_once`` hashes are in memory at a time."""
    hashed = f"hash({', '.join(key)})"
    known = " AND ".join(f"{k} IS NOT NULL" for k in key)
    slices = max(1, -(-rows // at_once))
    repeated = []
    for part in range(slices):
        where = known + (f" AND {hashed} % {slices} = {part}" if slices > 1 else "")
        read = connection.sql(f"SELECT {hashed} AS h FROM {source} WHERE {where}")
        hashes = read.to_arrow_table().column(0).to_numpy()  # a copy unless one chunk
        if not hashes.flags.writeable:
            hashes = hashes.copy()
        hashes.sort()  # in place: no second copy of every hash
        twice = hashes[1:][hashes[1:] == hashes[:-1]]
        if twice.size:
            repeated.append(np.unique(twice))
    if not repeated and skip_nulls:
        return 0  # every value occurs once; NULLs are not counted
    counted = "FALSE" if skip_nulls else f"NOT ({known})"  # rows with a NULL part count
    view = f"_dataops_repeated_{next(_views)}"
    candidates = np.concatenate(repeated) if repeated else np.array([], dtype=np.uint64)
    connection.register(view, pa.table({"h": pa.array(candidates, pa.uint64())}))
    try:
        rows_found = connection.execute(
            f"SELECT {duplicates_expression(key, skip_nulls)} FROM {source} "
            f"WHERE {counted} OR {hashed} IN (SELECT h FROM {view})"
        ).fetchall()
    finally:
        connection.unregister(view)
    return int(rows_found[0][0] or 0)
