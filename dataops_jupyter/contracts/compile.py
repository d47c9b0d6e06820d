"""From a schema object and the table as the warehouse has it, to rules with their SQL.

What each ODCS clause becomes:

- every property: the column is present with a type that fits its ``logicalType`` (judged from
  the warehouse's catalog, no query);
- ``required``: no NULL; ``unique``: no value twice; ``primaryKey``: the key (compound in
  ``primaryKeyPosition`` order) has no NULL part and no value twice;
- ``logicalTypeOptions``: ``minLength``/``maxLength``, ``pattern``, ``format`` (uuid, email,
  uri, date-time), ``minimum``/``maximum``, ``exclusiveMinimum``/``exclusiveMaximum`` (numbers,
  or ODCS 3.0's booleans), ``multipleOf``, ``minItems``/``maxItems``;
- library metrics ``nullValues``, ``missingValues``, ``invalidValues``, ``duplicateValues``,
  ``rowCount`` with any operator and ``unit: rows|percent``;
- ``type: sql`` rules, read-only (:mod:`.sqlrules`); ``custom`` and ``text`` are skipped with
  the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from open_data_contract_standard.model import DataQuality

from ..warehouse.sqltext import Dialect, quote_name
from .logical_types import fits
from .model import ColumnSpec, TableSpec
from .rules import Rule, Threshold, count_filter
from .sqlrules import SQLRuleError, prepare_sql_rule
from .vocabulary import LEGACY_METRICS, OPERATORS, SEVERITIES

#: String formats and the pattern a value of each matches.
FORMAT_PATTERNS = {
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uri": r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$",
    "date-time": (
        r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$"
    ),
}
_TEMPORAL = ("date", "timestamp", "time")


class Compiler:
    """Builds the rules of one table for one dialect; bind values get unique names."""

    def __init__(self, dialect: Dialect, table_sql: str, table: str) -> None:
        self.dialect = dialect
        self.table_sql = table_sql
        self.table = table
        self.params: dict[str, Any] = {}
        self.rules: list[Rule] = []
        self._ids: set[str] = set()

    # -- SQL pieces ---------------------------------------------------------------------------

    def bind(self, value: Any) -> str:
        """A placeholder for ``value``."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}" if self.dialect == "duckdb" else f"%({name})s"

    def matches(self, expression: str, pattern: str) -> str:
        """Whether ``expression`` (as text) contains a match of the regular expression."""
        text = f"CAST({expression} AS VARCHAR)"
        if self.dialect == "duckdb":
            return f"regexp_matches({text}, {self.bind(pattern)})"
        return f"({text} ~ {self.bind(pattern)})"

    def items(self, expression: str) -> str:
        return f"len({expression})" if self.dialect == "duckdb" else f"cardinality({expression})"

    # -- rules --------------------------------------------------------------------------------

    def add(self, rule: Rule) -> None:
        base, number = rule.rule_id, 2
        while rule.rule_id in self._ids:
            rule.rule_id = f"{base}#{number}"
            number += 1
        self._ids.add(rule.rule_id)
        if rule.predicate is not None and rule.sample_query is None:
            rule.sample_query = f"SELECT * FROM {self.table_sql} WHERE {rule.predicate} LIMIT 5"
        self.rules.append(rule)

    def rule_id(self, spec: TableSpec, column: ColumnSpec | None, kind: str) -> str:
        parts = [spec.object_name, *([column.name] if column else []), kind]
        return ".".join(parts)


def compile_table(
    spec: TableSpec, table: str, table_sql: str, columns: Mapping[str, str], dialect: Dialect
) -> Compiler:
    """The rules of ``spec`` on ``table`` (named ``table_sql`` in SQL), whose columns and types
    the warehouse gave as ``columns``."""
    compiler = Compiler(dialect, table_sql, table)
    present = _resolve_columns(spec, columns)
    for column in spec.columns:
        actual = present.get(column.name)
        _schema_rule(compiler, spec, column, actual)
        usable = actual is not None and _type_fits(column, actual[1])
        if not usable:
            _skip_column_rules(compiler, spec, column, actual)
            continue
        assert actual is not None
        _column_rules(compiler, spec, column, quote_name(actual[0]), actual[1])
    _key_rule(compiler, spec, present)
    for quality in spec.quality:
        _quality_rule(compiler, spec, None, quality, None, None, present)
    return compiler


