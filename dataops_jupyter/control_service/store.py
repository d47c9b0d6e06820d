"""Reads and writes of the control service's state, always scoped to one team."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError, NotFoundError, UnchangedError
from ..runner import new_run_id
from .db import deployments, executions, jobs, properties, secrets, utcnow
from .models import FINAL_STATUSES

ACTIVE_STATUSES = ("submitted", "running")
#: The settings of a job before its first deployment.
NEW_JOB: dict[str, Any] = dict(
    description="", enabled=True, timezone="UTC", retries=0, retry_delay=60.0, notify={},
    retry_user_errors=False,
)  # fmt: skip


def check_changed(current: Row[Any] | None, content_hash: str) -> None:
    """Refuse (409) a deploy whose content is that of the ``current`` deployment."""
    if current is not None and current.content_hash == content_hash:
        raise UnchangedError(
            f"no change since v{current.version} (content hash {content_hash[:12]}): nothing "
            "deployed; deploy with force to make a new version anyway"
        )


class Store:
    """The one place that knows the tables. Methods take the team first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_postgres = engine.dialect.name == "postgresql"
        # SQLite has no row locks: one writer at a time in this process is enough there.
        self._sqlite_lock = threading.RLock()

    def _begin(self) -> Any:
        return self.engine.begin()

    def _all(self, query: Any) -> list[Row[Any]]:
        """Every row of one query."""
        with self.engine.connect() as c:
            return list(c.execute(query))

    def _locked(self) -> Any:
        return _NullLock() if self.is_postgres else self._sqlite_lock

    # -- jobs ---------------------------------------------------------------------------------

    def create_job(self, team: str, name: str, description: str = "") -> Row[Any]:
        now = utcnow()
        try:
            with self._begin() as c:
                c.execute(
                    insert(jobs).values(
                        team=team, name=name, created_at=now, updated_at=now,
                        **{**NEW_JOB, "description": description},
                    )
                )  # fmt: skip
        except IntegrityError:
            raise ConflictError(f"job {name!r} already exists in team {team!r}") from None
        return self.job(team, name)

    def job(self, team: str, name: str, connection: Connection | None = None) -> Row[Any]:
        query = select(jobs).where(jobs.c.team == team, jobs.c.name == name)
        if connection is not None:
            row = connection.execute(query).first()
        else:
            with self.engine.connect() as c:
                row = c.execute(query).first()
        if row is None:
            raise NotFoundError(f"job {name!r} not found in team {team!r}")
        return row

    def jobs(self, team: str | None) -> list[Row[Any]]:
        """The jobs of ``team`` by name (``None``: of every team, by team and name)."""
        if team is None:
            return self._all(select(jobs).order_by(jobs.c.team, jobs.c.name))
        return self._all(select(jobs).where(jobs.c.team == team).order_by(jobs.c.name))

    def update_job(self, team: str, name: str, **values: Any) -> Row[Any]:
        values = {k: v for k, v in values.items() if v is not None}
        with self._begin() as c:
            self.job(team, name, c)
            if values:
                c.execute(
                    update(jobs)
                    .where(jobs.c.team == team, jobs.c.name == name)
                    .values(**values, updated_at=utcnow())
                )
        return self.job(team, name)

    def delete_job(self, team: str, name: str) -> list[str]:
        """Delete a job with its deployments, executions (queued ones included), properties
        and secrets; refused while an execution runs. Returns the deleted executions' ids."""
        with self._locked(), self._begin() as c:
            self.job(team, name, c)
            of_job = (executions.c.team == team, executions.c.job == name)
            if self.is_postgres:  # lock the queued ones, so that no process claims them now
                active = executions.c.status.in_(ACTIVE_STATUSES)
                c.execute(select(executions.c.id).where(*of_job, active).with_for_update())
            found = c.execute(select(executions.c.id, executions.c.status).where(*of_job)).all()
            running = [r.id for r in found if r.status == "running"]
            if running:
                raise ConflictError(
                    f"job {name!r} has execution {running[0]} running; cancel it or wait for it "
                    "to end, then delete the job"
                )
            ids = [r.id for r in found]
            for table in (executions, deployments, properties, secrets):
                c.execute(delete(table).where(table.c.team == team, table.c.job == name))
            c.execute(delete(jobs).where(jobs.c.team == team, jobs.c.name == name))
        return ids

    # -- deployments --------------------------------------------------------------------------

    def current_deployment(
        self, team: str, job: str, c: Connection | None = None
    ) -> Row[Any] | None:
        """The active deployment of a job, else its latest; None before the first deploy."""
        if c is None:
            with self.engine.connect() as connection:
                return self.current_deployment(team, job, connection)
        active = select(jobs.c.active_version).where(jobs.c.team == team, jobs.c.name == job)
        return c.execute(
            select(deployments)
            .where(deployments.c.team == team, deployments.c.job == job)
            .order_by((deployments.c.version == active.scalar_subquery()).desc())
            .order_by(deployments.c.version.desc())
            .limit(1)
        ).first()

    def add_deployment(
        self,
        team: str,
        job: str,
        values: Mapping[str, Any],
        *,
        place: Callable[[int], str],
        activation: Callable[[int, Row[Any]], dict[str, Any]],
        refuse_unchanged: bool,
    ) -> Row[Any]:
        """Keep a new version of ``job`` and make it the active one, in one transaction:

        the job is created if it is new; an unchanged ``content_hash`` (the same as the current
        deployment's) is refused unless ``refuse_unchanged`` is false; ``place(version)`` moves
        the files where that version stays and returns their path; ``activation(version,
        job)`` gives the job's new settings. Deploys of one job are serialised, so each gets
        its own version and the last one accepted is the active one."""
        for attempt in range(3):
            try:
                with self._locked(), self._begin() as c:
                    row = self._job_for_deploy(c, team, job)
                    current = self.current_deployment(team, job, c)
                    if refuse_unchanged:
                        check_changed(current, values["content_hash"])
                    version = 1 + int(
                        c.execute(
                            select(func.max(deployments.c.version)).where(
                                deployments.c.team == team, deployments.c.job == job
                            )
                        ).scalar()
                        or 0
                    )
                    c.execute(
                        insert(deployments).values(
                            team=team, job=job, version=version, path=place(version), **values
                        )
                    )
                    c.execute(
                        update(jobs)
                        .where(jobs.c.team == team, jobs.c.name == job)
                        .values(**activation(version, row), updated_at=utcnow())
                    )
                return self.deployment(team, job, version)
            except IntegrityError:  # another process created the job or the version first
                if attempt == 2:
                    raise ConflictError(f"{job!r} was deployed at the same time; retry") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _job_for_deploy(self, c: Connection, team: str, job: str) -> Row[Any]:
        """The job's row, locked against other deploys (created if it is new)."""
        query = select(jobs).where(jobs.c.team == team, jobs.c.name == job)
        if self.is_postgres:
            query = query.with_for_update()
        row = c.execute(query).first()
        if row is None:
            now = utcnow()
            c.execute(insert(jobs).values(team=team, name=job, created_at=now, updated_at=now,
                                          **NEW_JOB))  # fmt: skip
            row = c.execute(query).first()
        assert row is not None
        return row

    def set_active(self, team: str, job: str, values: Mapping[str, Any]) -> Row[Any]:
        """Store a job's settings from its newly active deployment."""
        with self._begin() as c:
            self.job(team, job, c)
            c.execute(
                update(jobs)
                .where(jobs.c.team == team, jobs.c.name == job)
                .values(**values, updated_at=utcnow())
            )
        return self.job(team, job)

    def deployment(self, team: str, job: str, version: int) -> Row[Any]:
        with self.engine.connect() as c:
            row = c.execute(
                select(deployments).where(
                    deployments.c.team == team,
                    deployments.c.job == job,
                    deployments.c.version == version,
                )
            ).first()
        if row is None:
            raise NotFoundError(f"version {version} of job {job!r} not found")
        return row

    def deployments(self, team: str, job: str) -> list[Row[Any]]:
        return self._all(
            select(deployments)
            .where(deployments.c.team == team, deployments.c.job == job)
            .order_by(deployments.c.version.desc())
        )

    # -- executions ---------------------------------------------------------------------------

    def _active_execution(self, c: Connection, team: str, job: str) -> Row[Any] | None:
        return c.execute(
            select(executions.c.id).where(
                executions.c.team == team,
                executions.c.job == job,
                executions.c.status.in_(ACTIVE_STATUSES),
            )
        ).first()

    def create_execution(
        self,
        team: str,
        job: str,
        version: int,
        trigger: str,
        arguments: Mapping[str, Any],
        *,
        scheduled_for: datetime | None = None,
        not_before: datetime | None = None,
        attempt: int = 1,
        retry_of: str | None = None,
    ) -> Row[Any]:
        """Queue an execution. A manual trigger while one runs is a conflict; a scheduled one
        is recorded as ``skipped``; a second scheduled one for the same time is refused."""
        execution_id = new_run_id()
        now = utcnow()
        with self._locked(), self._begin() as c:
            if self.is_postgres:
                c.execute(
                    select(jobs.c.name)
                    .where(jobs.c.team == team, jobs.c.name == job)
                    .with_for_update()
                )
            running = self._active_execution(c, team, job)
            status, message = "submitted", None
            if running is not None:
                if trigger == "manual":
                    raise ConflictError(
                        f"job {job!r} already has execution {running.id} in progress; "
                        "wait for it or cancel it"
                    )
                status, message = "skipped", f"execution {running.id} was still in progress"
            values = dict(
                id=execution_id, team=team, job=job, version=version, status=status,
                trigger=trigger, arguments=dict(arguments), attempt=attempt, retry_of=retry_of,
                scheduled_for=scheduled_for, not_before=not_before or now, created_at=now,
                message=message, steps=[], notified=[],
            )  # fmt: skip
            if status == "skipped":
                values["finished_at"] = now
            c.execute(insert(executions).values(**values))
        return self.execution(team, job, execution_id)

    def execution(self, team: str, job: str | None, execution_id: str) -> Row[Any]:
        query = select(executions).where(executions.c.team == team, executions.c.id == execution_id)
        if job is not None:
            query = query.where(executions.c.job == job)
        with self.engine.connect() as c:
            row = c.execute(query).first()
        if row is None:
            raise NotFoundError(f"execution {execution_id!r} not found")
        return row

    def execution_by_id(self, execution_id: str) -> Row[Any] | None:
        with self.engine.connect() as c:
            return c.execute(select(executions).where(executions.c.id == execution_id)).first()

    def executions(
        self,
        team: str,
        job: str,
        limit: int = 50,
        before: str | None = None,
        statuses: Collection[str] = (),
    ) -> list[Row[Any]]:
        """Newest first; ``before`` is the id of the last execution of the previous page;
        only those with one of ``statuses`` when any are given."""
        query = select(executions).where(executions.c.team == team, executions.c.job == job)
        if before:
            query = query.where(executions.c.id < before)
        if statuses:
            query = query.where(executions.c.status.in_(list(statuses)))
        return self._all(query.order_by(executions.c.id.desc()).limit(limit))

    def claim(self, owner: str, limit: int) -> list[Row[Any]]:
        """Mark up to ``limit`` due executions as running for ``owner`` and return them.

        On PostgreSQL the candidates are locked with SKIP LOCKED, so two service processes
        never claim the same execution; on SQLite the status check in the UPDATE does it.
        """
        if limit <= 0:
            return []
        now = utcnow()
        claimed: list[str] = []
        with self._locked(), self._begin() as c:
            query = (
                select(executions.c.id)
                .where(executions.c.status == "submitted", executions.c.not_before <= now)
                .order_by(executions.c.not_before, executions.c.id)
                .limit(limit)
            )
            if self.is_postgres:
                query = query.with_for_update(skip_locked=True)
            for (execution_id,) in c.execute(query).all():
                result = c.execute(
                    update(executions)
                    .where(executions.c.id == execution_id, executions.c.status == "submitted")
                    .values(status="running", owner=owner, started_at=now)
                )
                if result.rowcount == 1:
                    claimed.append(execution_id)
        if not claimed:
            return []
        return self._all(select(executions).where(executions.c.id.in_(claimed)))

    def finish(self, execution_id: str, status: str, **values: Any) -> Row[Any] | None:
        """Record how an execution ended (once: a finished execution is never changed)."""
        with self._begin() as c:
            c.execute(
                update(executions)
                .where(
                    executions.c.id == execution_id,
                    executions.c.status.notin_(tuple(FINAL_STATUSES)),
                )
                .values(status=status, finished_at=utcnow(), **values)
            )
            return c.execute(select(executions).where(executions.c.id == execution_id)).first()

    def update_execution(self, execution_id: str, **values: Any) -> None:
        with self._begin() as c:
            c.execute(update(executions).where(executions.c.id == execution_id).values(**values))

    def request_cancel(self, team: str, job: str, execution_id: str) -> Row[Any]:
        row = self.execution(team, job, execution_id)
        if row.status in FINAL_STATUSES:
            raise ConflictError(f"execution {execution_id} already ended ({row.status})")
        with self._begin() as c:
            c.execute(
                update(executions)
                .where(executions.c.id == execution_id, executions.c.status == "submitted")
                .values(
                    status="cancelled", finished_at=utcnow(), message="cancelled before it started"
                )
            )
            c.execute(
                update(executions)
                .where(executions.c.id == execution_id)
                .values(cancel_requested=True)
            )
        return self.execution(team, job, execution_id)

    def running(self, owner: str | None = None) -> list[Row[Any]]:
        query = select(executions).where(executions.c.status == "running")
        if owner is not None:
            query = query.where(executions.c.owner == owner)
        return self._all(query)

    def queue_depth(self) -> int:
        with self.engine.connect() as c:
            return int(
                c.execute(
                    select(func.count())
                    .select_from(executions)
                    .where(executions.c.status == "submitted")
                ).scalar()
                or 0
            )

    def status_counts(self) -> dict[tuple[str, str, str], int]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(
                    executions.c.team, executions.c.job, executions.c.status, func.count()
                ).group_by(executions.c.team, executions.c.job, executions.c.status)
            ).all()
        return {(r[0], r[1], r[2]): int(r[3]) for r in rows}

    # -- notifications ------------------------------------------------------------------------

    def mark_notified(self, execution_id: str, event: str) -> bool:
        """Record in ``executions.notified`` that ``event`` is announced for an execution.

        True for the one caller that records it; False when it already was (another process,
        or before a restart), so each event goes out at most once."""
        with self._locked(), self._begin() as c:
            query = select(executions.c.notified).where(executions.c.id == execution_id)
            if self.is_postgres:
                query = query.with_for_update()
            row = c.execute(query).first()
            if row is None or event in (row.notified or []):
                return False
            c.execute(
                update(executions)
                .where(executions.c.id == execution_id)
                .values(notified=[*(row.notified or []), event])
            )
        return True

    def retries_of(self, team: str, job: str, execution_id: str) -> list[Row[Any]]:
        """The executions started as retries of ``execution_id``."""
        return self._all(
            select(executions).where(
                executions.c.team == team,
                executions.c.job == job,
                executions.c.retry_of == execution_id,
            )
        )

    def finished_since(self, since: datetime) -> list[Row[Any]]:
        """Executions that ended (succeeded or failed) at or after ``since``."""
        return self._all(
            select(executions).where(
                executions.c.finished_at >= since,
                executions.c.status.in_(("succeeded", "user_error", "platform_error")),
            )
        )

    def delay_watched_jobs(self) -> list[Row[Any]]:
        """Jobs with a delay alert (``[notify] delay_minutes``)."""
        return self._all(select(jobs).where(jobs.c.delay_alert_minutes.is_not(None)))

    def scheduled_between(
        self, team: str, job: str, start: datetime, end: datetime
    ) -> list[Row[Any]]:
        """A job's executions whose scheduled time lies in ``[start, end]``."""
        return self._all(
            select(executions).where(
                executions.c.team == team,
                executions.c.job == job,
                executions.c.scheduled_for >= start,
                executions.c.scheduled_for <= end,
            )
        )

    # -- scheduling ---------------------------------------------------------------------------

    def due_jobs(self, now: datetime, limit: int = 1000) -> list[Row[Any]]:
        return self._all(
            select(jobs)
            .where(
                jobs.c.enabled.is_(True),
                jobs.c.active_version.is_not(None),
                jobs.c.next_run_at.is_not(None),
                jobs.c.next_run_at <= now,
            )
            .order_by(jobs.c.next_run_at)
            .limit(limit)
        )

    def schedule(
        self, plans: Sequence[tuple[Row[Any], datetime, datetime | None]], now: datetime
    ) -> int:
        """For each ``(job, due, following)``: move the job's next run time on, and if this
        process is the one that moved it, queue the execution for ``due`` (``skipped`` while an
        earlier one is still in progress). One transaction for the whole batch."""
        if not plans:
            return 0
        created = 0
        with self._locked(), self._begin() as c:
            active = {
                (r.team, r.job): r.id
                for r in c.execute(
                    select(executions.c.team, executions.c.job, executions.c.id).where(
                        executions.c.status.in_(ACTIVE_STATUSES)
                    )
                )
            }
            rows = []
            for job, due, following in plans:
                moved = c.execute(
                    update(jobs)
                    .where(
                        jobs.c.team == job.team,
                        jobs.c.name == job.name,
                        jobs.c.next_run_at == job.next_run_at,
                    )
                    .values(next_run_at=following)
                )
                if moved.rowcount != 1:
                    continue  # another process scheduled it
                running = active.get((job.team, job.name))
                execution_id = new_run_id()
                rows.append(dict(
                    id=execution_id, team=job.team, job=job.name, version=job.active_version,
                    status="skipped" if running else "submitted", trigger="schedule",
                    arguments={}, attempt=1, retry_of=None, scheduled_for=due, not_before=now,
                    created_at=now, finished_at=now if running else None, steps=[], notified=[],
                    message=f"execution {running} was still in progress" if running else None,
                ))  # fmt: skip
                if not running:
                    active[(job.team, job.name)] = execution_id
                created += 1
            if rows:
                c.execute(insert(executions), rows)
        return created

    # -- properties and secrets -----------------------------------------------------------------

    def properties(self, team: str, job: str) -> dict[str, Any]:
        self.job(team, job)
        with self.engine.connect() as c:
            row = c.execute(
                select(properties.c.data).where(properties.c.team == team, properties.c.job == job)
            ).first()
        return dict(row.data) if row is not None else {}

    def set_properties(self, team: str, job: str, data: Mapping[str, Any]) -> dict[str, Any]:
        with self._locked(), self._begin() as c:
            self.job(team, job, c)
            c.execute(delete(properties).where(properties.c.team == team, properties.c.job == job))
            c.execute(insert(properties).values(team=team, job=job, data=dict(data)))
        return dict(data)

    def set_secret(self, team: str, job: str, name: str, ciphertext: bytes) -> None:
        with self._locked(), self._begin() as c:
            self.job(team, job, c)
            c.execute(
                delete(secrets).where(
                    secrets.c.team == team, secrets.c.job == job, secrets.c.name == name
                )
            )
            c.execute(
                insert(secrets).values(
                    team=team, job=job, name=name, ciphertext=ciphertext, updated_at=utcnow()
                )
            )

    def delete_secret(self, team: str, job: str, name: str) -> None:
        with self._begin() as c:
            result = c.execute(
                delete(secrets).where(
                    secrets.c.team == team, secrets.c.job == job, secrets.c.name == name
                )
            )
        if result.rowcount == 0:
            raise NotFoundError(f"secret {name!r} not found")

    def secrets(self, team: str, job: str) -> dict[str, bytes]:
        self.job(team, job)
        with self.engine.connect() as c:
            rows = c.execute(
                select(secrets.c.name, secrets.c.ciphertext)
                .where(secrets.c.team == team, secrets.c.job == job)
                .order_by(secrets.c.name)
            )
            return {r.name: bytes(r.ciphertext) for r in rows}

    def any_secrets(self) -> bool:
        with self.engine.connect() as c:
            return c.execute(select(secrets.c.name).limit(1)).first() is not None


class _NullLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
