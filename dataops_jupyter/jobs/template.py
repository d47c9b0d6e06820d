"""``dataops new``: a job folder created from a template."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConflictError, InvalidInputError
from .config import JOB_FILE
from .model import Job, load_job
from .names import check_job_name

if TYPE_CHECKING:
    import nbformat

_JOB_TOML = """\
name = "{name}"
team = "{team}"
description = "{description}"
# notebooks = ["{name}.ipynb"]   # several notebooks run in the order listed
# timeout = "1h"
# retries = 0

# [schedule]
# cron = "0 6 * * *"
# timezone = "UTC"

# [notify]
# on_failure = ["you@example.com"]
# on_delay = ["you@example.com"]   # a scheduled run not succeeded delay_minutes after its time
# delay_minutes = 60
"""


def _toml_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


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


def create_job(root: Path | str, name: str, team: str = "default", description: str = "") -> Job:
    """Create ``root/name/`` with a ``job.toml`` and a notebook ready to run, and load it."""
    try:
        check_job_name(name)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None
    folder = Path(root) / name
    if folder.exists():
        raise ConflictError(f"{folder} already exists; choose another job name")
    folder.mkdir(parents=True)
    (folder / JOB_FILE).write_text(
        _JOB_TOML.format(name=name, team=_toml_string(team), description=_toml_string(description)),
        encoding="utf-8",
    )
    import nbformat

    nbformat.write(_template_notebook(name), str(folder / f"{name}.ipynb"))
    try:
        return load_job(folder)
    except InvalidInputError:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
        raise
