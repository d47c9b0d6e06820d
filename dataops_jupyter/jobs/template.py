"""New jobs: a job folder created from a template (``dataops new``, the Lab's "New Data Job"),
or an existing notebook made a job by writing a ``job.toml`` beside it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..errors import ConflictError, DataOpsError, InvalidInputError, NotFoundError
from .config import JOB_FILE, JobConfig, Schedule, validation_problems
from .model import SEARCH_DEPTH, SKIPPED_FOLDERS, Job, load_job
from .names import quote

if TYPE_CHECKING:
    import nbformat

_HINTS = """\
# timeout = "1h"
# retries = 0
"""
_SCHEDULE_HINT = """\
# [schedule]
# cron = "0 6 * * *"
# timezone = "UTC"
"""
_NOTIFY_HINT = """\
# [notify]
# on_failure = ["you@example.com"]
# on_delay = ["you@example.com"]   # a scheduled run not succeeded delay_minutes after its time
# delay_minutes = 60
"""


def _toml_string(value: str) -> str:
    """``value`` as a TOML basic string (JSON's escapes are TOML's, but for DEL)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def job_toml(config: JobConfig) -> str:
    """The text of a new ``job.toml`` for ``config``: its name, team, description, notebooks
    and schedule, with the other keys as commented examples."""
    lines = [
        f"name = {_toml_string(config.name)}",
        f"team = {_toml_string(config.team)}",
        f"description = {_toml_string(config.description)}",
    ]
    if config.notebooks:
        listed = ", ".join(_toml_string(notebook) for notebook in config.notebooks)
        lines.append(f"notebooks = [{listed}]")
    else:
        lines.append(
            f"# notebooks = [{_toml_string(config.name + '.ipynb')}]"
            "   # several notebooks run in the order listed"
        )
    text = "\n".join(lines) + "\n" + _HINTS + "\n"
    if config.schedule is None:
        text += _SCHEDULE_HINT
    else:
        text += (
            "[schedule]\n"
            f"cron = {_toml_string(config.schedule.cron)}\n"
            f"timezone = {_toml_string(config.schedule.timezone)}\n"
        )
    return text + "\n" + _NOTIFY_HINT


def new_config(
    name: str,
    team: str = "default",
    description: str = "",
    schedule: Schedule | None = None,
    notebooks: list[str] | None = None,
) -> JobConfig:
    """A new job's settings, validated by the job model; ``InvalidInputError`` names the key."""
    try:
        return JobConfig(
            name=name,
            team=team,
            description=description,
            schedule=schedule,
            notebooks=notebooks or [],
        )
    except ValidationError as exc:
        key, message = validation_problems(exc)[0]
        raise InvalidInputError(f"{key!r}: {message}") from None


