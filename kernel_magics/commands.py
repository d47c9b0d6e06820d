"""What ``%%sql``, ``%%ingest``, ``job.sql`` and ``job.ingest`` do, apart from parsing options.

Errors the user can fix come out as :class:`IPython.core.error.UsageError` with a short message
(no Python traceback): the database's message and the statement, or what to change. A load's
errors are also of the product's own type (``IngestInputError``, ``IngestError``,
``WarehouseError``: each an ``InvalidInputError``), for code that catches them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from IPython.core.error import UsageError

from .report import in_run, report_step, reporting

if TYPE_CHECKING:
    import pandas as pd

    from dataops_jupyter.contracts.enforce import ContractGuard
    from dataops_jupyter.contracts.results import CheckResult
    from dataops_jupyter.warehouse import LoadSummary, Warehouse
    from dataops_jupyter.warehouse.sqltext import Dialect

    from .context import JobContext

#: A load that runs longer than this many seconds shows progress.
PROGRESS_AFTER = 2.0


def _user_error(exc: Exception) -> UsageError:
    message = getattr(exc, "message", None) or str(exc)
    return UsageError(message)


class _TypedUsageError(UsageError):
    """A :class:`UsageError` that is also of the product's error type (see :func:`_typed`).

    IPython shows only exact ``UsageError``s without a traceback; this one renders itself as
    the same single line, under the name of its product type."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


_TYPED: dict[type[Exception], type[UsageError]] = {}


def _typed(exc: Exception) -> UsageError:
    """``exc`` as a one-line :class:`UsageError` that ``except IngestInputError`` (or whatever
    the product's type of ``exc`` is) still catches in notebook code."""
    kind = type(exc)
    if kind not in _TYPED:
        _TYPED[kind] = type(
            kind.__name__, (_TypedUsageError, kind), {"__module__": kind.__module__}
        )
    return _TYPED[kind](getattr(exc, "message", None) or str(exc))


def connection_for(job: JobContext, conn: str | None) -> Warehouse:
    """The job's warehouse, or the one named by ``--conn`` (a URL or a name in dataops.toml)."""
    if not conn:
        return job.warehouse
    from dataops_jupyter.errors import InvalidInputError
    from dataops_jupyter.warehouse import open_warehouse, workspace_root
    from dataops_jupyter.warehouse.resolve import named_connection

    try:
        url = conn if "://" in conn else named_connection(workspace_root(job.folder), conn)
        return open_warehouse(url)
    except InvalidInputError as exc:
        raise _user_error(exc) from None


class SQLOutcome(NamedTuple):
    """What ``%%sql`` ran: the last query's rows, and what each other statement did."""

    frame: pd.DataFrame | None
    done: list[str]


def run_sql(
    job: JobContext,
    sql: str,
    values: Mapping[str, Any],
    conn: str | None = None,
) -> SQLOutcome:
    """Run the statements of ``sql`` in one transaction: the last query's rows as a DataFrame
    and a line per statement that is not a query (``created table t``, ``deleted 3 rows``)."""
    from dataops_jupyter.errors import DataOpsError
    from dataops_jupyter.warehouse import prepare

    warehouse = connection_for(job, conn)
    guards: list[ContractGuard] = []
    try:
        statements = prepare(sql, values, job.identifiers(), warehouse.dialect, job.comment())
        if not statements:
            raise UsageError("no SQL statement to run")
        guards = _sql_guards(job, warehouse, [s.text for s in statements])

        def before_commit(connection: Any) -> None:
            for guard in guards:
                guard.before_commit(connection)

        result = warehouse.execute(statements, before_commit=before_commit if guards else None)
    except DataOpsError as exc:
        _contract_outcome(job, guards, failed=True)
        raise _typed(exc) if guards else _user_error(exc) from None
    _report_tables(job, [s.text for s in statements], warehouse.dialect)
    _contract_outcome(job, guards)
    frame = result.table.to_pandas() if result.table is not None else None
    return SQLOutcome(frame, result.done)


def _sql_guards(
    job: JobContext, warehouse: Warehouse, statements: Sequence[str]
) -> list[ContractGuard]:
    """A guard for each contracted table the statements write (parsed with sqlglot)."""
    if not job.contracts.contracts():
        return []
    from dataops_jupyter.lineage import statement_tables

    written: list[str] = []
    for text in statements:
        written += [t for t in statement_tables(text, warehouse.dialect).writes if t not in written]
    guards: list[ContractGuard] = []
    for table in written:
        guard = job.contracts.guard(job, warehouse, table)
        if guard is not None and all(g.table != guard.table for g in guards):
            guards.append(guard)
    return guards


def _contract_outcome(
    job: JobContext, guards: Sequence[ContractGuard], failed: bool = False
) -> None:
    """Show each guard's results under the cell and hand them to the runner; after a
    refusal, keep the rows a guard set aside."""
    from .contracts import show, title_of

    for guard in guards:
        if failed:
            guard.after_rollback()
        if guard.results:
            show(guard.results, title_of(guard.target), printed=in_run())
            report_step(job.step, checks=[r.model_dump(mode="json") for r in guard.results])


