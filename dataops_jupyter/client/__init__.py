"""The control service's HTTP client, used by the CLI and the Jupyter server extension."""

from .client import (
    ControlClient,
    ControlServiceError,
    ControlServiceUnreachable,
    LogEvent,
)
from .settings import ClientSettings, config_path, resolve_settings

__all__ = [
    "ClientSettings",
    "ControlClient",
    "ControlServiceError",
    "ControlServiceUnreachable",
    "LogEvent",
    "config_path",
    "resolve_settings",
]
