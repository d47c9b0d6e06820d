"""`make run` serves a working copy of the demo, never the tracked examples/."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _make_workspace(workspace: Path) -> None:
    subprocess.run(
        ["make", "-C", str(REPO), f"WORKSPACE={workspace}", str(workspace)],
        check=True,
        capture_output=True,
        text=True,
    )


def test_the_workspace_is_a_copy_of_the_demo_made_once_and_kept(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    _make_workspace(workspace)
    tracked = sorted(
        p.relative_to(REPO / "examples").as_posix()
        for p in (REPO / "examples").rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.parts[len(REPO.parts) :])
        and not p.name.endswith((".duckdb", ".duckdb.wal"))
    )
    copied = sorted(
        p.relative_to(workspace).as_posix() for p in workspace.rglob("*") if p.is_file()
    )
    assert copied == tracked and "dataops.toml" in copied

    # Edits made in JupyterLab stay between runs; the tracked demo is not touched.
    notebook = next(workspace.rglob("*.ipynb"))
    notebook.write_text("{}")
    _make_workspace(workspace)
    assert notebook.read_text() == "{}"
    original = REPO / "examples" / notebook.relative_to(workspace)
    assert original.read_text() != "{}"


def test_git_ignores_the_workspace_the_virtualenv_and_checkpoints() -> None:
    paths = ["workspace/products/products.ipynb", ".venv/bin/python",
             "examples/.ipynb_checkpoints/x-checkpoint.ipynb"]  # fmt: skip
    done = subprocess.run(
        ["git", "-C", str(REPO), "check-ignore", *paths], capture_output=True, text=True
    )
    assert done.stdout.split() == paths
    assert (
        subprocess.run(
            ["git", "-C", str(REPO), "check-ignore", "-q", "examples/products/products.ipynb"]
        ).returncode
        == 1
    )
