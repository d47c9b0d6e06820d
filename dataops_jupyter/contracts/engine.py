"""Running a table's rules on a warehouse: one aggregate query for every count-style rule, the
SQL rules' own queries, and sample rows for the rules that broke."""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, TypeVar

from ..warehouse.base import Warehouse, first_line
from ..warehouse.sqltext import quote_name
from .compile import Compiler, compile_table
from .model import Contract, TableSpec, split_name
from .repeated import duplicates_expression, repeated_rows
from .results import (
    SAMPLE_ROWS,
    CheckReport,
    CheckResult,
    CheckSummary,
    Scope,
    json_value,
    utc_now,
)
from .rules import Rule

#: A broken key or duplicates rule shows repeated values on tables of up to this many rows
#: (finding them costs a second pass over the whole key).
DUPLICATE_SAMPLE_ROWS = 1_000_000
_PARAM = re.compile(r"\$([a-z]\d+)\b|%\(([a-z]\d+)\)s")
T = TypeVar("T")


@dataclass
class CheckTarget:
    """One schema object of one contract, and the table it names once arguments are filled."""

    contract: Contract
    spec: TableSpec
    table: str


@dataclass(frozen=True)
class RowSource:
    """Where the rows that row-level rules judge are: a table (a load's stage, or the target)
    and a condition selecting them (``"_load_id" = 'ab12…'``), ``None`` for every row."""

    table_sql: str
    where: str | None = None


