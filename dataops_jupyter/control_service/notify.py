"""Notifications about a job's executions and deployments, per its ``[notify]`` table.

Events and the ``job.toml`` keys naming their targets:

- ``user_error`` and ``platform_error`` → ``on_failure`` (once the last attempt has failed),
- ``succeeded`` → ``on_success``, ``deployed`` → ``on_deploy``,
- ``delayed`` → ``on_delay``: a scheduled execution has not succeeded ``delay_minutes`` after
  its scheduled time (retries of it count).

A target is an http(s) URL (a webhook: Slack-compatible JSON ``{"text": …}`` plus structured
fields) or an email address (SMTP, with the service's ``--smtp-*`` settings); the first
:class:`Notifier` in :data:`NOTIFIERS` that accepts a target delivers to it.

The API and the scheduler loop only queue work; background threads look up the targets and
send, each delivery with a timeout and a few retries. Failures are logged and never reach the
service. An execution's events are recorded in ``executions.notified`` before they are sent,
so a restart or a second service process never sends one twice. Secret values of the job are
masked in every message.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import queue
import smtplib
import threading
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Row

from .. import __version__
from ..errors import NotFoundError

if TYPE_CHECKING:
    from .service import ControlService

log = logging.getLogger("dataops.control_service.notify")

#: The ``[notify]`` key that lists each event's targets.
EVENT_KEYS = {
    "user_error": "on_failure",
    "platform_error": "on_failure",
    "succeeded": "on_success",
    "deployed": "on_deploy",
    "delayed": "on_delay",
}
#: Execution statuses that are events of their own.
EXECUTION_EVENTS = ("user_error", "platform_error", "succeeded")


class DeliveryRefused(Exception):
    """A delivery that retrying cannot fix (no SMTP server set, a 4xx answer)."""


@dataclass
class Message:
    """One notification: a one-line title, detail lines and structured fields."""

    event: str
    title: str
    lines: list[str]
    fields: dict[str, Any]
    #: Long detail (a traceback's end) for channels with room for it (email).
    details: str = ""

    @property
    def text(self) -> str:
        return "\n".join([self.title, *self.lines])

    def redacted(self, mask: Callable[[str], str]) -> Message:
        return Message(
            self.event,
            mask(self.title),
            [mask(line) for line in self.lines],
            _mask_values(self.fields, mask),
            mask(self.details),
        )


def _mask_values(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {k: _mask_values(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_values(v, mask) for v in value]
    return value


@dataclass
class NotifySettings:
    """How deliveries go out."""

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "dataops@localhost"
    #: Seconds one delivery attempt may take.
    timeout: float = 10.0


class Notifier(ABC):
    """Delivers messages to one kind of target."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings

    @classmethod
    @abstractmethod
    def accepts(cls, target: str) -> bool:
        """Whether ``target`` is this notifier's kind."""

    @abstractmethod
    def send(self, message: Message, target: str) -> None:
        """Deliver once; raise on failure (:class:`DeliveryRefused` when retrying is futile)."""

    def describe(self, target: str) -> str:
        """The target as logs may show it."""
        return target


