"""Data contract checks against other ways of finding the same failures, side by side.

The products contract (``examples/products/contracts/all_products.odcs.yaml``) is checked on a
table of 5 M generated products (``shop.all_products``: product_id UUID, name, category,
price DECIMAL(18,2), source) by:

* one hand-written DuckDB query computing every figure the contract's checks judge (all
  count-style figures in one ``SELECT count(*) FILTER (WHERE …) …``, plus the duplicates), and
  the same query with the UUID format figure as well;
* ``datacontract test`` of datacontract-cli, installed in its own virtual environment under
  ``bench/.cache/`` (made on the first run, reused after), on a DuckDB file written by *its*
  DuckDB from the same Parquet file, with the same contract and a ``servers:`` entry for it;
* pandera validating the same rows as a pandas DataFrame (``lazy=True``, only the validation
  is timed);
* ``dataops contract check --json`` (a subprocess, as datacontract-cli is).

The table has planted failures that every side must find, with the same counts (see
``PLANTED``); a side that finds other ones gets a warning. A second part times an ingest of
1 M rows with and without the contract enforced.

Usage: ``python bench/contracts.py [--rows N] [--runs N] [--skip-datacontract]
[--skip-pandera] [--skip-ingest] [--quick]``. Prints medians and ratios; BENCHMARKS.md keeps
the latest results.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml
from ingest import Fresh, paired_medians  # bench/ingest.py

HERE = Path(__file__).resolve().parent
CONTRACT = HERE.parent / "examples" / "products" / "contracts" / "all_products.odcs.yaml"
CACHE = HERE / ".cache"
DATACONTRACT = "datacontract-cli[duckdb]==1.2.8"
SCHEMA, TABLE = "shop", "all_products"
QUALIFIED = f"{SCHEMA}.{TABLE}"
SEED = 13
CATEGORIES = ["books", "games", "music"]
SOURCES = ["current", "legacy"]
UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

#: A finding: (column, rule) → rows (or duplicate values) that break it.
Findings = dict[tuple[str | None, str], int]

#: The failures planted in the generated table, with their counts; every side must find these
#: and no others. Each planted row breaks exactly one rule. ``unique`` and ``duplicateValues``
#: count duplicate values (rows beyond the first of each id).
PLANTED: Findings = {
    ("product_id", "unique"): 4,
    ("product_id", "duplicateValues"): 4,
    ("name", "required"): 2,  # NULL
    ("name", "minLength"): 5,  # ''
    ("category", "validValues"): 6,  # 'films'
    ("price", "exclusiveMinimum"): 7,  # six negative, one zero
    ("source", "validValues"): 3,  # 'archive'
}


# ---------------------------------------------------------------------------------------------
# The data


def product_table(
    rows: int, seed: int = SEED, duplicates: bool = True, failures: bool = True
) -> pa.Table:
    """``rows`` products with the failures of ``PLANTED``, the same for the same seed; with
    ``duplicates=False`` every product_id is unique (only the row-level failures are planted),
    with ``failures=False`` no row breaks a rule.

    product_id is a UUID column (as the products job writes it), so its ``format: uuid``
    check runs but cannot fail: a UUID column holds only UUIDs. Duplicate ids can be planted
    (a DuckDB table built by ``CREATE TABLE … AS`` has no key constraint).
    """
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, 256, size=(rows, 16), dtype=np.uint8)
    ids[:, 6] = (ids[:, 6] & 0x0F) | 0x40  # version 4
    ids[:, 8] = (ids[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    cents = rng.integers(100, 100_000, size=rows, dtype=np.int64)
    category = rng.integers(0, len(CATEGORIES), size=rows, dtype=np.int32)
    source = (rng.random(rows) < 0.1).astype(np.int32)  # a tenth are legacy products

    # Distinct rows for every planted failure (the duplicates' originals among them).
    planted = rng.choice(rows, size=2 * sum(PLANTED.values()), replace=False)
    take = iter(np.split(planted, np.cumsum([4, 4, 2, 5, 6, 7, 3])))
    copies, originals = next(take), next(take)
    null_names, empty_names, bad_categories, bad_prices, bad_sources = (next(take) for _ in "12345")
    if duplicates and failures:
        ids[copies] = ids[originals]
    if failures:
        cents[bad_prices[:-1]] = -rng.integers(1, 10_000, size=len(bad_prices) - 1)
        cents[bad_prices[-1]] = 0
        category[bad_categories] = len(CATEGORIES)  # 'films'
        source[bad_sources] = len(SOURCES)  # 'archive'
    else:
        null_names = empty_names = np.array([], dtype=np.int64)

    names = pc.binary_join_element_wise(
        "Product ", pc.cast(pa.array(np.arange(rows)), pa.string()), ""
    )
    for where, value in ((null_names, None), (empty_names, "")):
        mask = np.zeros(rows, dtype=bool)
        mask[where] = True
        names = pc.replace_with_mask(names, mask, pa.array([value] * len(where), pa.string()))
    id_storage = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(16), rows, [None, pa.py_buffer(ids.tobytes())]
    )
    # DECIMAL(18,2) from the cents: the unscaled value, as 128-bit little-endian integers.
    unscaled = np.stack([cents, np.where(cents < 0, -1, 0)], axis=1)
    prices = pa.Array.from_buffers(
        pa.decimal128(18, 2), rows, [None, pa.py_buffer(unscaled.tobytes())]
    )
    return pa.table(
        {
            "product_id": pa.ExtensionArray.from_storage(pa.uuid(), id_storage),
            "name": names,
            "category": pc.take(pa.array([*CATEGORIES, "films"]), pa.array(category)),
            "price": prices,
            "source": pc.take(pa.array([*SOURCES, "archive"]), pa.array(source)),
        }
    )


def quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """``con`` without DuckDB's progress bar (it would print on every long query)."""
    con.execute("SET enable_progress_bar = false")
    return con


