"""The JSON Schema of the server extension's own answers, written to docs/ (``python -m
dataops_jupyter.server.schema [PATH]``), which ``src/types.ts`` is checked against.

``$defs`` holds the wire models of :mod:`.models` as they are sent: every field is always
there (``required``), ``null`` where the model allows it, and no other field is sent
(``additionalProperties: false``). ``routes`` names each route's answer by status; every error
answer is an ``ErrorBody``. The ``/dataops/control`` routes that relay the control service
answer with its models (docs/control-service-openapi.json), except the status and the
connection, which are this server's own.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from .models import (
    Config,
    ControlConnection,
    ControlStatus,
    ErrorBody,
    Job,
    JobList,
    JobListWithRuns,
    LogChunk,
    Run,
    RunList,
    RunPage,
    SchedulePreview,
)

DEFAULT_PATH = Path("docs") / "server-schema.json"
_REF = "#/$defs/{model}"

#: The answer of each route (``METHOD /path/{name}``), by status: a model, or a JSON Schema.
ROUTES: dict[str, dict[int, type[BaseModel] | list[type[BaseModel]] | JsonSchemaValue]] = {
    "GET /dataops/config": {200: Config},
    # with ?runs=N: JobListWithRuns
    "GET /dataops/jobs": {200: [JobList, JobListWithRuns]},
    "POST /dataops/jobs": {201: Job},
    "GET /dataops/jobs/{name}": {200: Job},
    "GET /dataops/jobs/{name}/runs": {200: RunPage},
    "POST /dataops/jobs/{name}/runs": {202: Run},
    "GET /dataops/runs": {200: RunList},
    "GET /dataops/runs/{run_id}": {200: Run},
    "GET /dataops/runs/{run_id}/log": {200: LogChunk},
    "POST /dataops/runs/{run_id}/cancel": {202: Run},
    "GET /dataops/runs/{run_id}/notebook": {
        200: {"type": "object", "description": "the run's executed notebook (nbformat 4 JSON)"}
    },
    "GET /dataops/schedule": {200: SchedulePreview},
    "GET /dataops/control/status": {200: ControlStatus},
    "GET /dataops/control/connection": {200: ControlConnection},
    "PUT /dataops/control/connection": {200: ControlConnection},
}
#: Models with a schema though no route answers with them alone.
_ALSO = [ErrorBody]


class _AsSent(GenerateJsonSchema):
    """Answers as the server sends them: every field of a model, and only those."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        return True

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        value = super().model_schema(schema)
        if "properties" in value:
            value["additionalProperties"] = False
        return value


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    for answers in ROUTES.values():
        for answer in answers.values():
            for model in answer if isinstance(answer, list) else [answer]:
                if isinstance(model, type) and model not in found:
                    found.append(model)
    return found + [m for m in _ALSO if m not in found]


def _answer(answer: type[BaseModel] | list[type[BaseModel]] | JsonSchemaValue) -> Any:
    if isinstance(answer, list):
        return {"oneOf": [_answer(model) for model in answer]}
    if isinstance(answer, type):
        return {"$ref": _REF.format(model=answer.__name__)}
    return answer


def document() -> dict[str, Any]:
    """The schema document: ``$defs`` of every answer's model, ``routes`` and ``error``."""
    _, defs = models_json_schema(
        [(model, "serialization") for model in _models()],
        ref_template=_REF,
        schema_generator=_AsSent,
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "dataops-jupyter server extension: answers of the /dataops routes",
        "description": (
            "Every field is sent (required), null only where a type allows it. "
            "See docs/rest-api.md."
        ),
        "$defs": defs["$defs"],
        "routes": {
            route: {str(status): _answer(answer) for status, answer in answers.items()}
            for route, answers in ROUTES.items()
        },
        "error": {"$ref": _REF.format(model=ErrorBody.__name__)},
    }


def render() -> str:
    """The document as it is checked in."""
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
