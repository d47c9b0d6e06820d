"""The execution notebook: parameters cell(s) followed by the job's step cells, nothing else."""

from __future__ import annotations

import re
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from ..jobs import Job

#: Cell metadata key that ties an execution cell to its step in the original notebook.
STEP_METADATA = "dataops"
_CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def build_execution_notebook(job: Job) -> nbformat.NotebookNode:
    """Untagged cells are dropped; every parameters cell comes first so that the injected
    arguments (inserted by papermill after the last one) win over all defaults."""
    cells: list[nbformat.NotebookNode] = []
    parameter_sources = [nb.parameters_source for nb in job.notebooks if nb.parameters_source]
    for index, source in enumerate(parameter_sources):
        last = index == len(parameter_sources) - 1
        cells.append(
            new_code_cell(
                source,
                id=f"parameters-{index}",
                metadata={"tags": ["parameters"] if last else []},
            )
        )
    used_ids: set[str] = set()
    for position, step in enumerate(job.steps):
        cell_id = step.cell_id
        if cell_id in used_ids or not _CELL_ID.match(cell_id):
            cell_id = f"step-{position}"
        used_ids.add(cell_id)
        meta: dict[str, Any] = {
            STEP_METADATA: {
                "step": step.name,
                "notebook": step.notebook,
                "cell_index": step.cell_index,
                "cell_id": step.cell_id,
            },
            "tags": [f"step:{step.name}"],
        }
        cells.append(new_code_cell(step.source, id=cell_id, metadata=meta))
    first = job.notebooks[0]
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {
                "name": first.kernel_name,
                "language": first.language,
                "display_name": first.kernel_name,
            },
            "language_info": {"name": first.language},
            STEP_METADATA: {"job": job.name},
        },
    )
