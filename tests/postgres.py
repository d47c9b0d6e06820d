"""Warehouses for tests: one throwaway PostgreSQL cluster per session, a fresh database per
test, and a ``warehouse`` fixture that runs a test against DuckDB and against PostgreSQL.

Without PostgreSQL binaries the tests that need it are skipped, except when ``CI`` is set:
there a missing or broken server fails those tests instead of silently skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataops_jupyter.testing.postgres import PostgresCluster, PostgresUnavailable
from dataops_jupyter.warehouse import Warehouse, open_warehouse


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL is required when CI is set: {reason}", pytrace=False)
    # Only a developer's machine without PostgreSQL skips; CI (above) installs it and fails.
    pytest.skip(f"PostgreSQL is not available: {reason}")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running cluster on 127.0.0.1; its admin URL is ``.url``. Stopped after the session."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("the psycopg package is not installed")
    cluster = PostgresCluster()
    try:
        cluster.start()
    except PostgresUnavailable as exc:
        _unavailable(str(exc))
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """URL of a database created for this test alone, dropped after it."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = postgres_cluster.create_database(name)
    yield url
    postgres_cluster.drop_database(name)


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    """The same tests against each kind of warehouse: a DuckDB file, then a PostgreSQL database."""
    if request.param == "duckdb":
        return open_warehouse(f"duckdb://{tmp_path / 'warehouse.duckdb'}")
    return open_warehouse(request.getfixturevalue("postgres_url"))
