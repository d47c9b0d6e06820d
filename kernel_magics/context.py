"""The ``job`` object a notebook sees, interactively and in a run alike."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class JobContext:
    """What a step knows about the job it belongs to.

    In a run the runner passes the job's name, folder, run id and arguments through the
    kernel's environment; interactively the job is the folder the notebook runs in.
    """

    def __init__(
        self, name: str, folder: Path, args: dict[str, Any], execution_id: str | None
    ) -> None:
        self.name = name
        self.folder = folder
        self.args = args
        self.execution_id = execution_id

    def __repr__(self) -> str:
        return f"<job {self.name!r} execution={self.execution_id!r} args={self.args!r}>"


def _job_name_from_folder(folder: Path) -> str:
    """The ``name`` key of ``job.toml`` in ``folder``, or the folder's own name."""
    path = folder / "job.toml"
    if path.is_file():
        import tomllib

        try:
            name = tomllib.loads(path.read_text(encoding="utf-8")).get("name")
        except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
            name = None
        if isinstance(name, str):
            return name
    return folder.name


def current_job() -> JobContext:
    """The job of this kernel: from the run's environment, else from the working folder."""
    folder = Path(os.environ.get("DATAOPS_JOB_DIR") or os.getcwd())
    name = os.environ.get("DATAOPS_JOB_NAME") or _job_name_from_folder(folder)
    raw_args = os.environ.get("DATAOPS_ARGS")
    args = json.loads(raw_args) if raw_args else {}
    return JobContext(name, folder, args, os.environ.get("DATAOPS_RUN_ID"))
