"""A job folder: ``job.toml`` plus its notebooks, turned into ordered steps and parameters."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import JobDefinitionError, NotFoundError
from .config import JOB_FILE, JobConfig, load_job_config
from .notebook import NotebookSteps, Step, notebook_steps

#: Folders never searched for jobs.
SKIPPED_FOLDERS = {"node_modules", "__pycache__", "site-packages", "venv"}
#: How deep below a root jobs are looked for.
SEARCH_DEPTH = 4


@dataclass
class Job:
    """A loaded, validated job: everything the runner, server, CLI and control service need."""

    folder: Path
    config: JobConfig
    notebooks: list[NotebookSteps]
    steps: list[Step]
    parameters: dict[str, Any]

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def kernel_name(self) -> str:
        return self.notebooks[0].kernel_name


def _default_notebooks(folder: Path) -> list[str]:
    found = sorted(p.name for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if len(found) == 1:
        return found
    if not found:
        raise JobDefinitionError(f"{folder}: the job folder has no notebook (.ipynb)")
    raise JobDefinitionError(
        f"{folder / JOB_FILE}: key 'notebooks': the folder has several notebooks "
        f"({', '.join(found)}); list the ones to run, in order, e.g. notebooks = {found!r}"
    )


def load_job(folder: Path | str) -> Job:
    """Load the job in ``folder``; raise ``JobDefinitionError`` saying what to fix."""
    folder = Path(folder).resolve()
    if not (folder / JOB_FILE).is_file():
        raise NotFoundError(f"{folder}: no {JOB_FILE} here; is this a job folder?")
    config = load_job_config(folder / JOB_FILE)
    names = config.notebooks or _default_notebooks(folder)
    notebooks = [notebook_steps(folder / name, name) for name in names]
    steps: list[Step] = []
    seen: dict[str, Step] = {}
    for step in (s for nb in notebooks for s in nb.steps):
        named = step if step.name else dataclasses.replace(step, name=f"step-{len(steps) + 1}")
        if named.name in seen:
            first = seen[named.name]
            raise JobDefinitionError(
                f"{named.notebook}: cell {named.cell_index + 1}: step name {named.name!r} is "
                f"already used by {first.notebook} cell {first.cell_index + 1}; step names must "
                "be unique (cells counted from 1, as JupyterLab shows them)"
            )
        seen[named.name] = named
        steps.append(named)
    if not steps:
        raise JobDefinitionError(
            f"{folder}: no step cells; tag the code cells the job runs with 'step' or "
            "'step:<name>' (cell toolbar or Property Inspector → Cell Tags)"
        )
    parameters: dict[str, Any] = {}
    for nb in notebooks:
        parameters.update(nb.parameters)
    return Job(folder, config, notebooks, steps, parameters)


def iter_job_folders(root: Path, depth: int = SEARCH_DEPTH) -> Iterator[Path]:
    """Folders under ``root`` (itself included) that hold a ``job.toml``, hidden ones skipped."""
    root = Path(root)
    base_depth = len(root.parts)
    for current, dirs, files in os.walk(root):
        here = Path(current)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIPPED_FOLDERS)
        if len(here.parts) - base_depth >= depth:
            dirs[:] = []
        if JOB_FILE in files:
            yield here


def discover_jobs(
    root: Path, load: Callable[[Path], Job] = load_job
) -> tuple[list[Job], list[tuple[Path, str]]]:
    """Every job under ``root``, plus the folders that failed to load with their message.

    ``load`` loads one job folder (:func:`load_job`, or a cached form of it)."""
    jobs: list[Job] = []
    invalid: list[tuple[Path, str]] = []
    for folder in iter_job_folders(root):
        try:
            jobs.append(load(folder))
        except (JobDefinitionError, NotFoundError) as exc:
            invalid.append((folder, exc.message))
    by_name: dict[str, Job] = {}
    for job in jobs:
        if job.name in by_name:
            invalid.append(
                (job.folder, f"job name {job.name!r} is also used by {by_name[job.name].folder}")
            )
        else:
            by_name[job.name] = job
    return sorted(by_name.values(), key=lambda j: j.name), invalid


#: The longest first line of a step's source that the job's description holds.
MAX_FIRST_LINE = 120


def first_line(source: str) -> str:
    """The first line of a cell's source that is not blank, shortened to ``MAX_FIRST_LINE``."""
    line = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return line if len(line) <= MAX_FIRST_LINE else line[: MAX_FIRST_LINE - 1] + "…"
