"""``dataops contract lint``: real ODCS files written by other projects, planted mistakes at
their exact line and column, the command's exit codes, and the deploy gate of the control
service and of ``dataops deploy``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from dataops_jupyter.contracts.discover import contract_files
from dataops_jupyter.contracts.lint import lint_file
from dataops_jupyter.control_service.bundles import make_bundle

from .conftest import MakeJob
from .control import RunningService

pytestmark = pytest.mark.timeout(240)

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "odcs-examples"
if not EXAMPLES.is_dir():
    EXAMPLES = Path("/work/shared/odcs-examples")
VALID = [
    "bitol__all__full-example.odcs.yaml",
    "bitol__quality__column-accuracy.odcs.yaml",
    "bitol__quality__column-validity.odcs.yaml",
    "dccli__examples__orders.odcs.yaml",
    "dccli__fixtures__lint__valid-3.1.0.odcs.yaml",
    "dccli__fixtures__quality-sql-dialects__duckdb.yaml",
    "dceditor__src__example.yaml",
]
NOT_ODCS = "datagriff__examples__orders.yaml"

# Lines 20 onwards are each case's own; the rest is a valid contract.
CONTRACT = """\
apiVersion: {version}
kind: DataContract
id: shop-orders
version: 1.0.0
status: active
servers:
  - server: local
    type: duckdb
    database: shop.duckdb
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: string
        required: true
        primaryKeyPosition: 1
      - name: qty
        logicalType: integer
        primaryKeyPosition: {position}
{extra}
    quality:
      - type: sql
        query: {query}
        mustBe: 0
slaProperties:
  - property: freshness
    value: 24
    unit: h
    element: {element}