def write_duckdb(python: str, database: Path, parquet: Path) -> None:
    """Create ``shop.all_products`` in ``database`` from ``parquet`` with ``python``'s DuckDB
    (each tool reads files of its own DuckDB's storage version)."""
    script = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute('SET enable_progress_bar = false')\n"
        f"con.execute('CREATE SCHEMA {SCHEMA}')\n"
        f"con.execute('CREATE TABLE {QUALIFIED} AS FROM read_parquet($$' + sys.argv[2] + '$$)')\n"
        "con.close()\n"
    )
    subprocess.run([python, "-c", script, str(database), str(parquet)], check=True)


def contract_copy(folder: Path, name: str, server: dict[str, Any] | None) -> Path:
    """The products contract with ``{schema}`` filled in, and ``server`` as its only server."""
    contract = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    for table in contract["schema"]:
        table["physicalName"] = table["physicalName"].replace("{schema}", SCHEMA)
        if server is not None:
            # datacontract-cli takes the schema from the server and reads physicalName as the
            # name of a table in it (``shop.all_products`` would be looked up as one name).
            table["physicalName"] = table["physicalName"].split(".", 1)[-1]
    if server is not None:
        contract["servers"] = [server]
    path = folder / name
    path.write_text(yaml.safe_dump(contract, sort_keys=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# The sides


@dataclass
class Outcome:
    """What one run of a side found."""

    checks: int
    findings: Findings
    #: The tool's own figure for its run, in seconds, when it reports one.
    own_seconds: float | None = None


@dataclass
class Side:
    name: str
    run: Callable[[], Outcome]
    times: list[float] = field(default_factory=list)
    own_times: list[float] = field(default_factory=list)
    outcome: Outcome | None = None
    #: A command timed from outside (wall clock), as opposed to a call in this process.
    wall: bool = False

    def once(self) -> None:
        started = time.perf_counter()
        self.outcome = self.run()
        self.times.append(time.perf_counter() - started)
        if self.outcome.own_seconds is not None:
            self.own_times.append(self.outcome.own_seconds)

    def clear(self) -> None:
        self.times.clear()
        self.own_times.clear()

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def own_median(self) -> float | None:
        return statistics.median(self.own_times) if self.own_times else None


def merge(pairs: list[tuple[tuple[str | None, str], int]]) -> Findings:
    """Findings from (key, count) pairs of failed checks; checks with the same key (a unique
    column that is also the primary key) are one finding."""
    findings: Findings = {}
    for key, count in pairs:
        findings[key] = max(findings.get(key, 0), count)
    return findings


# The hand-written query: every figure of the contract's count-style checks in one scan.
FIGURES = {
    ("product_id", "required"): "count(*) FILTER (WHERE product_id IS NULL)",
    ("product_id", "unique"): "count(product_id) - count(DISTINCT product_id)",
    ("name", "required"): "count(*) FILTER (WHERE name IS NULL)",
    ("name", "minLength"): "count(*) FILTER (WHERE length(name) < 1)",
    ("category", "required"): "count(*) FILTER (WHERE category IS NULL)",
    ("category", "validValues"): (
        "count(*) FILTER (WHERE category NOT IN ('books', 'games', 'music'))"
    ),
    ("price", "required"): "count(*) FILTER (WHERE price IS NULL)",
    ("price", "exclusiveMinimum"): "count(*) FILTER (WHERE price <= 0)",
    ("source", "validValues"): "count(*) FILTER (WHERE source NOT IN ('current', 'legacy'))",
}
FORMAT_FIGURE = {
    ("product_id", "format"): (
        f"count(*) FILTER (WHERE NOT regexp_full_match(product_id::VARCHAR, '{UUID_PATTERN}'))"
    )
}


def hand_written_sql(database: Path, with_format: bool) -> Callable[[], Outcome]:
    figures = {**FIGURES, **(FORMAT_FIGURE if with_format else {})}
    query = "SELECT count(*), " + ", ".join(figures.values()) + f" FROM {QUALIFIED}"

    def run() -> Outcome:
        with quiet(duckdb.connect(str(database), read_only=True)) as con:
            row_count, *values = con.execute(query).fetchone() or ()
        findings: Findings = {
            key: int(value) for key, value in zip(figures, values, strict=True) if value
        }
        if not row_count:
            findings[None, "rowCount"] = 0
        # The table-level duplicateValues rule is the same figure as the column's uniqueness.
        if ("product_id", "unique") in findings:
            findings["product_id", "duplicateValues"] = findings["product_id", "unique"]
        # + the row count and the duplicateValues rule, judged on figures already there.
        return Outcome(checks=len(figures) + 2, findings=findings)

    return run


def datacontract_venv() -> Path:
    """The Python of a virtual environment with datacontract-cli, made once under the cache."""
    folder = CACHE / "datacontract-venv"
    python = folder / "bin" / "python"
    stamp = folder / ".installed"  # what was installed there
    if stamp.is_file() and stamp.read_text().strip() == DATACONTRACT:
        return python
    shutil.rmtree(folder, ignore_errors=True)
    print(f"installing {DATACONTRACT} into {folder} (once)", flush=True)
    uv = shutil.which("uv")
    if uv:
        subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(folder)], check=True)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(python), DATACONTRACT], check=True
        )
    else:
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", DATACONTRACT], check=True)
    stamp.write_text(DATACONTRACT + "\n")
    return python


