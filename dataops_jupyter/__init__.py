"""dataops-jupyter: data jobs written in notebooks, run, deployed and monitored from JupyterLab."""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__ as __version__
except ImportError:  # pragma: no cover - only when running from a tree that was never built
    __version__ = "0.0.0"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "dataops-jupyter"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .server.app import DataOpsExtension

    return [{"module": "dataops_jupyter", "app": DataOpsExtension}]
