"""Which warehouse a job uses, and the object that talks to it.

Resolution order: the job's ``warehouse`` key in job.toml, the ``DATAOPS_WAREHOUSE_URL``
environment variable, the ``warehouse`` key of the workspace's ``dataops.toml``, and finally
the default ``duckdb:///<workspace>/warehouse.duckdb``. The workspace is the nearest folder
at or above the job folder holding a ``dataops.toml``; without one, the job folder's parent.
A relative DuckDB path is read from the folder of the file that names it.
"""

from __future__ import annotations

import os
from pathlib import Path

import tomllib

from ..errors import InvalidInputError
from .base import Warehouse

WORKSPACE_FILE = "dataops.toml"
DEFAULT_FILE = "warehouse.duckdb"
ENV_URL = "DATAOPS_WAREHOUSE_URL"


def workspace_root(job_folder: Path) -> Path:
    """The nearest folder at or above ``job_folder`` with a ``dataops.toml``, else its parent."""
    job_folder = Path(job_folder).resolve()
    for folder in (job_folder, *job_folder.parents):
        if (folder / WORKSPACE_FILE).is_file():
            return folder
    return job_folder.parent


def _absolute(url: str, base: Path) -> str:
    if url.startswith("duckdb://"):
        path = url[len("duckdb://") :]
        if path.startswith("/"):
            return url
        return f"duckdb://{(base / path).resolve()}"
    return url


def _workspace_url(root: Path) -> str | None:
    path = root / WORKSPACE_FILE
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{path}: not valid TOML: {exc}") from None
    url = data.get("warehouse")
    if url is not None and not isinstance(url, str):
        raise InvalidInputError(f"{path}: key 'warehouse' must be a URL string")
    return url


def resolve_warehouse_url(job_folder: Path, job_url: str | None = None) -> str:
    """The warehouse URL of the job in ``job_folder`` (see the module docstring)."""
    job_folder = Path(job_folder).resolve()
    if job_url:
        return _absolute(job_url, job_folder)
    if os.environ.get(ENV_URL):
        return _absolute(os.environ[ENV_URL], Path.cwd())
    root = workspace_root(job_folder)
    url = _workspace_url(root)
    if url:
        return _absolute(url, root)
    return f"duckdb://{root / DEFAULT_FILE}"


def _kinds() -> dict[str, type[Warehouse]]:
    from .duckdb import DuckDBWarehouse
    from .postgres import PostgresWarehouse

    return {
        scheme: kind for kind in (DuckDBWarehouse, PostgresWarehouse) for scheme in kind.schemes
    }


def open_warehouse(url: str) -> Warehouse:
    """The warehouse object for ``url`` (``duckdb:///file`` or ``postgresql://…``)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    kinds = _kinds()
    if scheme not in kinds:
        raise InvalidInputError(
            f"warehouse URL {url!r} is not supported: use duckdb:///path/file.duckdb or "
            "postgresql://user@host/database"
        )
    return kinds[scheme](url)


def named_connection(root: Path, name: str) -> str:
    """The URL of connection ``name`` from the ``[connections]`` table of dataops.toml."""
    path = root / WORKSPACE_FILE
    connections: dict[str, object] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"{path}: not valid TOML: {exc}") from None
        connections = data.get("connections", {}) or {}
    url = connections.get(name)
    if not isinstance(url, str):
        known = ", ".join(sorted(connections)) or "none"
        raise InvalidInputError(
            f"connection {name!r} is not defined: give a URL, or add it to [connections] in "
            f"{path} (defined: {known})"
        )
    return _absolute(url, root)