#: datacontract-cli's check types and the finding each is about.
DATACONTRACT_RULES = {
    "field_required": "required",
    "field_unique": "unique",
    "field_primary_key": "unique",
    "field_min_length": "minLength",
    "field_invalid_values": "validValues",
    # exclusiveMinimum: 0 becomes two checks, ``minimum 0`` and ``not equal to 0``; their
    # counts add up (a value is below zero or zero).
    "field_minimum": "exclusiveMinimum",
    "field_not_equal": "exclusiveMinimum",
    "field_pattern": "format",
    "field_type": "type",
    "field_is_present": "present",
    "row_count": "rowCount",
    "model_duplicate_values": "duplicateValues",
}


def datacontract_test(python: Path, contract: Path, output: Path) -> Callable[[], Outcome]:
    command = [
        str(python.parent / "datacontract"),
        "test",
        str(contract),
        "--output-format",
        "json",
        "--output",
        str(output),
    ]

    def run() -> Outcome:
        done = subprocess.run(command, capture_output=True, text=True)
        if not output.is_file() or done.returncode not in (0, 1):
            raise RuntimeError(f"datacontract test failed ({done.returncode}): {done.stderr}")
        report = json.loads(output.read_text())
        output.unlink()
        errors = [c for c in report["checks"] if c["result"] not in ("passed", "failed")]
        if errors:
            raise RuntimeError(f"datacontract test could not run checks: {errors[:3]}")
        findings: Findings = {}
        for check in report["checks"]:
            if check["result"] != "failed":
                continue
            rule = DATACONTRACT_RULES.get(check["type"], check["type"])
            column = check["field"] or ("product_id" if rule == "duplicateValues" else None)
            count = int((check.get("diagnostics") or {}).get("value") or 0)
            key = (column, rule)
            findings[key] = findings.get(key, 0) + count if rule == "exclusiveMinimum" else count
        own = (
            datetime.fromisoformat(report["timestampEnd"])
            - datetime.fromisoformat(report["timestampStart"])
        ).total_seconds()
        return Outcome(checks=len(report["checks"]), findings=findings, own_seconds=own)

    return run


