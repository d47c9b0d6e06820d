"""Warehouses (DuckDB embedded by default, PostgreSQL), SQL templating and the ingestion engine."""

from __future__ import annotations

from .base import RetryPolicy, SQLResult, Warehouse, WarehouseError, WarehouseUnavailableError
from .ingest import IngestError, LoadContext, LoadSummary, ingest
from .resolve import (
    DEFAULT_FILE,
    WORKSPACE_FILE,
    open_warehouse,
    resolve_warehouse_url,
    workspace_root,
)
from .sqltext import SQLTemplateError, Statement, prepare, quote_identifier
from .values import IngestInputError

__all__ = [
    "DEFAULT_FILE",
    "WORKSPACE_FILE",
    "IngestError",
    "IngestInputError",
    "LoadContext",
    "LoadSummary",
    "RetryPolicy",
    "SQLResult",
    "SQLTemplateError",
    "Statement",
    "Warehouse",
    "WarehouseError",
    "WarehouseUnavailableError",
    "ingest",
    "open_warehouse",
    "prepare",
    "quote_identifier",
    "resolve_warehouse_url",
    "workspace_root",
]