"""


def contract(
    tmp_path: Path,
    extra: str = "",
    *,
    version: str = "v3.1.0",
    position: int = 2,
    query: str = "SELECT count(*) FROM ${model} WHERE qty < 0",
    element: str = "orders.qty",
) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "orders.odcs.yaml"
    text = CONTRACT.format(
        version=version, position=position, extra=extra.rstrip("\n"), query=query,
        element=element,
    )  # fmt: skip
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    return [str(f) for f in lint_file(path, path.name)]


def note(*lines: str) -> str:
    """A property ``note`` (line 20) with ``lines`` under it (from line 21)."""
    return "      - name: note\n" + "".join(f"        {line}\n" for line in lines)


# -- files written elsewhere ------------------------------------------------------------------


@pytest.mark.parametrize("name", VALID)
def test_valid_contracts_from_other_projects_have_no_errors(name: str) -> None:
    findings = lint_file(EXAMPLES / name)
    assert [f for f in findings if f.severity == "error"] == []


def test_the_standards_full_example_warns_of_its_sla_element_naming_no_table() -> None:
    path = EXAMPLES / "bitol__all__full-example.odcs.yaml"
    lines = path.read_text().splitlines()
    expected = [n for n, line in enumerate(lines, 1) if "element: tab1.txn_ref_dt" in line]
    findings = lint_file(path, path.name)
    assert [f.line for f in findings] == expected and len(expected) == 5
    assert {f.severity for f in findings} == {"warning"}
    assert str(findings[0]) == (
        f"{path.name}:{expected[0]}:5: warning: SLA element 'tab1.txn_ref_dt': the contract "
        "has no table 'tab1'; did you mean 'tbl_1'?"
    )


def test_a_file_whose_schema_lists_columns_is_explained_not_dumped() -> None:
    path = EXAMPLES / NOT_ODCS
    lines = path.read_text().splitlines()
    findings = lint_file(path, path.name)
    schema_line = lines.index("schema:") + 1
    columns = [(n, line.split(": ")[1]) for n, line in enumerate(lines, 1)
               if line.startswith("  - name: ")]  # fmt: skip
    assert len(columns) == 9 and len(findings) == 10
    first = findings[0]
    assert (first.line, first.column, first.severity) == (schema_line, 1, "error")
    assert first.message.startswith(
        "this file is not an ODCS v3 contract: `schema` must list tables (objects with `name` "
        "and `properties`), but its items look like columns (they have `type`, `required`, "
        "`primaryKey`, `enum`)."
    )
    for found, (line, name) in zip(findings[1:], columns, strict=True):
        assert (found.line, found.column) == (line, 5)
        assert found.message.startswith(f"'{name}' looks like a column, not a table: `type`")
    assert str(findings[1]) == (
        f"{NOT_ODCS}:20:5: 'order_id' looks like a column, not a table: `type`, `required`, "
        "`primaryKey` belong to a property; list it under a table's `properties`"
    )
    assert "`enum`" in findings[5].message and "Unevaluated" not in str(findings)


# -- planted mistakes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, []),
        ({"extra": note("type: string")},
         ["21:9: unexpected key 'type' in a property; ODCS v3 writes a property's type as "
          "`logicalType` (and `physicalType`)"]),
        ({"extra": note("logicalType: string", "isNullable: true")},
         ["22:9: unexpected key 'isNullable' in a property; ODCS v3 writes it the other way "
          "round: `required: false` (`required: true` for a column that must have a value)"]),
        ({"extra": note("logicalType: string", "isPrimaryKey: true")},
         ["22:9: unexpected key 'isPrimaryKey' in a property; ODCS v3 writes `primaryKey: true` "
          "(and `primaryKeyPosition` for a compound key)"]),
        ({"extra": note("logicaltype: string")},
         ["21:9: unexpected key 'logicaltype' in a property; did you mean 'logicalType'?"]),
        ({"extra": note("logicalType: decimal")},
         ["21:9: unknown logicalType 'decimal'; ODCS allows string, date, timestamp, time, "
          "number, integer, object, array, boolean (a decimal is `logicalType: number`, with "
          "`physicalType: decimal`)"]),
        ({"extra": note("logicalType: string", "required: 'abc'")},
         ["22:9: `required` must be true or false, got 'abc'"]),
        ({"extra": note("logicalType: string", "logicalTypeOptions:", "  minimum: 3")},
         ["23:11: 'minimum' is not an option of logicalType string; string takes format, "
          "maxLength, minLength, pattern"]),
        ({"extra": note("logicalType: string", "logicalTypeOptions:", "  format: iban")},
         ["23:11: warning: format 'iban' is not checked (the checks know date-time, email, "
          "uri, uuid)"]),
        ({"extra": note("logicalType: string", "quality:", "  - metric: nullValues",
                        "    mustBeGreaterThen: 0")},
         ["24:13: unknown operator 'mustBeGreaterThen'; did you mean 'mustBeGreaterThan'?"]),
        ({"extra": note("logicalType: string", "quality:", "  - metric: nullValues")},
         ["23:13: the rule has no operator: add one of mustBe, mustNotBe, mustBeGreaterThan, "
          "mustBeGreaterOrEqualTo, mustBeLessThan, mustBeLessOrEqualTo, mustBeBetween, "
          "mustNotBeBetween (e.g. `mustBe: 0`)"]),
        ({"extra": note("logicalType: string", "quality:", "  - metric: nullValues",
                        "    mustBe: 0", "    mustBeLessThan: 3")},
         ["23:13: a rule takes one operator; this one has mustBe, mustBeLessThan: keep one"]),
        ({"extra": note("logicalType: string", "quality:", "  - metric: nullValue",
                        "    mustBe: 0")},
         ["23:13: `metric` is 'nullValue'; it must be one of nullValues, missingValues, "
          "invalidValues, duplicateValues, rowCount (did you mean 'nullValues'?)"]),
        ({"extra": note("logicalType: string", "quality:", "  - rule: duplicateCount",
                        "    mustBe: 0")},
         ["23:13: warning: `rule: duplicateCount` is ODCS v3.0; since v3.1.0 write "
          "`metric: duplicateValues`"]),
        ({"extra": note("logicalType: integer", "quality:", "  - metric: nullValues",
                        "    mustBeBetween: [5, 1]")},
         ["24:13: `mustBeBetween` takes two numbers, smallest first, e.g. "
          "`mustBeBetween: [1, 10]`"]),
        ({"extra": note("logicalType: string", "quality:", "  - metric: nullValues",
                        "    mustBe: 0", "    severity: critical")},
         ["25:13: unknown severity 'critical'; write one of error, warning, warn, info"]),
        ({"extra": note("logicalType: integer", "quality:", "  - metric: invalidValues",
                        "    arguments:", "      validValues: [1, 'a']", "    mustBe: 0")},
         ["25:32: validValues of integer property 'note' must be whole numbers; 'a' is not"]),
        ({"extra": note("logicalType: string", "quality:", "  - metric: invalidValues",
                        "    arguments:", "      validValues: [1, 'a']", "    mustBe: 0")},
         []),
        ({"extra": note("logicalType: string", "quality:", "  - type: sql", "    mustBe: 0")},
         ["23:13: missing key 'query': a `type: sql` rule needs its SQL as `query`"]),
        ({"query": "'SELECT count(* FROM orders'"},
         ["23:9: the SQL query does not parse as duckdb: Expecting ) (query line 1, column 19)"]),
        ({"query": "SELECT count(*) FROM other_table"}, []),
        ({"position": 1},
         ["19:9: primaryKeyPosition 1 is also the position of 'order_id'; each column of a "
          "compound key takes its own position (1, 2, …)"]),
        ({"element": "orders.nope"},
         ["29:5: warning: SLA element 'orders.nope': table 'orders' has no property 'nope'; it "
          "has order_id, qty"]),
        ({"element": "order.qty, orders"},
         ["29:5: warning: SLA element 'order.qty': the contract has no table 'order'; did you "
          "mean 'orders'?"]),
        ({"extra": "    quality2: 1\n"},
         ["20:5: unexpected key 'quality2' in a table; did you mean 'quality'?"]),
    ],
)  # fmt: skip
def test_each_planted_mistake_is_one_message_at_its_line_and_column(
    tmp_path: Path, kwargs: dict[str, object], expected: list[str]
) -> None:
    path = contract(tmp_path, **kwargs)  # type: ignore[arg-type]
    assert messages(path) == [f"orders.odcs.yaml:{e}" for e in expected]


def test_compound_duplicate_rules_name_properties_of_their_table(tmp_path: Path) -> None:
    path = contract(tmp_path)
    text = path.read_text().replace(
        "    quality:\n",
        "    quality:\n      - metric: duplicateValues\n        arguments:\n"
        "          properties: [order_id, qtty]\n        mustBe: 0\n",
    )
    path.write_text(text)
    assert messages(path) == [
        "orders.odcs.yaml:24:34: table 'orders' has no property 'qtty'; did you mean 'qty'?"
    ]


def test_each_file_is_validated_against_the_schema_of_its_api_version(tmp_path: Path) -> None:
    # Properties take an `id` since v3.1.0 and a `semanticType` since v3.2.0.
    old = contract(tmp_path, note("id: note_prop", "logicalType: string"), version="v3.0.2")
    assert messages(old) == [
        "orders.odcs.yaml:21:9: 'id' is ODCS v3.1.0 (this file says apiVersion v3.0.2); write "
        "`apiVersion: v3.1.0` to use it, or remove the key"
    ]
    for version in ("v3.0.0", "v3.0.1"):
        assert messages(contract(tmp_path, version=version)) == []
    measure = note("semanticType: measure", "logicalType: string")
    assert messages(contract(tmp_path, measure, version="v3.2.0")) == []
    assert messages(contract(tmp_path, measure)) == [
        "orders.odcs.yaml:21:9: 'semanticType' is ODCS v3.2.0 (this file says apiVersion "
        "v3.1.0); write `apiVersion: v3.2.0` to use it, or remove the key"
    ]
    # v3.0 writes a library rule's metric as `rule:`, and knows no `timestamp` type.
    legacy = note("logicalType: timestamp", "quality:", "  - rule: duplicateCount",
                  "    mustBeEqualTo: 0")  # fmt: skip
    assert messages(contract(tmp_path, legacy, version="v3.0.2")) == [
        "orders.odcs.yaml:21:9: unknown logicalType 'timestamp'; ODCS allows string, date, "
        "number, integer, object, array, boolean",
        "orders.odcs.yaml:24:13: unknown operator 'mustBeEqualTo'; did you mean 'mustBe'?",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "1:1: the file is empty; an ODCS contract is a YAML mapping that starts with "
             "`apiVersion: v3.1.0` and `kind: DataContract`"),
        ("- a\n- b\n", "1:1: this file is not an ODCS contract: it holds a list; an ODCS "
                       "contract is a YAML mapping"),
        ("dataContractSpecification: 1.1.0\nid: orders\nmodels: {}\n",
         "1:1: this file is a Data Contract Specification file (datacontract.com, "
         "`dataContractSpecification:`), not an ODCS v3 contract."),
        ("openapi: 3.0.0\ninfo: {}\n", "1:1: this file is not an ODCS v3 contract: it has "
                                       "neither `apiVersion` nor `kind`."),
        ("kind: DataContract\nid: x\n", "1:1: missing `apiVersion`; write one of v3.0.0, "
                                        "v3.0.1, v3.0.2, v3.1.0, v3.2.0"),
        ("kind: DataContract\napiVersion: v2.2.2\n",
         "2:1: apiVersion 'v2.2.2' is not supported; lint reads v3.0.0, v3.0.1, v3.0.2, "
         "v3.1.0, v3.2.0; ODCS v2 files are not read: upgrade the contract to ODCS v3"),
        ("kind: DataContract\napiVersion: v3.1.1\n",
         "2:1: apiVersion 'v3.1.1' is not supported; lint reads v3.0.0, v3.0.1, v3.0.2, "
         "v3.1.0, v3.2.0; did you mean 'v3.1.0'?"),
        ("kind: DataContract\napiVersion: [v3\n", "3:1: "),
    ],
)  # fmt: skip
def test_files_that_are_not_odcs_get_one_explanation(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "x.odcs.yaml"
    path.write_text(text)
    [found] = messages(path)
    assert found.startswith(f"x.odcs.yaml:{expected}"), found


def test_missing_top_level_keys_are_named(tmp_path: Path) -> None:
    path = contract(tmp_path)
    path.write_text(path.read_text().replace("id: shop-orders\n", ""))
    assert messages(path) == [
        "orders.odcs.yaml:1:1: missing key 'id' at the top of the contract; add it"
    ]


def test_what_only_the_odcs_package_model_refuses_is_reported_at_its_key(
    tmp_path: Path,
) -> None:
    # v3.0.2's schema leaves a custom rule's operators unchecked; the package's model does not.
    custom = note("logicalType: integer", "quality:", "  - type: custom", "    engine: soda",
                  "    implementation: checks", "    mustBeGreaterThan: abc")  # fmt: skip
    assert messages(contract(tmp_path, custom, version="v3.0.2")) == [
        "orders.odcs.yaml:26:13: `mustBeGreaterThan` must be a number, got 'abc'"
    ]


def test_values_of_the_wrong_shape_are_named_not_dumped(tmp_path: Path) -> None:
    path = tmp_path / "odd.odcs.yaml"
    path.write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: '1'\nstatus: active\n"
        "1: 2\nschema:\n  - 5\n  - name: t\n    properties: {a: 1}\n"
        "    quality: [7, {type: sql, query: 'select 1; select 2', mustBe: 1}]\n"
    )
    assert messages(path) == [
        "odd.odcs.yaml:6:1: unexpected key '1' at the top of the contract; ODCS v3.1.0 has no "
        "such key there",
        "odd.odcs.yaml:8:5: each item of `schema` must be a mapping (key: value), got 5",
        "odd.odcs.yaml:10:5: `properties` must be a list, got a mapping",
        "odd.odcs.yaml:11:15: each item of `quality` must be a mapping (key: value), got 7",
        "odd.odcs.yaml:11:30: a SQL rule's query is one statement; this has 2",
    ]


# -- the command ------------------------------------------------------------------------------


def dataops(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "dataops_jupyter.cli", *args],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_lint_exit_codes_and_summary(tmp_path: Path) -> None:
    good = contract(tmp_path / "good", element="orders.nope")
    contract(tmp_path / "bad", note("type: string"))
    warned = dataops("contract", "lint", str(good))
    assert warned.returncode == 0, warned.stdout + warned.stderr
    assert warned.stdout.splitlines()[-1] == "1 file: 0 errors, 1 warning"
    both = dataops("contract", "lint", "good/orders.odcs.yaml", "bad/orders.odcs.yaml",
                   cwd=tmp_path)  # fmt: skip
    assert both.returncode == 1
    assert both.stdout.splitlines() == [
        "good/orders.odcs.yaml:29:5: warning: SLA element 'orders.nope': table 'orders' has "
        "no property 'nope'; it has order_id, qty",
        "bad/orders.odcs.yaml:21:9: unexpected key 'type' in a property; ODCS v3 writes a "
        "property's type as `logicalType` (and `physicalType`)",
        "2 files: 1 error, 1 warning",
    ]
    clean = dataops("contract", "lint", str(EXAMPLES / VALID[1]))
    assert clean.returncode == 0 and clean.stdout.strip() == "1 file: no problems"
    missing = dataops("contract", "lint", str(tmp_path / "nope.odcs.yaml"))
    assert missing.returncode == 2 and "nope.odcs.yaml: no such file" in missing.stderr
    folder = dataops("contract", "lint", str(tmp_path))
    assert folder.returncode == 2 and "a folder; give contract files" in folder.stderr
    nothing = dataops("contract", "lint", cwd=tmp_path)
    assert nothing.returncode == 2 and "nothing to lint: no *.odcs.yaml" in nothing.stderr
    bad_job = dataops("contract", "lint", "--job", str(tmp_path))
    assert bad_job.returncode == 2 and "no job.toml there" in bad_job.stderr
    assert dataops("contract").returncode == 2


def test_without_files_lint_finds_the_job_and_the_workspace_contracts(
    tmp_path: Path, make_job: MakeJob
) -> None:
    workspace = tmp_path / "ws"
    job = make_job("orders", [(["step:a"], "1")], parent=workspace)
    (workspace / "dataops.toml").write_text("")
    (workspace / "contracts").mkdir()
    contract(workspace / "contracts", note("type: string"))
    assert contract_files(job, workspace) == [workspace / "contracts" / "orders.odcs.yaml"]
    from_workspace = dataops("contract", "lint", cwd=job)
    assert from_workspace.returncode == 1
    assert "ws/contracts/orders.odcs.yaml:21:9: unexpected key 'type'" in from_workspace.stdout
    (job / "contracts").mkdir()
    contract(job / "contracts")
    (job / "contracts" / "extra.odcs.yml").write_text((job / "contracts" / "orders.odcs.yaml")
                                                      .read_text())  # fmt: skip
    assert contract_files(job, workspace) == [
        job / "contracts" / "extra.odcs.yml",
        job / "contracts" / "orders.odcs.yaml",
        workspace / "contracts" / "orders.odcs.yaml",
    ]
    both = dataops("contract", "lint", cwd=job)
    assert both.returncode == 1 and both.stdout.splitlines()[-1] == "3 files: 1 error", both.stdout
    contract(workspace / "contracts")
    by_flag = dataops("contract", "lint", "--job", str(job), cwd=tmp_path)
    assert by_flag.returncode == 0 and by_flag.stdout.strip() == "3 files: no problems"


# -- the deploy gate --------------------------------------------------------------------------


def _post(client: httpx.Client, job: str, folder: Path) -> httpx.Response:
    return client.post(
        f"/api/v1/teams/analytics/jobs/{job}/deployments", content=make_bundle(folder),
        headers={"Content-Type": "application/zip"}, timeout=120,
    )  # fmt: skip


def test_a_deploy_with_an_invalid_contract_is_refused_and_stores_nothing(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    folder = make_job("shop-orders", [(["step:a"], "1")])
    (folder / "contracts").mkdir()
    contract(folder / "contracts", note("logicalType: string", "isNullable: true"))
    refused = _post(client, "shop-orders", folder)
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["error"] == "invalid-contract"
    assert body["message"] == (
        "the job's contracts have 1 error (dataops contract lint shows them too), so the "
        "deployment was refused:\ncontracts/orders.odcs.yaml:22:9: unexpected key 'isNullable' "
        "in a property; ODCS v3 writes it the other way round: `required: false` "
        "(`required: true` for a column that must have a value)"
    )
    assert str(control.service.artifacts) not in body["message"]
    assert client.get("/api/v1/teams/analytics/jobs/shop-orders").status_code == 404
    assert not list((control.service.artifacts / "staging").glob("*"))

    contract(folder / "contracts", element="orders.nope")  # a warning does not refuse
    accepted = _post(client, "shop-orders", folder)
    assert accepted.status_code == 201, accepted.text
    assert client.get("/api/v1/teams/analytics/jobs/shop-orders").json()["active_version"] == 1


def test_dataops_deploy_lints_before_it_uploads(tmp_path: Path, make_job: MakeJob) -> None:
    folder = make_job("shop-orders", [(["step:a"], "1")])
    (folder / "contracts").mkdir()
    contract(folder / "contracts", query="'SELECT FROM WHERE'")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAOPS_")}
    env.update(HOME=str(tmp_path), DATAOPS_URL="http://127.0.0.1:9", DATAOPS_TOKEN="unused")
    refused = dataops("deploy", str(folder), env=env)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    lines = refused.stderr.splitlines()
    assert lines[0].startswith(f"{folder}/contracts/orders.odcs.yaml:23:9: the SQL query does "
                               "not parse as duckdb")  # fmt: skip
    assert lines[-1].startswith("✗ shop-orders: the contracts have errors; nothing deployed")
    assert "deploying" not in refused.stdout and "unreachable" not in refused.stderr
