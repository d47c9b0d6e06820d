"""What lint checks that a JSON Schema cannot: names that must exist in the contract, values
that must fit their column's type, operators and metrics the engine knows, SQL that parses.

Choices: an SLA ``element`` naming a table or column the contract does not have is a warning
(its service level cannot be measured; the standard's own full example has one);
``validValues`` on a non-string column is an error only for values that cannot be of the
column's type (text on an integer column; a date column takes dates or ISO date text); a
``format`` the engine does not check and an older metric name are warnings; tables that SQL
rules name but the contract does not describe are not flagged (rules may join other tables).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from typing import Any

from .documents import ContractDocument, Location
from .findings import Finding, finding
from .vocabulary import (
    LEGACY_METRICS,
    METRICS,
    OPERATORS,
    SERVER_DIALECTS,
    SEVERITIES,
    STRING_FORMATS,
    TYPE_OPTIONS,
)

#: A finding and the place it is about (to leave out what the schema already reported).
Located = tuple[Location, Finding]

#: Operator spellings people write, and the ODCS operator each means.
OPERATOR_SPELLINGS = {
    "mustEqual": "mustBe", "mustBeEqual": "mustBe", "mustBeEqualTo": "mustBe",
    "mustNotEqual": "mustNotBe", "mustNotBeEqualTo": "mustNotBe",
    "mustBeGreaterThanOrEqualTo": "mustBeGreaterOrEqualTo",
    "mustBeGreaterOrEqual": "mustBeGreaterOrEqualTo",
    "mustBeLessThanOrEqualTo": "mustBeLessOrEqualTo", "mustBeLessOrEqual": "mustBeLessOrEqualTo",
}  # fmt: skip
#: ``${model}``, ``{object}``, ``{{ table }}``: names a SQL rule's runner fills in.
_PLACEHOLDER = re.compile(r"\$?\{\{?\s*([A-Za-z_][\w.]*)\s*\}?\}")


def operator_hint(key: str) -> str:
    """What to write instead of the unknown operator ``key``."""
    meant = OPERATOR_SPELLINGS.get(key)
    if meant is None:
        close = difflib.get_close_matches(key, OPERATORS, n=1, cutoff=0.7)
        meant = close[0] if close else None
    if meant:
        return f"did you mean '{meant}'?"
    return "the operators are " + ", ".join(OPERATORS)


def semantic_findings(document: ContractDocument) -> list[Located]:
    """The findings of every semantic check of ``document`` (whose data is a mapping)."""
    return list(_Checks(document).run())


class _Checks:
    def __init__(self, document: ContractDocument) -> None:
        self.document = document
        self.data: dict[str, Any] = document.data
        self.version = str(self.data.get("apiVersion"))
        self.dialect = _dialect(self.data.get("servers"))
        self.tables: dict[str, dict[str, Any]] = {}
        for table in _items(self.data.get("schema")):
            for key in ("name", "physicalName"):
                if isinstance(table.get(key), str):
                    self.tables.setdefault(table[key], table)

    def at(self, location: Location, message: str, severity: str = "error") -> Located:
        return location, finding(
            self.document, location, message, "warning" if severity == "warning" else "error"
        )

    def run(self) -> Iterator[Located]:
        for index, table in _indexed(self.data.get("schema")):
            where: Location = ("schema", index)
            yield from self.keys(table, where)
            for rule_index, rule in _indexed(table.get("quality")):
                yield from self.rule(rule, (*where, "quality", rule_index), table, None)
            yield from self.properties(table, where, table)
        yield from self.sla()

    # -- properties ------------------------------------------------------------------------------

    def properties(self, owner: dict[str, Any], where: Location, table: dict[str, Any]
                   ) -> Iterator[Located]:  # fmt: skip
        for index, prop in _indexed(owner.get("properties")):
            at: Location = (*where, "properties", index)
            yield from self.type_options(prop, at)
            for rule_index, rule in _indexed(prop.get("quality")):
                yield from self.rule(rule, (*at, "quality", rule_index), table, prop)
            yield from self.properties(prop, at, table)
            if isinstance(prop.get("items"), dict):
                yield from self.properties(prop["items"], (*at, "items"), table)

    def keys(self, table: dict[str, Any], where: Location) -> Iterator[Located]:
        """``primaryKeyPosition`` used twice in one table."""
        taken: dict[int, str] = {}
        for index, prop in _indexed(table.get("properties")):
            position = prop.get("primaryKeyPosition")
            if not isinstance(position, int) or isinstance(position, bool) or position < 0:
                continue
            name = str(prop.get("name"))
            if position in taken:
                yield self.at(
                    (*where, "properties", index, "primaryKeyPosition"),
                    f"primaryKeyPosition {position} is also the position of '{taken[position]}';"
                    " each column of a compound key takes its own position (1, 2, …)",
                )
            else:
                taken[position] = name

    def type_options(self, prop: dict[str, Any], at: Location) -> Iterator[Located]:
        options, logical = prop.get("logicalTypeOptions"), prop.get("logicalType")
        if not isinstance(options, dict) or logical not in TYPE_OPTIONS:
            return
        allowed = TYPE_OPTIONS[logical]
        for option, value in options.items():
            where = (*at, "logicalTypeOptions", option)
            if option not in allowed:
                takes = ", ".join(sorted(allowed)) if allowed else "no options"
                yield self.at(where, f"'{option}' is not an option of logicalType {logical}; "
                                     f"{logical} takes {takes}")  # fmt: skip
            elif option == "format" and logical == "string" and value not in STRING_FORMATS:
                checked = ", ".join(sorted(STRING_FORMATS))
                yield self.at(where, f"format {value!r} is not checked (the checks know "
                                     f"{checked})", "warning")  # fmt: skip

    # -- quality rules ---------------------------------------------------------------------------

    def rule(self, rule: dict[str, Any], at: Location, table: dict[str, Any],
             prop: dict[str, Any] | None) -> Iterator[Located]:  # fmt: skip
        severity = rule.get("severity")
        if severity is not None and severity not in SEVERITIES:
            known = ", ".join(SEVERITIES)
            yield self.at((*at, "severity"), f"unknown severity {severity!r}; write one of {known}")
        unknown = [k for k in rule if isinstance(k, str) and k.startswith("must")
                   and k not in OPERATORS]  # fmt: skip
        for key in unknown:
            yield self.at((*at, key), f"unknown operator '{key}'; {operator_hint(key)}")
        operators = [k for k in rule if k in OPERATORS]
        for key in ("mustBeBetween", "mustNotBeBetween"):
            if key in rule:
                yield from self.between(rule[key], (*at, key), key)
        kind = rule.get("type") or ("library" if "metric" in rule or "rule" in rule else None)
        if kind in ("library", "sql") and not operators and not unknown:
            listed = ", ".join(OPERATORS)
            yield self.at(at, f"the rule has no operator: add one of {listed} (e.g. `mustBe: 0`)")
        if kind == "library":
            yield from self.library(rule, at, table, prop)
        elif kind == "sql":
            query = rule.get("query")
            if not isinstance(query, str) or not query.strip():
                yield self.at(at, "a `type: sql` rule needs its SQL as `query`")
            else:
                yield from self.sql(query, (*at, "query"))

    def between(self, value: Any, at: Location, key: str) -> Iterator[Located]:
        numbers = isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
        )  # fmt: skip
        if not numbers or value[0] >= value[1]:
            yield self.at(at, f"`{key}` takes two numbers, smallest first, e.g. `{key}: [1, 10]`")

    def library(self, rule: dict[str, Any], at: Location, table: dict[str, Any],
                prop: dict[str, Any] | None) -> Iterator[Located]:  # fmt: skip
        key = "metric" if "metric" in rule else "rule"
        metric = rule.get(key)
        if metric is None:
            yield self.at(
                at,
                "a library rule names what it measures: `metric: nullValues` "
                "(or missingValues, invalidValues, duplicateValues, rowCount)",
            )
        elif metric in LEGACY_METRICS or metric in METRICS:
            newer = LEGACY_METRICS.get(metric, metric)
            if self.version >= "v3.1.0" and (key == "rule" or newer != metric):
                yield self.at((*at, key), f"`{key}: {metric}` is ODCS v3.0; since v3.1.0 write "
                                          f"`metric: {newer}`", "warning")  # fmt: skip
        else:
            close = difflib.get_close_matches(str(metric), sorted(METRICS), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "the metrics are " + ", ".join(
                sorted(METRICS))  # fmt: skip
            yield self.at((*at, key), f"unknown metric {metric!r}; {hint}")
        arguments = rule.get("arguments")
        if not isinstance(arguments, dict):
            return
        names = self.column_names(table)
        for index, name in _indexed_values(arguments.get("properties")):
            if name not in names:
                yield self.at((*at, "arguments", "properties", index),
                              _unknown(f"property {name!r}", _label(table), names))  # fmt: skip
        if prop is not None and isinstance(arguments.get("validValues"), list):
            yield from self.valid_values(arguments["validValues"], (*at, "arguments"), prop)

    def valid_values(self, values: list[Any], at: Location, prop: dict[str, Any]
                     ) -> Iterator[Located]:  # fmt: skip
        logical = prop.get("logicalType")
        fits = _FITS.get(str(logical))
        if fits is None:
            return
        for index, value in enumerate(values):
            if not fits(value):
                yield self.at(
                    (*at, "validValues", index),
                    f"validValues of {logical} property {prop.get('name')!r} must be "
                    f"{_WANTED[str(logical)]}; {value!r} is not",
                )
                return

    def sql(self, query: str, at: Location) -> Iterator[Located]:
        import sqlglot
        from sqlglot.errors import ParseError, TokenError

        text = _PLACEHOLDER.sub(lambda m: "placeholder_" + m[1].replace(".", "_"), query)
        try:
            statements = [s for s in sqlglot.parse(text, read=self.dialect) if s is not None]
        except ParseError as exc:
            detail = exc.errors[0] if exc.errors else {}
            reason = str(detail.get("description") or exc).strip()
            place = (f" (query line {detail['line']}, column {detail['col']})"
                     if detail.get("line") else "")  # fmt: skip
            yield self.at(at, f"the SQL query does not parse as {self.dialect}: {reason}{place}")
            return
        except TokenError as exc:
            yield self.at(at, f"the SQL query does not parse as {self.dialect}: {exc}")
            return
        if len(statements) != 1:
            yield self.at(at, f"a SQL rule's query is one statement; this has {len(statements)}")

    # -- SLAs ------------------------------------------------------------------------------------

    def sla(self) -> Iterator[Located]:
        if isinstance(self.data.get("slaDefaultElement"), str):
            yield from self.element(self.data["slaDefaultElement"], ("slaDefaultElement",))
        for index, sla in _indexed(self.data.get("slaProperties")):
            if isinstance(sla.get("element"), str):
                yield from self.element(sla["element"], ("slaProperties", index, "element"))

    def element(self, text: str, at: Location) -> Iterator[Located]:
        """``table``, ``table.column`` (or a comma-separated list) named by an SLA; one the
        contract does not have is a warning: its service level cannot be measured."""
        for element in (e.strip() for e in text.split(",")):
            table_name, _, column = element.partition(".")
            table = self.tables.get(table_name)
            if table is None:
                if "." not in element and any(element in self.column_names(t)
                                              for t in self.tables.values()):  # fmt: skip
                    continue  # a column of the only table it can be
                problem = _unknown(f"table {table_name!r}", "the contract", sorted(self.tables))
            elif column and column not in self.column_names(table):
                problem = _unknown(f"property {column!r}", _label(table),
                                   self.column_names(table))  # fmt: skip
            else:
                continue
            yield self.at(at, f"SLA element {element!r}: {problem}", "warning")

    @staticmethod
    def column_names(table: dict[str, Any]) -> list[str]:
        """Names of a table's properties, nested ones as ``parent.child``."""
        names: list[str] = []

        def walk(owner: dict[str, Any], prefix: str) -> None:
            for prop in _items(owner.get("properties")):
                for key in ("name", "physicalName"):
                    if isinstance(prop.get(key), str):
                        names.append(prefix + prop[key])
                if isinstance(prop.get("name"), str):
                    walk(prop, f"{prefix}{prop['name']}.")

        walk(table, "")
        return list(dict.fromkeys(names))


