"""``dataops contract lint``: a contract file checked against the official ODCS JSON Schema of
its ``apiVersion``, then for what a schema cannot see (see :mod:`.semantics`).

Every problem is one :class:`~.findings.Finding` at the line and column of the key it is about,
with what to write instead. jsonschema's raw errors are turned into such messages here: an
unexpected key is named at its own line (with the ODCS v3 spelling of legacy keys), an enum
error lists the allowed values, a ``oneOf`` failure becomes the one error of the branch that was
meant. Files that are not ODCS v3 at all get one paragraph saying what they are instead.
"""

from __future__ import annotations

import ast
import difflib
import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pydantic

from ..errors import InvalidInputError
from .documents import ContractDocument, ContractFileError, Location, read_document
from .findings import Finding, finding, key_name
from .semantics import operator_hint, semantic_findings

__all__ = [
    "SUPPORTED_VERSIONS",
    "ContractLintError",
    "Finding",
    "check_job_contracts",
    "lint_document",
    "lint_file",
    "lint_job",
]

#: apiVersion → the ODCS JSON Schema it is validated against.
SCHEMA_OF_VERSION = {
    "v3.0.0": "v3.0.2",
    "v3.0.1": "v3.0.2",
    "v3.0.2": "v3.0.2",
    "v3.1.0": "v3.1.0",
    "v3.2.0": "v3.2.0",
}
SUPPORTED_VERSIONS = tuple(SCHEMA_OF_VERSION)
_NEWER = {"v3.0.2": ("v3.1.0", "v3.2.0"), "v3.1.0": ("v3.2.0",), "v3.2.0": ()}

#: Keys other formats (or older ODCS) use, and how ODCS v3 writes them.
LEGACY_KEYS = {
    "isNullable": "ODCS v3 writes it the other way round: `required: false` "
    "(`required: true` for a column that must have a value)",
    "nullable": "ODCS v3 writes it the other way round: `required: false` "
    "(`required: true` for a column that must have a value)",
    "isUnique": "ODCS v3 writes `unique: true`",
    "isPrimary": "ODCS v3 writes `primaryKey: true` (and `primaryKeyPosition` for a compound key)",
    "isPrimaryKey": "ODCS v3 writes `primaryKey: true` (and `primaryKeyPosition` for a compound "
    "key)",
    "type": "ODCS v3 writes a property's type as `logicalType` (and `physicalType`)",
    "dataType": "ODCS v3 writes a property's type as `logicalType` (and `physicalType`)",
    "columns": "ODCS v3 lists a table's columns as `properties`",
    "fields": "ODCS v3 lists a table's columns as `properties`",
    "dataset": "ODCS v3 lists tables under `schema`",
    "models": "ODCS v3 lists tables under `schema`",
    "enum": "before v3.2.0, ODCS lists allowed values in a quality rule: `quality: [{metric: "
    "invalidValues, arguments: {validValues: [...]}, mustBe: 0}]`",
}
_TYPE_OPTIONS_HINT = "ODCS v3 puts it under the property's `logicalTypeOptions`"
for _option in ("pattern", "minLength", "maxLength", "minimum", "maximum", "format"):
    LEGACY_KEYS.setdefault(_option, _TYPE_OPTIONS_HINT)
#: Type names other formats use, and the ODCS logical type of each.
TYPE_SYNONYMS = {
    "decimal": "number", "double": "number", "float": "number", "numeric": "number",
    "int": "integer", "bigint": "integer", "long": "integer", "smallint": "integer",
    "bool": "boolean", "text": "string", "varchar": "string", "uuid": "string",
    "datetime": "timestamp", "struct": "object", "record": "object", "list": "array",
}  # fmt: skip
#: Keys that make an item of ``schema`` a column rather than a table.
COLUMN_KEYS = (
    "type", "required", "primaryKey", "primaryKeyPosition", "unique", "enum", "isNullable",
    "nullable", "isUnique", "isPrimaryKey", "logicalTypeOptions",
)  # fmt: skip
_EXTRAS = re.compile(r"^(?:Unevaluated|Additional) properties are not allowed \((.*) (?:was|were) "
                     r"unexpected\)$", re.S)  # fmt: skip
