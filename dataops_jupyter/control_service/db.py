"""The control service's state: SQLAlchemy tables and versioned schema migrations.

SQLite by default, PostgreSQL in production. Each migration is applied once, in order, and
recorded in ``dataops_schema_version``; a database newer than this code is refused.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.engine import Connection

metadata = MetaData()


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite keeps them as naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("team", String(64), nullable=True),
    Column("admin", Boolean, nullable=False, default=False),
    Column("name", String(200), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
)

jobs = Table(
    "jobs",
    metadata,
    Column("team", String(64), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("active_version", Integer, nullable=True),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("cron", String(200), nullable=True),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("next_run_at", UTCDateTime(), nullable=True, index=True),
    Column("retries", Integer, nullable=False, default=0),
    Column("retry_delay", Float, nullable=False, default=60.0),
    Column("retry_user_errors", Boolean, nullable=False, default=False),
    Column("timeout", Float, nullable=True),
    Column("notify", JSON, nullable=False, default=dict),
    Column("delay_alert_minutes", Integer, nullable=True),
)

deployments = Table(
    "deployments",
    metadata,
    Column("team", String(64), primary_key=True),
    Column("job", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("created_by", String(200), nullable=False, default=""),
    Column("reason", Text, nullable=False, default=""),
    Column("config", JSON, nullable=False),
    Column("path", Text, nullable=False),
    Column("test_output", Text, nullable=False, default=""),
)

executions = Table(
    "executions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("team", String(64), nullable=False),
    Column("job", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("trigger", String(20), nullable=False),
    Column("arguments", JSON, nullable=False, default=dict),
    Column("attempt", Integer, nullable=False, default=1),
    Column("retry_of", String(40), nullable=True),
    Column("scheduled_for", UTCDateTime(), nullable=True),
    Column("not_before", UTCDateTime(), nullable=False, default=utcnow),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("started_at", UTCDateTime(), nullable=True),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("owner", String(200), nullable=True),
    Column("message", Text, nullable=True),
    Column("steps", JSON, nullable=False, default=list),
    Column("error", JSON, nullable=True),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("notified", JSON, nullable=False, default=list),
    UniqueConstraint("team", "job", "scheduled_for", name="one_execution_per_schedule_time"),
)

properties = Table(
    "properties",
    metadata,
    Column("team", String(64), primary_key=True),
    Column("job", String(64), primary_key=True),
    Column("data", JSON, nullable=False, default=dict),
)

secrets = Table(
    "secrets",
    metadata,
    Column("team", String(64), primary_key=True),
    Column("job", String(64), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
)

from sqlalchemy import Index  # noqa: E402

Index("executions_by_job", executions.c.team, executions.c.job, executions.c.id)

version_table = Table(
    "dataops_schema_version",
    MetaData(),
    Column("version", Integer, primary_key=True),
    Column("applied_at", UTCDateTime(), nullable=False, default=utcnow),
)


def _v1_initial(connection: Connection) -> None:
    metadata.create_all(connection)


#: Migrations in order; the position (starting at 1) is the schema version.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1_initial]


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer release of the control service."""


def migrate(engine: Engine) -> int:
    """Bring the schema up to date; return its version."""
    with engine.begin() as connection:
        version_table.create(connection, checkfirst=True)
        current = connection.execute(
            text("SELECT max(version) FROM dataops_schema_version")
        ).scalar()
        current = int(current or 0)
        if current > len(MIGRATIONS):
            raise SchemaTooNew(
                f"the database has schema version {current}; this control service knows up to "
                f"{len(MIGRATIONS)}: upgrade dataops-jupyter"
            )
        for number, step in enumerate(MIGRATIONS[current:], start=current + 1):
            step(connection)
            connection.execute(version_table.insert().values(version=number, applied_at=utcnow()))
        return len(MIGRATIONS)


def _private_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner alone (SQLite gives its ``-wal`` and
    ``-shm`` files the same mode), and close an existing one to others."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite reports the missing folder itself
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if path.stat().st_uid == os.geteuid() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


def make_engine(url: str) -> Engine:
    """An engine for ``sqlite:///…`` or ``postgresql://…`` (psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        _private_file(make_url(url).database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL keeps the database consistent after a crash; only the last
            # commits before a power loss may be lost. Commits stop waiting for fsync.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10)
