"""Shared fixtures: job folders written the way a user would write them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

pytest_plugins = [
    "pytest_jupyter.jupyter_server",
    "tests.postgres",
    "tests.control",
    "tests.control_process",
]

Cell = tuple[Sequence[str], str]


def write_notebook(path: Path, cells: Sequence[Cell | str]) -> nbformat.NotebookNode:
    """A notebook of code cells ``(tags, source)``; a plain string is a markdown cell."""
    nb = new_notebook(
        cells=[
            new_markdown_cell(c)
            if isinstance(c, str)
            else new_code_cell(c[1], metadata={"tags": list(c[0])} if c[0] else {})
            for c in cells
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, str(path))
    return nb


MakeJob = Callable[..., Path]


@pytest.fixture
def make_job(tmp_path: Path) -> MakeJob:
    """``make_job(name, cells, toml_extra="", notebook="main.ipynb", parent=tmp_path)``."""

    def make(
        name: str,
        cells: Sequence[Cell | str],
        toml_extra: str = "",
        notebook: str = "main.ipynb",
        parent: Path | None = None,
    ) -> Path:
        folder = (parent or tmp_path) / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "job.toml").write_text(f'name = "{name}"\n{toml_extra}\n', encoding="utf-8")
        write_notebook(folder / notebook, cells)
        return folder

    return make


def ipython_shell() -> Any:
    """The test process's one IPython shell (created on first use)."""
    from IPython.terminal.interactiveshell import TerminalInteractiveShell
    from IPython.testing.globalipapp import start_ipython

    start_ipython()
    return TerminalInteractiveShell.instance()