_JSON_TYPES = {
    "string": "text", "integer": "a whole number", "number": "a number",
    "boolean": "true or false", "array": "a list", "object": "a mapping (key: value)",
    "null": "empty",
}  # fmt: skip


class ContractLintError(InvalidInputError):
    """Contracts that do not lint; the message has one ``file:line:column: …`` line each."""

    kind = "invalid-contract"


def lint_file(path: Path, shown_as: Path | str | None = None) -> list[Finding]:
    """Lint the contract at ``path``; findings name it ``shown_as`` (default: ``path``)."""
    shown = Path(shown_as) if shown_as is not None else path
    try:
        document = read_document(path)
    except ContractFileError as exc:
        return [_file_error(shown, path, exc.message)]
    document.path = shown
    return lint_document(document)


def lint_document(document: ContractDocument) -> list[Finding]:
    """Every problem of ``document``, in the order they are written in the file."""
    explained = _not_odcs(document)
    if explained is not None:
        return [explained]
    version = document.data["apiVersion"]
    issues = list(_schema_issues(document, SCHEMA_OF_VERSION[version]))
    found = [finding(document, issue.location, issue.message) for issue in issues]
    covered = [issue.location for issue in issues if issue.covers]
    reported = {issue.location for issue in issues}
    extra = [*_model_issues(document), *semantic_findings(document)]
    for location, item in extra:
        if location not in reported and not any(_overlaps(location, c) for c in covered):
            found.append(item)
            reported.add(location)
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda f: (f.line, f.column))


def _overlaps(one: Location, other: Location) -> bool:
    """One place is inside the other (or they are the same)."""
    shorter = min(len(one), len(other))
    return one[:shorter] == other[:shorter]


def _file_error(shown: Path, path: Path, message: str) -> Finding:
    text = message.removeprefix(f"{path}:").strip()
    place = re.match(r"^(\d+):(\d+): (.*)$", text, re.S)
    if place:
        return Finding(shown, int(place[1]), int(place[2]), "error", place[3])
    return Finding(shown, 1, 1, "error", text)


# -- files that are not ODCS v3 ------------------------------------------------------------------