def used_params(sql: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The values ``sql`` refers to by placeholder (drivers refuse values a statement does not
    use), ``None`` when none."""
    used = {name for pair in _PARAM.findall(sql) for name in pair if name}
    return {k: params[k] for k in used} or None


class StatementFailed(Exception):
    """A statement of the checks failed; the message is the database's."""


class _Session:
    """Runs the checks' statements. On its own transaction a failed statement is followed by
    a fresh transaction; on a caller's connection the transaction is lost, so later
    statements are reported as not run."""

    def __init__(self, warehouse: Warehouse, connection: Any = None, samples: bool = True) -> None:
        self.warehouse = warehouse
        self.outer = connection
        #: Whether broken rules read sample rows.
        self.samples = samples
        self._stack = ExitStack()
        self._connection: Any = None
        self._broken: str | None = None

    def connection(self) -> Any:
        """The connection statements run on (a transaction is opened when needed)."""
        if self.outer is not None:
            return self.outer
        if self._connection is None:
            self._connection = self._stack.enter_context(self.warehouse.transaction())
            if self.warehouse.dialect == "postgres":
                self.warehouse.run_in(self._connection, "SET TRANSACTION READ ONLY")
        return self._connection

    def rows(self, sql: str, params: dict[str, Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of ``sql`` (only the values it refers to are sent)."""

        def run(connection: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
            cursor = connection.execute(sql, used_params(sql, params))
            return [d[0] for d in cursor.description or []], cursor.fetchall()

        return self.call(run)

    def call(self, work: Callable[[Any], T]) -> T:
        """What ``work`` returns from the connection; a database error is a
        :class:`StatementFailed`."""
        if self._broken is not None:
            raise StatementFailed(f"not run: an earlier statement failed ({self._broken})")
        connection = self.connection()
        try:
            return work(connection)
        except Exception as exc:
            if not self.warehouse.is_database_error(exc) or self.warehouse.is_transient(exc):
                raise
            message = first_line(exc)
            if self.outer is not None:
                self._broken = message
            else:
                self._connection = None
                with contextlib.suppress(Exception):
                    self._stack.close()
                self._stack = ExitStack()
            raise StatementFailed(message) from None

    def close(self) -> None:
        self._stack.close()


def table_sql(table: str) -> str:
    """A table name as SQL, each part quoted."""
    return ".".join(quote_name(part) for part in split_name(table))


def check_target(
    warehouse: Warehouse,
    target: CheckTarget,
    connection: Any = None,
    *,
    scope: Scope | None = None,
    rows: RowSource | None = None,
    samples: bool = True,
) -> list[CheckResult]:
    """The rules of ``target`` on the warehouse: all of them, or those of one ``scope``.

    On ``connection`` when given: inside the caller's transaction, for checks before a commit.
    Row-level rules judge the rows of ``rows`` when given (the rows a load brings), table-level
    rules always the whole table. Without ``samples`` no row is read for broken row rules
    (a guard that reads them itself).
    """
    session = _Session(warehouse, connection, samples)
    try:
        return _check(warehouse, session, target, scope, rows)
    finally:
        session.close()


def compile_target(
    warehouse: Warehouse, target: CheckTarget, connection: Any, rows: RowSource | None = None
) -> Compiler | None:
    """The rules of ``target`` for the table as it is on ``connection`` (``None`` when the
    table does not exist); row-level rules restricted to ``rows``."""
    columns = _table_columns(warehouse, connection, target.table)
    if columns is None:
        return None
    return _compile(warehouse, target, columns, rows)


def _compile(
    warehouse: Warehouse, target: CheckTarget, columns: dict[str, str], rows: RowSource | None
) -> Compiler:
    compiler = compile_table(
        target.spec, target.table, table_sql(target.table), columns, warehouse.dialect
    )
    if rows is not None:
        for rule in compiler.rules:
            if rule.scope == "row" and rule.predicate is not None:
                rule.source = rows.table_sql
                if rows.where is not None:
                    rule.predicate = f"({rows.where}) AND ({rule.predicate})"
                rule.sample_query = f"SELECT * FROM {rows.table_sql} WHERE {rule.predicate} LIMIT 5"
    return compiler


def _check(
    warehouse: Warehouse,
    session: _Session,
    target: CheckTarget,
    scope: Scope | None,
    rows: RowSource | None,
) -> list[CheckResult]:
    table = target.table
    columns = _table_columns(warehouse, session.connection(), table)
    compiler = _compile(warehouse, target, columns or {}, rows)
    if scope is not None:
        compiler.rules = [rule for rule in compiler.rules if rule.scope == scope]
    if columns is None:
        missing = CheckResult(
            rule=f"{target.spec.object_name}.exists",
            table=table,
            kind="exists",
            description=f"table {table} exists",
            scope="table",
            status="failed",
            measured="missing",
            threshold="present",
            reason="the table does not exist in the warehouse",
        )
        return [missing] + [
            _result(compiler, rule, "skipped", reason="the table does not exist")
            for rule in compiler.rules
        ]
    sources = dict.fromkeys(_source(compiler, rule) for rule in compiler.rules)
    scanned = _scanned(session, compiler, table, sources)
    figures = {
        source: _aggregate(session, compiler, source, source in scanned) for source in sources
    }
    duplicates = _Duplicates(session, compiler.table_sql)
    if session.samples:
        _prefetch_samples(session, compiler, figures, scanned)
    return [
        _judge(session, compiler, rule, figures[_source(compiler, rule)], duplicates)
        for rule in compiler.rules
    ]


def _scanned(session: _Session, compiler: Compiler, table: str, sources: Iterable[str]) -> set[str]:
    """The sources whose figures come from scans of their own (:func:`_pushed_down`) and from
    hashes of keys (:mod:`.repeated`): on DuckDB, every source but a view, which each scan
    would compute again (the rows a load brings are always in a table)."""
    if session.warehouse.dialect != "duckdb":
        return set()
    found = set(sources)
    if compiler.table_sql in found:
        *schema, name = split_name(table)

        def views(connection: Any) -> int:
            cursor = connection.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE lower(table_name) = lower($name) "
                "AND lower(table_schema) = lower(coalesce($schema, current_schema())) "
                "AND table_catalog = current_database() AND table_type = 'VIEW'",
                {"name": name, "schema": schema[-1] if schema else None},
            )
            return int(cursor.fetchall()[0][0])

        try:
            if session.call(views):
                found.discard(compiler.table_sql)
        except StatementFailed:
            found.discard(compiler.table_sql)
    return found


#: When the broken row rules of a table break at most this many rows in all, their sample
#: rows come from one query instead of one per rule (PostgreSQL).
FEW_BROKEN_ROWS = 1000


def _prefetch_samples(
    session: _Session, compiler: Compiler, figures: dict[str, _Figures], scanned: set[str]
) -> None:
    """Read the sample rows of every broken row rule of a source in one query: for a source
    in ``scanned`` each rule's first rows (:func:`_pushed_down`); elsewhere one pass over the
    source when they are few, each rule then taking its first five."""
    for source, figure in figures.items():
        broken = []
        for rule in compiler.rules:
            expression = _expression(rule)
            value = figure.values.get(expression) if expression is not None else None
            if rule.predicate is None or rule.duplicates is not None or not value:
                continue
            if _source(compiler, rule) == source and rule.sample_query is not None:
                broken.append((rule, int(value)))
        scans = source in scanned
        if not broken or (not scans and len(broken) < 2):
            continue
        if scans:
            sql = " UNION ALL ".join(
                f"({_pushed_down(f'*, {i} AS _dataops_rule', source, r.predicate or '')} "
                f"LIMIT {SAMPLE_ROWS})"
                for i, (r, _) in enumerate(broken)
            )
        elif sum(count for _, count in broken) <= FEW_BROKEN_ROWS:
            flags = ", ".join(f"coalesce({r.predicate}, FALSE) AS _broke_{i}" for i, (r, _) in
                              enumerate(broken))  # fmt: skip
            anywhere = " OR ".join(f"({r.predicate})" for r, _ in broken)
            sql = f"SELECT *, {flags} FROM {source} WHERE {anywhere} LIMIT {FEW_BROKEN_ROWS}"
        else:
            continue
        try:
            names, rows = session.rows(sql, compiler.params)
        except StatementFailed:
            continue
        width = len(names) - (1 if scans else len(broken))
        for index, (rule, _) in enumerate(broken):
            rule.samples = [
                {n: json_value(v) for n, v in zip(names[:width], row[:width], strict=True)}
                for row in rows
                if (row[width] == index if scans else row[width + index])
            ][:SAMPLE_ROWS]


def _pushed_down(selected: str, source: str, predicate: str) -> str:
    """``SELECT selected FROM source WHERE predicate``: on DuckDB a condition in ``WHERE`` is
    judged as the table is scanned, reading other columns only for the rows that meet it (on
    a dictionary-compressed column, once per distinct value), where the same condition in an
    aggregate's ``FILTER`` has every value of its columns read and decompressed first — about
    ten times the work for the products contract's rules."""
    return f"SELECT {selected} FROM {source} WHERE {predicate}"


class _Duplicates:
    """The most repeated values of a key, as samples of a broken key or duplicates rule: one
    grouping query per key, shared by the rules on it, and only for tables of at most
    :data:`DUPLICATE_SAMPLE_ROWS` rows (on larger ones the result says how to list them)."""

    def __init__(self, session: _Session, table: str) -> None:
        self.session, self.table = session, table
        self._found: dict[tuple[tuple[str, ...], bool], list[dict[str, Any]]] = {}

    def query(self, key: tuple[str, ...], skip_nulls: bool) -> str:
        listed = ", ".join(key)
        where = (" WHERE " + " AND ".join(f"{k} IS NOT NULL" for k in key)) if skip_nulls else ""
        return (
            f"SELECT {listed}, count(*) AS occurrences FROM {self.table}{where} "
            f"GROUP BY {listed} HAVING count(*) > 1 ORDER BY occurrences DESC, {listed} LIMIT 5"
        )

    def samples(self, key: tuple[str, ...], skip_nulls: bool) -> list[dict[str, Any]]:
        if (key, skip_nulls) not in self._found:
            try:
                names, rows = self.session.rows(self.query(key, skip_nulls), {})
            except StatementFailed:
                names, rows = [], []
            self._found[(key, skip_nulls)] = [
                {n: json_value(v) for n, v in zip(names, row, strict=True)} for row in rows
            ]
        return self._found[(key, skip_nulls)]


def _table_columns(warehouse: Warehouse, connection: Any, table: str) -> dict[str, str] | None:
    found = warehouse.columns(connection, table)
    if found is None and table != table.lower() and not warehouse.case_insensitive:
        # An unquoted name in the contract's SQL folds to lower case in PostgreSQL.
        found = warehouse.columns(connection, table.lower())
    return found


@dataclass
class _Figures:
    rows: int | None
    values: dict[str, Any]
    sql: str
    error: str | None = None


def _expression(rule: Rule) -> str | None:
    if rule.duplicates is not None:
        repeated = duplicates_expression(rule.duplicates, rule.skip_nulls)
        return f"({rule.measure}) + ({repeated})" if rule.measure is not None else repeated
    if rule.measure is not None:
        return rule.measure
    if rule.predicate is not None:
        return f"count(*) FILTER (WHERE {rule.predicate})"
    return None


def _aggregate(session: _Session, compiler: Compiler, source: str, scanned: bool) -> _Figures:
    """One aggregate query for the figures of every count-style rule measured on ``source``;
    when ``scanned`` (see :func:`_scanned`), the row rules' figures come from a second query
    instead, a scan per rule joined by ``UNION ALL`` (:func:`_pushed_down`), and the repeated
    values of keys are counted apart (:mod:`.repeated`), once per key."""
    #: Each figure's expression → its alias in the aggregate query.
    aliases: dict[str, str] = {}
    #: Each row rule's figure counted by a scan of its own → the rule's predicate.
    scans: dict[str, str] = {}
    #: Expression of a key rule → its NULL-row measure and the key, when counted apart.
    apart: dict[str, tuple[str | None, tuple[str, ...], bool]] = {}
    for rule in compiler.rules:
        expression = _expression(rule)
        measured = rule.skip is None and rule.verdict is None and rule.query is None
        if expression is None or not measured or _source(compiler, rule) != source:
            continue
        if rule.duplicates is not None and scanned:
            apart[expression] = (rule.measure, rule.duplicates, rule.skip_nulls)
            if rule.measure is None:
                continue
            expression = rule.measure
        if rule.predicate is not None and rule.measure is None and scanned:
            # The rows that break a row rule, counted by a scan that judges the rule itself.
            scans.setdefault(expression, rule.predicate)
        elif expression not in scans:
            aliases.setdefault(expression, f"m{len(aliases)}")
    selected = ", ".join(["count(*) AS n", *(f"{e} AS {a}" for e, a in aliases.items())])
    sql = f"SELECT {selected} FROM {source}"
    counts = " UNION ALL ".join(
        _pushed_down(f"{i} AS m, count(*) AS n", source, predicate)
        for i, predicate in enumerate(scans.values())
    )
    try:
        _, rows = session.rows(sql, compiler.params)
        row = rows[0]
        values = {expression: row[index + 1] for index, expression in enumerate(aliases)}
        if scans:
            counted = dict(session.rows(counts, compiler.params)[1])
            values.update({e: counted[i] for i, e in enumerate(scans)})
        found: dict[tuple[tuple[str, ...], bool], int] = {}
        for expression, (measure, key, skip_nulls) in apart.items():
            if (key, skip_nulls) not in found:
                found[key, skip_nulls] = session.call(
                    functools.partial(
                        repeated_rows, source=source, key=key, skip_nulls=skip_nulls, rows=row[0]
                    )
                )
            values[expression] = int(values[measure] if measure else 0) + found[key, skip_nulls]
    except StatementFailed as exc:
        return _Figures(None, {}, sql, str(exc))
    return _Figures(int(row[0]), values, sql)


def _source(compiler: Compiler, rule: Rule) -> str:
    return rule.source or compiler.table_sql


def _judge(
    session: _Session,
    compiler: Compiler,
    rule: Rule,
    figures: _Figures,
    duplicates: _Duplicates,
) -> CheckResult:
    if rule.skip is not None:
        return _result(compiler, rule, "skipped", reason=rule.skip)
    if rule.verdict is not None:
        known, holds, reason = rule.verdict
        return _result(compiler, rule, _status(rule, holds), measured=known, reason=reason)
    if rule.query is not None:
        return _judge_query(session, compiler, rule)
    expression = _expression(rule)
    sql = _standalone(compiler, rule)
    if figures.error is not None or expression not in figures.values:
        return _result(compiler, rule, "error", sql=sql, reason=figures.error)
    value = figures.values[expression]
    count = int(value) if value is not None else 0
    measured: float | int = count
    if rule.unit == "percent":
        measured = round(100.0 * count / figures.rows, 4) if figures.rows else 0.0
    holds = rule.threshold.holds(measured)
    samples: list[dict[str, Any]] = []
    reason = None
    if not holds and rule.duplicates is not None:
        if (figures.rows or 0) <= DUPLICATE_SAMPLE_ROWS:
            samples = duplicates.samples(rule.duplicates, rule.skip_nulls)
        else:
            listing = duplicates.query(rule.duplicates, rule.skip_nulls)
            reason = f"the most repeated values: {listing}"
    elif not holds and session.samples:
        samples = _samples(session, compiler, rule)
    return _result(
        compiler,
        rule,
        _status(rule, holds),
        measured=measured,
        sql=sql,
        samples=samples,
        reason=reason,
    )


def judged(compiler: Compiler, rule: Rule, count: int) -> CheckResult:
    """The result of a row rule whose breaking rows were counted elsewhere (as a load's
    batches came in)."""
    holds = rule.threshold.holds(count)
    sql = _standalone(compiler, rule)
    return _result(compiler, rule, _status(rule, holds), measured=count, sql=sql)


def _judge_query(session: _Session, compiler: Compiler, rule: Rule) -> CheckResult:
    assert rule.query is not None
    try:
        _, rows = session.rows(rule.query, {})
    except StatementFailed as exc:
        return _result(compiler, rule, "error", sql=rule.query, reason=str(exc))
    if not rows or not rows[0]:
        reason = "the query returned no rows: a SQL rule returns one value"
        return _result(compiler, rule, "error", sql=rule.query, reason=reason)
    measured = json_value(rows[0][0])
    holds = rule.threshold.holds(measured)
    return _result(compiler, rule, _status(rule, holds), measured=measured, sql=rule.query)


def _samples(session: _Session, compiler: Compiler, rule: Rule) -> list[dict[str, Any]]:
    if rule.samples is not None:
        return rule.samples
    if rule.sample_query is None:
        return []
    try:
        names, rows = session.rows(rule.sample_query, compiler.params)
    except StatementFailed:
        return []
    return [{n: json_value(v) for n, v in zip(names, row, strict=True)} for row in rows[:5]]


def _status(rule: Rule, holds: bool) -> Any:
    if holds:
        return "passed"
    return "failed" if rule.severity == "error" else "warning"


def _result(compiler: Compiler, rule: Rule, status: Any, **fields: Any) -> CheckResult:
    return CheckResult(
        rule=rule.rule_id,
        table=compiler.table,
        property=rule.subject,
        kind=rule.kind,
        description=rule.description,
        severity=rule.severity,
        scope=rule.scope,
        status=status,
        threshold=rule.expected or rule.threshold.text(rule.unit),
        unit=rule.unit if rule.verdict is None else None,
        **fields,
    )


def _standalone(compiler: Compiler, rule: Rule) -> str:
    """A query giving the rule's figure by itself, values written in: what a user can run."""
    source = _source(compiler, rule)
    if rule.predicate is not None:
        sql = f"SELECT count(*) FROM {source} WHERE {rule.predicate}"
    else:
        sql = f"SELECT {_expression(rule)} FROM {source}"
    return inline_params(sql, compiler.params)


def inline_params(sql: str, params: dict[str, Any]) -> str:
    """``sql`` with each placeholder replaced by its value written as a literal."""
    return _PARAM.sub(lambda m: sql_literal(params[m.group(1) or m.group(2)]), sql)


def sql_literal(value: Any) -> str:
    """``value`` written as a SQL literal (text quoted, quotes doubled)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def check_targets(
    warehouse: Warehouse, targets: Sequence[CheckTarget], contracts: Sequence[Contract] = ()
) -> CheckReport:
    """Every rule of every target, as one report."""
    started, clock = utc_now(), time.monotonic()
    results = [result for target in targets for result in check_target(warehouse, target)]
    return CheckReport(
        started_at=started,
        duration=round(time.monotonic() - clock, 4),
        warehouse=warehouse.display_url(),
        contracts=sorted(
            {str(t.contract.path) for t in targets} | {str(c.path) for c in contracts}
        ),
        results=results,
        summary=CheckSummary.of(results),
    )


def iter_targets(
    contracts: Sequence[Contract], arguments: dict[str, Any] | None = None
) -> Iterator[CheckTarget]:
    """A target per schema object of each contract, arguments filled in."""
    for contract in contracts:
        for spec in contract.tables:
            yield CheckTarget(contract, spec, spec.table(arguments))