class WebhookNotifier(Notifier):
    """POSTs Slack-compatible JSON: ``text`` for chat tools, the fields for everything else."""

    @classmethod
    def accepts(cls, target: str) -> bool:
        return target.startswith(("https://", "http://"))

    def payload(self, message: Message) -> dict[str, Any]:
        return {"text": message.text, **message.fields}

    def send(self, message: Message, target: str) -> None:
        request = urllib.request.Request(
            target,
            data=json.dumps(self.payload(message), default=str).encode(),
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"dataops-jupyter/{__version__}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as response:
                response.read(65536)
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise DeliveryRefused(f"the webhook answered {exc.code} {exc.reason}") from None
            raise

    def describe(self, target: str) -> str:
        # Webhook paths often carry a token: logs show the host only.
        parts = urlsplit(target)
        return f"{parts.scheme}://{parts.netloc}/…"


class EmailNotifier(Notifier):
    """Sends a plain-text email through the service's SMTP server."""

    @classmethod
    def accepts(cls, target: str) -> bool:
        return "@" in target and not WebhookNotifier.accepts(target)

    def email(self, message: Message, target: str) -> EmailMessage:
        email = EmailMessage()
        email["Subject"] = message.title
        email["From"] = self.settings.smtp_from
        email["To"] = target
        email["Date"] = formatdate()
        email["Message-ID"] = make_msgid(domain=self.settings.smtp_from.rpartition("@")[2] or None)
        body = "\n".join(message.lines)
        if message.details:
            body += "\n\n" + message.details
        email.set_content(body + "\n\n-- \ndataops-jupyter control service\n")
        return email

    def send(self, message: Message, target: str) -> None:
        if not self.settings.smtp_host:
            raise DeliveryRefused(
                "no SMTP server is set: start the control service with --smtp-host "
                "(or DATAOPS_SMTP_HOST)"
            )
        timeout = self.settings.timeout
        try:
            with smtplib.SMTP(
                self.settings.smtp_host, self.settings.smtp_port, timeout=timeout
            ) as s:
                s.send_message(self.email(message, target))
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise DeliveryRefused(f"the SMTP server refused the message: {exc}") from None


#: Notifier kinds in the order they are asked whether they accept a target.
NOTIFIERS: list[type[Notifier]] = [WebhookNotifier, EmailNotifier]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _first_line(text: str, limit: int = 200) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _when(iso: str) -> str:
    """An ISO time as people read it in a message."""
    return f"{datetime.fromisoformat(iso):%Y-%m-%d %H:%M:%S} UTC"


@dataclass(eq=False)
class Notifications:
    """Decides what to announce and sends it from background threads.

    ``ControlService`` owns one: :meth:`execution_finished` is one of its listeners,
    :meth:`deployed` follows a deploy and :meth:`tick` runs with the scheduler's tick.
    """

    service: ControlService
    #: Delivery attempts per target, and the pause before the first retry (doubling).
    attempts: int = 3
    backoff: float = 1.0
    threads: int = 4
    #: Seconds between checks for delayed executions.
    delay_check_every: float = 15.0
    #: How far back a restart looks for unannounced executions, and how long after its
    #: deadline a delayed execution is still announced.
    horizon: timedelta = timedelta(hours=1)
    settings: NotifySettings = field(init=False)
    _queue: queue.Queue[Callable[[], None] | None] = field(init=False)
    _workers: list[threading.Thread] = field(init=False, default_factory=list)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _last_delay_check: float = field(init=False, default=-math.inf)
    _delay_check_queued: bool = field(init=False, default=False)
    _swept: bool = field(init=False, default=False)
    _closed: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        config = self.service.config
        self.settings = NotifySettings(
            smtp_host=getattr(config, "smtp_host", None),
            smtp_port=getattr(config, "smtp_port", 25),
            smtp_from=getattr(config, "smtp_from", "dataops@localhost"),
        )
        self._queue = queue.Queue()

    # -- entry points (never block, never raise) -----------------------------------------------

    async def execution_finished(self, row: Row[Any]) -> None:
        """Listener of ``ControlService``: an execution has ended."""
        execution_id = row.id
        self._put(lambda: self._announce_execution(execution_id))

    def deployed(self, row: Row[Any]) -> None:
        """A deploy has made ``row`` (a deployment) the active version."""
        team, job, version = row.team, row.job, row.version
        self._put(lambda: self._announce_deployment(team, job, version))

    def tick(self, now: datetime) -> None:
        """With each scheduler tick: the first one looks for executions that ended while no
        service announced them; later ones check for delayed executions now and then."""
        try:
            if not self._swept:
                self._swept = True
                self._put(lambda: self._sweep(now))
            due = time.monotonic() - self._last_delay_check >= self.delay_check_every
            if due and not self._delay_check_queued:
                self._delay_check_queued = True
                self._last_delay_check = time.monotonic()
                self._put(lambda: self._delay_check(now))
        except Exception:
            log.exception("could not queue notification checks")

    def wait_idle(self, timeout: float) -> bool:
        """Wait until queued work is done; False if some is still going after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self, timeout: float = 5.0) -> None:
        """Give queued deliveries ``timeout`` seconds, then stop the threads."""
        if not self.wait_idle(timeout):
            log.warning("notifications still being sent at shutdown were given up")
        with self._lock:
            self._closed = True
            for _ in self._workers:
                self._queue.put(None)
            self._workers.clear()

    # -- the worker threads --------------------------------------------------------------------

    def _put(self, work: Callable[[], None]) -> None:
        with self._lock:
            if self._closed:
                log.warning("the service is stopping: a notification was not sent")
                return
            while len(self._workers) < self.threads:
                worker = threading.Thread(
                    target=self._work, name=f"dataops-notify-{len(self._workers)}", daemon=True
                )
                worker.start()
                self._workers.append(worker)
            self._queue.put(work)

    def _work(self) -> None:
        while True:
            work = self._queue.get()
            try:
                if work is None:
                    return
                work()
            except Exception:
                log.exception("a notification task failed")
            finally:
                self._queue.task_done()

    def _deliver(self, message: Message, targets: list[str], team: str, job: str) -> None:
        message = message.redacted(self.service.masker(team, job).text)
        for target in targets:
            kind = next((n for n in NOTIFIERS if n.accepts(target)), None)
            if kind is None:
                log.warning("no notifier for target %r of %s/%s", target, team, job)
                continue
            self._put(functools.partial(self._send, kind(self.settings), message, target))

    def _send(self, notifier: Notifier, message: Message, target: str) -> None:
        fields = message.fields
        about = f"{fields.get('team')}/{fields.get('job')}"
        if fields.get("execution_id"):
            about += f" execution {fields['execution_id']}"
        where = f"{notifier.describe(target)} about {about}"
        for attempt in range(1, self.attempts + 1):
            try:
                notifier.send(message, target)
            except DeliveryRefused as exc:
                log.warning("%s notification to %s not sent: %s", message.event, where, exc)
                return
            except Exception as exc:
                if attempt >= self.attempts:
                    log.warning(
                        "%s notification to %s failed after %d attempts: %s",
                        message.event, where, attempt, exc,
                    )  # fmt: skip
                    return
                time.sleep(self.backoff * 2 ** (attempt - 1))
            else:
                log.info("sent %s notification to %s", message.event, where)
                return

    # -- what to announce ----------------------------------------------------------------------

    def _targets(self, notify: Any, event: str) -> list[str]:
        targets = (notify or {}).get(EVENT_KEYS[event]) or []
        return [t for t in targets if isinstance(t, str)]

    def _announce_execution(self, execution_id: str) -> None:
        store = self.service.store
        row = store.execution_by_id(execution_id)
        if row is None or row.status not in EXECUTION_EVENTS:
            return
        if row.status in (row.notified or []):
            return
        try:
            job = store.job(row.team, row.job)
        except NotFoundError:
            return
        event = row.status
        targets = self._targets(job.notify, event)
        if not targets:
            return
        if event != "succeeded" and store.retries_of(row.team, row.job, row.id):
            return  # a retry follows: the attempt that ends the chain reports
        if not store.mark_notified(row.id, event):
            return
        self._deliver(self.execution_message(event, row), targets, row.team, row.job)

    def _announce_deployment(self, team: str, job: str, version: int) -> None:
        try:
            deployment = self.service.store.deployment(team, job, version)
        except NotFoundError:
            return
        targets = self._targets((deployment.config or {}).get("notify"), "deployed")
        if targets:
            self._deliver(self.deployment_message(deployment), targets, team, job)

    def _sweep(self, now: datetime) -> None:
        for row in self.service.store.finished_since(now - self.horizon):
            self._announce_execution(row.id)

    def _delay_check(self, now: datetime) -> None:
        try:
            self.check_delays(now)
        finally:
            self._delay_check_queued = False

    def check_delays(self, now: datetime) -> int:
        """Announce scheduled executions that missed their deadline; returns how many."""
        store = self.service.store
        announced = 0
        for job in store.delay_watched_jobs():
            targets = self._targets(job.notify, "delayed")
            if not targets:
                continue
            allowed = timedelta(minutes=job.delay_alert_minutes)
            latest = now - allowed
            for row in store.scheduled_between(job.team, job.name, latest - self.horizon, latest):
                if "delayed" in (row.notified or []):
                    continue
                deadline = row.scheduled_for + allowed
                chain = self._chain(row)
                if any(
                    r.status == "succeeded" and r.finished_at and r.finished_at <= deadline
                    for r in chain
                ):
                    continue
                if not store.mark_notified(row.id, "delayed"):
                    continue
                message = self.delay_message(row, chain[-1], job.delay_alert_minutes)
                self._deliver(message, targets, job.team, job.name)
                announced += 1
        return announced

    def _chain(self, row: Row[Any]) -> list[Row[Any]]:
        """An execution followed by its retries, in order."""
        chain = [row]
        for _ in range(50):
            retries = self.service.store.retries_of(row.team, row.job, chain[-1].id)
            if not retries:
                break
            chain.append(min(retries, key=lambda r: r.created_at))
        return chain

    # -- messages ------------------------------------------------------------------------------

    def _url(self, path: str) -> str | None:
        base = getattr(self.service.config, "public_url", None)
        return f"{base.rstrip('/')}/api/v1/teams/{path}" if base else None

    def _failure(self, row: Row[Any]) -> tuple[str | None, dict[str, Any] | None]:
        """The failing step's name and its error (without the traceback)."""
        error = dict(row.error) if isinstance(row.error, dict) else None
        step = error.get("step") if error else None
        if step is None:
            failed = [s for s in row.steps or [] if s.get("status") == "failed"]
            step = failed[0].get("name") if failed else None
        if error is not None:
            error.pop("traceback", None)
        return step, error

    def execution_fields(self, row: Row[Any]) -> dict[str, Any]:
        step, error = self._failure(row)
        duration = None
        if row.started_at and row.finished_at:
            duration = round((row.finished_at - row.started_at).total_seconds(), 3)
        return {
            "team": row.team,
            "job": row.job,
            "execution_id": row.id,
            "status": row.status,
            "version": row.version,
            "trigger": row.trigger,
            "attempt": row.attempt,
            "scheduled_for": _iso(row.scheduled_for),
            "started_at": _iso(row.started_at),
            "finished_at": _iso(row.finished_at),
            "duration_seconds": duration,
            "step": step,
            "error": error,
            "message": row.message,
            "url": self._url(f"{row.team}/jobs/{row.job}/executions/{row.id}"),
        }

    def _execution_lines(self, fields: dict[str, Any]) -> list[str]:
        lines = [
            f"Job: {fields['job']}",
            f"Team: {fields['team']}",
            f"Execution: {fields['execution_id']} (attempt {fields['attempt']}, "
            f"{fields['trigger']}, version {fields['version']})",
            f"Status: {fields['status']}",
        ]
        if fields["scheduled_for"]:
            lines.append(f"Scheduled for: {_when(fields['scheduled_for'])}")
        if fields.get("deadline"):
            lines.append(
                f"Deadline: {_when(fields['deadline'])} ({fields['delay_minutes']} min after the "
                "scheduled time)"
            )
        if fields["step"]:
            lines.append(f"Failing step: {fields['step']}")
        error = fields["error"]
        if error:
            lines.append(f"Error: {error.get('ename', 'Error')}: {error.get('evalue', '')}")
        elif fields["message"]:
            lines.append(f"Message: {fields['message']}")
        if fields["duration_seconds"] is not None:
            lines.append(f"Duration: {_duration(fields['duration_seconds'])}")
        if fields["url"]:
            lines.append(f"Link: {fields['url']}")
        return lines

    def _traceback(self, row: Row[Any]) -> str:
        error = row.error if isinstance(row.error, dict) else {}
        text = str(error.get("traceback") or "")
        tail = "\n".join(text.rstrip().splitlines()[-30:])[-4000:]
        return f"Traceback (last lines):\n{tail}" if tail else ""

    def execution_message(self, event: str, row: Row[Any]) -> Message:
        fields = {"event": event, **self.execution_fields(row)}
        name = f"{row.team}/{row.job}"
        if event == "succeeded":
            title = f"{name} succeeded ({_duration(fields['duration_seconds'])})"
        elif fields["step"] and fields["error"]:
            error = fields["error"]
            title = (
                f"{name} failed in step '{fields['step']}': "
                f"{error.get('ename', 'Error')}: {_first_line(str(error.get('evalue', '')))}"
            )
        else:
            kind = "platform error" if event == "platform_error" else "failed"
            title = f"{name} {kind}: {_first_line(row.message or row.status)}"
        if row.attempt > 1 and event != "succeeded":
            title += f" (after {row.attempt} attempts)"
        details = self._traceback(row) if event != "succeeded" else ""
        return Message(event, title, self._execution_lines(fields), fields, details)

    def delay_message(self, row: Row[Any], latest: Row[Any], minutes: int) -> Message:
        fields = {
            "event": "delayed",
            **self.execution_fields(latest),
            "scheduled_execution_id": row.id,
            "scheduled_for": _iso(row.scheduled_for),
            "delay_minutes": minutes,
            "deadline": _iso(row.scheduled_for + timedelta(minutes=minutes)),
        }
        title = (
            f"{row.team}/{row.job} is late: the run scheduled for "
            f"{row.scheduled_for:%Y-%m-%d %H:%M} UTC has not succeeded within {minutes} min"
        )
        if latest.status == "succeeded":
            title = (
                f"{row.team}/{row.job} was late: the run scheduled for "
                f"{row.scheduled_for:%Y-%m-%d %H:%M} UTC succeeded after its {minutes} min"
            )
        return Message("delayed", title, self._execution_lines(fields), fields)

    def deployment_message(self, row: Row[Any]) -> Message:
        fields = {
            "event": "deployed",
            "team": row.team,
            "job": row.job,
            "version": row.version,
            "status": "deployed",
            "created_at": _iso(row.created_at),
            "created_by": row.created_by,
            "reason": row.reason,
            "content_hash": row.content_hash,
            "url": self._url(f"{row.team}/jobs/{row.job}/deployments/{row.version}"),
        }
        lines = [
            f"Job: {row.job}",
            f"Team: {row.team}",
            f"Version: {row.version} (content {row.content_hash[:12]})",
            f"Deployed by: {row.created_by or '-'}",
        ]
        if row.reason:
            lines.append(f"Reason: {row.reason}")
        if fields["url"]:
            lines.append(f"Link: {fields['url']}")
        title = f"{row.team}/{row.job}: version {row.version} deployed"
        return Message("deployed", title, lines, fields)