def _not_odcs(document: ContractDocument) -> Finding | None:
    """One paragraph for a file lint cannot validate: not a mapping, another format, no or an
    unsupported apiVersion."""
    data = document.data
    start = "an ODCS contract is a YAML mapping that starts with `apiVersion: v3.1.0` and " \
        "`kind: DataContract`"  # fmt: skip
    if data is None:
        return finding(document, (), f"the file is empty; {start}")
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else f"a single value ({data!r:.40})"
        return finding(document, (), f"this file is not an ODCS contract: it holds {what}; {start}")
    if "dataContractSpecification" in data:
        return finding(
            document, ("dataContractSpecification",),
            "this file is a Data Contract Specification file (datacontract.com, "
            "`dataContractSpecification:`), not an ODCS v3 contract. The two formats differ "
            "(`models` with `fields` there, `schema` with `properties` here); convert it, "
            "e.g. with `datacontract export --format odcs FILE`, and lint the ODCS file.",
        )  # fmt: skip
    if "apiVersion" not in data and "kind" not in data:
        return finding(
            document, (),
            "this file is not an ODCS v3 contract: it has neither `apiVersion` nor `kind`. "
            "An ODCS contract starts with `apiVersion: v3.1.0`, `kind: DataContract`, `id`, "
            "`version` and `status`, and lists its tables under `schema`.",
        )  # fmt: skip
    versions = ", ".join(SUPPORTED_VERSIONS)
    version = data.get("apiVersion")
    if version is None:
        return finding(document, (), f"missing `apiVersion`; write one of {versions}")
    if version not in SCHEMA_OF_VERSION:
        shown = f"{version!r}" if isinstance(version, str) else f"{version!r} (not text)"
        hint = ""
        if isinstance(version, str) and version.lstrip("v").startswith("2"):
            hint = "; ODCS v2 files are not read: upgrade the contract to ODCS v3"
        elif isinstance(version, str):
            close = difflib.get_close_matches(version, SUPPORTED_VERSIONS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
        return finding(
            document, ("apiVersion",),
            f"apiVersion {shown} is not supported; lint reads {versions}{hint}",
        )  # fmt: skip
    return None


# -- the JSON Schema -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """A problem at ``location``; ``covers``: the value there is wrong, so later checks of
    anything inside it are left out (one message per problem)."""

    location: Location
    message: str
    covers: bool = True


@functools.cache
def _schema(name: str) -> dict[str, Any]:
    if name == "v3.2.0":
        source = resources.files("open_data_contract_standard") / "schema.json"
    else:
        folder = resources.files("dataops_jupyter.contracts") / "schemas"
        source = folder / f"odcs-{name}.schema.json"
    schema: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    return schema


@functools.cache
def _validator(name: str) -> jsonschema.Draft201909Validator:
    return jsonschema.Draft201909Validator(_schema(name))


def _schema_issues(document: ContractDocument, name: str) -> list[Issue]:
    data = document.data
    issues: list[Issue] = []
    for error in _validator(name).iter_errors(data):
        issues.extend(_explain(error, name, data))
    columns = _column_items(data)
    if columns:
        issues = [i for i in issues if not any(i.location[:2] == c for c, _ in columns)]
        issues.extend(_column_issues(data, columns))
    return list(dict.fromkeys(issues))


def _column_items(data: dict[str, Any]) -> list[tuple[Location, list[str]]]:
    """Items of ``schema`` written as columns (``type``, ``required``… and no ``properties``)."""
    tables = data.get("schema")
    if not isinstance(tables, list):
        return []
    found: list[tuple[Location, list[str]]] = []
    for index, item in enumerate(tables):
        if isinstance(item, dict) and "properties" not in item:
            keys = [k for k in item if k in COLUMN_KEYS]
            if keys:
                found.append((("schema", index), keys))
    return found


def _column_issues(data: dict[str, Any], columns: list[tuple[Location, list[str]]]) -> list[Issue]:
    issues = []
    if len(columns) == len(data["schema"]):
        listed = ", ".join(f"`{k}`" for k in dict.fromkeys(k for _, ks in columns for k in ks))
        issues.append(Issue(
            ("schema",),
            "this file is not an ODCS v3 contract: `schema` must list tables (objects with "
            f"`name` and `properties`), but its items look like columns (they have {listed}). "
            "Put them under a table: `schema: [{name: orders, properties: [{name: order_id, "
            "logicalType: string, required: true}, …]}]`, and write each column's `type` as "
            "`logicalType`.",
            covers=False,
        ))  # fmt: skip
    for location, keys in columns:
        item = data["schema"][location[1]]
        title = item.get("name")
        label = f"{title!r}" if isinstance(title, str) else "this item"
        written = ", ".join(f"`{k}`" for k in keys)
        issues.append(Issue(
            location,
            f"{label} looks like a column, not a table: {written} belong to a property; list "
            "it under a table's `properties`",
        ))  # fmt: skip
    return issues


def _explain(error: jsonschema.ValidationError, name: str, data: Any) -> Iterator[Issue]:
    location: Location = tuple(error.absolute_path)
    kind = error.validator
    if kind in ("unevaluatedProperties", "additionalProperties"):
        if error.validator_value is False and (keys := _extras(error.message)):
            declared = _declared(error.schema, _schema(name))
            for key in keys:
                if key in declared:
                    continue  # evaluated by a branch that failed: that failure is the problem
                message = _unexpected(key, location, error.schema, name, data, declared)
                yield Issue((*location, key), message)
            return
    elif kind == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        required: Any = error.validator_value
        for key in required:
            if key not in present:
                yield Issue(location, _missing(str(key), location), covers=False)
        return
    elif kind in ("oneOf", "anyOf"):
        yield from _explain_choice(error, name, data)
        return
    yield Issue(location, _message(error, location))


def _extras(message: str) -> list[str]:
    match = _EXTRAS.match(message)
    if not match:
        return []
    try:
        keys = ast.literal_eval(f"({match[1]},)")
    except (ValueError, SyntaxError):
        return []
    return [str(k) for k in keys]


def _unexpected(
    key: str, location: Location, schema: Any, name: str, data: Any, declared: set[str]
) -> str:
    where = _place(location)
    if key.startswith("must"):
        return f"unknown operator '{key}'; {operator_hint(key)}"
    if location and location[-1] == "logicalTypeOptions":
        logical = _at(data, location[:-1]).get("logicalType")
        takes = ", ".join(sorted(declared)) or "no options"
        return f"'{key}' is not an option of logicalType {logical}; {logical} takes {takes}"
    newer = _newer_version(key, schema, name)
    if newer:
        return (f"'{key}' is ODCS {newer} (this file says apiVersion {name}); write "
                f"`apiVersion: {newer}` to use it, or remove the key")  # fmt: skip
    options = LEGACY_KEYS.get(key) == _TYPE_OPTIONS_HINT
    if options and "properties" not in location[-2:-1]:
        pass
    elif key in LEGACY_KEYS and not (key == "enum" and name == "v3.2.0"):
        return f"unexpected key '{key}' {where}; {LEGACY_KEYS[key]}"
    close = difflib.get_close_matches(key, sorted(declared), n=1, cutoff=0.75)
    if close:
        return f"unexpected key '{key}' {where}; did you mean '{close[0]}'?"
    return f"unexpected key '{key}' {where}; ODCS {name} has no such key there"


def _at(data: Any, location: Location) -> dict[str, Any]:
    for part in location:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return {}
    return data if isinstance(data, dict) else {}


def _place(location: Location) -> str:
    parts = [p for p in location if isinstance(p, str)]
    if not location:
        return "at the top of the contract"
    last = parts[-1] if parts else ""
    return {
        "schema": "in a table", "properties": "in a property", "quality": "in a quality rule",
        "servers": "in a server", "slaProperties": "in an SLA property", "team": "in the team",
        "logicalTypeOptions": "in logicalTypeOptions", "items": "in an array's items",
    }.get(last, f"in `{last}`")  # fmt: skip


def _declared(schema: Any, root: dict[str, Any], depth: int = 0) -> set[str]:
    """Every key ``schema`` declares, through ``$ref``, ``allOf``/``anyOf``/``oneOf`` and
    ``if``/``then``/``else``."""
    if not isinstance(schema, dict) or depth > 12:
        return set()
    keys = set(schema.get("properties") or {})
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        keys |= _declared(target, root, depth + 1)
    for combined in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combined) or []:
            keys |= _declared(sub, root, depth + 1)
    for branch in ("then", "else"):
        keys |= _declared(schema.get(branch), root, depth + 1)
    return keys


def _newer_version(key: str, schema: Any, name: str) -> str | None:
    """The first later ODCS version whose same definition declares ``key``."""
    definitions = _schema(name).get("$defs", {})
    named = next((d for d, s in definitions.items() if s is schema), None)
    for newer in _NEWER.get(name, ()):
        root = _schema(newer)
        target = root.get("$defs", {}).get(named) if named else root if schema is _schema(
            name) else None  # fmt: skip
        if target is not None and key in _declared(target, root):
            return newer
    return None


def _missing(key: str, location: Location) -> str:
    hints = {
        "query": "a `type: sql` rule needs its SQL as `query`",
        "metric": "a library rule names what it measures: `metric: nullValues` (or "
        "missingValues, invalidValues, duplicateValues, rowCount)",
        "rule": "a library rule names what it measures as `rule:` in ODCS v3.0",
        "name": "every table and property needs a `name`",
        "properties": "a table lists its columns under `properties`",
    }
    if key in hints:
        return f"missing key '{key}': {hints[key]}"
    return f"missing key '{key}' {_place(location)}; add it"


def _message(error: jsonschema.ValidationError, location: Location) -> str:
    key = key_name(location)
    kind, value = error.validator, error.instance
    expected: Any = error.validator_value
    if kind in ("enum", "const"):
        allowed = expected if kind == "enum" else [expected]
        return _not_allowed(key, value, [str(a) for a in allowed])
    if kind == "type":
        names = [expected] if isinstance(expected, str) else list(expected)
        wanted = " or ".join(_JSON_TYPES.get(n, n) for n in names)
        return f"{_subject(location)} must be {wanted}, got {_shown(value)}"
    if key in ("mustBeBetween", "mustNotBeBetween") and kind in ("minItems", "maxItems",
                                                                 "uniqueItems"):  # fmt: skip
        return f"`{key}` takes two different numbers, smallest first, e.g. `{key}: [1, 10]`"
    return f"`{key}`: {error.message}"


def _subject(location: Location) -> str:
    """How a message names the value at ``location``."""
    key = key_name(location)
    if not location:
        return "the contract"
    return f"each item of `{key}`" if isinstance(location[-1], int) else f"`{key}`"


def _not_allowed(key: str, value: Any, allowed: list[str]) -> str:
    listed = ", ".join(allowed)
    if key == "logicalType":
        text = f"unknown logicalType {_shown(value)}; ODCS allows {listed}"
        synonym = TYPE_SYNONYMS.get(str(value).lower()) if isinstance(value, str) else None
        if synonym in allowed:
            text += f" (a {value} is `logicalType: {synonym}`, with `physicalType: {value}`)"
        return text
    text = f"`{key}` is {_shown(value)}; it must be one of {listed}"
    if isinstance(value, str):
        close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
        if close:
            text += f" (did you mean '{close[0]}'?)"
    return text


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (empty)"
    return repr(value)


def _operator_branches(schema: Any) -> list[str] | None:
    """The operator of each branch of the ODCS operators ``oneOf``, else ``None``."""
    names = []
    for branch in schema if isinstance(schema, list) else []:
        required = branch.get("required") if isinstance(branch, dict) else None
        if not (isinstance(required, list) and len(required) == 1):
            return None
        if not str(required[0]).startswith("must"):
            return None
        names.append(str(required[0]))
    return names or None


def _explain_choice(error: jsonschema.ValidationError, name: str, data: Any) -> Iterator[Issue]:
    location: Location = tuple(error.absolute_path)
    operators = _operator_branches(error.validator_value)
    instance = error.instance
    if operators is not None and not isinstance(instance, dict):
        return  # the item is not a mapping: its type error says so
    if operators is not None and isinstance(instance, dict):
        given = [k for k in instance if k in operators]
        if not given:
            if any(str(k).startswith("must") for k in instance):
                return  # an unknown operator, reported at its own key
            listed = ", ".join(operators)
            yield Issue(location, f"the rule has no operator: add one of {listed} "
                                  "(e.g. `mustBe: 0`)")  # fmt: skip
            return
        if len(given) > 1:
            yield Issue(location, f"a rule takes one operator; this one has {', '.join(given)}: "
                                  "keep one")  # fmt: skip
            return
        index = operators.index(given[0])
        for sub in error.context or []:
            if sub.relative_schema_path and sub.relative_schema_path[0] == index:
                yield from _explain(sub, name, data)
        return
    branches: dict[int, list[jsonschema.ValidationError]] = {}
    for sub in error.context or []:
        branch = sub.relative_schema_path[0] if sub.relative_schema_path else 0
        branches.setdefault(int(branch), []).append(sub)
    if not branches:
        yield Issue(location, f"{_subject(location)} matches more than one of the forms ODCS "
                              "allows there; keep the keys of one")  # fmt: skip
        return
    own_types = [s for errs in branches.values() for s in errs
                 if s.validator == "type" and tuple(s.absolute_path) == location]  # fmt: skip
    meant = {b: errs for b, errs in branches.items()
             if not any(s in own_types for s in errs)}  # fmt: skip
    if not meant:
        names: list[str] = []
        for sub in own_types:
            value: Any = sub.validator_value
            names.extend([value] if isinstance(value, str) else value)
        wanted = " or ".join(_JSON_TYPES.get(n, n) for n in dict.fromkeys(names))
        yield Issue(location, f"{_subject(location)} must be {wanted}, got {_shown(instance)}")
        return
    best = max(meant.values(), key=lambda errs: (max(len(s.absolute_path) for s in errs),
                                                 -len(errs)))  # fmt: skip
    for sub in best:
        yield from _explain(sub, name, data)


# -- the ODCS package's model --------------------------------------------------------------------


def _model_issues(document: ContractDocument) -> Iterable[tuple[Location, Finding]]:
    """What ``open_data_contract_standard``'s pydantic model refuses, at its key."""
    from open_data_contract_standard.model import OpenDataContractStandard

    try:
        OpenDataContractStandard.model_validate(document.data)
    except pydantic.ValidationError as exc:
        seen: set[Location] = set()
        for error in exc.errors():
            location = _existing(document, tuple(error["loc"]))
            if location in seen:
                continue
            seen.add(location)
            got = _shown(error.get("input"))
            wanted = _PYDANTIC_TYPES.get(error["type"])
            message = (f"{_subject(location)} must be {wanted}, got {got}" if wanted
                       else f"{_subject(location)}: {error['msg']}, got {got}")  # fmt: skip
            yield location, finding(document, location, message)


_PYDANTIC_TYPES = {
    "float_parsing": "a number", "float_type": "a number", "int_parsing": "a whole number",
    "int_type": "a whole number", "int_from_float": "a whole number",
    "bool_parsing": "true or false", "bool_type": "true or false", "string_type": "text",
    "list_type": "a list", "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
}  # fmt: skip


def _existing(document: ContractDocument, loc: tuple[Any, ...]) -> Location:
    """The longest prefix of a pydantic ``loc`` that names a place in the document (union
    member names left out)."""
    location: Location = ()
    node: Any = document.data
    for part in loc:
        listed = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if listed or (isinstance(node, dict) and part in node):
            node = node[part]
            location = (*location, part if listed else str(part))
    return location


# -- a job's contracts ---------------------------------------------------------------------------


def lint_job(folder: Path) -> list[Finding]:
    """The findings of every ``contracts/*.odcs.yaml`` of the job ``folder``, each file named
    as it is written in the folder (``contracts/orders.odcs.yaml``)."""
    from .discover import contracts_in

    found: list[Finding] = []
    for path in contracts_in(folder):
        found.extend(lint_file(path, path.relative_to(folder)))
    return found


def check_job_contracts(folder: Path) -> None:
    """Refuse (:class:`ContractLintError`, a 400) a job whose contracts have errors."""
    errors = [f for f in lint_job(folder) if f.severity == "error"]
    if errors:
        lines = "\n".join(str(f) for f in errors)
        noun = "error" if len(errors) == 1 else "errors"
        raise ContractLintError(
            f"the job's contracts have {len(errors)} {noun} (dataops contract lint shows them "
            f"too), so the deployment was refused:\n{lines}"
        )