def _unknown(what: str, owner: str, names: list[str]) -> str:
    text = f"{owner} has no {what}"
    wanted = what.split("'")[1] if "'" in what else what
    close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
    if close:
        return f"{text}; did you mean '{close[0]}'?"
    if names:
        return f"{text}; it has " + ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
    return text


def _label(table: dict[str, Any]) -> str:
    return f"table {table.get('name')!r}"


def _dialect(servers: Any) -> str:
    """The SQL dialect rules are parsed in: the first DuckDB or PostgreSQL server's, else
    another server's when sqlglot knows its dialect, else DuckDB's."""
    from sqlglot.dialects.dialect import Dialect

    types = [str(s.get("type", "")).lower() for s in _items(servers)]
    for kind in types:
        if kind in SERVER_DIALECTS:
            return SERVER_DIALECTS[kind]
    for kind in types:
        try:
            Dialect.get_or_raise(kind)
        except ValueError:
            continue
        return kind
    return "duckdb"


def _items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _indexed(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _indexed_values(value: Any) -> Iterator[tuple[int, Any]]:
    if isinstance(value, list):
        yield from enumerate(value)


def _parses(parse: Any) -> Any:
    def fits(value: Any) -> bool:
        if isinstance(value, (dt.date, dt.time)):
            return True
        if not isinstance(value, str):
            return False
        try:
            parse(value)
        except ValueError:
            return False
        return True

    return fits


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_FITS = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _number,
    "boolean": lambda v: isinstance(v, bool),
    "date": _parses(dt.date.fromisoformat),
    "timestamp": _parses(dt.datetime.fromisoformat),
    "time": _parses(dt.time.fromisoformat),
}
_WANTED = {
    "integer": "whole numbers",
    "number": "numbers",
    "boolean": "true or false",
    "date": "dates (2024-05-31)",
    "timestamp": "timestamps (2024-05-31T12:00:00)",
    "time": "times (12:00:00)",
}
