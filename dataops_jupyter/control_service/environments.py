"""A deployment's own Python environment, for the packages of its ``requirements.txt``.

It is a plain virtual environment of the interpreter the service runs on. A ``.pth`` file in
its site-packages adds the service's own packages (papermill, ipykernel, dataops_jupyter)
*after* the deployment's, so the job's requirements win and everything else comes from the
service. ``venv --system-site-packages`` would not do: the service usually runs in a virtual
environment itself, and the base interpreter's site-packages lack those packages.
"""

from __future__ import annotations

import site
import sys
from pathlib import Path

import dataops_jupyter

#: The file that links a deployment's environment to the service's packages.
LINK_FILE = "dataops-service.pth"


def service_paths() -> list[str]:
    """Where the running service imports from: the folder holding ``dataops_jupyter`` (a
    source checkout or an editable install), then its site-packages folders."""
    package_root = str(Path(dataops_jupyter.__file__).resolve().parents[1])
    folders = [package_root]
    for folder in site.getsitepackages():
        resolved = str(Path(folder).resolve())
        if resolved not in folders and Path(resolved).is_dir():
            folders.append(resolved)
    return folders


def site_packages(venv: Path) -> Path:
    """The site-packages folder of a virtual environment of this interpreter."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return venv / "lib" / version / "site-packages"


def link_service_packages(venv: Path) -> None:
    """Let ``venv`` import the service's packages after its own. ``site.addsitedir`` also
    reads the ``.pth`` files of those folders, so editable installs are found too."""
    lines = [f"import site; site.addsitedir({folder!r})" for folder in service_paths()]
    (site_packages(venv) / LINK_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


def relocate_scripts(venv: Path, old: Path) -> None:
    """After ``venv`` was moved from ``old``: point its scripts' ``#!`` lines at the new place
    (``python -m`` works either way; scripts a requirement installs need this)."""
    before, after = f"#!{old}/".encode(), f"#!{venv}/".encode()
    for script in (venv / "bin").iterdir():
        if script.is_symlink() or not script.is_file():
            continue
        with script.open("rb") as handle:
            head = handle.read(len(before))
        if head == before:
            script.write_bytes(after + script.read_bytes()[len(before) :])
