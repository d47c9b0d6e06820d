"""Executors, chosen by name in the service's settings."""

from __future__ import annotations

from typing import Any

from .base import Attempt, Executor, OnFinished, Outcome
from .local import LocalExecutor

__all__ = ["Attempt", "Executor", "LocalExecutor", "OnFinished", "Outcome", "make_executor"]


def make_executor(config: Any, on_finished: OnFinished) -> Executor:
    """``local`` (a process pool on this machine) or ``dask`` (a Dask distributed cluster)."""
    if config.executor == "local":
        return LocalExecutor(on_finished, size=config.pool_size)
    if config.executor == "dask":
        from .dask import DaskExecutor

        if not config.dask_scheduler:
            raise ValueError("--executor dask needs --dask-scheduler tcp://host:port")
        return DaskExecutor(on_finished, config.dask_scheduler, size=config.pool_size)
    if config.executor == "noop":
        from .noop import NoopExecutor

        return NoopExecutor(on_finished)
    raise ValueError(f"unknown executor {config.executor!r}: use 'local' or 'dask'")
