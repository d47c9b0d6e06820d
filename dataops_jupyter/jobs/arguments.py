"""Job arguments: parsed from ``key=value`` pairs and checked against the parameters cell."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import ArgumentError
from .names import quote, shorten

#: How many problems an error message lists at most.
MAX_PROBLEMS = 10


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        tuple: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _json(value: Any) -> str:
    """A value as JSON spells it (``true``, ``null``), as the user typed it, cut to a short
    quote."""
    try:
        return shorten(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError):
        return quote(value)


def _matches(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def check_arguments(arguments: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Refuse arguments the parameters cell does not define or whose type differs from its default.

    Every problem is reported at once, with the expected type and how to fix it.
    """
    if not isinstance(arguments, Mapping):
        raise ArgumentError("arguments must be a JSON object of name → value")
    problems = []
    for name, value in arguments.items():
        if name not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            problems.append(
                f"unknown argument {quote(name)}: declare it in the cell tagged 'parameters' "
                f"(defined there: {known})"
            )
        elif not _matches(defaults[name], value):
            problems.append(
                f"argument {name!r} must be {_type_name(defaults[name])} like its default "
                f"{_json(defaults[name])}, got {_json(value)} ({_type_name(value)})"
            )
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(f"and {len(problems) - MAX_PROBLEMS} more")
        raise ArgumentError("; ".join(shown))
    return dict(arguments)


def parse_cli_arguments(
    pairs: Iterable[str], args_json: str | None, defaults: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Arguments from ``--args-json`` then ``--arg key=value`` pairs (pairs win), type-checked.

    A pair's value is read as JSON and falls back to the plain text; where the parameter's
    default is a string the text is kept as it is, so ``--arg day=2024-01-01`` stays a string.
    With ``defaults`` ``None`` (no job declares parameters) every name is taken, values as text.
    """
    arguments: dict[str, Any] = {}
    if args_json:
        try:
            loaded = json.loads(args_json)
        except json.JSONDecodeError as exc:
            raise ArgumentError(f"--args-json is not valid JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise ArgumentError("--args-json must be a JSON object, e.g. '{\"limit\": 10}'")
        arguments.update(loaded)
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ArgumentError(f"--arg {quote(pair)}: use the form key=value, e.g. --arg limit=10")
        if defaults is None or isinstance(defaults.get(name), str):
            arguments[name] = text
            continue
        try:
            arguments[name] = json.loads(text)
        except json.JSONDecodeError:
            arguments[name] = text
    return arguments if defaults is None else check_arguments(arguments, defaults)
