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
    | (?P<percent>%)
    | (?P<other>[^'"\-/$:{;%]+|.)
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
    text: list[str] = []
    params: dict[str, Any] = {}
    meaningful = False

    def close() -> None:
        nonlocal text, params, meaningful
        if meaningful:
            statements.append(Statement(comment + "".join(text).strip(), params))
        text, params, meaningful = [], {}, False

    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
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
        elif kind == "percent" and dialect == "postgres":
            token = "%%"
        if kind not in ("line_comment", "block_comment") and token.strip():
            meaningful = True
        text.append(token)
    close()
    if dialect == "postgres":
        for statement in statements:
            if not statement.params:
                statement.text = statement.text.replace("%%", "%")
    return statements
