"""Check results: one typed record per rule, kept in run records, API answers and reports.

The same models travel the whole way: the engine makes them, the runner stores them on each
step of ``run.json``, the control service keeps them on its executions, and ``src/types.ts``
mirrors them.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import uuid
from collections import Counter
from typing import Any, Literal

from pydantic import BaseModel, Field

CheckStatus = Literal["passed", "warning", "failed", "error", "skipped"]
Severity = Literal["error", "warning", "info"]
#: ``row``: judged row by row, so it can be applied to the rows one load brings;
#: ``table``: an invariant of the whole table (unique, keys, row count, SQL rules).
Scope = Literal["row", "table"]
#: How many rows that break a row-level rule a result shows.
SAMPLE_ROWS = 5


class CheckResult(BaseModel):
    """What one rule of a contract found on one table."""

    #: Stable id: the rule's own ``id`` when the contract gives one, else
    #: ``<object>.<property>.<kind>`` (``all_products.price.minimum``).
    rule: str
    #: The warehouse table that was checked (``shop.all_products``).
    table: str
    #: The property (column) the rule is about; ``None`` for a rule on the whole table.
    property: str | None = None
    #: What is checked: ``required``, ``unique``, ``type``, ``minimum``, ``nullValues``, ``sql``…
    kind: str
    description: str
    severity: Severity = "error"
    scope: Scope = "row"
    status: CheckStatus
    #: The figure the rule was judged on (rows breaking it, a percentage, a row count, the
    #: value a SQL rule returned); ``None`` when nothing was measured.
    measured: float | int | str | None = None
    #: The condition the figure had to meet, in words: ``= 0``, ``> 1000``, ``between 1 and 5``.
    threshold: str | None = None
    unit: Literal["rows", "percent"] | None = None
    #: The SQL the figure came from (the table's aggregate query, or the rule's own query).
    sql: str | None = None
    #: Up to five rows that break a row-level rule, as JSON values.
    samples: list[dict[str, Any]] = Field(default_factory=list)
    #: Why the rule was skipped or could not be evaluated.
    reason: str | None = None


class CheckSummary(BaseModel):
    """Counts of a list of results, by status."""

    total: int = 0
    passed: int = 0
    warning: int = 0
    failed: int = 0
    error: int = 0
    skipped: int = 0

    @classmethod
    def of(cls, results: list[CheckResult]) -> CheckSummary:
        counts = Counter(r.status for r in results)
        return cls(total=len(results), **{status: counts[status] for status in counts})

    @property
    def ok(self) -> bool:
        """No error-severity rule failed and every rule could be evaluated."""
        return self.failed == 0 and self.error == 0

    def line(self) -> str:
        """``9 checks: 7 passed, 2 failed`` (statuses with no result left out)."""
        parts = [
            f"{count} {status}"
            for status in ("passed", "warning", "failed", "error", "skipped")
            if (count := getattr(self, status))
        ]
        noun = "check" if self.total == 1 else "checks"
        return f"{self.total} {noun}: " + (", ".join(parts) if parts else "none ran")


class CheckReport(BaseModel):
    """The result document of ``dataops contract check --json`` and of a step's checks."""

    started_at: dt.datetime
    duration: float
    warehouse: str
    contracts: list[str] = Field(default_factory=list)
    results: list[CheckResult] = Field(default_factory=list)
    summary: CheckSummary = Field(default_factory=CheckSummary)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def json_value(value: Any) -> Any:
    """A database value as JSON: UUIDs, decimals and times as text, NaN as ``None``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return str(value)
