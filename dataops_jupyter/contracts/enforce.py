"""Enforcing a contract while a load or a SQL step is still in its transaction.

Row-level rules judge the rows the load brought (all rows of a table a SQL step wrote);
table-level rules judge the whole table as it will be committed. What happens to rows that
break an error-severity row rule follows the job's ``[contracts]`` policy:

- ``fail``: nothing is committed; the rows are kept in ``<table>__quarantine``;
- ``quarantine``: they move to ``<table>__quarantine`` and the rest is committed, unless
  their share is above ``max_rejected`` (then as ``fail``);
- ``warn``: everything is committed and the broken rules are reported.

Each quarantined row keeps its columns, ``_load_id`` and ``_loaded_at``, plus ``_rule`` (the
first rule it breaks) and ``_reason``. Rows brought = rows committed + rows quarantined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from ..jobs.config import ContractsPolicy
from ..warehouse.base import Warehouse
from ..warehouse.guard import GuardRejection
from ..warehouse.ingest import LOAD_ID, LOADED_AT, SEQUENCE, append_rows
from ..warehouse.sqltext import quote_name
from .compile import Compiler
from .engine import (
    CheckTarget,
    RowSource,
    check_target,
    compile_target,
    inline_params,
    judged,
    sql_literal,
    table_sql,
)
from .model import Contract, split_name
from .results import SAMPLE_ROWS, CheckResult, CheckSummary, json_value
from .rules import Rule

QUARANTINE_SUFFIX = "__quarantine"
#: The column that numbers a batch's rows while they are judged.
ROW_NUMBER = "_dataops_row"
#: Failed rules named in a violation's message.
NAMED_RULES = 3


def quarantine_table(table: str) -> str:
    """``shop.all_products`` → ``shop.all_products__quarantine``."""
    return table + QUARANTINE_SUFFIX


class ContractViolation(GuardRejection):
    """What a step wrote breaks its table's contract; nothing of it was committed."""

    def __init__(
        self, message: str, results: list[CheckResult] | None = None, quarantined: int = 0
    ) -> None:
        super().__init__(message)
        self.results = results or []
        self.quarantined = quarantined


def find_target(
    contracts: Sequence[Contract], table: str, arguments: Mapping[str, Any]
) -> CheckTarget | None:
    """The schema object whose table is ``table`` (names compared without case; an
    unqualified name matches the same name in any schema when nothing matches exactly)."""
    wanted = [part.lower() for part in split_name(table)]
    loose = None
    for contract in contracts:
        for spec in contract.tables:
            try:
                name = spec.table(arguments)
            except Exception:
                continue
            parts = [part.lower() for part in split_name(name)]
            if parts == wanted:
                return CheckTarget(contract, spec, name)
            if parts[-1] == wanted[-1] and (len(parts) == 1 or len(wanted) == 1):
                loose = loose or CheckTarget(contract, spec, name)
    return loose


