"""SQL text handling: split statements, bind ``:name`` values and quote ``{name}`` identifiers.

Values never enter the SQL text: each ``:name`` becomes a placeholder of the database's driver
and its value is sent apart. Identifiers (``{schema}``, ``{table}``) are checked and quoted.
Quotes, comments, dollar-quoted bodies and ``::`` casts are left untouched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import InvalidInputError

Dialect = Literal["duckdb", "postgres"]

_TOKEN = re.compile(
    r"""
      (?P<string>'(?:[^']|'')*'?)
    | (?P<quoted>"(?:[^"]|"")*"?)
    | (?P<line_comment>--[^\n]*)
    | (?P<block_comment>/\*.*?(?:\*/|\Z))
    | (?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$.*?(?:\$(?P=tag)?\$|\Z))
    | (?P<cast>::)
    | (?P<bind>(?<![\w:]):(?P<bind_name>[A-Za-z_]\w*))
    | (?P<ident>\{(?P<ident_name>[A-Za-z_]\w*)\})
    | (?P<semicolon>;)
    | (?P<other>[^'"\-/$:{;]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_IDENTIFIER_PART = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


class SQLTemplateError(InvalidInputError):
    """A bind value or identifier the SQL asks for is missing or unsafe."""


def quote_identifier(value: Any, name: str = "identifier") -> str:
    """``schema.table`` → ``"schema"."table"``, refusing anything that is not a plain name."""
    if not isinstance(value, str) or not value:
        raise SQLTemplateError(f"{{{name}}} must be a table or schema name, got {value!r}")
    parts = value.split(".")
    if len(parts) > 3 or not all(_IDENTIFIER_PART.match(p) for p in parts):
        raise SQLTemplateError(
            f"{{{name}}} = {value!r} is not a valid identifier: use letters, digits and '_' "
            "(optionally schema.table)"
        )
    return ".".join('"' + part + '"' for part in parts)


#: PostgreSQL silently cuts longer names, which would make two columns one.
MAX_NAME_BYTES = 63


def quote_name(value: Any) -> str:
    """One column name as data brings it (spaces, dashes and capitals allowed), quoted."""
    if not isinstance(value, str) or not value:
        raise SQLTemplateError(f"a column name must be a non-empty string, got {value!r}")
    if "\x00" in value or len(value.encode("utf-8")) > MAX_NAME_BYTES:
        raise SQLTemplateError(
            f"column name {value!r} is not usable: at most {MAX_NAME_BYTES} bytes, no NUL"
        )
    return '"' + value.replace('"', '""') + '"'


@dataclass
class Statement:
    """One statement ready for the driver: text with placeholders and the values apart."""

    text: str
    params: dict[str, Any] = field(default_factory=dict)


def _placeholder(name: str, dialect: Dialect) -> str:
    return f"${name}" if dialect == "duckdb" else f"%({name})s"


def prepare(
    sql: str,
    values: Mapping[str, Any],
    identifiers: Mapping[str, Any],
    dialect: Dialect,
    comment: str = "",
) -> list[Statement]:
    """Split ``sql`` into statements with binds and identifiers resolved.

    ``values`` answer ``:name``; ``identifiers`` answer ``{name}``. A name with no answer is an
    error that says where values come from. Empty statements are dropped.
    """
    statements: list[Statement] = []
    tokens: list[tuple[str, str]] = []
    params: dict[str, Any] = {}
    meaningful = False

    def close() -> None:
        nonlocal tokens, params, meaningful
        if meaningful:
            statements.append(Statement(_render(comment, tokens, params, dialect), params))
        tokens, params, meaningful = [], {}, False

    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup or "other"
        token = match.group(0)
        if kind == "semicolon":
            close()
            continue
        if kind == "bind":
            name = match.group("bind_name")
            if name not in values:
                raise SQLTemplateError(
                    f":{name} has no value: set a job argument or a Python variable named {name!r}"
                )
            params[name] = values[name]
            token = _placeholder(name, dialect)
        elif kind == "ident":
            name = match.group("ident_name")
            if name not in identifiers:
                raise SQLTemplateError(
                    f"{{{name}}} is not defined: set a job argument or property named {name!r}"
                )
            token = quote_identifier(identifiers[name], name)
        if kind not in ("line_comment", "block_comment") and token.strip():
            meaningful = True
        tokens.append((kind, token))
    close()
    return statements


def _render(
    comment: str, tokens: list[tuple[str, str]], params: dict[str, Any], dialect: Dialect
) -> str:
    """The statement's text. With values to send, PostgreSQL's driver reads every ``%`` as
    the start of a placeholder, including inside literals and comments: those are doubled."""
    escape = dialect == "postgres" and bool(params)
    parts = [comment.replace("%", "%%") if escape else comment]
    for kind, token in tokens:
        parts.append(token.replace("%", "%%") if escape and kind != "bind" else token)
    head, body = parts[0], "".join(parts[1:]).strip()
    return head + body


_LEADING_NOISE = re.compile(r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.DOTALL)
_NAME = r'(?:"(?:[^"]|"")*"|[^\s"(),;.]+)'
_QUALIFIED = rf"({_NAME}(?:\.{_NAME})*)"
_DEFINES = re.compile(
    r"(CREATE|DROP|ALTER|TRUNCATE)\s+(?:OR\s+REPLACE\s+)?"
    r"(?:(?:TEMP|TEMPORARY|UNLOGGED|MATERIALIZED|UNIQUE)\s+)*"
    r"(TABLE|VIEW|SCHEMA|INDEX|SEQUENCE|MACRO|FUNCTION|TYPE|DATABASE)?\s*"
    rf"(?:IF\s+(?:NOT\s+)?EXISTS\s+)?{_QUALIFIED}",
    re.IGNORECASE,
)
_CHANGES = re.compile(
    rf"(INSERT\s+(?:OR\s+\w+\s+)?INTO|DELETE\s+FROM|UPDATE|MERGE\s+INTO)\s+{_QUALIFIED}",
    re.IGNORECASE,
)
_DONE = {"CREATE": "created", "DROP": "dropped", "ALTER": "altered", "TRUNCATE": "emptied"}
_CHANGED = {"INSERT": "inserted {} into", "DELETE": "deleted {} from", "UPDATE": "updated {} in",
            "MERGE": "merged {} into"}  # fmt: skip
#: First words of statements that answer with rows.
QUERY_WORDS = frozenset(
    {"SELECT", "WITH", "VALUES", "TABLE", "FROM", "SHOW", "DESCRIBE", "EXPLAIN", "PRAGMA"}
    | {"SUMMARIZE", "CALL", "("}
)


@dataclass(frozen=True)
class Action:
    """What a statement that is not a query does, to report it in words."""

    verb: str
    target: str
    counts_rows: bool = False

    def describe(self, rows: int | None = None) -> str:
        """``created table all_products``, ``inserted 3 rows into orders``."""
        if self.counts_rows:
            count = f"{rows:,} row{'' if rows == 1 else 's'}" if rows is not None else "rows"
            return f"{self.verb.format(count)} {self.target}"
        return f"{self.verb} {self.target}".strip()


def statement_action(text: str) -> Action | None:
    """What ``text`` does when it is not a query (``None`` for one): its verb and target."""
    body = _LEADING_NOISE.sub("", text, count=1)
    first = body.split(None, 1)[0].upper() if body.split() else ""
    if not first or first in QUERY_WORDS or first.startswith("("):
        return None
    if changed := _CHANGES.match(body):
        verb = _CHANGED[changed.group(1).split()[0].upper()]
        return Action(verb, changed.group(2), counts_rows=True)
    if defined := _DEFINES.match(body):
        word, kind, name = defined.group(1).upper(), defined.group(2), defined.group(3)
        kind = (kind or ("table" if word == "TRUNCATE" else "")).lower()
        return Action(_DONE[word], f"{kind} {name}".strip())
    return Action("ran", first)
