"""The error answers of the control service's REST API, and how its OpenAPI document states
them: every error is an :class:`~.models.ErrorBody`, invalid input is 400 (never 422)."""

from __future__ import annotations

from typing import Any

from . import models

ERROR_DESCRIPTIONS = {
    400: "invalid input: the message names the parameter or field and what to fix",
    401: "no API token, or an unknown one",
    403: "the token may not do this (e.g. a team token asking for /metrics)",
    404: "not found (or another team's)",
    409: "conflicts with the current state (e.g. an execution in progress)",
    413: "the request body is larger than this route accepts",
    503: "the job's secret values cannot be read, so its artifacts cannot be masked and are "
    "withheld (``secrets-unreadable``)",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that answers ``statuses`` with an :class:`ErrorBody`."""
    return {
        status: {"model": models.ErrorBody, "description": ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }


def shape_openapi(spec: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's document as the service answers: 400 instead of FastAPI's 422 for invalid
    input, 413 wherever a request body is read, and every error an ``ErrorBody`` in JSON."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", _error_response(400))
            if "requestBody" in operation:
                responses.setdefault("413", _error_response(413))
            for status, response in responses.items():
                if status >= "400":  # errors are JSON, whatever the route's own answers are
                    response["content"] = _error_response(int(status))["content"]
            operation["responses"] = dict(sorted(responses.items()))
    schemas = spec.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return spec
