"""The demo's data contracts are valid ODCS documents, by the standard's own model and schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import open_data_contract_standard
import pytest
import yaml
from open_data_contract_standard.model import OpenDataContractStandard

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CONTRACTS = sorted(EXAMPLES.glob("*/contracts/*.odcs.yaml"))


def test_the_products_job_has_a_contract() -> None:
    assert EXAMPLES / "products" / "contracts" / "all_products.odcs.yaml" in CONTRACTS


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_contract_is_valid_odcs(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    schema = json.loads(
        (resources.files(open_data_contract_standard) / "schema.json").read_text("utf-8")
    )
    errors = [e.message for e in jsonschema.Draft201909Validator(schema).iter_errors(data)]
    assert errors == []
    contract = OpenDataContractStandard.model_validate(data)
    assert contract.apiVersion == "v3.1.0"
    assert contract.schema_ and all(table.properties for table in contract.schema_)
