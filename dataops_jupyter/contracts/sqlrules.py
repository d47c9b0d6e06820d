"""SQL rules: placeholders filled in, and the query refused unless it only reads.

A rule's query may name its table as ``${object}``, ``${model}``, ``{object}``, ``{model}`` or
``{table}`` and its column as ``${property}``, ``{property}``, ``{column}`` or ``{field}``. The
query is parsed with sqlglot in the warehouse's dialect and accepted only as one read-only
query: no DDL or DML, no COPY, ATTACH, PRAGMA, SET, CALL or transaction control, no second
statement, and none of the functions that read files or other databases.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ..errors import InvalidInputError
from ..warehouse.sqltext import Dialect

_TABLE = re.compile(r"\$?\{(object|model|table)\}")
_COLUMN = re.compile(r"\$?\{(property|column|field)\}")
#: Functions that read files, URLs or other databases, or act on the server.
FORBIDDEN_FUNCTIONS = frozenset(
    {
        # DuckDB
        "read_csv", "read_csv_auto", "read_parquet", "parquet_scan", "read_json",
        "read_json_auto", "read_json_objects", "read_ndjson", "read_ndjson_auto",
        "read_ndjson_objects", "read_text", "read_blob", "glob", "sniff_csv", "csv_scan",
        "parquet_metadata", "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata",
        "iceberg_scan", "delta_scan", "sqlite_scan", "postgres_scan", "postgres_query",
        "mysql_scan", "query", "query_table", "load_extension", "install_extension", "getenv",
        # PostgreSQL
        "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "lo_import",
        "lo_export", "dblink", "dblink_exec", "pg_terminate_backend", "pg_cancel_backend",
        "pg_reload_conf", "pg_sleep", "set_config", "pg_advisory_lock", "nextval", "setval",
        "pg_logdir_ls", "pg_file_write",
    }
)  # fmt: skip


class SQLRuleError(InvalidInputError):
    """A SQL rule that cannot run: not parsable, or not a read-only query."""

    kind = "invalid-sql-rule"


def prepare_sql_rule(query: str, dialect: Dialect, *, table: str, column: str | None) -> str:
    """The rule's query ready to run: placeholders replaced by the (quoted) table and column,
    checked to be one read-only query."""
    if not query.strip():
        raise SQLRuleError("the SQL rule has no query")
    text = _TABLE.sub(lambda _: table, query)
    if _COLUMN.search(text):
        if column is None:
            raise SQLRuleError("the query names {property} but the rule is not on a property")
        text = _COLUMN.sub(lambda _: column, text)
    ensure_read_only(text, dialect)
    return text.strip().rstrip(";").strip()


def ensure_read_only(sql: str, dialect: Dialect) -> None:
    """Raise :class:`SQLRuleError` unless ``sql`` is exactly one query that only reads."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    quiet = logging.getLogger("sqlglot")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # not "falling back to a Command" warnings: refused below
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
    except ParseError as exc:
        raise SQLRuleError(f"the query is not valid {dialect} SQL: {_parse_message(exc)}") from None
    finally:
        quiet.setLevel(level)
    if len(trees) != 1:
        raise SQLRuleError(f"the query holds {len(trees)} statements: a SQL rule is one SELECT")
    tree = trees[0]
    if not isinstance(tree, exp.Query):
        raise SQLRuleError(
            f"a SQL rule may only read: {_statement_word(tree)} statements are refused; "
            "write one SELECT"
        )
    writes = (
        exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter,
        exp.Copy, exp.Command, exp.Set, exp.Use, exp.Transaction, exp.Commit, exp.Rollback,
        exp.Pragma, exp.TruncateTable, exp.LoadData, exp.Attach, exp.Detach, exp.Into,
        exp.Lock,
    )  # fmt: skip
    for node in tree.walk():
        if isinstance(node, writes):
            raise SQLRuleError(
                f"a SQL rule may only read: it holds {_statement_word(node)}; write one SELECT"
            )
        if isinstance(node, exp.Table) and _names_file(node):
            raise SQLRuleError(
                f"a SQL rule may not read the file {node.name!r}: name a table of the warehouse"
            )
        name = _function_name(node)
        if name in FORBIDDEN_FUNCTIONS:
            raise SQLRuleError(
                f"a SQL rule may not call {name}(): it reads files, other databases or acts "
                "on the server"
            )


def _names_file(table: Any) -> bool:
    """Whether a table name reads as a path or URL (DuckDB scans such files by name)."""
    return any(mark in str(table.name) for mark in ("/", "\\", ".", ":"))


def _function_name(node: Any) -> str | None:
    from sqlglot import exp

    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Func):
        return str(node.sql_name()).lower()
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
        return str(node.this.name).lower()
    return None


def _statement_word(node: Any) -> str:
    key = str(getattr(node, "key", type(node).__name__)).upper()
    return {"COMMAND": str(getattr(node, "this", "a command")).upper()}.get(key, key)


def _parse_message(error: Any) -> str:
    errors = getattr(error, "errors", None) or []
    if errors:
        first = errors[0]
        return f"{first.get('description')} (line {first.get('line')}, column {first.get('col')})"
    return str(error).splitlines()[0]
