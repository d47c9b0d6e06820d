"""Deploys: an uploaded bundle becomes a job's next version once its requirements install and
its tests pass; activation makes a version the one that runs; deleting a job removes its files.

A bundle is unpacked into a staging folder of its own, so deploys of one job never touch each
other's files; it moves to ``deployments/<team>/<job>/<version>`` in the transaction that
records the version. Deploy gates (installing requirements, running tests) take minutes, so
they run in a pool of their own (``ServiceConfig.deploy_workers`` at once), never on the
threads the scheduler, executions and log streams use.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Row

from ..errors import InvalidInputError
from ..jobs.config import JOB_FILE, load_job_config
from ..jobs.names import check_name
from ..jobs.schedule import next_run
from .bundles import Bundle, BundleError, unpack_bundle
from .db import utcnow
from .environments import link_service_packages, relocate_scripts
from .sandbox import Account, Sandbox, job_environment
from .store import Store, check_changed

#: Seconds the deploy gate's tests may take.
TEST_GATE_TIMEOUT = 600
#: Seconds installing ``requirements.txt`` may take.
INSTALL_TIMEOUT = 900
#: How much of a failing command's output a refusal quotes.
OUTPUT_TAIL = 4000


def check_deploy_input(data: bytes) -> None:
    """Refuse an empty upload."""
    if not data:
        raise InvalidInputError("the request has no bundle: send the zipped job folder as the body")


def _public(text: str, folder: Path) -> str:
    """``text`` with the staging folder's path written as the bundle names it."""
    for prefix in {str(folder), str(folder.resolve())}:
        text = text.replace(prefix + "/", "").replace(prefix, ".")
    return text


def job_settings(version: int, config: Mapping[str, Any], description: str) -> dict[str, Any]:
    """A job's settings when ``version`` (deployed with ``config``) becomes the active one;
    ``description`` is the job's current one, kept when job.toml has none."""
    schedule = config.get("schedule") or None
    notify = config.get("notify") or {}
    values: dict[str, Any] = {
        "active_version": version,
        "description": config.get("description") or description,
        "retries": config.get("retries", 0),
        "retry_delay": config.get("retry_delay", 60.0),
        "retry_user_errors": bool(config.get("retry_user_errors", False)),
        "timeout": config.get("timeout"),
        "notify": notify,
        "delay_alert_minutes": notify.get("delay_minutes"),
        "cron": None,
        "next_run_at": None,
    }
    if schedule:
        cron, timezone = schedule["cron"], schedule.get("timezone", "UTC")
        values.update(cron=cron, timezone=timezone, next_run_at=_first_run(version, cron, timezone))
        if not schedule.get("enabled", True):
            values["enabled"] = False
    return values


def _first_run(version: int, cron: str, timezone: str) -> datetime:
    from croniter import CroniterBadDateError

    try:
        return next_run(cron, timezone, utcnow())
    except (CroniterBadDateError, ValueError, KeyError):
        raise InvalidInputError(
            f"version {version}'s job.toml: key 'schedule.cron': {cron!r} never fires; "
            "deploy a job.toml with a cron that does"
        ) from None


