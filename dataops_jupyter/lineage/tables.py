"""The tables one SQL statement (or several) reads and writes, parsed with sqlglot.

Writes are the targets of ``CREATE TABLE`` (with ``AS``, ``OR REPLACE``), ``CREATE VIEW``,
``INSERT``, ``MERGE``, ``UPDATE``, ``DELETE``, ``COPY … FROM`` and ``TRUNCATE``; reads are every
other table the statement names (its ``SELECT`` parts, ``USING``/``FROM`` sources, ``COPY
(…) TO``), common table expressions left out. Names are qualified as written
(``shop.all_products``): quotes dropped, case kept, and a part that is not a plain name kept
quoted. SQL that sqlglot cannot read gives no tables, never an error: lineage never fails the
user's statement; ``parsed`` then says the tables are incomplete.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from sqlglot import exp

Dialect = Literal["duckdb", "postgres"]

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
#: Statements sqlglot keeps as a bare command although they may write a table.
_WRITING_VERBS = frozenset({"CREATE", "INSERT", "MERGE", "UPDATE", "DELETE", "COPY", "TRUNCATE"})
_CREATED_KINDS = frozenset({"TABLE", "VIEW"})


@dataclass
class StatementTables:
    """Tables read and written, as qualified names in the order first named."""

    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    #: ``False`` when some statement could not be read: its tables are missing.
    parsed: bool = True


class _Quiet(logging.Filter):
    """Drops sqlglot's warnings (``falling back to a Command``) while lineage parses: they
    would show in the user's cell output, and the outcome is already in ``parsed``."""

    def __init__(self) -> None:
        super().__init__()
        self.local = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.local, "active", False)


_QUIET = _Quiet()
logging.getLogger("sqlglot").addFilter(_QUIET)


def statement_tables(sql: str, dialect: Dialect) -> StatementTables:
    """The tables ``sql`` (one statement or several separated by ``;``) reads and writes."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    result = StatementTables()
    _QUIET.local.active = True
    try:
        statements = sqlglot.parse(sql, read=dialect)
    except (SqlglotError, RecursionError, ValueError):
        result.parsed = False
        return result
    finally:
        _QUIET.local.active = False
    for statement in statements:
        if statement is None:
            continue
        if isinstance(statement, exp.Command):
            if str(statement.this).upper() in _WRITING_VERBS:
                result.parsed = False
            continue
        targets = _targets(statement)
        _add(result.writes, (_name(t) for t in targets))
        ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
        seen = {id(t) for t in targets}
        if isinstance(statement, (exp.Create, exp.Drop, exp.Alter)):
            # The object a DDL statement makes, drops or changes is not read.
            target = statement.this
            seen.add(id(target.this if isinstance(target, exp.Schema) else target))
            seen.update(id(t) for t in statement.args.get("tables") or [])  # DROP a, b
        _add(
            result.reads,
            (
                _name(t)
                for t in _in_text_order(statement.find_all(exp.Table))
                if id(t) not in seen and _is_named_table(t) and not (not t.db and t.name in ctes)
            ),
        )
    return result


def _targets(statement: exp.Expr) -> list[exp.Table]:
    """The tables ``statement`` writes (its target), if it is a writing statement."""
    from sqlglot import exp

    target: exp.Expr | None = None
    if isinstance(statement, exp.Create):
        if str(statement.args.get("kind") or "").upper() not in _CREATED_KINDS:
            return []
        target = statement.this
    elif isinstance(statement, (exp.Insert, exp.Merge, exp.Update, exp.Delete)):
        target = statement.this
    elif isinstance(statement, exp.Copy):
        if not statement.args.get("kind"):  # COPY … TO: the table is read
            return []
        target = statement.this
    elif isinstance(statement, exp.TruncateTable):
        return [t for t in statement.expressions if isinstance(t, exp.Table)]
    if isinstance(target, exp.Schema):  # INSERT INTO t (a, b) / CREATE TABLE t (a INT)
        target = target.this
    return [target] if isinstance(target, exp.Table) and _is_named_table(target) else []


def _in_text_order(found: Iterable[exp.Table]) -> list[exp.Table]:
    """Tables in the order the statement's text names them."""
    return sorted(found, key=lambda t: t.this.meta.get("start", 0) if t.this else 0)


def _is_named_table(table: exp.Table) -> bool:
    """A table named by identifiers (not ``read_csv(…)`` or another table function)."""
    from sqlglot import exp

    return isinstance(table.this, exp.Identifier)


def _name(table: exp.Table) -> str:
    """``catalog.schema.table`` with the parts the statement gave."""
    parts = [table.args.get(key) for key in ("catalog", "db", "this")]
    return ".".join(_part(p.name) for p in parts if p is not None and p.name)


def _part(name: str) -> str:
    return name if _PLAIN.match(name) else '"' + name.replace('"', '""') + '"'


def _add(names: list[str], new: Iterable[str]) -> None:
    for name in new:
        if name not in names:
            names.append(name)
