"""The control service's engine: the scheduler, dispatch to the executor, retries (deploys are
:class:`~.deployments.Deployments`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, select, union, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError, DataOpsError, NotFoundError
from ..jobs import check_arguments, load_job
from ..jobs.schedule import due_and_next, next_run
from ..runner import process_alive, read_log
from ..runner.records import StepError, StepResult
from .auth import create_token
from .db import jobs, make_engine, migrate, tokens, utcnow
from .deployments import Deployments
from .executors.base import Attempt, Executor, Outcome
from .metrics import Metrics
from .models import FINAL_STATUSES
from .notify import Notifications
from .redaction import Masker, complete_lines
from .sandbox import Sandbox
from .secrets import SecretBox, SecretKeyError
from .store import Store

log = logging.getLogger("dataops.control_service")
#: Files of an execution's record that are masked when it ends.
RECORD_FILES = ("log.txt", "output.ipynb", "run.json", "runner.out", "steps.jsonl")


class SecretsUnreadable(DataOpsError):
    """A job's secret values cannot be read, so its artifacts cannot be masked: they are
    withheld instead of sent."""

    status = 503
    kind = "secrets-unreadable"


class ControlService:
    """Owns the database, the artifacts folder, the executor and the background loop."""

    def __init__(self, config: Any, executor: Executor | None = None) -> None:
        from .executors import make_executor

        self.config = config
        self.engine = make_engine(config.db_url)
        self.store = Store(self.engine)
        self.box = SecretBox(config.secret_key)
        self.artifacts = Path(config.artifacts).resolve()
        self.sandbox = Sandbox(getattr(config, "run_as", None), self.artifacts)
        self.executor = executor or make_executor(config, self._on_finished)
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake = asyncio.Event()
        self._event_loop: asyncio.AbstractEventLoop | None = None
        self.metrics = Metrics(self)
        self.listeners: list[Any] = []
        self.notifications = Notifications(self)
        self.listeners.append(self.notifications.execution_finished)
        self.deployments = Deployments(
            self.store, self.artifacts, self.sandbox, self.notifications.deployed,
            config.deploy_workers,
        )  # fmt: skip

    # -- life cycle ---------------------------------------------------------------------------

    def prepare(self) -> None:
        """Migrate the database and refuse to run without a key when secrets exist."""
        migrate(self.engine)
        (self.artifacts / "deployments").mkdir(parents=True, exist_ok=True)
        (self.artifacts / "executions").mkdir(parents=True, exist_ok=True)
        self.sandbox.prepare()
        if self.store.any_secrets() and not self.box.available:
            raise SecretKeyError(
                "the database holds secrets: start the control service with DATAOPS_SECRET_KEY set"
            )

    async def start(self) -> None:
        self._event_loop = asyncio.get_running_loop()
        self.prepare()
        await asyncio.to_thread(self._warn_about_isolation)
        await self.recover()
        if self.config.background:
            self._loop_task = asyncio.ensure_future(self._loop())

    def _warn_about_isolation(self) -> None:
        if self.config.executor != "local" or self.sandbox.per_team:
            return
        with self.engine.connect() as c:
            query = union(
                select(tokens.c.team).where(tokens.c.team.is_not(None)), select(jobs.c.team)
            )
            teams = sorted({str(team) for team in c.execute(query).scalars()})
        if len(teams) < 2:
            return
        who = f"one user ({self.sandbox.run_as})" if self.sandbox.run_as else "the service's user"
        log.warning(
            "the control service serves %d teams (%s) and runs the job code of all of them as "
            "%s, so each team's jobs can read the others' files and secrets%s: start it with "
            "--run-as 'dataops-{team}' to keep teams apart",
            len(teams), ", ".join(teams[:10]), who,
            "" if self.sandbox.run_as else " and the service's key and database",
        )  # fmt: skip

    async def stop(self) -> None:
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        self.deployments.close()
        await self.executor.close()
        self.sandbox.close()
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
        account = self.sandbox.account(row.team)
        if account is not None:
            self.sandbox.give(folder, account, 0o700)
            self.sandbox.lend_deployment(Path(deployment.path), account)
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
            self.sandbox.give(secrets_file, account, 0o600)
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
            pass_env=list((deployment.config or {}).get("env") or []),
            home=self.sandbox.home(account, folder / "home"),
            account=account,
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
                try:
                    await listener(row)
                except Exception:
                    log.exception("a listener failed on the end of execution %s", execution_id)

    def _finish_sync(self, execution_id: str, outcome: Outcome) -> Row[Any] | None:
        """Mask and record how an execution ended. It always ends (as a platform error when
        masking or anything else here fails), and its token and secrets file always go."""
        try:
            outcome = self._masked(execution_id, outcome)
        except SecretsUnreadable as exc:
            outcome = Outcome("platform_error", exc.message, _bare_steps(outcome.steps))
        except Exception as exc:
            log.exception("finishing execution %s failed", execution_id)
            outcome = Outcome(
                "platform_error",
                f"the execution's record could not be masked ({type(exc).__name__}); it ended "
                f"{outcome.status}",
                _bare_steps(outcome.steps),
            )
        finally:
            self._end_access(execution_id)
        try:
            row = self.store.finish(
                execution_id,
                outcome.status,
                message=outcome.message,
                steps=outcome.steps,
                error=outcome.error,
            )
        except Exception as exc:
            log.exception("could not record how execution %s ended", execution_id)
            row = self.store.finish(
                execution_id,
                "platform_error",
                message=f"how the execution ended could not be recorded ({type(exc).__name__})",
                steps=_bare_steps(outcome.steps),
                error=None,
            )
        if row is None:
            return None
        if row.started_at and row.finished_at:
            self.metrics.observe_duration(
                row.status, (row.finished_at - row.started_at).total_seconds()
            )
        self._maybe_retry(row)
        return row

    def _end_access(self, execution_id: str) -> None:
        """Revoke the execution's API token and delete its clear-text secrets file."""
        try:
            with self.engine.begin() as c:
                c.execute(delete(tokens).where(tokens.c.name == f"execution {execution_id}"))
        except Exception:
            log.exception("could not revoke the API token of execution %s", execution_id)
        try:
            (self.artifacts / "secrets" / f"{execution_id}.json").unlink(missing_ok=True)
        except Exception:
            log.exception("could not delete the secrets file of execution %s", execution_id)

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
        """The clear values of a job's secrets, longest first. Raises
        :class:`SecretsUnreadable` when they cannot be read (no key, a changed key, a database
        error): nothing may then go out unmasked."""
        try:
            stored = self.store.secrets(team, job)
            if not stored:
                return []
            return sorted((self.box.decrypt(v) for v in stored.values()), key=len, reverse=True)
        except NotFoundError:
            return []  # the job is gone, and its secrets with it
        except Exception as exc:
            log.exception("cannot read the secret values of %s/%s", team, job)
            reason = exc.message if isinstance(exc, DataOpsError) else type(exc).__name__
            raise SecretsUnreadable(
                f"the secret values of job {job!r} cannot be read ({reason}), so its logs, "
                "notebook and errors cannot be masked and are withheld"
            ) from exc

    def masker(self, team: str, job: str) -> Masker:
        """Masks the secret values of ``team``'s ``job`` (raises if they cannot be read)."""
        return Masker(self.secret_values(team, job))

    def _masked(self, execution_id: str, outcome: Outcome) -> Outcome:
        """``outcome`` with every field masked, after masking the execution's record files."""
        row = self.store.execution_by_id(execution_id)
        if row is None:
            return outcome
        masker = self.masker(row.team, row.job)
        if not masker:
            return outcome
        masked = Outcome(
            outcome.status,
            masker.text(outcome.message) if outcome.message is not None else None,
            [masked_json(masker, StepResult, step) for step in outcome.steps],
            masked_json(masker, StepError, outcome.error) if outcome.error is not None else None,
        )
        folder = self.record_folder(execution_id)
        for name in RECORD_FILES:
            path = folder / name
            if not path.exists():
                continue
            text = path.read_text(errors="replace")
            if name == "output.ipynb":
                with contextlib.suppress(ValueError):
                    text = json.dumps(masker.notebook(json.loads(text)), indent=1)
            path.write_text(masker.text(text))
        return masked

    def masked_log(self, row: Row[Any], offset: int) -> tuple[str, int]:
        """An execution's log from byte ``offset``, masked, and the offset that follows.
        While the execution runs, only whole lines are served: a value written in pieces is
        masked on its line once the line is complete."""
        masker = self.masker(row.team, row.job)
        text, next_offset = read_log(self.record_folder(row.id), offset)
        if not self.is_final(row.status):
            text = complete_lines(text)
            next_offset = offset + len(text.encode("utf-8"))
        return masker.text(text), next_offset

    def masked_notebook(self, row: Row[Any]) -> dict[str, Any]:
        """An execution's output notebook with its secret values masked, cell by cell."""
        masker = self.masker(row.team, row.job)
        path = self.record_folder(row.id) / "output.ipynb"
        if not path.exists():
            raise NotFoundError(f"execution {row.id} has no output notebook (yet)")
        return masker.notebook(json.loads(path.read_text(errors="replace")))

    # -- jobs -------------------------------------------------------------------------------

    def deploy(
        self, team: str, job_name: str, data: bytes, created_by: str, reason: str = ""
    ) -> Row[Any]:
        """Deploy a bundle now, in the calling thread (see :meth:`Deployments.deploy`)."""
        return self.deployments.deploy(team, job_name, data, created_by, reason)

    def set_enabled(self, team: str, job_name: str, enabled: bool) -> Row[Any]:
        job = self.store.job(team, job_name)
        next_run_at = None
        if enabled and job.cron:
            next_run_at = next_run(job.cron, job.timezone, utcnow())
        with self.engine.begin() as c:
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


#: What of a step is kept when its record could not be masked: nothing the job's code made.
_BARE_STEP = ("name", "notebook", "cell_index", "cell_id", "status", "started_at", "duration")


def masked_json(masker: Masker, model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` read through ``model``, masked field by field, as JSON again."""
    masked: dict[str, Any] = masker.model(model.model_validate(data)).model_dump(mode="json")
    return masked


def _bare_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps without their errors, previews, tables and checks (which could not be masked)."""
    return [{key: step[key] for key in _BARE_STEP if key in step} for step in steps]