def _report_tables(job: JobContext, statements: Sequence[str], dialect: Dialect) -> None:
    """In a run, tell the runner which tables the statements that ran wrote and read.
    Lineage never fails a statement: one it cannot read is counted as ``unparsed``."""
    if not reporting() or job.step is None:
        return
    from dataops_jupyter.lineage import statement_tables

    reads: list[str] = []
    writes: list[str] = []
    unparsed = 0
    for text in statements:
        try:
            found = statement_tables(text, dialect)
        except Exception:
            unparsed += 1
            continue
        unparsed += not found.parsed
        writes += [name for name in found.writes if name not in writes]
        reads += [name for name in found.reads if name not in reads]
    report_step(job.step, writes=writes, reads=reads, unparsed=unparsed)


def _known_total(data: Any) -> int | None:
    for attribute in ("num_rows", "shape"):
        value = getattr(data, attribute, None)
        if isinstance(value, int):
            return value
        if isinstance(value, tuple) and value:
            return int(value[0])
    if isinstance(data, list | tuple):
        return len(data)
    return None


class LoadProgress:
    """Shows a load's progress once it has run for a while: a live bar in a notebook, plain
    lines in a run's log (where no one can see a widget)."""

    def __init__(self, table: str, total: int | None, in_run: bool) -> None:
        self.table, self.total, self.in_run = table, total, in_run
        self._widget: Any = None
        self._last_line = 0.0

    def __call__(self, rows: int, seconds: float) -> None:
        if seconds < PROGRESS_AFTER:
            return
        rate = rows / seconds if seconds else 0.0
        text = f"{self.table}: {rows:,} rows" + (f" of {self.total:,}" if self.total else "")
        text += f" · {rate:,.0f} rows/s"
        if self.in_run:
            if seconds - self._last_line >= PROGRESS_AFTER:
                self._last_line = seconds
                print(f"ingest {text}", flush=True)
            return
        self._update_widget(rows, text)

    def _update_widget(self, rows: int, text: str) -> None:
        if self._widget is None:
            try:
                import ipywidgets as widgets
                from IPython.display import display
            except ImportError:
                self.in_run = True
                return
            bar = widgets.IntProgress(min=0, max=self.total or max(rows * 2, 1))
            label = widgets.Label(text)
            self._widget = (bar, label)
            display(widgets.HBox([bar, label]))
        bar, label = self._widget
        if not self.total and rows > bar.max:
            bar.max = rows * 2
        bar.value = min(rows, bar.max)
        label.value = text

    def finish(self, summary: LoadSummary) -> None:
        if self._widget is not None:
            bar, label = self._widget
            bar.max = max(summary.rows, 1)
            bar.value = bar.max
            bar.bar_style = "success"
            label.value = str(summary)


def run_ingest(
    job: JobContext,
    data: Any,
    table: str,
    mode: str = "append",
    key: Sequence[str] | str | None = None,
    schema: str = "evolve",
) -> LoadSummary:
    """Load ``data`` into ``table`` of the job's warehouse and return the summary."""
    from dataops_jupyter.errors import DataOpsError
    from dataops_jupyter.warehouse import LoadContext, ingest

    progress = LoadProgress(table, _known_total(data), in_run=in_run())
    context = LoadContext(job=job.name, run=job.execution_id, step=job.step)
    guards: list[ContractGuard] = []
    try:
        guard = job.contracts.guard(job, job.warehouse, table)
        guards = [guard] if guard is not None else []
        summary = ingest(
            job.warehouse, data, table, mode, key, schema, context, progress, guard=guard
        )
    except DataOpsError as exc:
        # The guard already kept the rejected rows when it refused the load.
        rejected = getattr(exc, "quarantined", 0)
        if rejected:
            report_step(job.step, rows_rejected=rejected)
        _contract_outcome(job, guards)
        raise _typed(exc) from None
    progress.finish(summary)
    report_step(
        job.step,
        writes=[summary.table],
        rows_ingested=summary.rows - summary.rejected,
        rows_rejected=summary.rejected,
    )
    _contract_outcome(job, guards)
    return summary


def check_contracts(job: JobContext, tables: Sequence[str]) -> list[CheckResult]:
    """Run the contract checks of ``tables`` (every contracted table of the job when none is
    named) on the whole tables, show them and return them."""
    from dataops_jupyter.contracts.enforce import find_target
    from dataops_jupyter.contracts.engine import check_target, iter_targets
    from dataops_jupyter.errors import DataOpsError

    from .contracts import show, title_of

    try:
        contracts = job.contracts.contracts()
        if not contracts:
            raise UsageError(
                "the job has no contract: write contracts/<table>.odcs.yaml in the job folder "
                "or the workspace (dataops contract init TABLE writes a first one)"
            )
        arguments = job.identifiers()
        if tables:
            targets = []
            for table in tables:
                target = find_target(contracts, table, arguments)
                if target is None:
                    raise UsageError(f"no contract of the job describes the table {table!r}")
                targets.append(target)
        else:
            targets = list(iter_targets(contracts, arguments))
        results: list[CheckResult] = []
        for target in targets:
            found = check_target(job.warehouse, target)
            show(found, title_of(target), printed=in_run())
            report_step(job.step, checks=[r.model_dump(mode="json") for r in found])
            results += found
    except DataOpsError as exc:
        raise _user_error(exc) from None
    return results
