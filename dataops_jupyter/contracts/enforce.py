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

import pyarrow as pa

from ..jobs.config import ContractsPolicy
from ..warehouse.base import Warehouse
from ..warehouse.guard import GuardRejection
from ..warehouse.ingest import LOAD_ID, LOADED_AT, SEQUENCE, append_rows
from .engine import (
    CheckTarget,
    RowSource,
    check_target,
    compile_target,
    inline_params,
    sql_literal,
    table_sql,
)
from .model import Contract, split_name
from .results import SAMPLE_ROWS, CheckResult, CheckSummary, json_value
from .rules import Rule

QUARANTINE_SUFFIX = "__quarantine"
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
        self._kept = False

    @property
    def table(self) -> str:
        return self.target.table

    # -- the LoadGuard protocol ---------------------------------------------------------------

    def screen(self, connection: Any, source: str, where: str | None, brought: int) -> int:
        rows = RowSource(source, where)
        warn = self.policy.on_violation == "warn"
        self.results = check_target(
            self.warehouse, self.target, connection, scope="row", rows=rows, samples=warn
        )
        broken = {r.rule for r in self.results if r.status == "failed"}
        if not broken or warn:
            return 0
        compiler = compile_target(self.warehouse, self.target, connection, rows)
        assert compiler is not None
        rules = [r for r in compiler.rules if r.rule_id in broken and r.predicate is not None]
        quarantine = self.policy.on_violation == "quarantine"
        # Under "quarantine" the rows leave the table as they are read (one pass); a refusal
        # below rolls that back with the rest.
        rejected = self._take_rows(connection, source, rules, compiler.params, remove=quarantine)
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


def _arrow_values(values: list[Any]) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(json_value(v)) for v in values])


def _sample(sample: dict[str, Any]) -> str:
    shown = {k: v for k, v in sample.items() if not k.startswith("_")}
    text = ", ".join(f"{k}={v!r}" for k, v in shown.items())
    return "{" + (text if len(text) <= 200 else text[:199] + "…") + "}"
