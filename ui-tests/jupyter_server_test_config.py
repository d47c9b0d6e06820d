"""Jupyter server configuration of the Data Jobs integration tests.

The server root is a fresh temporary copy of the repository's ``examples/``
folder, so runs started by the tests never touch the checked-in examples.
"""

import shutil
import tempfile
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

c.ServerApp.allow_root = True  # noqa: F821
c.LabApp.extension_manager = "readonly"  # noqa: F821

_examples = Path(__file__).resolve().parent.parent / "examples"
_root = Path(tempfile.mkdtemp(prefix="dataops-ui-tests-")) / "examples"
shutil.copytree(
    _examples,
    _root,
    ignore=shutil.ignore_patterns(".dataops", ".ipynb_checkpoints", "*.duckdb*"),
)
c.ServerApp.root_dir = str(_root)  # noqa: F821
# The control service chosen in the settings is kept beside the workspace, not in the user's
# Jupyter data folder.
c.DataOpsExtension.connection_file = str(_root.parent / "connection.json")  # noqa: F821
