"""Scale-out executor: each attempt runs on a worker of a Dask distributed cluster.

A Dask task runs the attempt's ``dataops run`` command as a subprocess of the worker, in its
own session (process group) with a parent-death signal, and returns its exit code. The run
record (``run.json``, ``log.txt``, the output notebook) is written to the attempt's record
folder, which the control service then reads.

Requirements of the cluster:

- **A shared filesystem.** The control service's artifacts folder (deployments and execution
  records) must be mounted at the same path on every worker, and ``dataops_jupyter`` installed
  in the workers' environment. The ``--public-url`` of the service must be reachable from the
  workers (jobs read their properties through it).
- **Scheduler settings.** ``distributed.scheduler.allowed-failures: 0`` so that a task whose
  worker dies fails at once (``KilledWorker``) instead of being run again elsewhere, and
  ``distributed.scheduler.worker-saturation: 1.0`` so that tasks wait on the scheduler rather
  than in a worker's queue, where a worker's death would fail them too. Set them in the
  scheduler's Dask configuration or environment
  (``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=0``,
  ``DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION=1.0``); the executor logs a warning when
  they differ. Use ``tls://`` addresses where the network is not trusted: an attempt carries
  the execution's API token.

When a worker dies, exactly the attempt it was running ends as ``platform_error`` (its runner
and kernel die with the worker) and the control service retries it by the job's own policy,
as a new attempt with a new key. Each task claims its record folder before it starts the
runner, so an attempt that Dask would run a second time (a result lost with its worker) is
never run twice. Cancel stops the runner on its worker; the attempt ends ``cancelled``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from .base import Attempt, Executor, OnFinished, Outcome, outcome_from_record
from .local import die_with_parent

log = logging.getLogger("dataops.control_service.dask")

#: Written by the task before it starts the runner: where it runs (and proof that it ran).
CLAIM_FILE = "dask-attempt.json"
#: Written by the control service when the user cancels, before it tells the workers.
CANCEL_FILE = "cancel-requested"
#: Seconds a cancelled runner has to record its end before its process group is killed.
CANCEL_GRACE = 10.0
#: Seconds between connection attempts while the scheduler cannot be reached.
RECONNECT_DELAY = 5.0
_KEY_PREFIX = "dataops-attempt-"
_FINAL_RUN_STATUSES = ("succeeded", "failed", "cancelled", "timed_out")

# -- on the worker ------------------------------------------------------------------------------

#: The runner processes of this worker process, by execution id.
_RUNNING: dict[str, subprocess.Popen[bytes]] = {}
_LOCK = threading.Lock()


def _worker_address() -> str | None:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return None


def run_attempt(attempt: Attempt) -> dict[str, Any]:
    """The Dask task: run ``dataops run`` for ``attempt`` and return its exit code.

    Returns ``{"exit_code": int | None, "worker": str | None, "skipped": reason | None}``; an
    attempt that was already claimed (run before) or cancelled before it started is skipped.
    """
    folder = attempt.record_folder
    folder.mkdir(parents=True, exist_ok=True)
    worker = _worker_address()
    try:
        claim = os.open(folder / CLAIM_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return {"exit_code": None, "worker": worker, "skipped": "already ran"}
    try:
        with _LOCK:
            if (folder / CANCEL_FILE).exists():
                os.close(claim)
                return {"exit_code": None, "worker": worker, "skipped": "cancelled"}
            with (folder / "runner.out").open("wb") as output:
                process = subprocess.Popen(
                    attempt.command(sys.executable),
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=output,
                    env=attempt.environment(),
                    start_new_session=True,
                    preexec_fn=die_with_parent,  # this thread waits for it until it ends
                )
            _RUNNING[attempt.execution_id] = process
    except BaseException:
        os.close(claim)
        raise
    with os.fdopen(claim, "w", encoding="utf-8") as handle:
        json.dump(
            {"worker": worker, "host": socket.gethostname(), "runner_pid": process.pid,
             "started": time.time()},
            handle,
        )  # fmt: skip
    try:
        code = process.wait()
    finally:
        with _LOCK:
            _RUNNING.pop(attempt.execution_id, None)
    return {"exit_code": code, "worker": worker, "skipped": None}


def stop_attempt(execution_id: str, grace: float = CANCEL_GRACE) -> bool:
    """Run on every worker by cancel: SIGTERM the attempt's runner if it runs here (it stops
    its kernel and records the run as cancelled), and kill its process group after ``grace``
    seconds if it is still there. Returns whether the attempt runs in this worker."""
    with _LOCK:
        process = _RUNNING.get(execution_id)
    if process is None:
        return False
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)

    def escalate() -> None:
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return
            time.sleep(0.1)
        if process.poll() is None:
            from ...runner.execute import kill_process_group  # heavy: only when needed

            kill_process_group(process.pid)

    threading.Thread(target=escalate, name=f"stop-{execution_id}", daemon=True).start()
    return True


# -- in the control service ---------------------------------------------------------------------


def _ended_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps of a run whose runner died: the running one failed, the pending ones never ran."""
    ended = {"running": "failed", "pending": "skipped"}
    return [{**s, "status": ended.get(str(s.get("status")), s.get("status"))} for s in steps]


