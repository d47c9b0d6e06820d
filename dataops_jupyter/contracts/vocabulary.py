"""The ODCS words the engine understands: logical types, their options, metrics, operators."""

from __future__ import annotations

from typing import Final

from .results import Severity

#: ODCS logical types (v3.0 to v3.2).
LOGICAL_TYPES: Final = frozenset(
    {"string", "date", "timestamp", "time", "number", "integer", "object", "array", "boolean"}
)
#: ``logicalTypeOptions`` each logical type may carry.
TYPE_OPTIONS: Final[dict[str, frozenset[str]]] = {
    "string": frozenset({"minLength", "maxLength", "pattern", "format"}),
    "number": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format"}
    ),
    "integer": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format"}
    ),
    "date": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "format"}
        | {"timezone", "defaultTimezone"}
    ),
    "timestamp": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "format"}
        | {"timezone", "defaultTimezone"}
    ),
    "time": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "format"}
        | {"timezone", "defaultTimezone"}
    ),
    "array": frozenset({"minItems", "maxItems", "uniqueItems"}),
    "object": frozenset({"minProperties", "maxProperties", "required"}),
    "boolean": frozenset(),
}
#: String formats checked in SQL.
STRING_FORMATS: Final = frozenset({"uuid", "email", "uri", "date-time"})
#: Library metrics (``metric:``, or the older ``rule:``).
METRICS: Final = frozenset(
    {"nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount"}
)
#: Older metric names and the metric each became.
LEGACY_METRICS: Final[dict[str, str]] = {
    "duplicateCount": "duplicateValues",
    "validValues": "invalidValues",
    "nullCheck": "nullValues",
}
OPERATORS: Final = (
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
)
#: Severity spellings contracts use, and what each means.
SEVERITIES: Final[dict[str, Severity]] = {
    "error": "error",
    "warning": "warning",
    "warn": "warning",
    "info": "info",
}
#: Quality rule types.
RULE_TYPES: Final = frozenset({"library", "sql", "custom", "text"})
#: Server types whose tables the engine can check, and the warehouse dialect of each.
SERVER_DIALECTS: Final[dict[str, str]] = {"duckdb": "duckdb", "postgres": "postgres",
                                          "postgresql": "postgres"}  # fmt: skip
