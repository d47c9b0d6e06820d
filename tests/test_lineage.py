"""Tables read and written per statement, parsed with sqlglot, in both dialects."""

from __future__ import annotations

import logging

import pytest

from dataops_jupyter.lineage import statement_tables
from dataops_jupyter.warehouse import prepare

DIALECTS = ["duckdb", "postgres"]


def tables(sql: str, dialect: str) -> tuple[list[str], list[str]]:
    found = statement_tables(sql, dialect)  # type: ignore[arg-type]
    assert found.parsed, sql
    return found.reads, found.writes


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("sql", "reads", "writes"),
    [
        ("SELECT * FROM shop.products p JOIN shop.prices USING (id)",
         ["shop.products", "shop.prices"], []),
        ("CREATE TABLE shop.t (id INTEGER, name TEXT)", [], ["shop.t"]),
        ("CREATE TABLE IF NOT EXISTS t AS SELECT id FROM raw.items", ["raw.items"], ["t"]),
        ("CREATE OR REPLACE VIEW v AS SELECT 1 AS x FROM a", ["a"], ["v"]),
        ("INSERT INTO shop.t (id, name) VALUES (1, 'a')", [], ["shop.t"]),
        ("INSERT INTO t SELECT * FROM t WHERE id > 3", ["t"], ["t"]),
        ("UPDATE shop.t SET name = 'b' WHERE id = 1", [], ["shop.t"]),
        ("UPDATE t SET v = u.v FROM u WHERE t.id = u.id", ["u"], ["t"]),
        ("DELETE FROM shop.t WHERE id IN (SELECT id FROM shop.gone)", ["shop.gone"], ["shop.t"]),
        ("MERGE INTO shop.t USING staging.t AS s ON shop.t.id = s.id "
         "WHEN MATCHED THEN UPDATE SET name = s.name "
         "WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)",
         ["staging.t"], ["shop.t"]),
        ("TRUNCATE TABLE shop.t", [], ["shop.t"]),
        ("WITH recent AS (SELECT * FROM raw.orders WHERE day > '2026-01-01') "
         "INSERT INTO marts.orders SELECT * FROM recent JOIN raw.customers USING (cid)",
         ["raw.orders", "raw.customers"], ["marts.orders"]),
        ('SELECT * FROM "Shop"."All Products", "main"."x"', ['Shop."All Products"', "main.x"], []),
        ("SELECT * FROM cat.shop.t", ["cat.shop.t"], []),
    ],
)  # fmt: skip
def test_reads_and_writes(dialect: str, sql: str, reads: list[str], writes: list[str]) -> None:
    assert tables(sql, dialect) == (reads, writes)


@pytest.mark.parametrize(
    ("sql", "dialect", "reads", "writes"),
    [
        ("COPY shop.t FROM 'items.csv' (HEADER)", "duckdb", [], ["shop.t"]),
        ("COPY shop.t TO 'out.csv' (HEADER)", "duckdb", ["shop.t"], []),
        ("COPY (SELECT * FROM shop.t) TO 'out.parquet'", "duckdb", ["shop.t"], []),
        ("CREATE TABLE t AS SELECT * FROM read_csv('x.csv')", "duckdb", [], ["t"]),
        ("COPY shop.t (id, name) FROM STDIN WITH (FORMAT csv)", "postgres", [], ["shop.t"]),
        ("COPY shop.t TO STDOUT", "postgres", ["shop.t"], []),
    ],
)
def test_copy_and_table_functions(
    sql: str, dialect: str, reads: list[str], writes: list[str]
) -> None:
    assert tables(sql, dialect) == (reads, writes)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_templated_statements_name_their_tables_unquoted(dialect: str) -> None:
    sql = (
        "CREATE OR REPLACE TABLE {schema}.all_products AS\n"
        "SELECT id, name FROM {schema}.products WHERE price > :min_price\n"
        "UNION ALL\n"
        "SELECT id, name FROM {schema}.archived;\n"
        "INSERT INTO {schema}.audit SELECT count(*) FROM {schema}.all_products"
    )
    statements = prepare(sql, {"min_price": 3}, {"schema": "shop"}, dialect, "/* dataops */ ")  # type: ignore[arg-type]
    found = [tables(s.text, dialect) for s in statements]
    assert found == [
        (["shop.products", "shop.archived"], ["shop.all_products"]),
        (["shop.all_products"], ["shop.audit"]),
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_several_statements_in_one_text(dialect: str) -> None:
    sql = "CREATE TABLE a (x INT); INSERT INTO b SELECT * FROM a; SELECT * FROM c"
    assert tables(sql, dialect) == (["a", "c"], ["a", "b"])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_case_is_kept_as_written(dialect: str) -> None:
    assert tables("insert into Shop.Items select * from RAW.items", dialect) == (
        ["RAW.items"],
        ["Shop.Items"],
    )


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sql_that_cannot_be_read_gives_no_tables_and_says_so(
    dialect: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        broken = statement_tables("SELEC x FRM (((", dialect)  # type: ignore[arg-type]
        assert (broken.reads, broken.writes, broken.parsed) == ([], [], False)
        # A writing statement sqlglot keeps as a bare command: its tables are unknown.
        odd = statement_tables("CREATE MAGIC THING t", dialect)  # type: ignore[arg-type]
        assert odd.parsed is False and odd.writes == []
    assert caplog.records == []  # nothing shows in the user's cell output


@pytest.mark.parametrize("dialect", DIALECTS)
def test_other_ddl_reads_and_writes_no_table(dialect: str) -> None:
    sql = (
        "CREATE SEQUENCE shop.ids START 1; DROP TABLE shop.old; ALTER TABLE shop.t ADD COLUMN c INT"
    )
    assert tables(sql, dialect) == ([], [])


def test_statements_that_write_nothing_are_read_fully() -> None:
    found = statement_tables("SET threads = 2; INSTALL httpfs; SELECT 1", "duckdb")
    assert (found.reads, found.writes, found.parsed) == ([], [], True)
