"""The control service's engine: deploys, the scheduler, dispatch to the executor, retries."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError, InvalidInputError
from ..jobs import check_arguments, load_job
from ..runner import process_alive
from .auth import create_token
from .bundles import BundleError, unpack_bundle
from .db import make_engine, migrate, tokens, utcnow
from .executors.base import Attempt, Executor, Outcome
from .metrics import Metrics
from .models import FINAL_STATUSES
from .notify import Notifications
from .schedule import due_and_next, next_run
from .secrets import SecretBox, SecretKeyError
from .store import Store

log = logging.getLogger("dataops.control_service")
#: Seconds the deploy gate's tests may take.
TEST_GATE_TIMEOUT = 600


class ControlService:
    """Owns the database, the artifacts folder, the executor and the background loop."""

    def __init__(self, config: Any, executor: Executor | None = None) -> None:
        from .executors import make_executor

        self.config = config
        self.engine = make_engine(config.db_url)
        self.store = Store(self.engine)
        self.box = SecretBox(config.secret_key)
        self.artifacts = Path(config.artifacts).resolve()
        self.executor = executor or make_executor(config, self._on_finished)
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake = asyncio.Event()
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self.metrics = Metrics(self)
        self.listeners: list[Any] = []
        self.notifications = Notifications(self)
        self.listeners.append(self.notifications.execution_finished)

    # -- life cycle ---------------------------------------------------------------------------

    def prepare(self) -> None:
        """Migrate the database and refuse to run without a key when secrets exist."""
        migrate(self.engine)
        (self.artifacts / "deployments").mkdir(parents=True, exist_ok=True)
        (self.artifacts / "executions").mkdir(parents=True, exist_ok=True)
        if self.store.any_secrets() and not self.box.available:
            raise SecretKeyError(
                "the database holds secrets: start the control service with DATAOPS_SECRET_KEY set"
            )

    async def start(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        self.prepare()
        await self.recover()
        if self.config.background:
            self._loop_task = asyncio.ensure_future(self._loop())

    async def stop(self) -> None:
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        await self.executor.close()
        await asyncio.to_thread(self.notifications.close)
        self.engine.dispose()

    def wake(self) -> None:
        """Run the next tick now (an execution is waiting, or a slot came free). Safe to call
        from the API's worker threads."""
        loop = self._event_loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("control service tick failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.tick)

    async def tick(self) -> None:
        now = utcnow()
        self.notifications.tick(now)
        await asyncio.to_thread(self.schedule_due, now)
        await self.handle_cancels()
        await self.dispatch()

    # -- recovery -----------------------------------------------------------------------------

    async def recover(self) -> None:
        """End attempts whose control-service process is gone (they died with it)."""
        host = self.config.owner.rsplit(":", 1)[0]
        for row in self.store.running():
            owner = row.owner or ""
            owner_host, _, pid = owner.rpartition(":")
            if owner == self.config.owner or owner_host != host or not pid.isdigit():
                continue
            if process_alive(int(pid)):
                continue
            await self._finish(
                row.id,
                Outcome("platform_error", "the control service stopped during the execution"),
            )

    # -- scheduling ---------------------------------------------------------------------------

    def schedule_due(self, now: datetime) -> int:
        """Create the executions of jobs whose cron time has come; returns how many."""
        plans = []
        for job in self.store.due_jobs(now):
            if not job.cron:
                continue
            due, following = due_and_next(job.cron, job.timezone, job.next_run_at, now)
            plans.append((job, due, following))
            self.metrics.observe_scheduler_lag((now - due).total_seconds())
        try:
            return self.store.schedule(plans, now)
        except IntegrityError:
            return 0  # another process queued the same times first; it runs them

    # -- dispatch -----------------------------------------------------------------------------

    async def dispatch(self) -> int:
        claimed = await asyncio.to_thread(
            self.store.claim, self.config.owner, self.executor.free_slots()
        )
        for row in claimed:
            try:
                attempt = await asyncio.to_thread(self._attempt, row)
                await self.executor.start(attempt)
            except Exception as exc:
                log.exception("could not start execution %s", row.id)
                await self._finish(row.id, Outcome("platform_error", f"could not start: {exc}"))
        return len(claimed)

    def record_folder(self, execution_id: str) -> Path:
        return self.artifacts / "executions" / execution_id

    def _attempt(self, row: Row[Any]) -> Attempt:
        deployment = self.store.deployment(row.team, row.job, row.version)
        job = self.store.job(row.team, row.job)
        folder = self.record_folder(row.id)
        folder.mkdir(parents=True, exist_ok=True)
        env: dict[str, str] = {"DATAOPS_TEAM": row.team}
        if self.config.public_url:
            token = create_token(self.engine, row.team, name=f"execution {row.id}")
            env.update(DATAOPS_CONTROL_URL=self.config.public_url, DATAOPS_CONTROL_TOKEN=token)
        stored = self.store.secrets(row.team, row.job)
        if stored:
            secrets_file = self.artifacts / "secrets" / f"{row.id}.json"
            secrets_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            values = {name: self.box.decrypt(value) for name, value in stored.items()}
            secrets_file.touch(mode=0o600)
            secrets_file.write_text(json.dumps(values), encoding="utf-8")
            env["DATAOPS_SECRETS_FILE"] = str(secrets_file)
        python = Path(deployment.path) / ".venv" / "bin" / "python"
        return Attempt(
            python=str(python) if python.exists() else None,
            execution_id=row.id,
            team=row.team,
            job=row.job,
            job_folder=Path(deployment.path),
            record_folder=folder,
            arguments=dict(row.arguments or {}),
            timeout=job.timeout,
            env=env,
        )

    async def handle_cancels(self) -> None:
        mine = self.executor.running()
        if not mine:
            return
        for row in await asyncio.to_thread(self.store.running, self.config.owner):
            if row.cancel_requested and row.id in mine:
                await self.executor.cancel(row.id)

    async def _on_finished(self, execution_id: str, outcome: Outcome) -> None:
        if self._stopping and outcome.status == "cancelled":
            outcome = Outcome("platform_error", "the control service stopped during the execution",
                              outcome.steps, outcome.error)  # fmt: skip
        await self._finish(execution_id, outcome)

    async def _finish(self, execution_id: str, outcome: Outcome) -> None:
        row = await asyncio.to_thread(self._finish_sync, execution_id, outcome)
        self.wake()  # a slot came free: the next execution need not wait for the tick
        if row is not None:
            for listener in self.listeners:
                with contextlib.suppress(Exception):
                    await listener(row)

    def _finish_sync(self, execution_id: str, outcome: Outcome) -> Row[Any] | None:
        self._redact(execution_id)
        with self.engine.begin() as c:
            c.execute(delete(tokens).where(tokens.c.name == f"execution {execution_id}"))
        with contextlib.suppress(FileNotFoundError):
            (self.artifacts / "secrets" / f"{execution_id}.json").unlink()
        row = self.store.finish(
            execution_id,
            outcome.status,
            message=outcome.message,
            steps=outcome.steps,
            error=outcome.error,
        )
        if row is None:
            return None
        if row.started_at and row.finished_at:
            self.metrics.observe_duration(
                row.status, (row.finished_at - row.started_at).total_seconds()
            )
        self._maybe_retry(row)
        return row

    def _maybe_retry(self, row: Row[Any]) -> None:
        if row.status not in ("platform_error", "user_error") or row.cancel_requested:
            return
        job = self.store.job(row.team, row.job)
        if row.status == "user_error" and not job.retry_user_errors:
            return
        if row.attempt > job.retries:
            return
        delay = job.retry_delay * (2 ** (row.attempt - 1))
        with contextlib.suppress(ConflictError, IntegrityError):
            self.store.create_execution(
                row.team, row.job, row.version, "retry", row.arguments or {},
                not_before=utcnow() + timedelta(seconds=delay), attempt=row.attempt + 1,
                retry_of=row.id,
            )  # fmt: skip

    # -- secrets in artifacts -----------------------------------------------------------------

    def secret_values(self, team: str, job: str) -> list[str]:
        try:
            stored = self.store.secrets(team, job)
        except Exception:
            return []
        if not stored or not self.box.available:
            return []
        return sorted((self.box.decrypt(v) for v in stored.values()), key=len, reverse=True)

    def redact(self, text: str, values: list[str]) -> str:
        for value in values:
            if len(value) >= 3:
                text = text.replace(value, "***")
        return text

    def _redact(self, execution_id: str) -> None:
        row = self.store.execution_by_id(execution_id)
        if row is None:
            return
        values = self.secret_values(row.team, row.job)
        if not values:
            return
        for name in ("log.txt", "output.ipynb", "run.json", "runner.out"):
            path = self.record_folder(execution_id) / name
            if path.exists():
                path.write_text(self.redact(path.read_text(errors="replace"), values))

    # -- deployments --------------------------------------------------------------------------

    def deploy(
        self, team: str, job_name: str, data: bytes, created_by: str, reason: str
    ) -> Row[Any]:
        """Unpack, validate, gate on the job's tests, then keep and activate a new version."""
        self.store.job(team, job_name)
        version = self.store.next_version(team, job_name)
        folder = self.artifacts / "deployments" / team / job_name / str(version)
        folder.parent.mkdir(parents=True, exist_ok=True)
        if folder.exists():
            shutil.rmtree(folder)
        bundle = unpack_bundle(data, folder)
        try:
            if bundle.job.name != job_name:
                raise BundleError(
                    f"job.toml names the job {bundle.job.name!r}; this deploy is for {job_name!r}"
                )
            if bundle.job.config.team not in ("default", team):
                raise BundleError(
                    f"job.toml says team {bundle.job.config.team!r}; deploy it with a token of "
                    f"that team or set team = {team!r}"
                )
            self._install_requirements(folder)
            test_output = self._run_tests(folder)
            row = self.store.add_deployment(
                team, job_name, version, content_hash=bundle.content_hash, created_at=utcnow(),
                created_by=created_by, reason=reason,
                config=bundle.job.config.model_dump(mode="json"),
                path=str(folder), test_output=test_output,
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self.activate(team, job_name, version)
        self.notifications.deployed(row)
        return row

    def _install_requirements(self, folder: Path) -> None:
        """``requirements.txt`` goes into a virtual environment of this deployment alone,
        which sees the service's own packages (papermill, ipykernel) underneath."""
        requirements = folder / "requirements.txt"
        if not requirements.is_file() or not requirements.read_text().strip():
            return
        venv = folder / ".venv"
        steps = [
            [sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-r", str(requirements)],
        ]
        for command in steps:
            done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
            if done.returncode != 0:
                raise BundleError(
                    "installing requirements.txt failed:\n" + (done.stdout + done.stderr)[-4000:]
                )

    def _run_tests(self, folder: Path) -> str:
        """The deploy gate: the bundle's ``tests/`` must pass, else the deploy is refused."""
        if not (folder / "tests").is_dir():
            return ""
        python = folder / ".venv" / "bin" / "python"
        command = [str(python if python.exists() else sys.executable), "-m", "pytest", "-q",
                   "-p", "no:cacheprovider", "tests"]  # fmt: skip
        env = {**os.environ, "DATAOPS_JOB_DIR": str(folder)}
        started = time.monotonic()
        try:
            done = subprocess.run(
                command, cwd=folder, capture_output=True, text=True, timeout=TEST_GATE_TIMEOUT,
                env=env, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise BundleError(f"the job's tests ran longer than {TEST_GATE_TIMEOUT} s") from None
        output = (done.stdout + done.stderr)[-8000:]
        if done.returncode == 5:
            return output  # no tests collected: nothing to gate on
        if done.returncode != 0:
            raise BundleError(f"the job's tests failed, so the deployment was refused:\n{output}")
        return output + f"\n({time.monotonic() - started:.1f} s)"

    def activate(self, team: str, job_name: str, version: int) -> Row[Any]:
        """Make ``version`` the one that runs (deploy, or roll back to an earlier one)."""
        deployment = self.store.deployment(team, job_name, version)
        config = deployment.config
        schedule = config.get("schedule") or None
        job = self.store.job(team, job_name)
        values: dict[str, Any] = {
            "active_version": version,
            "description": config.get("description") or job.description,
            "retries": config.get("retries", 0),
            "retry_delay": config.get("retry_delay", 60.0),
            "retry_user_errors": bool(config.get("retry_user_errors", False)),
            "timeout": config.get("timeout"),
            "notify": config.get("notify") or {},
            "delay_alert_minutes": (config.get("notify") or {}).get("delay_minutes"),
        }
        if schedule:
            values.update(cron=schedule["cron"], timezone=schedule.get("timezone", "UTC"))
            values["next_run_at"] = next_run(values["cron"], values["timezone"], utcnow())
            if not schedule.get("enabled", True):
                values["enabled"] = False
        else:
            values.update(cron=None, next_run_at=None)
        with self.engine.begin() as c:
            from sqlalchemy import update

            from .db import jobs

            c.execute(
                update(jobs)
                .where(jobs.c.team == team, jobs.c.name == job_name)
                .values(**values, updated_at=utcnow())
            )
        return self.store.job(team, job_name)

    def set_enabled(self, team: str, job_name: str, enabled: bool) -> Row[Any]:
        job = self.store.job(team, job_name)
        next_run_at = None
        if enabled and job.cron:
            next_run_at = next_run(job.cron, job.timezone, utcnow())
        with self.engine.begin() as c:
            from sqlalchemy import update

            from .db import jobs

            c.execute(
                update(jobs)
                .where(jobs.c.team == team, jobs.c.name == job_name)
                .values(enabled=enabled, next_run_at=next_run_at, updated_at=utcnow())
            )
        return self.store.job(team, job_name)

    # -- executions ---------------------------------------------------------------------------

    def trigger(self, team: str, job_name: str, arguments: dict[str, Any]) -> Row[Any]:
        job = self.store.job(team, job_name)
        if job.active_version is None:
            raise ConflictError(f"job {job_name!r} has no deployment yet; deploy it first")
        deployment = self.store.deployment(team, job_name, job.active_version)
        arguments = check_arguments(arguments, load_job(Path(deployment.path)).parameters)
        row = self.store.create_execution(team, job_name, job.active_version, "manual", arguments)
        self.wake()
        return row

    def cancel(self, team: str, job_name: str, execution_id: str) -> Row[Any]:
        row = self.store.request_cancel(team, job_name, execution_id)
        self.wake()
        return row

    def is_final(self, status: str) -> bool:
        return status in FINAL_STATUSES


def check_deploy_input(data: bytes) -> None:
    if not data:
        raise InvalidInputError("the request has no bundle: send the zipped job folder as the body")
