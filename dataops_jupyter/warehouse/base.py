"""The warehouse seam: one class per kind of database, chosen by the URL's scheme."""

from __future__ import annotations

import contextlib
import random
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import pyarrow as pa

from ..errors import DataOpsError, InvalidInputError
from .sqltext import Dialect, Statement, quote_identifier, quote_name, statement_action
from .types import sql_type

T = TypeVar("T")


class WarehouseError(InvalidInputError):
    """The database refused a statement: the message is the database's, with the statement."""

    kind = "warehouse"


class WarehouseUnavailableError(DataOpsError):
    """The database stayed busy or unreachable through every retry."""

    status = 503
    kind = "warehouse-unavailable"


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter for transient errors (locks, dropped links)."""

    attempts: int = 8
    first_delay: float = 0.05
    max_delay: float = 2.0
    #: Give up once this many seconds have passed, whatever ``attempts`` says.
    deadline: float = 60.0

    def delays(self) -> Iterator[float]:
        delay = self.first_delay
        for _ in range(self.attempts - 1):
            yield delay * (0.5 + random.random())
            delay = min(delay * 2, self.max_delay)


class TableWriter:
    """Statements the ingestion engine needs, written once for every dialect.

    Mixed into :class:`Warehouse`; a dialect overrides only what differs.
    """

    dialect: ClassVar[Dialect]

    def placeholder(self, name: str) -> str:
        return f"${name}" if self.dialect == "duckdb" else f"%({name})s"

    def run_in(
        self, connection: Any, sql: str, params: dict[str, Any] | None = None
    ) -> list[Any] | None:
        """Execute on an open connection; rows if the statement returns any."""
        cursor = connection.execute(sql, params or None)
        return cursor.fetchall() if cursor.description is not None else None

    def column_definition(self, field: pa.Field) -> str:
        return f"{quote_name(field.name)} {sql_type(field, self.dialect)}"

    def create_schema(self, connection: Any, schema: str) -> None:
        self.run_in(connection, f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(schema)}")

    def create_table(self, connection: Any, table: str, fields: Sequence[pa.Field]) -> None:
        columns = ", ".join(self.column_definition(f) for f in fields)
        self.run_in(connection, f"CREATE TABLE {quote_identifier(table)} ({columns})")

    def add_column(self, connection: Any, table: str, field: pa.Field) -> None:
        self.run_in(
            connection,
            f"ALTER TABLE {quote_identifier(table)} ADD COLUMN {self.column_definition(field)}",
        )

    def change_column_type(self, connection: Any, table: str, field: pa.Field) -> None:
        """Give a column that holds only NULLs so far the type of ``field``."""
        kind = sql_type(field, self.dialect)
        column = quote_name(field.name)
        self.run_in(
            connection,
            f"ALTER TABLE {quote_identifier(table)} ALTER COLUMN {column} TYPE {kind} "
            f"USING CAST({column} AS {kind})",
        )

    def clear_table(self, connection: Any, table: str) -> None:
        # DELETE, not TRUNCATE: readers keep seeing the old rows until the load commits.
        self.run_in(connection, f"DELETE FROM {quote_identifier(table)}")

    def create_key_index(self, connection: Any, table: str, keys: Sequence[str]) -> None:
        name = quote_identifier(table.rpartition(".")[2] + "__dataops_key")
        columns = ", ".join(quote_name(k) for k in keys)
        self.run_in(
            connection,
            f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {quote_identifier(table)} ({columns})",
        )

    def temporary_clause(self) -> str:
        return ""

    def create_stage(self, connection: Any, stage: str, table: str) -> None:
        self.run_in(
            connection,
            f"CREATE TEMPORARY TABLE {quote_identifier(stage)} {self.temporary_clause()} AS "
            f"SELECT *, CAST(0 AS BIGINT) AS _dataops_seq FROM {quote_identifier(table)} LIMIT 0",
        )

    def merge_stage(
        self, connection: Any, stage: str, table: str, keys: Sequence[str], columns: Sequence[str]
    ) -> None:
        """Upsert the stage into the table on ``keys``; the highest sequence of a key wins."""
        q = quote_name
        on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in keys)
        updates = ", ".join(f"{q(c)} = s.{q(c)}" for c in columns if c not in keys)
        inserted = ", ".join(q(c) for c in columns)
        values = ", ".join(f"s.{q(c)}" for c in columns)
        staged = quote_identifier(stage)
        same_key = " AND ".join(f"later.{q(k)} = s.{q(k)}" for k in keys)
        # A row is merged unless a later row of the load has its key: an anti-join, which
        # hashes where a window over the key would sort.
        latest = (
            f"SELECT * FROM {staged} AS s WHERE NOT EXISTS (SELECT 1 FROM {staged} AS later "
            f"WHERE {same_key} AND later._dataops_seq > s._dataops_seq)"
        )
        self.prepare_merge(connection, stage)
        self.run_in(
            connection,
            f"MERGE INTO {quote_identifier(table)} AS t USING ({latest}) AS s ON {on} "
            + (f"WHEN MATCHED THEN UPDATE SET {updates} " if updates else "")
            + f"WHEN NOT MATCHED THEN INSERT ({inserted}) VALUES ({values})",
        )

    def prepare_merge(self, connection: Any, stage: str) -> None:
        """Called before the merge statement: a dialect may gather statistics on the stage."""

    def insert_row(self, connection: Any, table: str, values: dict[str, Any]) -> None:
        columns = ", ".join(quote_name(k) for k in values)
        marks = ", ".join(self.placeholder(k) for k in values)
        self.run_in(
            connection,
            f"INSERT INTO {quote_identifier(table)} ({columns}) VALUES ({marks})",
            values,
        )


class Warehouse(TableWriter, ABC):
    """Runs SQL and loads data; subclasses know one database.

    Connections are short-lived: each call opens one, does its work in one transaction and
    closes it, so that several processes (a kernel, a run, the control service) share a DuckDB
    file. Transient failures are retried as a whole; the transaction makes that safe.
    """

    dialect: ClassVar[Dialect]
    schemes: ClassVar[tuple[str, ...]]
    #: How long and how often to retry when ``retry`` is not given.
    default_retry: ClassVar[RetryPolicy] = RetryPolicy()
    #: Whether the database treats quoted names that differ only in case as the same name.
    case_insensitive: ClassVar[bool] = False

    def __init__(self, url: str, retry: RetryPolicy | None = None) -> None:
        self.url = url
        self.retry_policy = retry or self.default_retry

    # -- what a database must provide -------------------------------------------------------

    @abstractmethod
    def connect(self) -> Any:
        """A new DB-API connection with autocommit off."""

    @abstractmethod
    def is_transient(self, error: BaseException) -> bool:
        """Whether retrying the whole transaction may succeed."""

    @abstractmethod
    def is_database_error(self, error: BaseException) -> bool:
        """Whether ``error`` is the database refusing a statement (the user's to fix)."""

    def is_creation_race(self, error: BaseException) -> bool:
        """Whether ``error`` says another transaction created the same table or schema first
        (after which running the load again finds it and goes on)."""
        return False

    @abstractmethod
    def fetch_arrow(self, connection: Any, statement: Statement) -> pa.Table | None:
        """Execute one statement; its rows as Arrow, or ``None`` when it returns none. A
        statement that changes rows answers a one-column ``Count`` table (the rows changed)."""

    @abstractmethod
    def columns(self, connection: Any, table: str) -> dict[str, str] | None:
        """Column name → type of ``table`` (``schema.table`` allowed), ``None`` if missing."""

    @abstractmethod
    def append_batch(self, connection: Any, table: str, batch: pa.RecordBatch) -> None:
        """Insert the batch's columns (a subset of the table's) into ``table``."""

    # -- shared behaviour ---------------------------------------------------------------------

    def retrying(
        self,
        work: Callable[[], T],
        on_retry: Callable[[BaseException], None] | None = None,
        *,
        policy: RetryPolicy | None = None,
        transient: Callable[[BaseException], bool] | None = None,
    ) -> T:
        """Run ``work`` and run it again after a transient error, with backoff, within bounds.

        ``transient`` widens what counts as transient for this piece of work only.
        """
        policy = policy or self.retry_policy
        started = time.monotonic()
        delays = policy.delays()
        while True:
            try:
                return work()
            except Exception as exc:
                if not (self.is_transient(exc) or (transient is not None and transient(exc))):
                    raise
                delay = next(delays, None)
                waited = time.monotonic() - started
                if delay is None or waited + delay > policy.deadline:
                    raise WarehouseUnavailableError(
                        f"the warehouse stayed unavailable after {waited:.1f} s of retries: "
                        f"{first_line(exc)}"
                    ) from exc
                if on_retry is not None:
                    on_retry(exc)
                time.sleep(delay)

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A connection in a transaction: committed on success, rolled back on any error."""
        try:
            connection = self.connect()
        except Exception as exc:
            if self.is_database_error(exc) and not self.is_transient(exc):
                raise WarehouseError(
                    f"could not open the warehouse {self.display_url()}: {first_line(exc)}"
                ) from None
            raise
        try:
            self.begin(connection)
            yield connection
            connection.commit()
        except BaseException:
            # The connection may be gone; the database then rolls back by itself.
            with contextlib.suppress(Exception):
                connection.rollback()
            raise
        finally:
            with contextlib.suppress(Exception):
                self.disconnect(connection)

    def disconnect(self, connection: Any) -> None:
        """Close a connection from :meth:`connect`."""
        connection.close()

    def display_url(self) -> str:
        """The URL without its password, for messages."""
        return re.sub(r"://([^:/@]*):[^@/]*@", r"://\1:***@", self.url)

    def begin(self, connection: Any) -> None:
        """Start a transaction on ``connection`` (drivers that begin implicitly do nothing)."""

    def run(self, statements: Sequence[Statement]) -> pa.Table | None:
        """Run statements in one transaction; the last query's rows, as Arrow."""
        return self.execute(statements).table

    def execute(
        self,
        statements: Sequence[Statement],
        before_commit: Callable[[Any], None] | None = None,
    ) -> SQLResult:
        """Run statements in one transaction: the last query's rows, and what each statement
        that is not a query did (``created table t``, ``inserted 3 rows into t``).

        ``before_commit`` is called with the connection once every statement ran (a contract
        guard judging the tables they wrote); what it raises rolls everything back."""

        def work() -> SQLResult:
            result = SQLResult()
            # What was running when an error came: a statement, or the commit at the end.
            running = "COMMIT"
            try:
                with self.transaction() as connection:
                    for statement in statements:
                        running = statement.text
                        result.add(statement, self.fetch_arrow(connection, statement))
                    if before_commit is not None:
                        running = "the contract checks"
                        before_commit(connection)
                    running = "COMMIT"
            except Exception as exc:
                if self.is_database_error(exc) and not self.is_transient(exc):
                    raise WarehouseError(f"{first_line(exc)}\n  in: {short(running)}") from None
                raise
            return result

        return self.retrying(work)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> pa.Table | None:
        """One statement already written with this database's placeholders."""
        return self.run([Statement(sql, params or {})])


#: The one-column answers a database gives to a statement that returns no rows.
_STATUS_COLUMNS = (["Count"], ["Success"])


@dataclass
class SQLResult:
    """What a transaction of statements gave: the rows of its last query (``None`` without
    one) and one line per other statement saying what it did."""

    table: pa.Table | None = None
    done: list[str] = field(default_factory=list)

    def add(self, statement: Statement, table: pa.Table | None) -> None:
        """Take in the answer to ``statement``: rows (also ``RETURNING`` rows) or a status."""
        action = statement_action(statement.text)
        status = table is None or (table.column_names in _STATUS_COLUMNS and table.num_rows <= 1)
        if action is None or not status:
            if table is not None:
                self.table = table
            return
        rows = None
        if table is not None and table.column_names == ["Count"] and table.num_rows == 1:
            rows = int(table.column(0)[0].as_py())
        self.done.append(action.describe(rows if action.counts_rows else None))


def first_line(error: BaseException) -> str:
    """The database's message without driver boilerplate (may span a few lines)."""
    text = str(error).strip()
    return "\n".join(text.splitlines()[:6]) if text else type(error).__name__


def short(sql: str, limit: int = 300) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
