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
