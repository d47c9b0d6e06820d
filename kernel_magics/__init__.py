"""Kernel side of dataops-jupyter: ``%load_ext kernel_magics`` puts the ``job`` context in the
namespace and adds ``%%sql`` / ``%sql`` and ``%%ingest``. Imports stay light: nothing here
imports the server, tornado or the control service, and the warehouse is loaded on first use."""

from __future__ import annotations

from typing import Any

from .context import JobContext, current_job

__all__ = ["JobContext", "current_job", "load_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """Called by ``%load_ext kernel_magics``."""
    from .magics import DataOpsMagics

    job = current_job(ipython.user_ns)
    history = getattr(getattr(ipython, "history_manager", None), "input_hist_raw", None)
    if history:
        job.enter_cell(history[-1])

    def enter_cell(info: Any) -> None:
        job.enter_cell(info.raw_cell or "")

    previous = getattr(ipython, "_dataops_enter_cell", None)
    if previous is not None:  # loaded again: the new job replaces the old one
        ipython.events.unregister("pre_run_cell", previous)
    ipython._dataops_enter_cell = enter_cell
    ipython.events.register("pre_run_cell", enter_cell)
    ipython.register_magics(DataOpsMagics(ipython, job))
    ipython.push({"job": job})