class Deployments:
    """Deploys, activations and deletions of jobs, on the service's store and artifacts."""

    def __init__(
        self,
        store: Store,
        artifacts: Path,
        sandbox: Sandbox,
        on_deployed: Callable[[Row[Any]], None],
        workers: int = 2,
    ) -> None:
        self.store = store
        self.sandbox = sandbox
        self.root = artifacts / "deployments"
        self.staging = artifacts / "staging"
        self.records = artifacts / "executions"
        self.on_deployed = on_deployed
        self._gates = ThreadPoolExecutor(max(workers, 1), thread_name_prefix="deploy-gate")

    def close(self) -> None:
        """Stop taking deploys; those waiting for a gate are dropped."""
        self._gates.shutdown(wait=False, cancel_futures=True)

    async def deploy_async(
        self, team: str, job: str, data: bytes, created_by: str, reason: str, force: bool
    ) -> Row[Any]:
        """:meth:`deploy` in the deploy gates' pool."""
        call = functools.partial(self.deploy, team, job, data, created_by, reason, force=force)
        return await asyncio.get_running_loop().run_in_executor(self._gates, call)

    def deploy(
        self, team: str, job: str, data: bytes, created_by: str, reason: str = "",
        *, force: bool = False,
    ) -> Row[Any]:  # fmt: skip
        """Unpack and check a bundle, gate it on its requirements and tests, then keep it as
        the job's next version and activate it. The job is created by its first accepted
        deploy; a refused one stores nothing. Content equal to the current version's is
        refused (409) unless ``force``."""
        for kind, name in (("team", team), ("job", job)):
            try:
                check_name(name, kind)
            except ValueError as exc:
                raise InvalidInputError(str(exc)) from None
        check_deploy_input(data)
        self.staging.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="bundle-", dir=self.staging))
        try:
            bundle = unpack_bundle(data, folder)
            self._check_names(bundle, team, job)
            if not force:  # answered before the gate; checked again when kept
                check_changed(self.store.current_deployment(team, job), bundle.content_hash)
            account = self.sandbox.account(team)
            self._install_requirements(folder, team, account)
            test_output = self._run_tests(folder, team, account)
            config = bundle.job.config.model_dump(mode="json")
            row = self.store.add_deployment(
                team, job,
                dict(content_hash=bundle.content_hash, created_at=utcnow(), created_by=created_by,
                     reason=reason, config=config, test_output=test_output),
                place=functools.partial(self._place, folder, team, job),
                activation=lambda version, job_row: job_settings(
                    version, config, job_row.description
                ),
                refuse_unchanged=not force,
            )  # fmt: skip
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # gone already if it was kept
        self.on_deployed(row)
        return row

    def _check_names(self, bundle: Bundle, team: str, job: str) -> None:
        if bundle.job.name != job:
            raise BundleError(
                f"job.toml names the job {bundle.job.name!r}; this deploy is for {job!r}"
            )
        if bundle.job.config.team not in ("default", team):
            raise BundleError(
                f"job.toml says team {bundle.job.config.team!r}; deploy it with a token of "
                f"that team or set team = {team!r}"
            )

    def _place(self, folder: Path, team: str, job: str, version: int) -> str:
        """Move a staged bundle to where ``version`` stays (the caller holds that version)."""
        target = self.root / team / job / str(version)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # left by a deploy whose transaction failed after the move
            shutil.rmtree(target)
        folder.rename(target)
        if (target / ".venv").is_dir():
            relocate_scripts(target / ".venv", folder / ".venv")
        return str(target)

    def _install_requirements(self, folder: Path, team: str, account: Account | None) -> None:
        """``requirements.txt`` goes into a virtual environment of this deployment alone,
        which sees the service's own packages (papermill, ipykernel) underneath. Installing
        runs the packages' build code, so it runs as job code does (allow-listed environment,
        the team's user)."""
        requirements = folder / "requirements.txt"
        if not requirements.is_file() or not requirements.read_text().strip():
            return
        venv = folder / ".venv"
        install = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r",
                   str(requirements)]  # fmt: skip
        self.sandbox.hand_over(folder, account)
        self._run([sys.executable, "-m", "venv", str(venv)], folder, team, account)
        link_service_packages(venv)
        self._run(install, folder, team, account)

    def _job_code(
        self, folder: Path, team: str, account: Account | None, timeout: float
    ) -> dict[str, Any]:
        """``subprocess.run`` arguments that run a deploy gate's command as job code: in the
        bundle, with the allow-listed environment, as the team's user under ``--run-as``."""
        declared = load_job_config(folder / JOB_FILE).env
        env = job_environment(
            os.environ, {"DATAOPS_JOB_DIR": str(folder), "DATAOPS_TEAM": team}, declared,
            self.sandbox.home(account, None), pip=True,
        )  # fmt: skip
        return dict(
            cwd=folder, env=env, capture_output=True, text=True, timeout=timeout, check=False,
            **(account.process_options() if account else {}),
        )  # fmt: skip

    def _run(self, command: list[str], folder: Path, team: str, account: Account | None) -> None:
        try:
            done = subprocess.run(command, **self._job_code(folder, team, account, INSTALL_TIMEOUT))
        except subprocess.TimeoutExpired:
            raise BundleError(
                f"installing requirements.txt took longer than {INSTALL_TIMEOUT} s"
            ) from None
        if done.returncode != 0:
            output = _public(done.stdout + done.stderr, folder)[-OUTPUT_TAIL:]
            raise BundleError(f"installing requirements.txt failed:\n{output}")

    def _run_tests(self, folder: Path, team: str, account: Account | None) -> str:
        """The deploy gate: the bundle's ``tests/`` must pass, else the deploy is refused."""
        self.sandbox.lend_deployment(folder, account, parents=False)
        if not (folder / "tests").is_dir():
            return ""
        python = folder / ".venv" / "bin" / "python"
        command = [str(python if python.exists() else sys.executable), "-m", "pytest", "-q",
                   "-p", "no:cacheprovider", "tests"]  # fmt: skip
        started = time.monotonic()
        try:
            done = subprocess.run(
                command, **self._job_code(folder, team, account, TEST_GATE_TIMEOUT)
            )
        except subprocess.TimeoutExpired:
            raise BundleError(f"the job's tests ran longer than {TEST_GATE_TIMEOUT} s") from None
        output = _public(done.stdout + done.stderr, folder)[-2 * OUTPUT_TAIL :]
        if done.returncode == 5:
            return output  # no tests collected: nothing to gate on
        if done.returncode != 0:
            raise BundleError(f"the job's tests failed, so the deployment was refused:\n{output}")
        return output + f"\n({time.monotonic() - started:.1f} s)"

    def activate(self, team: str, job: str, version: int) -> Row[Any]:
        """Make ``version`` the one that runs (roll back or forward to a kept version)."""
        deployment = self.store.deployment(team, job, version)
        current = self.store.job(team, job)
        return self.store.set_active(
            team, job, job_settings(version, deployment.config, current.description)
        )

    def delete_job(self, team: str, job: str) -> None:
        """Delete a job: its rows (see :meth:`Store.delete_job`), its deployed versions'
        folders and its executions' records. Refused (409) while an execution runs."""
        for execution_id in self.store.delete_job(team, job):
            shutil.rmtree(self.records / execution_id, ignore_errors=True)
        shutil.rmtree(self.root / team / job, ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.root / team).rmdir()  # only when no other job of the team is left
