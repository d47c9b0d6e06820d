"""Lineage: the tables each statement reads and writes, parsed with sqlglot."""

from .tables import StatementTables, statement_tables

__all__ = ["StatementTables", "statement_tables"]
