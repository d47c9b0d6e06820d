"""Where the CLI finds the control service: flags, else environment, else a config file.

``--url``/``--token``/``--team``, else ``DATAOPS_URL``/``DATAOPS_TOKEN``/``DATAOPS_TEAM``,
else the keys ``url``, ``token`` and ``team`` of ``~/.config/dataops/config.toml``
(``$XDG_CONFIG_HOME/dataops/config.toml`` when that variable is set).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import tomllib

from ..errors import InvalidInputError

ENV = {"url": "DATAOPS_URL", "token": "DATAOPS_TOKEN", "team": "DATAOPS_TEAM"}


@dataclass
class ClientSettings:
    url: str
    token: str
    team: str | None


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "dataops" / "config.toml"


def _config_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: not valid TOML: {exc}") from None
    values = {}
    for key in ENV:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidInputError(f"{path}: key {key!r} must be a string")
        values[key] = value
    return values


def resolve_settings(
    url: str | None = None,
    token: str | None = None,
    team: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClientSettings:
    """Each of URL, token and team from the first place that sets it."""
    environ = os.environ if environ is None else environ
    given = {"url": url, "token": token, "team": team}
    path = config_path(environ)
    from_file = _config_file(path)
    found: dict[str, str | None] = {}
    for key, variable in ENV.items():
        found[key] = given[key] or environ.get(variable) or from_file.get(key) or None
    for key in ("url", "token"):
        if not found[key]:
            raise InvalidInputError(
                f"no control service {key}: pass --{key}, set {ENV[key]}, or put "
                f'{key} = "…" in {path}'
            )
    return ClientSettings(url=str(found["url"]), token=str(found["token"]), team=found["team"])