def pandera_frame(database: Path) -> Any:
    """The table as a pandas user has it: ids as text, prices as floats."""
    with quiet(duckdb.connect(str(database), read_only=True)) as con:
        relation = con.sql(
            "SELECT product_id::VARCHAR AS product_id, name, category, price::DOUBLE AS price, "
            f"source FROM {QUALIFIED}"
        )
        return pa.table(relation).to_pandas()


#: pandera's check names (before any argument list) and the rule each is about.
PANDERA_RULES = {
    "not_nullable": "required",
    "field_uniqueness": "unique",
    "multiple_fields_uniqueness": "duplicateValues",
    "str_length": "minLength",
    "isin": "validValues",
    "greater_than": "exclusiveMinimum",
    "str_matches": "format",
    "dtype": "type",
    "column_in_dataframe": "present",
}


def pandera_validate(frame: Any) -> Callable[[], Outcome]:
    """pandera's ``DataFrameSchema`` for the contract's checks, validating ``frame``."""
    import pandera.pandas as pa_

    schema = pa_.DataFrameSchema(
        {
            "product_id": pa_.Column(
                str,
                pa_.Check.str_matches(UUID_PATTERN),
                nullable=False,
                unique=True,
                report_duplicates="exclude_first",
            ),
            "name": pa_.Column(str, pa_.Check.str_length(min_value=1), nullable=False),
            "category": pa_.Column(str, pa_.Check.isin(CATEGORIES), nullable=False),
            "price": pa_.Column(float, pa_.Check.gt(0), nullable=False),
            "source": pa_.Column(str, pa_.Check.isin(SOURCES), nullable=True),
        },
        checks=[pa_.Check(lambda df: len(df) > 0, name="rowCount")],
        unique=["product_id"],
        report_duplicates="exclude_first",
    )
    checks = (
        len(schema.checks)
        + 1
        + sum(
            1 + (not column.nullable) + column.unique + len(column.checks)
            for column in schema.columns.values()
        )
    )

    def run() -> Outcome:
        try:
            schema.validate(frame, lazy=True)
        except pa_.errors.SchemaErrors as exc:
            cases = exc.failure_cases
        else:
            return Outcome(checks=checks, findings={})
        counts = cases.groupby(["column", "check"], dropna=False).size()
        pairs = [
            ((column, PANDERA_RULES.get(str(check).split("(")[0], str(check))), int(count))
            for (column, check), count in counts.items()
        ]
        return Outcome(checks=checks, findings=merge(pairs))

    return run