def _resolve_columns(spec: TableSpec, columns: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """Property name → (the table's column name, its type): exact names first, then a match
    that differs only in case when there is exactly one."""
    lowered: dict[str, list[str]] = {}
    for name in columns:
        lowered.setdefault(name.lower(), []).append(name)
    found = {}
    for column in spec.columns:
        if column.column in columns:
            found[column.name] = (column.column, columns[column.column])
        elif len(candidates := lowered.get(column.column.lower(), [])) == 1:
            found[column.name] = (candidates[0], columns[candidates[0]])
    return found


def _schema_rule(
    compiler: Compiler, spec: TableSpec, column: ColumnSpec, actual: tuple[str, str] | None
) -> None:
    logical = column.logical_type
    wanted = f"present, {logical}" if logical else "present"
    if actual is None:
        verdict: tuple[Any, bool, str | None] = ("missing", False, "the table has no such column")
    elif not _type_fits(column, actual[1]):
        verdict = (actual[1], False, f"a {actual[1]} column does not hold logicalType {logical}")
    else:
        verdict = (actual[1], True, None)
    compiler.add(
        Rule(
            rule_id=compiler.rule_id(spec, column, "schema"),
            subject=column.name,
            kind="schema",
            description=f"{column.name} is a column"
            + (f" of logicalType {logical}" if logical else ""),
            expected=wanted,
            verdict=verdict,
        )
    )


def _type_fits(column: ColumnSpec, actual: str) -> bool:
    """Whether the column's type holds the property's logical type; a column of exactly the
    ``physicalType`` the contract names fits too (``logicalType: date`` kept in a timestamp)."""
    if column.logical_type is None or fits(column.logical_type, actual):
        return True
    physical = " ".join((column.physical_type or "").lower().split())
    return bool(physical) and physical == " ".join(actual.lower().split())


def _skip_column_rules(
    compiler: Compiler, spec: TableSpec, column: ColumnSpec, actual: tuple[str, str] | None
) -> None:
    reason = (
        "the column is missing"
        if actual is None
        else f"the column's type {actual[1]} does not fit logicalType {column.logical_type}"
    )
    kinds = [k for k in ("required", "unique") if getattr(column, k)]
    kinds += sorted(column.options)
    for kind in kinds:
        compiler.add(
            Rule(
                rule_id=compiler.rule_id(spec, column, kind),
                subject=column.name,
                kind=kind,
                description=f"{column.name}: {kind}",
                skip=reason,
            )
        )
    for quality in column.quality:
        rule_id = quality.id or compiler.rule_id(spec, column, _quality_kind(quality))
        compiler.add(
            Rule(
                rule_id=rule_id,
                subject=column.name,
                kind=_quality_kind(quality),
                description=quality.description or _quality_kind(quality),
                severity=_severity(quality),
                skip=reason,
            )
        )


def _column_rules(
    compiler: Compiler, spec: TableSpec, column: ColumnSpec, sql: str, kind: str
) -> None:
    name = column.name
    rid = compiler.rule_id
    if column.required:
        compiler.add(
            Rule(
                rid(spec, column, "required"),
                name,
                "required",
                f"{name} is never NULL",
                predicate=f"{sql} IS NULL",
            )
        )
    if column.unique and not (column.primary_key and len(spec.primary_key()) == 1):
        compiler.add(
            Rule(
                rid(spec, column, "unique"),
                name,
                "unique",
                f"no value of {name} appears twice",
                duplicates=(sql,),
            )
        )
    _option_rules(compiler, spec, column, sql, kind)
    for quality in column.quality:
        _quality_rule(compiler, spec, column, quality, sql, kind, {})


def _option_rules(
    compiler: Compiler, spec: TableSpec, column: ColumnSpec, sql: str, kind: str
) -> None:
    options = column.options
    name = column.name
    temporal = (column.logical_type or "") in _TEMPORAL

    def value(raw: Any) -> str:
        placeholder = compiler.bind(raw)
        return f"CAST({placeholder} AS {kind})" if temporal else placeholder

    def add(option: str, description: str, predicate: str | None, skip: str | None = None) -> None:
        compiler.add(
            Rule(
                compiler.rule_id(spec, column, option),
                name,
                option,
                description,
                predicate=predicate,
                skip=skip,
            )
        )

    text = f"CAST({sql} AS VARCHAR)"
    for option in sorted(options):
        raw = options[option]
        if option == "minLength":
            add(
                option,
                f"{name} has at least {_plural(raw, 'character')}",
                f"length({text}) < {value(raw)}",
            )
        elif option == "maxLength":
            add(
                option,
                f"{name} has at most {_plural(raw, 'character')}",
                f"length({text}) > {value(raw)}",
            )
        elif option == "pattern":
            add(option, f"{name} matches {raw}", f"NOT {compiler.matches(sql, str(raw))}")
        elif option == "format":
            _format_rule(compiler, spec, column, sql, kind, str(raw))
        elif option in ("minimum", "maximum"):
            exclusive = options.get(
                "exclusiveMinimum" if option == "minimum" else "exclusiveMaximum"
            )
            strict = exclusive is True
            sign = ("<=" if strict else "<") if option == "minimum" else (">=" if strict else ">")
            word = (
                ("above" if strict else "at least")
                if option == "minimum"
                else ("below" if strict else "at most")
            )
            add(option, f"{name} is {word} {raw}", f"{sql} {sign} {value(raw)}")
        elif option in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(raw, bool):
                continue  # ODCS 3.0: makes minimum/maximum strict, judged with them
            sign, word = ("<=", "above") if option == "exclusiveMinimum" else (">=", "below")
            add(option, f"{name} is {word} {raw}", f"{sql} {sign} {value(raw)}")
        elif option == "multipleOf":
            add(option, f"{name} is a multiple of {raw}", f"mod({sql}, {value(raw)}) <> 0")
        elif option in ("minItems", "maxItems"):
            sign, word = ("<", "at least") if option == "minItems" else (">", "at most")
            add(
                option,
                f"{name} has {word} {raw} items",
                f"{compiler.items(sql)} {sign} {compiler.bind(raw)}",
            )
        else:
            add(
                option,
                f"{name}: {option} {raw}",
                None,
                skip=f"logicalTypeOptions.{option} is not evaluated",
            )


def _format_rule(
    compiler: Compiler, spec: TableSpec, column: ColumnSpec, sql: str, kind: str, fmt: str
) -> None:
    rule = Rule(
        compiler.rule_id(spec, column, "format"),
        column.name,
        "format",
        f"{column.name} is a valid {fmt}",
    )
    pattern = FORMAT_PATTERNS.get(fmt)
    if fmt == "uuid" and kind.lower() == "uuid":
        # The column's type admits UUIDs alone: every value is one.
        rule.verdict = (0, True, "every value of a UUID column is a UUID")
    elif pattern is None:
        rule.skip = f"format {fmt!r} is not checked (checked: {', '.join(FORMAT_PATTERNS)})"
    else:
        rule.predicate = f"NOT {compiler.matches(sql, pattern)}"
    compiler.add(rule)


def _key_rule(compiler: Compiler, spec: TableSpec, present: dict[str, tuple[str, str]]) -> None:
    keys = spec.primary_key()
    if not keys:
        return
    names = [k.name for k in keys]
    label = ", ".join(names)
    rule_id = compiler.rule_id(spec, keys[0] if len(keys) == 1 else None, "primaryKey")
    missing = [k.name for k in keys if k.name not in present]
    if missing:
        compiler.add(
            Rule(
                rule_id,
                names[0] if len(keys) == 1 else None,
                "primaryKey",
                f"({label}) identifies each row",
                skip=f"key column {missing[0]} is missing",
            )
        )
        return
    sql = [quote_name(present[k.name][0]) for k in keys]
    compiler.add(
        Rule(
            rule_id,
            names[0] if len(keys) == 1 else None,
            "primaryKey",
            f"({label}) is never NULL and never appears twice",
            # A row with a NULL key part breaks the key too.
            measure=count_filter(" OR ".join(f"{s} IS NULL" for s in sql)),
            duplicates=tuple(sql),
        )
    )


def _quality_kind(quality: DataQuality) -> str:
    kind = (quality.type or "").lower()
    metric = quality.metric or quality.rule
    if kind in ("", "library") and metric:
        return LEGACY_METRICS.get(metric, metric)
    if not kind and quality.query:
        return "sql"
    return kind or "library"


def _describe(kind: str, column: ColumnSpec | None, quality: DataQuality) -> str:
    """A rule's description when the contract gives none."""
    subject = column.name if column else "the table"
    arguments = quality.arguments or {}
    if kind == "invalidValues" and arguments.get("validValues"):
        listed = ", ".join(str(v) for v in arguments["validValues"])
        return f"{subject} is one of {listed}"
    return {
        "nullValues": f"{subject} has no NULL",
        "missingValues": f"{subject} has no missing value",
        "invalidValues": f"{subject} has no invalid value",
        "duplicateValues": f"{subject} has no duplicate",
        "rowCount": "the table's row count",
        "sql": f"SQL rule on {subject}",
    }.get(kind, kind)


def _plural(count: object, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _severity(quality: DataQuality) -> Any:
    return SEVERITIES.get((quality.severity or "error").lower(), "error")


def _threshold(quality: DataQuality) -> Threshold | None:
    for operator in OPERATORS:
        value = getattr(quality, operator, None)
        if value is not None:
            return Threshold(operator, value)
    return None


def _quality_rule(
    compiler: Compiler,
    spec: TableSpec,
    column: ColumnSpec | None,
    quality: DataQuality,
    sql: str | None,
    kind: str | None,
    present: dict[str, tuple[str, str]],
) -> None:
    rule_kind = _quality_kind(quality)
    rule = Rule(
        rule_id=quality.id or compiler.rule_id(spec, column, rule_kind),
        subject=column.name if column else None,
        kind=rule_kind,
        description=quality.description or quality.name or _describe(rule_kind, column, quality),
        severity=_severity(quality),
        unit="percent" if (quality.unit or "").lower() in ("percent", "%") else "rows",
    )
    if rule_kind in ("text", "custom"):
        rule.skip = f"a {rule_kind} rule is documentation: it is not evaluated"
        compiler.add(rule)
        return
    threshold = _threshold(quality)
    if threshold is None:
        rule.skip = "the rule gives no operator (mustBe, mustBeLessThan, mustBeBetween…)"
        compiler.add(rule)
        return
    rule.threshold = threshold
    if rule_kind == "sql":
        try:
            rule.query = prepare_sql_rule(
                quality.query or "",
                compiler.dialect,
                table=compiler.table_sql,
                column=sql,
            )
        except SQLRuleError as exc:
            rule.skip = None
            rule.verdict = (None, False, exc.message)
            rule.kind = "sql"
        compiler.add(rule)
        return
    _library_rule(compiler, spec, rule, quality, sql, present)


def _library_rule(
    compiler: Compiler,
    spec: TableSpec,
    rule: Rule,
    quality: DataQuality,
    sql: str | None,
    present: dict[str, tuple[str, str]],
) -> None:
    arguments = quality.arguments or {}
    metric = rule.kind
    if metric == "rowCount":
        rule.measure = "count(*)"
        rule.unit = "rows"
    elif metric == "duplicateValues":
        names = arguments.get("properties") or ([] if sql else [c.name for c in spec.columns])
        columns = [sql] if sql else [quote_name(present[n][0]) for n in names if n in present]
        if not columns or (not sql and len(columns) != len(names)):
            rule.skip = "a column the rule names is missing"
        else:
            # NULLs of one column are not duplicates; rows of a compound key compare whole.
            rule.duplicates, rule.skip_nulls = tuple(columns), len(columns) == 1
    elif sql is None:
        rule.skip = f"metric {metric!r} is judged on a property: move it under one"
    elif metric == "nullValues":
        rule.predicate = f"{sql} IS NULL"
    elif metric == "missingValues":
        markers = [m for m in arguments.get("missingValues") or [] if m is not None]
        listed = ", ".join(compiler.bind(str(m)) for m in markers)
        rule.predicate = f"{sql} IS NULL" + (
            f" OR CAST({sql} AS VARCHAR) IN ({listed})" if markers else ""
        )
    elif metric == "invalidValues":
        valid = arguments.get("validValues")
        pattern = arguments.get("pattern")
        broken = []
        if valid:
            allowed = [v for v in valid if v is not None]
            broken.append(
                f"{sql} NOT IN ({', '.join(compiler.bind(v) for v in allowed)})"
                if allowed
                else "TRUE"
            )
        if pattern:
            broken.append(f"NOT {compiler.matches(sql, str(pattern))}")
        if not broken:
            rule.skip = "invalidValues needs arguments.validValues or arguments.pattern"
        else:
            # NULLs are judged by required and nullValues, never as invalid values.
            rule.predicate = f"{sql} IS NOT NULL AND ({' OR '.join(broken)})"
    else:
        rule.skip = f"metric {metric!r} is not a library metric"
    compiler.add(rule)
