"""JupyterLab's terminals for data jobs: they start in the served folder and find the product's
commands (``dataops``, ``jupyter``, ``papermill``) first on their ``PATH``.

A login shell's profile (``/etc/profile`` on Debian) sets ``PATH`` anew, so the environment
alone is not enough: bash gets an rc file that runs the usual start-up files first and then puts
the server's ``bin`` folder in front; ``sh`` and other POSIX shells read the same line from
``$ENV``."""

from __future__ import annotations

import atexit
import contextlib
import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

from jupyter_server_terminals.terminalmanager import TerminalManager

#: ``TerminalsExtensionApp.terminal_manager_class`` for these terminals.
MANAGER_CLASS = "dataops_jupyter.server.terminals.WorkspaceTerminalManager"

_LOGIN_FILES = """\
if [ -r /etc/profile ]; then . /etc/profile; fi
for file in "$HOME/.bash_profile" "$HOME/.bash_login" "$HOME/.profile"; do
  if [ -r "$file" ]; then . "$file"; break; fi
done
"""
_BASHRC = """\
if [ -r /etc/bash.bashrc ]; then . /etc/bash.bashrc; fi
if [ -r "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
"""


def commands_folder() -> str:
    """The folder of this server's interpreter, where ``dataops`` is installed beside it."""
    return os.path.dirname(sys.executable)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def _write_rc_file(text: str) -> str:
    """A start-up file for the shells of this server (removed when the server exits)."""
    handle, path = tempfile.mkstemp(prefix="dataops-terminal-", suffix=".sh")
    with os.fdopen(handle, "w") as rc:
        rc.write(text)
    atexit.register(_remove, path)
    return path


class WorkspaceTerminalManager(TerminalManager):
    """Terminals started in the server's root folder with the product's commands on PATH."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        serverapp: Any = self.parent
        self.root = Path(serverapp.root_dir).expanduser().resolve()
        self.prepend = f'PATH={shlex.quote(commands_folder())}:"$PATH"; export PATH\n'
        if serverapp.terminado_settings.get("shell_command") is None:  # not chosen by the user
            self.shell_command = self._shell(list(self.shell_command))  # type: ignore[assignment]

    def _shell(self, command: list[str]) -> list[str]:
        shell, login = command[0], "-l" in command[1:]
        if os.path.basename(shell) == "bash":
            # What bash reads as a login shell or else as an interactive one, then the PATH.
            startup = (_LOGIN_FILES if login else _BASHRC) + self.prepend
            return [shell, "--rcfile", _write_rc_file(startup), "-i"]
        return command

    def make_term_env(
        self,
        height: int = 25,
        width: int = 80,
        winheight: int = 0,
        winwidth: int = 0,
        **kwargs: Any,
    ) -> dict[str, str]:
        """The environment of a new terminal: this server's commands first on PATH."""
        env = super().make_term_env(height, width, winheight, winwidth, **kwargs)
        env["PATH"] = os.pathsep.join([commands_folder(), env.get("PATH", "")])
        env.setdefault("ENV", self._env_file())  # read by interactive POSIX shells (sh, ksh)
        return env

    def _env_file(self) -> str:
        if not hasattr(self, "_env_path"):
            self._env_path = _write_rc_file(self.prepend)
        return self._env_path

    def new_terminal(self, **kwargs: Any) -> Any:
        """A terminal in the requested folder, else in the server's root folder.

        Jupyter's terminals API resolves a relative folder (JupyterLab sends ``""`` for the
        file browser's top) against the server process's working folder first; when the server
        was started elsewhere, that folder is the root folder instead."""
        cwd = kwargs.get("cwd")
        if not cwd or (Path(cwd) == Path.cwd() and not Path.cwd().is_relative_to(self.root)):
            kwargs["cwd"] = str(self.root)
        return super().new_terminal(**kwargs)
