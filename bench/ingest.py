"""Ingestion speed against the native ways of loading the same data, side by side.

Product-like rows (uuid, name, category, decimal price, timezone-aware timestamp):

* 1 M-row DataFrame → DuckDB: ``ingest`` vs DuckDB's own ``INSERT INTO t SELECT * FROM df``;
* 1 M dicts → DuckDB: ``ingest`` vs ``pandas.DataFrame(rows).to_sql`` (SQLAlchemy +
  duckdb_engine, timed on a sample because it is slow) and dlt when installed (also timed
  on a sample);
* 1 M-row DataFrame and 1 M dicts → PostgreSQL: ``ingest`` vs raw psycopg COPY, and dlt;
* merge of 100 k rows (half updates) into 1 M vs appending the same 100 k.

Usage: ``python bench/ingest.py [--rows N] [--runs N] [--skip-postgres]``. Prints medians and
ratios; BENCHMARKS.md keeps the latest results.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dataops_jupyter.warehouse import ingest, open_warehouse

#: Rows that the dlt baseline loads (scaled to the full count).
DLT_SAMPLE = 50_000
CATEGORIES = ["books", "games", "music", "films", "toys"]


def product_rows(count: int, start: int = 0, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed + start)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        {
            "product_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "name": f"Product {i}",
            "category": CATEGORIES[i % 5],
            "price": Decimal(rng.randrange(100, 100_000)) / 100,
            "updated_at": base + timedelta(seconds=i),
        }
        for i in range(start, start + count)
    ]


def product_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["price"] = frame["price"].astype(float)  # what a pandas user has
    return frame


def median_time(
    action: Callable[[], Any], runs: int, setup: Callable[[], Any] | None = None
) -> float:
    times = []
    for _ in range(runs):
        if setup is not None:
            setup()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def paired_medians(
    ours: Callable[[], Any],
    baseline: Callable[[], Any],
    runs: int,
    setup: Callable[[], Any] | None = None,
) -> tuple[float, float]:
    """Medians of both, run alternately so that both see the same load on the machine."""
    ours_times, baseline_times = [], []
    for _ in range(runs):
        ours_times.append(median_time(ours, 1, setup))
        baseline_times.append(median_time(baseline, 1, setup))
    return statistics.median(ours_times), statistics.median(baseline_times)


def line(label: str, ours: float, baseline: float, rows: int, note: str = "") -> None:
    print(
        f"{label:<46} {ours:7.2f} s {rows / ours:>11,.0f}/s   {baseline:7.2f} s "
        f"{rows / baseline:>11,.0f}/s   {baseline / ours:5.2f}x  {note}",
        flush=True,
    )


class Fresh:
    """A new DuckDB file per run, removed at the end."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dataops-bench-"))
        self.count = 0

    def path(self) -> Path:
        self.count += 1
        return self.folder / f"w{self.count}.duckdb"

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def duckdb_cases(rows: list[dict[str, Any]], frame: pd.DataFrame, runs: int, fresh: Fresh) -> None:
    n = len(rows)
    current: dict[str, Path] = {}

    def new_file() -> None:
        current["path"] = fresh.path()

    def ours_frame() -> None:
        ingest(open_warehouse(f"duckdb://{current['path']}"), frame, "products")

    def native_frame() -> None:
        with duckdb.connect(str(current["path"])) as con:
            con.execute(
                "CREATE TABLE products (product_id VARCHAR, name VARCHAR, category VARCHAR, "
                "price DOUBLE, updated_at TIMESTAMPTZ)"
            )
            con.register("frame", frame)
            con.execute("INSERT INTO products SELECT * FROM frame")

    ours, native = paired_medians(ours_frame, native_frame, runs, new_file)
    line("DataFrame → DuckDB vs INSERT … SELECT * FROM df", ours, native, n, "target ≥ 0.70x")

    def ours_dicts() -> None:
        ingest(open_warehouse(f"duckdb://{current['path']}"), rows, "products")

    ours = median_time(ours_dicts, runs, new_file)
    sample = rows[: min(n, 20_000)]

    def to_sql() -> None:
        import duckdb_engine  # noqa: F401  (SQLAlchemy's dialect; without it no baseline)
        from sqlalchemy import create_engine

        engine = create_engine(f"duckdb:///{current['path']}")
        pd.DataFrame(sample).to_sql("products", engine, index=False)
        engine.dispose()

    try:
        baseline = median_time(to_sql, 1, new_file) * n / len(sample)
        line(
            "dicts → DuckDB vs DataFrame(rows).to_sql",
            ours,
            baseline,
            n,
            f"to_sql timed on {len(sample):,} rows; target ≥ 10x and ≥ 200,000/s",
        )
    except ImportError:
        print(f"dicts → DuckDB: {n / ours:,.0f} rows/s (to_sql baseline needs duckdb_engine)")
    dlt_case(
        "dicts → DuckDB vs dlt",
        ours,
        rows,
        lambda: __import__("dlt").destinations.duckdb(str(current["path"])),
        new_file,
        fresh.folder,
    )


