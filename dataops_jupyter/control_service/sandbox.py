"""Where job code runs: an allow-listed environment and, with ``--run-as``, another OS user.

Job code (an attempt's runner and kernel, a deploy gate's pytest) never inherits the
service's environment: it gets the variables of :data:`ALLOWED` (and ``LC_*``), the job-facing
``DATAOPS_*`` settings of :data:`JOB_SETTINGS`, the names its ``job.toml`` lists under ``env``,
and the variables of its own execution. The service's key, database URL and SMTP settings are
never among them.

With ``--run-as USER`` (``{team}`` in the name gives each team its own user) job code runs as
that user, with its own primary group and no supplementary groups, while the service's files
stay private to the service (it writes with a ``077`` umask): the state database is ``0600``,
artifact folders are ``0711`` (passable, not listable), an execution's record folder and
secrets file belong to its user, and a deployment is readable only by the group of its team's
user.
"""

from __future__ import annotations

import logging
import os
import pwd
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataOpsError

log = logging.getLogger("dataops.control_service")

#: Variables job code gets from the host it runs on.
ALLOWED = frozenset({"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "PYTHONPATH", "VIRTUAL_ENV"})
#: ``DATAOPS_*`` settings meant for job code (not for the service).
JOB_SETTINGS = frozenset({"DATAOPS_WAREHOUSE_URL"})


class SandboxError(DataOpsError):
    """Job code cannot be started as configured (an unknown ``--run-as`` user, no root)."""

    status = 500
    kind = "sandbox"


def job_environment(
    host: Mapping[str, str],
    execution: Mapping[str, str],
    declared: Iterable[str] = (),
    home: str | None = None,
    pip: bool = False,
) -> dict[str, str]:
    """The whole environment of job code: allow-listed variables of ``host``, the names the
    job declares, then ``execution``'s own variables (``DATAOPS_TEAM``, its token…). With
    ``pip`` (installing a deployment's requirements) also the host's ``PIP_*`` settings, so
    that the installation uses the same package index as the service."""
    env = {
        name: value
        for name, value in host.items()
        if name in ALLOWED
        or name in JOB_SETTINGS
        or name.startswith("LC_")
        or (pip and name.startswith("PIP_"))
    }
    for name in declared:
        if name in host and not name.upper().startswith("DATAOPS_"):
            env[name] = host[name]
    if home is not None:
        env["HOME"] = home
    env.update(execution)
    return env


@dataclass(frozen=True)
class Account:
    """The OS user job code runs as."""

    name: str
    uid: int
    gid: int
    home: str

    def process_options(self) -> dict[str, Any]:
        """``subprocess`` arguments that start a process as this user, with its primary group
        only and files private to it."""
        return {"user": self.uid, "group": self.gid, "extra_groups": [], "umask": 0o077}


class Sandbox:
    """Builds job code's environment and, with ``run_as``, hands it its files."""

    def __init__(self, run_as: str | None, artifacts: Path) -> None:
        self.run_as = run_as or None
        self.artifacts = artifacts
        self._umask: int | None = None

    @property
    def per_team(self) -> bool:
        return self.run_as is not None and "{team}" in self.run_as

    def prepare(self) -> None:
        """Check that job code can be run as another user, and close the artifacts folders
        to it: passable (to reach its own record folder), not listable."""
        if self.run_as is None:
            return
        if os.geteuid() != 0:
            raise SandboxError(
                "--run-as needs the control service to run as root: it starts job code as "
                f"{self.run_as!r} and keeps its own files from it"
            )
        if not self.per_team:
            self.account("")  # an unknown user is an error at start, not at the first run
        if self._umask is None:  # what the service writes is its own until it is handed out
            self._umask = os.umask(0o077)
        for folder in (self.artifacts, *(self.artifacts / n for n in ("deployments",
                       "executions", "secrets", "staging"))):  # fmt: skip
            folder.mkdir(parents=True, exist_ok=True)
            os.chown(folder, os.geteuid(), os.getegid())
            folder.chmod(0o711)

    def close(self) -> None:
        """Restore the process's umask (the service stops)."""
        if self._umask is not None:
            os.umask(self._umask)
            self._umask = None

    def account(self, team: str) -> Account | None:
        """The user job code of ``team`` runs as (``None``: the service's own user)."""
        if self.run_as is None:
            return None
        name = self.run_as.replace("{team}", team)
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise SandboxError(
                f"--run-as: there is no OS user {name!r}; create it (e.g. `useradd --system "
                f"{name}`) or change --run-as"
            ) from None
        return Account(name, entry.pw_uid, entry.pw_gid, entry.pw_dir)

    def home(self, account: Account | None, spare: Path | None) -> str | None:
        """``HOME`` of job code run as ``account``: its home folder, or ``spare`` (created for
        it) when that does not exist; ``None`` (the host's) without an account."""
        if account is None:
            return None
        if spare is None or Path(account.home).is_dir():
            return account.home
        spare.mkdir(parents=True, exist_ok=True)
        self.give(spare, account, 0o700)
        return str(spare)

    def give(self, path: Path, account: Account | None, mode: int) -> None:
        """Make ``path`` belong to ``account`` (the service's own user without one), with
        ``mode``."""
        if account is not None:
            os.chown(path, account.uid, account.gid)
        path.chmod(mode)

    def hand_over(self, folder: Path, account: Account | None) -> None:
        """Give ``account`` a staged bundle to write in (its requirements are installed as
        that user); :meth:`lend_deployment` takes it back, read-only, afterwards."""
        if account is None:
            return
        for root, dirs, files in os.walk(folder):
            for name in (*dirs, *files):
                path = os.path.join(root, name)
                if not os.path.islink(path):
                    os.chown(path, account.uid, account.gid)
        os.chown(folder, account.uid, account.gid)
        Path(folder).chmod(0o700)

    def lend_deployment(self, folder: Path, account: Account | None, parents: bool = True) -> None:
        """Let ``account`` read the deployment in ``folder`` (and its ``.venv``) through the
        group of its user; everyone else but the service is kept out. ``parents``: also open
        ``deployments/<team>/<job>`` to that group (not for a bundle still in staging)."""
        if account is None:
            return
        folder = Path(folder)
        if parents:
            for parent in (folder.parent.parent, folder.parent):
                os.chown(parent, os.geteuid(), account.gid)
                parent.chmod(0o750)
        lent = folder.stat()
        if lent.st_uid == os.geteuid() and lent.st_gid == account.gid:
            return  # lent before (the folder itself is done last)
        for root, dirs, files in os.walk(folder, topdown=False):
            for name in files:
                path = os.path.join(root, name)
                if not os.path.islink(path):
                    os.chown(path, os.geteuid(), account.gid)
                    mode = os.stat(path).st_mode
                    os.chmod(path, (mode & 0o700) | ((mode & 0o500) >> 3))
            for name in dirs:
                path = os.path.join(root, name)
                if not os.path.islink(path):
                    os.chown(path, os.geteuid(), account.gid)
                    os.chmod(path, 0o750)
        os.chown(folder, os.geteuid(), account.gid)
        folder.chmod(0o750)
