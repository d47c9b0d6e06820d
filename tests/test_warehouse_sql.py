"""SQL text, binds and identifiers, errors, and which warehouse a job gets — on real databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataops_jupyter.errors import InvalidInputError
from dataops_jupyter.jobs.config import load_job_config
from dataops_jupyter.warehouse import (
    SQLTemplateError,
    Warehouse,
    WarehouseError,
    open_warehouse,
    prepare,
    resolve_warehouse_url,
)
from dataops_jupyter.warehouse.duckdb import DuckDBWarehouse
from dataops_jupyter.warehouse.postgres import PostgresWarehouse

INJECTION = "'; DROP TABLE victims; --"


def run(warehouse: Warehouse, sql: str, **values: object) -> list[dict[str, object]]:
    identifiers = {k[3:]: v for k, v in values.items() if k.startswith("id_")}
    binds = {k: v for k, v in values.items() if not k.startswith("id_")}
    result = warehouse.run(prepare(sql, binds, identifiers, warehouse.dialect))
    return [] if result is None else result.to_pylist()


# -- prepare() on its own ----------------------------------------------------------------------


def test_statements_split_on_semicolons_outside_quotes_comments_and_bodies() -> None:
    sql = """
        -- a comment; with a semicolon and :not_a_bind
        SELECT 'a;b' AS s, "odd;name" AS q, 1::int AS c; /* block ; comment */
        CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
        ;;
        SELECT ':still_text' AS t
    """
    statements = prepare(sql, {}, {}, "postgres")
    texts = [s.text for s in statements]
    assert len(texts) == 3
    assert "'a;b'" in texts[0] and '"odd;name"' in texts[0] and "1::int" in texts[0]
    assert texts[1].startswith("/* block ; comment */")
    assert texts[1].endswith("AS $body$ SELECT 1; $body$ LANGUAGE sql")
    assert texts[2] == "SELECT ':still_text' AS t"
    assert all(not s.params for s in statements)


def test_binds_become_driver_placeholders_and_values_travel_apart() -> None:
    for dialect, mark in (("duckdb", "$city"), ("postgres", "%(city)s")):
        [statement] = prepare(
            "SELECT * FROM shops WHERE city = :city AND note <> ':city'",
            {"city": INJECTION},
            {},
            dialect,
        )
        assert INJECTION not in statement.text
        assert f"city = {mark}" in statement.text
        assert "':city'" in statement.text
        assert statement.params == {"city": INJECTION}


def test_missing_values_and_unknown_identifiers_are_errors_that_say_what_to_set() -> None:
    with pytest.raises(SQLTemplateError, match=r":day has no value.*'day'"):
        prepare("SELECT :day", {}, {}, "duckdb")
    with pytest.raises(SQLTemplateError, match=r"\{target\} is not defined.*'target'"):
        prepare("SELECT * FROM {target}", {}, {"other": "x"}, "postgres")


@pytest.mark.parametrize(
    "bad",
    [
        "victims; DROP TABLE victims; --",
        'victims"; DROP TABLE victims; --',
        "1victims",
        "a.b.c.d",
        "",
        "sales orders",
        None,
        42,
    ],
)
def test_identifiers_that_are_not_plain_names_are_refused(bad: object) -> None:
    with pytest.raises(SQLTemplateError, match=r"\{t\}"):
        prepare("SELECT * FROM {t}", {}, {"t": bad}, "duckdb")


def test_identifiers_are_quoted_with_their_schema() -> None:
    [statement] = prepare("SELECT * FROM {t}", {}, {"t": "Sales.Orders_2024"}, "postgres")
    assert statement.text == 'SELECT * FROM "Sales"."Orders_2024"'


# -- on both databases -------------------------------------------------------------------------


def test_a_value_that_looks_like_sql_is_only_ever_data(warehouse: Warehouse) -> None:
    run(warehouse, "CREATE TABLE victims (id INTEGER, note TEXT)")
    run(warehouse, "INSERT INTO victims VALUES (1, :note)", note=INJECTION)
    assert run(warehouse, "SELECT :v AS v", v=INJECTION) == [{"v": INJECTION}]
    rows = run(
        warehouse, "SELECT id, note FROM {t} WHERE note = :note", id_t="victims", note=INJECTION
    )
    assert rows == [{"id": 1, "note": INJECTION}]


def test_an_identifier_that_carries_sql_never_reaches_the_database(warehouse: Warehouse) -> None:
    run(warehouse, "CREATE TABLE victims (id INTEGER)")
    run(warehouse, "INSERT INTO victims VALUES (1)")
    for bad in ("victims; DROP TABLE victims; --", 'victims"; DROP TABLE victims; --', INJECTION):
        with pytest.raises(SQLTemplateError):
            run(warehouse, "SELECT count(*) AS n FROM {t}", id_t=bad)
    assert run(warehouse, "SELECT count(*) AS n FROM victims") == [{"n": 1}]


def test_percent_signs_survive_next_to_binds(warehouse: Warehouse) -> None:
    rows = run(
        warehouse,
        "SELECT '100%' AS literal, :v AS v /* 5% off */ -- 10% more\n",
        v="50%",
    )
    assert rows == [{"literal": "100%", "v": "50%"}]
    assert run(warehouse, "SELECT '%%' AS doubled") == [{"doubled": "%%"}]


def test_statements_run_in_one_transaction_and_the_last_result_comes_back(
    warehouse: Warehouse,
) -> None:
    rows = run(
        warehouse,
        "CREATE TABLE sales (region TEXT, amount INTEGER);"
        "INSERT INTO sales VALUES ('north', :a), ('south', :b);"
        "SELECT region, amount FROM sales ORDER BY region",
        a=10,
        b=20,
    )
    assert rows == [{"region": "north", "amount": 10}, {"region": "south", "amount": 20}]

    with pytest.raises(WarehouseError):
        run(warehouse, "INSERT INTO sales VALUES ('west', 30); SELECT * FROM no_such_table")
    assert run(warehouse, "SELECT count(*) AS n FROM sales") == [{"n": 2}]


def test_database_errors_carry_the_database_message_and_the_statement(
    warehouse: Warehouse,
) -> None:
    with pytest.raises(WarehouseError) as caught:
        run(warehouse, "SELECT 1 AS fine; SELECT * FROM no_such_table WHERE x = :x", x=1)
    message = str(caught.value)
    assert "no_such_table" in message
    assert "does not exist" in message
    assert "in: SELECT * FROM no_such_table WHERE x =" in message

    with pytest.raises(WarehouseError, match=r"(?is)syntax error.*in: SELEC 1"):
        run(warehouse, "SELEC 1")


def test_empty_results_keep_their_columns(warehouse: Warehouse) -> None:
    run(warehouse, "CREATE TABLE things (id BIGINT, name TEXT, seen TIMESTAMPTZ)")
    result = warehouse.run(prepare("SELECT * FROM things", {}, {}, warehouse.dialect))
    assert result is not None
    assert result.num_rows == 0
    assert result.column_names == ["id", "name", "seen"]
    assert str(result.schema.field("id").type) == "int64"


# -- which warehouse -----------------------------------------------------------------------------


def _job(folder: Path, toml_extra: str = "") -> Path:
    folder.mkdir(parents=True)
    (folder / "job.toml").write_text(f'name = "{folder.name}"\n{toml_extra}\n', encoding="utf-8")
    return folder


def test_resolution_order_job_then_environment_then_workspace_then_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATAOPS_WAREHOUSE_URL", raising=False)
    workspace = tmp_path / "workspace"
    plain = _job(workspace / "jobs" / "plain")
    pinned = _job(workspace / "jobs" / "pinned", 'warehouse = "duckdb://data/pinned.duckdb"')

    # Nothing configured: warehouse.duckdb next to the job folders' parent.
    assert (
        resolve_warehouse_url(plain)
        == f"duckdb://{(workspace / 'jobs').resolve()}/warehouse.duckdb"
    )

    # A workspace file makes its folder the root, and its key is read relative to it.
    (workspace / "dataops.toml").write_text(
        'warehouse = "duckdb://shared.duckdb"\n', encoding="utf-8"
    )
    assert resolve_warehouse_url(plain) == f"duckdb://{workspace.resolve()}/shared.duckdb"
    (workspace / "dataops.toml").write_text("", encoding="utf-8")
    assert resolve_warehouse_url(plain) == f"duckdb://{workspace.resolve()}/warehouse.duckdb"
    (workspace / "dataops.toml").write_text(
        'warehouse = "duckdb://shared.duckdb"\n', encoding="utf-8"
    )

    # The environment beats the workspace file.
    monkeypatch.setenv("DATAOPS_WAREHOUSE_URL", "postgresql://etl@db.internal/analytics")
    assert resolve_warehouse_url(plain) == "postgresql://etl@db.internal/analytics"

    # job.toml beats everything, relative to the job folder.
    job_url = load_job_config(pinned / "job.toml").warehouse
    assert job_url == "duckdb://data/pinned.duckdb"
    assert (
        resolve_warehouse_url(pinned, job_url) == f"duckdb://{pinned.resolve()}/data/pinned.duckdb"
    )


def test_a_broken_workspace_file_is_an_error_naming_it(tmp_path: Path) -> None:
    job = _job(tmp_path / "ws" / "job")
    (tmp_path / "ws" / "dataops.toml").write_text("warehouse = [1]\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"dataops\.toml.*'warehouse' must be a URL"):
        resolve_warehouse_url(job)
    (tmp_path / "ws" / "dataops.toml").write_text("warehouse = \n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"dataops\.toml: not valid TOML"):
        resolve_warehouse_url(job)


def test_urls_open_the_right_warehouse(tmp_path: Path, postgres_url: str) -> None:
    duck = open_warehouse(f"duckdb://{tmp_path / 'sub' / 'w.duckdb'}")
    assert isinstance(duck, DuckDBWarehouse)
    assert run(duck, "SELECT 41 + 1 AS answer") == [{"answer": 42}]
    assert (tmp_path / "sub" / "w.duckdb").is_file()

    for url in (postgres_url, postgres_url.replace("postgresql://", "postgres://")):
        pg = open_warehouse(url)
        assert isinstance(pg, PostgresWarehouse)
        assert run(pg, "SELECT 41 + 1 AS answer") == [{"answer": 42}]

    with pytest.raises(InvalidInputError, match="not supported"):
        open_warehouse("mysql://localhost/db")
    with pytest.raises(InvalidInputError, match="not supported"):
        open_warehouse("warehouse.duckdb")


def test_a_database_that_does_not_exist_is_a_clear_error_at_once(postgres_url: str) -> None:
    missing = open_warehouse(postgres_url.rsplit("/", 1)[0] + "/no_such_database")
    with pytest.raises(
        WarehouseError, match=r'could not open the warehouse .*"no_such_database" does not exist'
    ):
        missing.query("SELECT 1")


def test_an_error_at_commit_is_reported_like_any_other(postgres_url: str) -> None:
    warehouse = open_warehouse(postgres_url)
    run(
        warehouse,
        "CREATE TABLE parents (id INTEGER PRIMARY KEY);"
        "CREATE TABLE children (parent INTEGER REFERENCES parents DEFERRABLE INITIALLY DEFERRED)",
    )
    with pytest.raises(WarehouseError, match=r"(?s)violates foreign key constraint.*in: COMMIT"):
        run(warehouse, "INSERT INTO children VALUES (:p)", p=7)
    assert run(warehouse, "SELECT count(*) AS n FROM children") == [{"n": 0}]


def test_statements_that_are_not_queries_report_what_they_did(warehouse: Warehouse) -> None:
    result = warehouse.execute(
        prepare(
            "CREATE TABLE stock (item TEXT, n INTEGER);"
            "INSERT INTO stock VALUES ('tea', 1), ('jam', 2), ('oil', 3);"
            "UPDATE stock SET n = n + 1 WHERE n < 3;"
            "DELETE FROM stock WHERE item = :gone",
            {"gone": "oil"},
            {},
            warehouse.dialect,
            "/* dataops job=x */ ",
        )
    )
    assert result.table is None
    assert result.done == [
        "created table stock",
        "inserted 3 rows into stock",
        "updated 2 rows in stock",
        "deleted 1 row from stock",
    ]
    queried = warehouse.execute(
        prepare("DROP TABLE stock; SELECT 1 AS one", {}, {}, warehouse.dialect)
    )
    assert queried.done == ["dropped table stock"]
    assert queried.table is not None and queried.table.to_pylist() == [{"one": 1}]