def dlt_case(
    label: str,
    ours: float,
    rows: list[dict[str, Any]],
    destination: Callable[[], Any],
    setup: Callable[[], Any],
    folder: Path,
) -> None:
    """dlt (an optional baseline) loading the same dicts; timed on a sample and scaled, since
    its default path for dicts loads a few thousand rows a second."""
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    try:
        import dlt
    except ImportError:
        print(f"{label}: dlt not installed, baseline skipped (pip install '.[bench]')")
        return
    sample = rows[: min(len(rows), DLT_SAMPLE)]
    runs = {"n": 0}

    def with_dlt() -> None:
        runs["n"] += 1
        pipeline = dlt.pipeline(
            pipeline_name=f"bench{runs['n']}",
            destination=destination(),
            pipelines_dir=str(folder / "dlt"),
        )
        pipeline.run(sample, table_name="products")

    baseline = median_time(with_dlt, 1, setup) * len(rows) / len(sample)
    line(label, ours, baseline, len(rows), f"dlt {dlt.__version__} timed on {len(sample):,} rows")


def merge_case(
    url_for_run: Callable[[], str], label: str, rows: list[dict[str, Any]], runs: int
) -> None:
    n = len(rows)
    batch = n // 10
    updates = [dict(r, price=r["price"] + 1) for r in rows[: batch // 2]]
    fresh_rows = product_rows(batch - len(updates), start=n)
    change = updates + fresh_rows
    appended = product_rows(batch, start=2 * n)
    current: dict[str, str] = {}

    def prepare() -> None:
        current["url"] = url_for_run()
        ingest(open_warehouse(current["url"]), rows, "products")

    merge, append = paired_medians(
        lambda: ingest(
            open_warehouse(current["url"]), change, "products", mode="merge", key=["product_id"]
        ),
        lambda: ingest(open_warehouse(current["url"]), appended, "products"),
        runs,
        prepare,
    )
    print(
        f"{label:<46} merge {batch:,} into {n:,}: {merge:.2f} s, append {batch:,}: {append:.2f} s, "
        f"ratio {merge / append:.2f}x (target ≤ 3x)",
        flush=True,
    )


def postgres_cases(rows: list[dict[str, Any]], frame: pd.DataFrame, runs: int) -> None:
    import psycopg

    from dataops_jupyter.testing.postgres import PostgresCluster

    n = len(rows)
    with PostgresCluster() as admin_url:
        counter = {"n": 0}

        def fresh_db() -> str:
            counter["n"] += 1
            url = admin_url.rsplit("/", 1)[0] + f"/bench{counter['n']}"
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f"CREATE DATABASE bench{counter['n']}")
            return url

        current: dict[str, str] = {}

        def new_db() -> None:
            current["url"] = fresh_db()

        ddl = (
            "CREATE TABLE products (product_id TEXT, name TEXT, category TEXT, "
            "price NUMERIC(18,2), updated_at TIMESTAMPTZ)"
        )

        def copy_frame() -> None:
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, header=False)
            with psycopg.connect(current["url"]) as con:
                con.execute(ddl)
                with con.cursor().copy("COPY products FROM STDIN WITH (FORMAT csv)") as copy:
                    copy.write(buffer.getvalue())

        def copy_rows() -> None:
            with psycopg.connect(current["url"]) as con:
                con.execute(ddl)
                with con.cursor().copy("COPY products FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(tuple(row.values()))

        ours, baseline = paired_medians(
            lambda: ingest(open_warehouse(current["url"]), frame, "products"),
            copy_frame,
            runs,
            new_db,
        )
        line("DataFrame → PostgreSQL vs to_csv + COPY", ours, baseline, n, "target ≥ 0.70x")
        ours, baseline = paired_medians(
            lambda: ingest(open_warehouse(current["url"]), rows, "products"),
            copy_rows,
            runs,
            new_db,
        )
        line("dicts → PostgreSQL vs COPY write_row", ours, baseline, n, "target ≥ 0.70x")
        dlt_case(
            "dicts → PostgreSQL vs dlt",
            ours,
            rows,
            # dlt insists on a password; the benchmark's cluster trusts loopback and ignores it.
            lambda: __import__("dlt").destinations.postgres(
                current["url"].replace("postgres@", "postgres:unused@")
            ),
            new_db,
            Path(tempfile.mkdtemp(prefix="dataops-bench-dlt-")),
        )
        merge_case(fresh_db, "PostgreSQL", rows, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    options = parser.parse_args()

    rows = product_rows(options.rows)
    frame = product_frame(rows)
    print(f"{options.rows:,} product rows, medians of {options.runs} runs\n")
    print(f"{'':<46} {'dataops':>20}   {'baseline':>20}   ratio (baseline time / dataops time)")
    fresh = Fresh()
    try:
        duckdb_cases(rows, frame, options.runs, fresh)
        merge_case(lambda: f"duckdb://{fresh.path()}", "DuckDB", rows, options.runs)
        if not options.skip_postgres:
            postgres_cases(rows, frame, options.runs)
    finally:
        fresh.close()


if __name__ == "__main__":
    main()
