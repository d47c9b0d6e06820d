"""The ``job`` object a notebook sees, interactively and in a run alike."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .contracts import JobContracts
from .stores import LocalStore, ReadOnlySecrets, RemoteProperties

if TYPE_CHECKING:
    import pandas as pd

    from dataops_jupyter.warehouse import LoadSummary, Warehouse


def source_digest(source: str) -> str:
    """Identifies a step's cell by its source (the runner passes digest → step name)."""
    return hashlib.sha1(source.strip().encode("utf-8")).hexdigest()


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


class JobContext:
    """What a step knows about the job it belongs to, and its ways to the warehouse.

    In a run the runner passes the job's name, folder, run id, arguments and steps through the
    kernel's environment. Interactively the job is the folder the notebook runs in, and the
    arguments are the parameters cell's names with their current values in the notebook.
    """

    def __init__(
        self,
        name: str,
        folder: Path,
        args: dict[str, Any] | None,
        execution_id: str | None,
        namespace: Mapping[str, Any] | None = None,
        steps: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.folder = folder
        self.execution_id = execution_id
        self._args = args
        self._namespace = namespace
        self._steps = dict(steps or {})
        self._step: str | None = None
        self._warehouse: Warehouse | None = None
        self._warehouse_url: str | None = None
        #: The contracts of the job's tables (``contracts/*.odcs.yaml``).
        self.contracts = JobContracts(folder)
        self.properties: MutableMapping[str, Any] = LocalStore(
            folder / ".dataops" / "properties.json"
        )
        self.secrets: Mapping[str, Any] = LocalStore(
            folder / ".dataops" / "secrets.json", secret=True
        )
        control_url, token = (
            os.environ.get("DATAOPS_CONTROL_URL"),
            os.environ.get("DATAOPS_CONTROL_TOKEN"),
        )
        if control_url and token and os.environ.get("DATAOPS_TEAM"):
            self.properties = RemoteProperties(control_url, token, os.environ["DATAOPS_TEAM"], name)
        if os.environ.get("DATAOPS_SECRETS_FILE"):
            self.secrets = ReadOnlySecrets(Path(os.environ["DATAOPS_SECRETS_FILE"]))

    # -- identity -----------------------------------------------------------------------------

    @property
    def step(self) -> str | None:
        """The step being run (in a run); ``None`` interactively."""
        return self._step

    def enter_cell(self, source: str) -> None:
        """Called before each cell: in a run, find which step it is."""
        if self._steps:
            self._step = self._steps.get(source_digest(source), self._step)

    @property
    def args(self) -> dict[str, Any]:
        """The job's arguments: in a run, as given; interactively, the parameters cell's names
        with their values in the notebook now."""
        if self._args is not None:
            return self._args
        defaults = self._parameter_defaults()
        namespace = self._namespace or {}
        return {name: namespace.get(name, value) for name, value in defaults.items()}

    def _parameter_defaults(self) -> dict[str, Any]:
        try:
            from dataops_jupyter.jobs import load_job

            return dict(load_job(self.folder).parameters)
        except Exception:  # not (yet) a valid job: no declared arguments
            return {}

    def __repr__(self) -> str:
        return f"<job {self.name!r} execution={self.execution_id!r} step={self.step!r}>"

    # -- warehouse ----------------------------------------------------------------------------

    @property
    def warehouse_url(self) -> str:
        if self._warehouse_url is None:
            from dataops_jupyter.warehouse import resolve_warehouse_url

            configured = None
            if (self.folder / "job.toml").is_file():
                import tomllib

                with (self.folder / "job.toml").open("rb") as handle:
                    configured = tomllib.load(handle).get("warehouse")
            self._warehouse_url = resolve_warehouse_url(self.folder, configured)
        return self._warehouse_url

    @property
    def warehouse(self) -> Warehouse:
        """The job's warehouse (see README: resolution order)."""
        if self._warehouse is None:
            from dataops_jupyter.warehouse import open_warehouse

            self._warehouse = open_warehouse(self.warehouse_url)
        return self._warehouse

    def comment(self) -> str:
        """The comment each statement carries, so the database's logs name the job."""
        parts = {"job": self.name, "run": self.execution_id or "interactive", "step": self.step}
        text = " ".join(f"{k}={v}" for k, v in parts.items() if v)
        return "/* dataops " + text.replace("*/", "") + " */ "

    def identifiers(self) -> dict[str, Any]:
        """Names ``{name}`` in SQL may use: arguments, then properties."""
        found: dict[str, Any] = {}
        with contextlib.suppress(ValueError):
            found.update(dict(self.properties.items()))
        found.update(self.args)
        return found

    def sql(self, query: str, **params: Any) -> pd.DataFrame:
        """Run SQL on the job's warehouse; ``:name`` values from ``params`` then ``job.args``."""
        from .commands import run_sql

        frame = run_sql(self, query, {**self.args, **params}).frame
        import pandas as pd

        return frame if frame is not None else pd.DataFrame()

    def ingest(
        self,
        data: Any,
        table: str,
        mode: str = "append",
        key: Sequence[str] | str | None = None,
        schema: str = "evolve",
    ) -> LoadSummary:
        """Load ``data`` into ``table`` (see ``%%ingest``); returns the load's summary."""
        from .commands import run_ingest

        return run_ingest(self, data, table, mode, key, schema)


def current_job(namespace: Mapping[str, Any] | None = None) -> JobContext:
    """The job of this kernel: from the run's environment, else from the working folder."""
    folder = Path(os.environ.get("DATAOPS_JOB_DIR") or os.getcwd())
    name = os.environ.get("DATAOPS_JOB_NAME") or _job_name_from_folder(folder)
    raw_args = os.environ.get("DATAOPS_ARGS")
    raw_steps = os.environ.get("DATAOPS_STEPS")
    return JobContext(
        name,
        folder,
        json.loads(raw_args) if raw_args else None,
        os.environ.get("DATAOPS_RUN_ID"),
        namespace=namespace,
        steps=json.loads(raw_steps) if raw_steps else None,
    )
