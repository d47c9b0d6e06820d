"""Reading a job notebook: which cells are steps, and the defaults of the parameters cell."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import JobDefinitionError

if TYPE_CHECKING:
    import nbformat

STEP_TAG = "step"
PARAMETERS_TAG = "parameters"
_STEP_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Step:
    """A code cell tagged ``step`` or ``step:<name>``, located in its original notebook."""

    name: str
    notebook: str
    cell_index: int
    cell_id: str
    source: str


@dataclass
class NotebookSteps:
    """What a runner needs from one notebook: its steps and its parameters cell."""

    notebook: str
    steps: list[Step] = field(default_factory=list)
    parameters_source: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    kernel_name: str = "python3"
    language: str = "python"


def read_notebook(path: Path, label: str) -> nbformat.NotebookNode:
    """Load a notebook as nbformat v4, raising ``JobDefinitionError`` when it cannot be used."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JobDefinitionError(
            f"{label}: notebook not found; fix the 'notebooks' list in job.toml"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise JobDefinitionError(f"{label}: cannot read the notebook: {exc}") from None
    try:
        import nbformat  # its JSON Schema validation is slow to import: only when reading

        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types for bad JSON
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise JobDefinitionError(f"{label}: not a valid notebook: {first_line}") from None
    if not isinstance(nb.get("cells"), list):
        raise JobDefinitionError(f"{label}: not a valid notebook: it has no list of cells")
    return nb


def parameter_defaults(source: str) -> dict[str, Any]:
    """Names assigned in a parameters cell with their literal values (``None`` if not literal)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise JobDefinitionError(
            f"the cell tagged 'parameters' is not valid Python (line {exc.lineno}): {exc.msg}"
        ) from None
    defaults: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                literal = ast.literal_eval(value)
                json.dumps(literal)
            except (ValueError, TypeError, SyntaxError, RecursionError):
                literal = None
            defaults[target.id] = literal
    return defaults


def _cell_tags(cell: nbformat.NotebookNode) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return [tag for tag in tags if isinstance(tag, str)]


def _step_name(tags: list[str], label: str, index: int) -> str | None:
    """The step name declared by a cell's tags, ``""`` for a bare ``step`` tag, else ``None``."""
    names = [tag for tag in tags if tag == STEP_TAG or tag.startswith(STEP_TAG + ":")]
    if not names:
        return None
    if len(names) > 1:
        raise JobDefinitionError(
            f"{label}: cell {index + 1} has several step tags {names}; keep one"
        )
    name = names[0].partition(":")[2].strip()
    if names[0] != STEP_TAG and not _STEP_NAME.match(name):
        raise JobDefinitionError(
            f"{label}: cell {index + 1}: {names[0]!r} is not a valid step tag; use 'step' or "
            "'step:<name>' with letters, digits, '_', '-' or '.'"
        )
    return name


def notebook_steps(path: Path, label: str) -> NotebookSteps:
    """Steps and parameters of one notebook, in notebook order."""
    nb = read_notebook(path, label)
    spec = nb.metadata.get("kernelspec", {})
    result = NotebookSteps(
        notebook=label,
        kernel_name=spec.get("name") or "python3",
        language=nb.metadata.get("language_info", {}).get("name")
        or spec.get("language")
        or "python",
    )
    for index, cell in enumerate(nb.cells):
        tags = _cell_tags(cell)
        name = _step_name(tags, label, index)
        is_parameters = PARAMETERS_TAG in tags
        if name is not None and is_parameters:
            raise JobDefinitionError(
                f"{label}: cell {index + 1} is tagged both 'parameters' and a step; "
                "keep argument defaults in their own cell"
            )
        if cell.cell_type != "code":
            if name is not None or is_parameters:
                raise JobDefinitionError(
                    f"{label}: cell {index + 1} is a {cell.cell_type} cell; only code cells can be "
                    "steps or parameters"
                )
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        if is_parameters:
            if result.parameters_source is not None:
                raise JobDefinitionError(
                    f"{label}: more than one cell is tagged 'parameters'; merge them into one"
                )
            try:
                result.parameters = parameter_defaults(source)
            except JobDefinitionError as exc:
                raise JobDefinitionError(f"{label}: cell {index + 1}: {exc.message}") from None
            result.parameters_source = source
        elif name is not None:
            cell_id = str(cell.get("id") or f"cell-{index}")
            result.steps.append(Step(name, label, index, cell_id, source))
    return result