class DaskExecutor(Executor):
    """Attempts as tasks on a Dask cluster, at most ``size`` at once (``0``: as many as the
    cluster has worker threads), never more than the cluster's free threads."""

    def __init__(self, on_finished: OnFinished, scheduler_address: str, size: int = 0) -> None:
        super().__init__(on_finished)
        self.scheduler_address = scheduler_address
        self.size = size
        self._client: Any = None
        self._connecting: asyncio.Task[Any] | None = None
        self._next_connect = 0.0
        self._futures: dict[str, Any] = {}
        self._attempts: dict[str, Attempt] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cancelled: set[str] = set()

    # -- connection ---------------------------------------------------------------------------

    async def _connect(self) -> Any:
        from distributed import Client

        client = await Client(  # type: ignore[no-untyped-call]
            self.scheduler_address, asynchronous=True, set_as_default=False, timeout="10s"
        )
        try:
            await self._check_scheduler(client)
        except Exception as exc:  # the check is advice; a cluster that hides its config runs
            log.debug("could not read the Dask scheduler's settings: %s", exc)
        log.info("connected to the Dask scheduler at %s", self.scheduler_address)
        self._client = client
        return client

    async def _check_scheduler(self, client: Any) -> None:
        def settings() -> tuple[Any, Any]:
            import dask

            return (
                dask.config.get("distributed.scheduler.allowed-failures"),
                dask.config.get("distributed.scheduler.worker-saturation"),
            )

        allowed_failures, saturation = await client.run_on_scheduler(settings)
        if int(allowed_failures) != 0 or float(saturation) > 1.0:
            log.warning(
                "the Dask scheduler at %s has allowed-failures=%s and worker-saturation=%s: "
                "start it with allowed-failures 0 and worker-saturation 1.0, else a dying "
                "worker can run attempts twice or fail attempts it had not started",
                self.scheduler_address, allowed_failures, saturation,
            )  # fmt: skip

    def _connect_soon(self) -> None:
        if self._connecting is not None or time.monotonic() < self._next_connect:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return

        def done(task: asyncio.Task[Any]) -> None:
            self._connecting = None
            if not task.cancelled() and task.exception() is not None:
                self._next_connect = time.monotonic() + RECONNECT_DELAY
                log.warning(
                    "cannot reach the Dask scheduler at %s: %s",
                    self.scheduler_address, task.exception(),
                )  # fmt: skip

        self._connecting = asyncio.ensure_future(self._connect())
        self._connecting.add_done_callback(done)

    async def _ready(self) -> Any:
        if self._client is not None:
            return self._client
        if self._connecting is not None:
            return await asyncio.shield(self._connecting)
        return await self._connect()

    def _threads(self) -> int:
        info = self._client.scheduler_info()
        if "total_threads" in info:
            return int(info["total_threads"])
        return sum(int(w.get("nthreads", 0)) for w in info.get("workers", {}).values())

    # -- the executor seam --------------------------------------------------------------------

    def free_slots(self) -> int:
        if self._client is not None and self._client.status in ("closing", "closed", "failed"):
            self._client = None  # it gave up reconnecting: start over with a new client
        if self._client is None:
            self._connect_soon()
            return 0
        if self._client.status != "running":
            return 0  # reconnecting on its own
        threads = self._threads()
        limit = min(threads, self.size) if self.size > 0 else threads
        return max(limit - len(self._futures), 0)

    def running(self) -> set[str]:
        return set(self._futures)

    async def start(self, attempt: Attempt) -> None:
        client = await self._ready()
        attempt.record_folder.mkdir(parents=True, exist_ok=True)
        future = client.submit(
            run_attempt, attempt, key=_KEY_PREFIX + attempt.execution_id, pure=False, retries=0
        )
        self._futures[attempt.execution_id] = future
        self._attempts[attempt.execution_id] = attempt
        task = asyncio.ensure_future(self._wait(attempt, future))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _wait(self, attempt: Attempt, future: Any) -> None:
        from distributed import KilledWorker

        execution_id = attempt.execution_id
        result: dict[str, Any] = {}
        lost = ""
        try:
            result = await future
        except KilledWorker:
            lost = "the Dask worker running the attempt died or left the cluster"
        except concurrent.futures.CancelledError:
            lost = "the Dask cluster dropped the attempt (the scheduler was lost or restarted)"
        except Exception as exc:
            lost = f"the attempt failed on the Dask cluster: {type(exc).__name__}: {exc}"
        finally:
            self._futures.pop(execution_id, None)
            self._attempts.pop(execution_id, None)
            with contextlib.suppress(Exception):
                future.release()  # the result is read: nothing stays on the cluster
        outcome = await asyncio.to_thread(self._outcome, attempt, result, lost)
        if execution_id in self._cancelled:
            self._cancelled.discard(execution_id)
            outcome.status, outcome.message = "cancelled", "cancelled by the user"
        await self.on_finished(execution_id, outcome)

    def _outcome(self, attempt: Attempt, result: dict[str, Any], lost: str) -> Outcome:
        folder = attempt.record_folder
        code = result.get("exit_code")
        if result.get("skipped") == "cancelled":
            return Outcome("cancelled", "cancelled by the user")
        tail = ""
        with contextlib.suppress(OSError):
            tail = (folder / "runner.out").read_text(errors="replace")
        outcome = outcome_from_record(folder, code, tail)
        if not lost and not result.get("skipped"):
            return outcome
        # The worker died, the result was lost, or Dask offered the attempt a second time:
        # the run record says whether the run had ended; if not, the platform failed it.
        with contextlib.suppress(OSError, json.JSONDecodeError):
            record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
            if record.get("status") in _FINAL_RUN_STATUSES:
                return outcome
        message = lost or "Dask offered the attempt again after it had started; it was not rerun"
        return Outcome("platform_error", message, _ended_steps(outcome.steps), outcome.error)

    async def cancel(self, execution_id: str) -> None:
        future = self._futures.get(execution_id)
        attempt = self._attempts.get(execution_id)
        if future is None or attempt is None or self._client is None:
            return
        self._cancelled.add(execution_id)
        # First the marker (a task that has not started yet sees it and does not start the
        # runner), then every worker is asked to stop the attempt if it runs there.
        await asyncio.to_thread((attempt.record_folder / CANCEL_FILE).touch)
        found = False
        with contextlib.suppress(Exception):
            replies = await self._client.run(stop_attempt, execution_id, on_error="return")
            found = any(reply is True for reply in replies.values())
        if not found and future.status == "pending":
            with contextlib.suppress(Exception):
                await self._client.cancel([future], reason="cancelled by the user")

    async def close(self) -> None:
        for execution_id in list(self._futures):
            await self.cancel(execution_id)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=CANCEL_GRACE + 5)
        for task in list(self._tasks):
            task.cancel()
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(BaseException):
                await self._connecting
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(Exception):
                await client.close(timeout=10)
