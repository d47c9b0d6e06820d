"""Rules: what each clause of a contract asks of a table, with the SQL that measures it.

A rule measures one figure (rows that break it, a percentage, a row count, the value of a SQL
rule's query) and compares it with a threshold. Most figures are aggregates, computed for all
the rules of a table in one query (:mod:`.compile`); a rule judged row by row also has the
predicate of a row that breaks it, used for samples and for quarantine at ingest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from .results import Scope, Severity

Unit = Literal["rows", "percent"]


@dataclass(frozen=True)
class Threshold:
    """An ODCS operator and its value: ``mustBe 0``, ``mustBeBetween [1, 5]``…"""

    operator: str
    value: Any

    def holds(self, measured: Any) -> bool:
        """Whether ``measured`` meets the threshold."""
        value = self.value
        if self.operator in ("mustBe", "mustNotBe"):
            equal = (
                _number(measured) == _number(value)
                if _numeric(measured, value)
                else (str(measured) == str(value))
            )
            return equal if self.operator == "mustBe" else not equal
        number = _number(measured)
        if number is None:
            return False
        if self.operator in ("mustBeBetween", "mustNotBeBetween"):
            low, high = (float(v) for v in value)
            inside = low <= number <= high
            return inside if self.operator == "mustBeBetween" else not inside
        limit = float(value)
        return {
            "mustBeGreaterThan": number > limit,
            "mustBeGreaterOrEqualTo": number >= limit,
            "mustBeLessThan": number < limit,
            "mustBeLessOrEqualTo": number <= limit,
        }[self.operator]

    def text(self, unit: Unit | None = None) -> str:
        """``= 0``, ``> 1000``, ``between 1 and 5``, ``≤ 5 %``."""
        suffix = " %" if unit == "percent" else ""
        if self.operator in ("mustBeBetween", "mustNotBeBetween"):
            low, high = self.value
            word = "between" if self.operator == "mustBeBetween" else "not between"
            return f"{word} {_show(low)} and {_show(high)}{suffix}"
        sign = {
            "mustBe": "=",
            "mustNotBe": "≠",
            "mustBeGreaterThan": ">",
            "mustBeGreaterOrEqualTo": "≥",
            "mustBeLessThan": "<",
            "mustBeLessOrEqualTo": "≤",
        }[self.operator]
        return f"{sign} {_show(self.value)}{suffix}"


#: Rows that break a rule: none.
NONE_BREAK = Threshold("mustBe", 0)


def _numeric(*values: Any) -> bool:
    return all(_number(v) is not None for v in values)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}" if abs(value) >= 10000 else str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    return str(value)


@dataclass
class Rule:
    """One rule of one table, ready to be measured.

    Exactly one of ``predicate`` (rows breaking the rule are counted), ``measure`` (an
    aggregate expression) and ``query`` (a SQL rule's own statement) is set, unless the rule is
    not evaluated (``skip``) or was judged without SQL (``verdict``).
    """

    rule_id: str
    #: The property the rule is about (``None``: the whole table).
    subject: str | None
    kind: str
    description: str
    severity: Severity = "error"
    threshold: Threshold = NONE_BREAK
    unit: Unit = "rows"
    predicate: str | None = None
    measure: str | None = None
    query: str | None = None
    #: Bind values the SQL text refers to (by the warehouse's placeholders).
    params: dict[str, Any] = field(default_factory=dict)
    #: A statement listing up to five rows that break a ``predicate`` rule.
    sample_query: str | None = None
    #: Key columns (as SQL) whose repeated values break the rule: the figure counts the rows
    #: beyond the first of each value (plus ``measure``, when set: a key's NULL rows).
    duplicates: tuple[str, ...] | None = None
    #: Whether rows with a NULL key part are left out of ``duplicates``.
    skip_nulls: bool = True
    #: Sample rows already read for the rule (with other rules' in one pass).
    samples: list[dict[str, Any]] | None = None
    #: Why the rule is not evaluated.
    skip: str | None = None
    #: A figure known without running SQL (the column's type), and whether it holds.
    verdict: tuple[Any, bool, str | None] | None = None
    #: What a rule judged without SQL expects, in words (``present, string``).
    expected: str | None = None
    #: The table a row-level rule's rows are read from when not the contract's own table
    #: (a load's stage); ``None``: the table.
    source: str | None = None

    @property
    def scope(self) -> Scope:
        """``row`` when one row can break the rule with no tolerance, else ``table``."""
        zero_rows = self.threshold == NONE_BREAK and self.unit == "rows"
        return "row" if self.predicate is not None and zero_rows else "table"


def count_filter(predicate: str) -> str:
    """The aggregate counting rows that satisfy ``predicate``."""
    return f"count(*) FILTER (WHERE {predicate})"
