"""Column values checked and made ready for Arrow on their way into a load.

Each refusal is one line naming the column and what to change: a name used twice, values
nested deeper than :data:`MAX_DEPTH`, timestamps with and without a time zone in one column,
integers that no 64-bit type holds. NaN becomes NULL (and ``null`` inside JSON values), as
pandas already makes it; JSON text keeps non-ASCII characters as they are.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InvalidInputError

#: Levels of dicts and lists a value may nest (a row's own columns do not count).
MAX_DEPTH = 64
#: Field metadata that marks a text column as JSON documents.
JSON_METADATA = {b"dataops": b"json"}
_NESTED = (Mapping, list, tuple)
_INT64_MAX = 2**63 - 1


class IngestInputError(InvalidInputError):
    """Data that cannot be ingested as given (wrong shape, mixed types in one column)."""


def check_unique(names: Iterable[str]) -> None:
    """Refuse a column name that appears more than once."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise IngestInputError(f"column {name!r} appears twice in the data: rename one")
        seen.add(name)


def _too_deep_message(name: str) -> str:
    return (
        f"column {name!r} nests dicts or lists more than {MAX_DEPTH} levels deep: flatten the "
        "values, or store them as text (json.dumps)"
    )


def is_too_deep(value: Any) -> bool:
    """Whether ``value`` nests dicts, lists or tuples more than :data:`MAX_DEPTH` levels.

    Walks with an explicit stack of at most ``MAX_DEPTH + 1`` iterators, so neither memory nor
    Python's own stack grows with the depth, and stops as soon as the limit is passed (a value
    that contains itself is too deep too).
    """
    stack: list[Iterator[Any]] = [iter((value,))]
    while stack:
        for item in stack[-1]:
            if isinstance(item, Mapping):
                children: Iterable[Any] = item.values()
            elif isinstance(item, list | tuple):
                children = item
            else:
                continue
            if len(stack) > MAX_DEPTH:
                return True
            stack.append(iter(children))
            break
        else:
            stack.pop()
    return False


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinite floats as ``None`` (for values checked for depth)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def to_json(value: Any) -> str | None:
    """JSON text of a value, non-ASCII characters as they are (not ``\\u`` escapes).

    JSON has no NaN or infinity: inside a value they become ``null``.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return json.dumps(value, default=str, ensure_ascii=False, allow_nan=False)
    except ValueError:  # NaN or infinity somewhere inside
        return json.dumps(_finite(value), default=str, ensure_ascii=False)


def json_texts(name: str, values: Iterable[Any]) -> list[str | None]:
    """The values of column ``name`` as JSON text, refusing values nested too deep."""
    texts = []
    for value in values:
        if isinstance(value, _NESTED) and is_too_deep(value):
            raise IngestInputError(_too_deep_message(name))
        texts.append(to_json(value))
    return texts


def json_field(name: str) -> pa.Field:
    return pa.field(name, pa.string(), metadata=JSON_METADATA)


def check_time_zones(name: str, values: Sequence[Any]) -> None:
    """Refuse a column that holds timestamps with a time zone and timestamps without one
    (Arrow would silently read the naive ones in the zone of the first aware one, or the
    other way round)."""
    zones = set(map(getattr, values, repeat("tzinfo"), repeat(None)))
    if None not in zones or len(zones) == 1:  # every value aware, or none
        return
    aware = naive = False
    for value in values:
        if isinstance(value, datetime) and value == value:  # NaT is not equal to itself
            if value.tzinfo is None:
                naive = True
            else:
                aware = True
    if aware and naive:
        raise IngestInputError(
            f"column {name!r} mixes timestamps with and without a time zone: make them all "
            "aware or all naive"
        )


def value_kinds(values: Sequence[Any]) -> tuple[bool, bool]:
    """Whether ``values`` hold nested values (dicts, lists, tuples) and whether datetimes.

    One pass over the values' types in C, then a look at the few distinct types.
    """
    types = set(map(type, values))
    nested = any(issubclass(t, _NESTED) for t in types)
    return nested, any(issubclass(t, datetime) for t in types)


def python_column(name: str, values: Sequence[Any]) -> tuple[pa.Field, pa.Array]:
    """One column of Python values as Arrow: nested values as JSON text, integers beyond
    int64 as uint64 when they fit it."""
    nested, dated = value_kinds(values)
    if nested:
        return json_field(name), pa.array(json_texts(name, values), pa.string())
    if dated:
        check_time_zones(name, values)
    try:
        array = pa.array(values)
    except OverflowError:
        array = _wide_integers(name, values)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise IngestInputError(
            f"rows could not be converted: column {name!r} mixes kinds of values ({exc})"
        ) from None
    return pa.field(name, array.type), array


def _wide_integers(name: str, values: Sequence[Any]) -> pa.Array:
    try:
        return pa.array(values, pa.uint64())
    except (OverflowError, pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    outside = [v for v in values if isinstance(v, int) and not -_INT64_MAX - 1 <= v <= _INT64_MAX]
    if not outside:
        raise IngestInputError(
            f"rows could not be converted: column {name!r} mixes kinds of values"
        ) from None
    raise IngestInputError(
        f"column {name!r} holds {max(outside, key=abs)}, which does not fit a 64-bit integer: "
        "load such numbers as Decimal or as text"
    ) from None


def _type_depth(kind: pa.DataType) -> int:
    """Levels of nesting of an Arrow type (a struct of lists is 2), walked without recursion."""
    deepest, pending = 0, [(kind, 1)]
    while pending:
        current, depth = pending.pop()
        if current.num_fields:
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                pending.extend(
                    (current.field(i).type, depth + 1) for i in range(current.num_fields)
                )
    return deepest


def arrow_ready(table: pa.Table) -> pa.Table:
    """Columns as the warehouses take them.

    Struct, list and map columns become JSON text; dictionary-encoded columns plain values;
    NaN becomes NULL; uint64 columns whose values all fit int64 become int64 (a column is only
    made unsigned, or numeric, for values that need it).
    """
    for index, field in enumerate(table.schema):
        kind = field.type
        column = table.column(index)
        if pa.types.is_nested(kind):
            if _type_depth(kind) > MAX_DEPTH:
                raise IngestInputError(_too_deep_message(field.name))
            texts = pa.array([to_json(v) for v in column.to_pylist()], pa.string())
            table = table.set_column(index, json_field(field.name), texts)
        elif pa.types.is_dictionary(kind):
            table = table.set_column(index, field.name, column.cast(kind.value_type))
        elif pa.types.is_floating(kind) and kind.bit_width >= 32:
            nan = pc.is_nan(column)
            if pc.any(nan).as_py():
                table = table.set_column(
                    index, field, pc.if_else(nan, pa.scalar(None, kind), column)
                )
        elif kind == pa.uint64():
            largest = pc.max(column).as_py()
            if largest is None or largest <= _INT64_MAX:
                table = table.set_column(
                    index,
                    pa.field(field.name, pa.int64(), metadata=field.metadata),
                    column.cast(pa.int64()),
                )
    return table