class ContractGuard:
    """Judges one table's writes against its contract before they commit (a
    :class:`~dataops_jupyter.warehouse.guard.LoadGuard`)."""

    def __init__(
        self, warehouse: Warehouse, target: CheckTarget, policy: ContractsPolicy | None = None
    ) -> None:
        self.warehouse = warehouse
        self.target = target
        self.policy = policy or ContractsPolicy()
        #: Every result so far: row-level rules on the rows written, then table-level ones.
        self.results: list[CheckResult] = []
        self.quarantined = 0
        self._pending: pa.Table | None = None
        #: Rows :meth:`admit` kept out of the table, and how many broke each rule.
        self._admission: _Admission | None = None

    @property
    def table(self) -> str:
        return self.target.table

    # -- the LoadGuard protocol ---------------------------------------------------------------

    def admit(self, connection: Any, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The rows of ``batch`` to write: on DuckDB, rows that break an error-severity row
        rule are kept out as they come (deleting them later would cost DuckDB a slow commit),
        to be judged by :meth:`screen`. Elsewhere, or under ``warn``, every row."""
        if self.warehouse.dialect != "duckdb" or self.policy.on_violation == "warn":
            return batch
        if self._admission is None:
            compiler = compile_target(self.warehouse, self.target, connection)
            self._admission = _Admission(compiler)
        return self._admission.split(connection, batch)

    def screen(self, connection: Any, source: str, where: str | None, brought: int) -> int:
        rows = RowSource(source, where)
        warn = self.policy.on_violation == "warn"
        admission = self._admission
        admitted = admission is not None and admission.active
        if admission is not None and admitted and admission.complete:
            # Every row rule was judged as the batches came: nothing to read again.
            self.results = admission.results()
        else:
            self.results = check_target(
                self.warehouse, self.target, connection, scope="row", rows=rows, samples=warn
            )
        if admission is not None and admitted:
            counts = admission.counts
            self.results = [
                r.model_copy(update={"status": "failed", "measured": counts[r.rule]})
                if counts.get(r.rule)
                else r
                for r in self.results
            ]
        broken = {r.rule for r in self.results if r.status == "failed"}
        if not broken or warn:
            return 0
        quarantine = self.policy.on_violation == "quarantine"
        if admitted:
            assert self._admission is not None
            rejected = self._admission.rejected()
        else:
            compiler = compile_target(self.warehouse, self.target, connection, rows)
            assert compiler is not None
            rules = [r for r in compiler.rules if r.rule_id in broken and r.predicate is not None]
            # Under "quarantine" the rows leave the table as they are read (one pass); a
            # refusal below rolls that back with the rest.
            rejected = self._take_rows(
                connection, source, rules, compiler.params, remove=quarantine
            )
        self._samples_from(rejected)
        count = rejected.num_rows
        share = count / brought if brought else 0.0
        if not quarantine or share > self.policy.max_rejected:
            self._pending = rejected
            limit = (
                f" (more than max_rejected {self.policy.max_rejected:.2%} of {brought:,} rows)"
                if quarantine
                else ""
            )
            raise self._violation(count, limit)
        self._keep(connection, rejected)
        self.quarantined = count
        moved = f"{count:,} row{'s' if count != 1 else ''} moved to {quarantine_table(self.table)}"
        self.results = [
            r.model_copy(update={"status": "warning", "reason": moved}) if r.rule in broken else r
            for r in self.results
        ]
        return count

    def _samples_from(self, rejected: pa.Table) -> None:
        """Each failed rule's sample rows, from the rows it rejected."""
        import pyarrow.compute as pc

        def samples(rule: str) -> list[dict[str, Any]]:
            rows = rejected.filter(pc.equal(rejected["_rule"], rule)).slice(0, SAMPLE_ROWS)
            shown = rows.drop_columns(["_rule", "_reason"]).to_pylist()
            return [{k: json_value(v) for k, v in row.items()} for row in shown]

        self.results = [
            r.model_copy(update={"samples": samples(r.rule)}) if r.status == "failed" else r
            for r in self.results
        ]

    def verify(self, connection: Any) -> None:
        table_results = check_target(self.warehouse, self.target, connection, scope="table")
        self.results = [*self.results, *table_results]
        if self.policy.on_violation != "warn" and any(
            r.status in ("failed", "error") for r in table_results
        ):
            raise self._violation(0, "")

    def after_rollback(self) -> None:
        if self._pending is None or not self._pending.num_rows:
            return
        rows = self._pending

        def work() -> None:
            with self.warehouse.transaction() as connection:
                self._keep(connection, rows)

        self.warehouse.retrying(work, transient=self.warehouse.is_creation_race)
        self.quarantined = rows.num_rows
        self._pending = None

    # -- the SQL path ---------------------------------------------------------------------------

    def before_commit(self, connection: Any) -> None:
        """For :meth:`Warehouse.execute`: judge every row of the table a SQL step wrote, then
        the whole table."""
        if self.warehouse.columns(connection, self.table) is None:
            return  # the step dropped the table: nothing of it to judge
        self.screen(connection, table_sql(self.table), None, self._row_count(connection))
        self.verify(connection)

    # -- helpers --------------------------------------------------------------------------------

    def summary(self) -> CheckSummary:
        return CheckSummary.of(self.results)

    def _row_count(self, connection: Any) -> int:
        rows = self.warehouse.run_in(connection, f"SELECT count(*) FROM {table_sql(self.table)}")
        return int(rows[0][0]) if rows else 0

    def _take_rows(
        self,
        connection: Any,
        source: str,
        rules: list[Rule],
        params: dict[str, Any],
        remove: bool,
    ) -> pa.Table:
        """The rows breaking ``rules`` with the first rule each breaks and why; ``remove``
        deletes them from ``source`` in the same statement."""
        # Values written in, not bound: DuckDB takes no parameters in a RETURNING clause.
        first = " ".join(f"WHEN {r.predicate} THEN {sql_literal(r.rule_id)}" for r in rules)
        why = " ".join(f"WHEN {r.predicate} THEN {sql_literal(r.description)}" for r in rules)
        anywhere = " OR ".join(f"({r.predicate})" for r in rules)
        marks = f"CASE {first} END AS _rule, CASE {why} END AS _reason"
        sql = (
            f"DELETE FROM {source} WHERE {anywhere} RETURNING *, {marks}"
            if remove
            else f"SELECT *, {marks} FROM {source} WHERE {anywhere}"
        )
        cursor = connection.execute(inline_params(sql, params))
        names = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
        columns = {n: [row[i] for row in rows] for i, n in enumerate(names) if n != SEQUENCE}
        return pa.table({n: _arrow_values(values) for n, values in columns.items()})

    def _keep(self, connection: Any, rows: pa.Table) -> None:
        if not rows.num_rows:
            return
        if LOAD_ID not in rows.column_names:
            # Rows a SQL step wrote carry no load: the quarantine still says when they came.
            now = pa.scalar(datetime.now(UTC), pa.timestamp("us", tz="UTC"))
            rows = rows.append_column(LOAD_ID, pa.nulls(rows.num_rows, pa.string()))
            rows = rows.append_column(LOADED_AT, pa.repeat(now, rows.num_rows))
        append_rows(self.warehouse, connection, quarantine_table(self.table), rows)

    def _violation(self, rejected: int, limit: str) -> ContractViolation:
        failed = [r for r in self.results if r.status in ("failed", "error")]
        summary = self.summary()
        named = []
        for result in failed[:NAMED_RULES]:
            text = f"{result.rule} ({result.description}): measured {result.measured}"
            text += f", expected {result.threshold}"
            if result.samples:
                text += f", e.g. {_sample(result.samples[0])}"
            named.append(text)
        more = f"; and {len(failed) - NAMED_RULES} more" if len(failed) > NAMED_RULES else ""
        kept = (
            f". {rejected:,} row{'s' if rejected != 1 else ''} kept in "
            f"{quarantine_table(self.table)} for inspection"
            if rejected
            else ""
        )
        message = (
            f"contract {self.target.contract.label} on {self.table}: "
            f"{summary.failed + summary.error} of {summary.total} checks failed{limit}: "
            + "; ".join(named)
            + more
            + kept
            + ". Nothing was committed"
        )
        return ContractViolation(message, self.results, rejected)


class _Admission:
    """Splits a load's batches into the rows to write and the rows that break an
    error-severity row rule (with the first rule each breaks and why), counting per rule."""

    def __init__(self, compiler: Compiler | None) -> None:
        self.compiler = compiler
        row_rules = [r for r in (compiler.rules if compiler else []) if r.scope == "row"]
        self.rules = [r for r in row_rules if r.severity == "error"]
        self.predicates = [r.predicate or "" for r in self.rules]
        #: Whether these are all the table's row rules (none of another severity).
        self.complete = len(self.rules) == len(row_rules)
        self.params = compiler.params if compiler is not None else {}
        #: False once a batch could not be judged here (a column the rules name is not in the
        #: data): the rows are then judged in the table, after they are written.
        self.active = bool(self.rules)
        self.counts: dict[str, int] = {}
        self._rejected: list[pa.Table] = []
        self._views = 0

    def split(self, connection: Any, batch: pa.RecordBatch) -> pa.RecordBatch:
        if not self.active or not batch.num_rows:
            return batch
        self._views += 1
        view = f"_dataops_admit_{self._views}"
        # Only the columns the rules read: DuckDB converts each column it scans.
        used = [n for n in batch.schema.names if any(quote_name(n) in p for p in self.predicates)]
        numbered = batch.select(used).append_column(ROW_NUMBER, pa.array(np.arange(batch.num_rows)))
        connection.register(view, numbered)
        flags = ", ".join(f"coalesce({r.predicate}, FALSE)" for r in self.rules)
        anywhere = " OR ".join(f"({r.predicate})" for r in self.rules)
        try:
            # One pass that returns only the rows that break a rule, with a flag per rule.
            broken = connection.sql(
                inline_params(
                    f"SELECT {ROW_NUMBER}, {flags} FROM {view} WHERE {anywhere} "
                    f"ORDER BY {ROW_NUMBER}",
                    self.params,
                )
            ).fetchall()
        except Exception:
            # A column the rules name is not in this batch: judge the rows in the table.
            self.active = False
            return batch
        finally:
            connection.unregister(view)
        if not broken:
            return batch
        for index, rule in enumerate(self.rules, start=1):
            hits = sum(1 for b in broken if b[index])
            self.counts[rule.rule_id] = self.counts.get(rule.rule_id, 0) + hits
        firsts = [next(r for r, hit in zip(self.rules, b[1:], strict=True) if hit) for b in broken]
        positions = np.array([b[0] for b in broken], dtype=np.int64)
        kept = pa.Table.from_batches([batch.take(pa.array(positions))])
        kept = kept.drop_columns([c for c in (SEQUENCE,) if c in kept.schema.names])
        kept = kept.append_column("_rule", pa.array([r.rule_id for r in firsts], pa.string()))
        reasons = pa.array([r.description for r in firsts], pa.string())
        self._rejected.append(kept.append_column("_reason", reasons))
        mask = np.ones(batch.num_rows, dtype=bool)
        mask[positions] = False
        return batch.filter(pa.array(mask))

    def results(self) -> list[CheckResult]:
        """The row rules' results from the counts of every batch."""
        assert self.compiler is not None
        return [judged(self.compiler, r, self.counts.get(r.rule_id, 0)) for r in self.rules]

    def rejected(self) -> pa.Table:
        """Every row kept out so far."""
        return pa.concat_tables(self._rejected) if self._rejected else pa.table({})


def _arrow_values(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(json_value(v)) for v in values])


def _sample(sample: dict[str, Any]) -> str:
    shown = {k: v for k, v in sample.items() if not k.startswith("_")}
    text = ", ".join(f"{k}={v!r}" for k, v in shown.items())
    return "{" + (text if len(text) <= 200 else text[:199] + "…") + "}"
