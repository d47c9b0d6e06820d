"""Names of teams, jobs and their parts: one rule, one validated type, used everywhere.

A name is 1 to 64 lowercase letters, digits and dashes, starting and ending with a letter or
digit. Names become folder names (``deployments/<team>/<job>/``) and URL path segments, so
nothing else (``..``, ``/``, a trailing newline, markup) gets through.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, WithJsonSchema

NAME_REGEX = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
NAME_PATTERN = re.compile(NAME_REGEX.removeprefix("^").removesuffix("$"))
NAME_RULE = "lowercase letters, digits and dashes, starting and ending with a letter or digit"
#: How much of a refused value an error message quotes.
QUOTE_LIMIT = 80


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``text`` cut to about ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text)} characters)"


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for error messages that quote input."""
    return shorten(repr(value), limit)


def check_name(name: Any, what: str = "job") -> str:
    """Return ``name`` if it follows the name rule, else raise ``ValueError`` saying the rule."""
    if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None:
        raise ValueError(f"{quote(name)} is not a valid {what} name: use {NAME_RULE} (at most 64)")
    return name


def check_job_name(name: Any) -> str:
    """Return ``name`` if it is a valid job name, else raise ``ValueError`` saying the rule."""
    return check_name(name, "job")


def check_team_name(name: Any) -> str:
    """Return ``name`` if it is a valid team name, else raise ``ValueError`` saying the rule."""
    return check_name(name, "team")


def _schema(description: str) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "type": "string",
            "pattern": NAME_REGEX,
            "minLength": 1,
            "maxLength": 64,
            "description": description,
        }
    )


#: A job's name (in ``job.toml``, request bodies and URL paths).
JobName = Annotated[str, AfterValidator(check_job_name), _schema(f"a job name: {NAME_RULE}")]
#: A team's name (in ``job.toml``, tokens and URL paths).
TeamName = Annotated[str, AfterValidator(check_team_name), _schema(f"a team name: {NAME_RULE}")]
