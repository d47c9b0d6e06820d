"""Kernel side of dataops-jupyter: ``%load_ext kernel_magics`` puts the ``job`` context in the
namespace. Imports stay light: nothing here imports the server, tornado or the control service."""

from __future__ import annotations

from typing import Any

from .context import JobContext, current_job

__all__ = ["JobContext", "current_job", "load_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext kernel_magics``."""
    ipython.push({"job": current_job()})