def workspace_path(root: Path, relative: str, what: str) -> Path:
    """``root/relative`` for a path a user gave relative to the workspace root; refuses
    absolute paths, ``..``, hidden and skipped folders (jobs there are never found) and
    links that lead out of the root, with a message naming the field ``what``."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or "\\" in relative:
        raise InvalidInputError(
            f"{what!r}: {quote(relative)} is not a path inside the workspace: give it relative "
            "to the workspace root, without '..', e.g. 'jobs'"
        )
    for part in path.parts[:-1] if what == "notebook" else path.parts:
        if part.startswith(".") or part in SKIPPED_FOLDERS:
            raise InvalidInputError(
                f"{what!r}: {quote(relative)} is in the folder {part!r}, where jobs are not "
                "looked for; choose another folder"
            )
    base = Path(root).resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base):
        raise InvalidInputError(f"{what!r}: {quote(relative)} leads out of the workspace")
    return target


def _shown(root: Path, folder: Path) -> str:
    """A folder as a user knows it: relative to the workspace root."""
    relative = folder.relative_to(Path(root).resolve()).as_posix()
    return "the workspace root" if relative == "." else repr(relative)


def _check_new_folder(root: Path, folder: Path, name: str, existing: Iterable[Job]) -> None:
    depth = len(folder.relative_to(Path(root).resolve()).parts)
    if depth > SEARCH_DEPTH:
        raise InvalidInputError(
            f"'folder': {_shown(root, folder)} is {depth} folders deep; jobs are looked for at "
            f"most {SEARCH_DEPTH} folders below the workspace root"
        )
    for job in existing:
        if job.name == name:
            raise ConflictError(
                f"'name': a job named {name!r} already exists in {_shown(root, job.folder)}; "
                "choose another name"
            )


def _write_and_load(root: Path, folder: Path, config: JobConfig, created: list[Path]) -> Job:
    """Write ``job.toml`` for ``config`` in ``folder`` and load the job; on failure remove
    ``created`` (the job.toml and whatever else was written, innermost first). A refusal
    names files relative to ``root``."""
    job_file = folder / JOB_FILE
    created.insert(0, job_file)
    try:
        job_file.write_text(job_toml(config), encoding="utf-8")
        return load_job(folder)
    except BaseException as exc:
        for path in created:
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        if isinstance(exc, DataOpsError):
            base = str(Path(root).resolve())
            message = exc.message.replace(base + "/", "").replace(base, ".")
            raise type(exc)(message) from None
        raise


def _template_notebook(name: str) -> nbformat.NotebookNode:
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    def cell(source: str, *tags: str) -> nbformat.NotebookNode:
        return new_code_cell(source, metadata={"tags": list(tags)} if tags else {})

    nb = new_notebook(
        cells=[
            new_markdown_cell(
                f"# {name}\n\nCode cells tagged `step` or `step:<name>` are the job and run in "
                "notebook order. The cell tagged `parameters` holds the defaults of the job's "
                "arguments. Untagged cells are scratch work and never run in the job."
            ),
            cell("# Job arguments and their defaults\nlimit = 10", "parameters"),
            cell("%load_ext kernel_magics", "step:setup"),
            cell(
                'rows = [{"id": i, "square": i * i} for i in range(limit)]\n'
                'print(f"{job.name}: built {len(rows)} rows")',
                "step:example",
            ),
            cell("# Scratch cell: not tagged, so it never runs in the job\nrows[:3]"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
    )
    return nb


def create_job(
    root: Path | str,
    name: str,
    team: str = "default",
    description: str = "",
    *,
    folder: str = "",
    schedule: Schedule | None = None,
    existing: Iterable[Job] = (),
) -> Job:
    """Create ``root/folder/name/`` with a ``job.toml`` and a notebook ready to run, and load it.

    ``folder`` is relative to ``root`` and must exist; ``existing`` are the jobs already
    under ``root``, whose names are taken. Nothing is written when the input is refused."""
    root = Path(root)
    config = new_config(name, team, description, schedule)
    parent = workspace_path(root, folder, "folder")
    if not parent.is_dir():
        raise InvalidInputError(
            f"'folder': {quote(folder)} is not a folder of the workspace; create it first"
        )
    target = parent / name
    _check_new_folder(root, target, name, existing)
    try:
        target.mkdir()
    except FileExistsError:
        raise ConflictError(
            f"'name': {_shown(root, target)} already exists; choose another name"
        ) from None
    import nbformat

    notebook = target / f"{name}.ipynb"
    created = [notebook, target]
    nbformat.write(_template_notebook(name), str(notebook))
    return _write_and_load(root, target, config, created)


def convert_notebook(
    root: Path | str,
    notebook: str,
    name: str,
    team: str = "default",
    description: str = "",
    *,
    schedule: Schedule | None = None,
    existing: Iterable[Job] = (),
) -> Job:
    """Make the notebook ``notebook`` (relative to ``root``) a job: write a ``job.toml``
    beside it that lists it, and load the job. Refused (409) where a ``job.toml`` already
    is; nothing is written when the job would not load (e.g. no step cells)."""
    root = Path(root)
    path = workspace_path(root, notebook, "notebook")
    if path.suffix != ".ipynb":
        raise InvalidInputError(f"'notebook': {quote(notebook)} is not a notebook (.ipynb)")
    config = new_config(name, team, description, schedule, [path.name])
    if not path.is_file():
        raise NotFoundError(f"'notebook': {quote(notebook)} not found in the workspace")
    folder = path.parent
    if (folder / JOB_FILE).exists():
        raise ConflictError(
            f"'notebook': {_shown(root, folder)} already has a {JOB_FILE}: its notebooks belong "
            "to that job; move the notebook to a folder of its own first"
        )
    _check_new_folder(root, folder, name, existing)
    return _write_and_load(root, folder, config, [])