#: Our check kinds (``CheckResult.kind``) and the rule each is about.
OUR_RULES = {
    "required": "required",
    "nullValues": "required",
    "unique": "unique",
    "primaryKey": "unique",
    "minLength": "minLength",
    "invalidValues": "validValues",
    "validValues": "validValues",
    "exclusiveMinimum": "exclusiveMinimum",
    "format": "format",
    "rowCount": "rowCount",
    "duplicateValues": "duplicateValues",
}


def our_command(database: Path, contract: Path) -> list[str]:
    url = f"duckdb://{database.resolve()}"  # duckdb:// + an absolute path (warehouse/resolve.py)
    return [
        sys.executable,
        "-m",
        "dataops_jupyter.cli",
        "contract",
        "check",
        str(contract),
        "--warehouse",
        url,
        "--json",
    ]


def run_ours(database: Path, contract: Path) -> tuple[float, int, Findings, float] | None:
    """``dataops contract check --json`` on ``database``: wall seconds, checks run, findings
    and the engine's own duration; ``None`` while the command does not exist."""
    started = time.perf_counter()
    done = subprocess.run(our_command(database, contract), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode == 2 and "invalid choice" in done.stderr:
        return None
    if done.returncode not in (0, 1):
        raise RuntimeError(f"dataops contract check failed ({done.returncode}): {done.stderr}")
    report = json.loads(done.stdout)
    return seconds, len(report["results"]), our_findings(report), float(report["duration"])


def our_findings(report: dict[str, Any]) -> Findings:
    """The failures in a ``CheckReport`` (dataops_jupyter/contracts/results.py) as findings."""
    pairs = []
    for result in report["results"]:
        if result["status"] in ("error", "skipped"):
            raise RuntimeError(f"dataops contract check could not run {result['rule']}: {result}")
        if result["status"] != "failed":
            continue
        rule = OUR_RULES.get(result["kind"], result["kind"])
        column = result["property"] or ("product_id" if rule == "duplicateValues" else None)
        pairs.append(((column, rule), int(float(result["measured"] or 0))))
    return merge(pairs)


# ---------------------------------------------------------------------------------------------
# Running and reporting


def compare_findings(side: Side) -> bool:
    """Whether ``side`` found exactly the planted failures, with their counts (warns if not)."""
    assert side.outcome is not None
    found = side.outcome.findings
    missing = {k: v for k, v in PLANTED.items() if k not in found}
    other = {k: v for k, v in found.items() if k not in PLANTED}
    wrong = {k: (found[k], v) for k, v in PLANTED.items() if k in found and found[k] != v}
    if missing or other or wrong:
        print(f"WARNING: {side.name} did not find the planted failures:")
        for label, items in (("missed", missing), ("also reported", other), ("counts", wrong)):
            if items:
                print(f"    {label}: {items}")
        return False
    return True


def rounds(sides: list[Side], runs: int) -> None:
    """One untimed warm-up run of each side, then ``runs`` rounds alternating between them."""
    for side in sides:
        side.once()
        side.clear()
    for _ in range(runs):
        for side in sides:
            side.once()


def report(sides: list[Side], ours: Side | None, ours_wall: Side | None = None) -> None:
    """Medians and ratios. A side run in this process is compared with our engine called in
    this process; a command timed from outside with our command timed the same way."""
    sql = sides[0]

    def mine(side: Side) -> Side | None:
        return ours_wall if side.wall else ours

    print(
        f"\n{'side':<46} {'median':>8} {'own timer':>10} {'checks':>7} {'failed':>7}  "
        f"{'vs SQL':>7} {'vs ours':>8}  same failures"
    )
    for side in sides:
        assert side.outcome is not None
        own = side.own_median
        other = mine(side)
        vs_ours = f"{side.median / other.median:7.2f}x" if other else "  pending"
        print(
            f"{side.name:<46} {side.median:6.2f} s {f'{own:.2f} s' if own else '':>10} "
            f"{side.outcome.checks:>7} {len(side.outcome.findings):>7}  "
            f"{side.median / sql.median:6.2f}x {vs_ours}  "
            f"{'yes' if compare_findings(side) else 'NO'}",
            flush=True,
        )
    if ours is None:
        print("ours: not available yet (no `dataops contract check`)")
        return
    # (side, target, the least ratio of the side's time to ours that meets the target)
    targets = [
        ("hand-written SQL", "ours ≤ 1.3x its time", 1 / 1.3),
        ("datacontract", "≥ 2x faster", 2.0),
        ("pandera", "≥ 10x faster", 10.0),
    ]
    for prefix, target, ratio in targets:
        for side in sides:
            other = mine(side)
            if side.name.startswith(prefix) and other is not None:
                met = side.median / other.median >= ratio
                print(
                    f"target {target} against {side.name} ({other.name}): "
                    f"{side.median / other.median:.2f}x, {'met' if met else 'MISSED'}"
                )


def datacontract_side(folder: Path, parquet: Path) -> Side | None:
    """``datacontract test`` on its own copy of the table, or ``None`` if it cannot be had."""
    try:
        python = datacontract_venv()
    except subprocess.CalledProcessError as exc:
        print(f"{DATACONTRACT} could not be installed ({exc}); baseline skipped")
        return None
    version = subprocess.run(
        [str(python), "-c", "import duckdb; print(duckdb.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    their_db = folder / "datacontract.duckdb"
    write_duckdb(str(python), their_db, parquet)
    server = {"server": "bench", "type": "duckdb", "database": str(their_db), "schema": SCHEMA}
    contract = contract_copy(folder, "datacontract.odcs.yaml", server)
    return Side(
        f"datacontract test {DATACONTRACT.split('==')[1]} (DuckDB {version}), wall",
        datacontract_test(python, contract, folder / "datacontract-result.json"),
        wall=True,
    )


def bench_checks(options: argparse.Namespace, folder: Path) -> None:
    rows = options.rows
    print(
        f"{rows:,} product rows in {QUALIFIED} (DuckDB {duckdb.__version__}), medians of "
        f"{options.runs} runs",
        flush=True,
    )
    started = time.perf_counter()
    parquet = folder / "products.parquet"
    pq.write_table(product_table(rows), parquet)
    ours_db = folder / "ours.duckdb"
    write_duckdb(sys.executable, ours_db, parquet)
    print(f"data written in {time.perf_counter() - started:.1f} s", flush=True)

    sides = [
        Side("hand-written SQL, one query", hand_written_sql(ours_db, with_format=False)),
        Side("hand-written SQL + UUID format figure", hand_written_sql(ours_db, with_format=True)),
    ]
    if not options.skip_datacontract and (side := datacontract_side(folder, parquet)):
        sides.append(side)
    if not options.skip_pandera:
        try:
            label = f"pandera {metadata.version('pandera')} validate(lazy=True), in process"
            sides.append(Side(label, pandera_validate(pandera_frame(ours_db))))
        except (ImportError, metadata.PackageNotFoundError):
            print("pandera not installed, baseline skipped (pip install '.[bench]')")

    our_contract = contract_copy(folder, "ours.odcs.yaml", None)
    ours: Side | None = None
    ours_wall: Side | None = None
    if run_ours(ours_db, our_contract) is not None:
        ours = Side("dataops contract engine, in process", our_engine(ours_db, our_contract))
        label = "dataops contract check --json, wall"
        ours_wall = Side(label, lambda: our_outcome(ours_db, our_contract), wall=True)
        sides += [ours, ours_wall]
    rounds(sides, options.runs)
    report(sides, ours, ours_wall)


def our_engine(database: Path, contract: Path) -> Callable[[], Outcome]:
    """Our engine called in this process, as the hand-written query and pandera are: the
    contract loaded and every check run, samples included."""
    from dataops_jupyter.contracts.engine import check_targets, iter_targets
    from dataops_jupyter.contracts.model import load_contract
    from dataops_jupyter.warehouse import open_warehouse

    warehouse = open_warehouse(f"duckdb://{database.resolve()}")

    def run() -> Outcome:
        loaded = load_contract(contract)
        report = check_targets(warehouse, list(iter_targets([loaded])), [loaded])
        data = report.model_dump(mode="json")
        return Outcome(len(data["results"]), our_findings(data), report.duration)

    return run


def our_outcome(database: Path, contract: Path) -> Outcome:
    result = run_ours(database, contract)
    assert result is not None
    _, checks, findings, own = result
    return Outcome(checks=checks, findings=findings, own_seconds=own)


def contract_guards() -> Callable[[str], Any] | None:
    """What makes a guard enforcing the products contract on ``shop.all_products`` of a
    warehouse URL (rows that break a row rule go to quarantine); ``None`` when loads take no
    contract."""
    try:
        from dataops_jupyter.contracts import enforce, model
    except ImportError:
        return None
    from dataops_jupyter.jobs.config import ContractsPolicy
    from dataops_jupyter.warehouse import open_warehouse

    target = enforce.find_target([model.load_contract(CONTRACT)], QUALIFIED, {"schema": SCHEMA})
    assert target is not None
    policy = ContractsPolicy(on_violation="quarantine")
    return lambda url: enforce.ContractGuard(open_warehouse(url), target, policy)


def bench_ingest(rows: int, runs: int) -> None:
    """Ingest of ``rows`` products into a new DuckDB file, with the products contract enforced
    and without: rows that break no rule, then rows with the planted row-level failures (those
    rows go to quarantine). No duplicate ids: a duplicate breaks a table-level rule, and the
    load would fail."""
    guards = contract_guards()
    if guards is None:
        print("\ningest with the contract enforced: pending (loads take no contract yet)")
        return
    expected = sum(n for (column, _), n in PLANTED.items() if column != "product_id")
    for failures in (False, True):
        with_contract, without = ingest_pair(rows, runs, failures, guards)
        kind = f"{expected} planted bad rows to quarantine" if failures else "no bad row"
        print(
            f"\ningest of {rows:,} rows ({kind}): with the contract enforced "
            f"{with_contract:.2f} s, without {without:.2f} s, ratio "
            f"{with_contract / without:.2f}x (target ≤ 1.3x)"
        )


def ingest_pair(
    rows: int, runs: int, failures: bool, guards: Callable[[str], Any]
) -> tuple[float, float]:
    """Medians of an ingest with the contract enforced and without, each into a new file."""
    from dataops_jupyter.warehouse import ingest, open_warehouse

    data = product_table(rows, duplicates=False, failures=failures)
    wanted = sum(n for (c, _), n in PLANTED.items() if c != "product_id") if failures else 0
    fresh = Fresh()
    current: dict[str, str] = {}

    def new_file() -> None:
        current["url"] = f"duckdb://{fresh.path()}"

    def plain() -> None:
        ingest(open_warehouse(current["url"]), data, QUALIFIED)

    def enforced() -> None:
        url = current["url"]
        summary = ingest(open_warehouse(url), data, QUALIFIED, guard=guards(url))
        assert summary.rejected == wanted, f"{summary.rejected} rows quarantined"

    try:
        return paired_medians(enforced, plain, runs, new_file)
    finally:
        fresh.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ingest-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-datacontract", action="store_true")
    parser.add_argument("--skip-pandera", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--quick", action="store_true", help="20,000 rows, 2 runs: a smoke test")
    options = parser.parse_args()
    if options.quick:
        options.rows, options.runs, options.ingest_rows = 20_000, 2, 20_000

    folder = Path(tempfile.mkdtemp(prefix="dataops-bench-contracts-"))
    try:
        bench_checks(options, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not options.skip_ingest:
        bench_ingest(options.ingest_rows, options.runs)


if __name__ == "__main__":
    main()
