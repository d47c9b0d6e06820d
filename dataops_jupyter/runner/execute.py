"""Running a job with papermill in a fresh kernel: per-step progress, log, cancel, timeout."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from kernel_magics.context import source_digest
from kernel_magics.report import RUN_DIR_ENV, STEPS_FILE

from ..jobs import Job, check_arguments
from .notebook import STEP_METADATA, build_execution_notebook
from .records import (
    LOG_FILE,
    OUTPUT_FILE,
    RunRecord,
    StepError,
    StepReport,
    StepResult,
    planned_record,
    run_folder,
    save_record,
    utcnow,
)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_SETUP = "parameters"
_RUNNER = "dataops"
#: The kernel process's own output (start-up warnings, crashes), apart from cell output.
KERNEL_LOG_FILE = "kernel.log"

#: Called with the event name (``run_started``, ``step_started``, ``step_finished``,
#: ``run_finished``), the run record and the step concerned (``None`` for run events).
RunListener = Callable[[str, RunRecord, StepResult | None], None]


def process_alive(pid: int | None) -> bool:
    """Whether a process with this id exists (it may belong to another user)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_process_group(pgid: int | None) -> None:
    """SIGKILL every process of a process group (a kernel and whatever it started)."""
    if pgid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (kernels colour their tracebacks)."""
    return _ANSI.sub("", text)


class StepLog:
    """The run's ``log.txt``: every line prefixed with the step that printed it."""

    def __init__(self, path: Path, echo: Callable[[str], object] | None = None) -> None:
        # Readable by its owner alone: the log holds whatever the job printed.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        self._handle: IO[str] = open(fd, "a", encoding="utf-8")  # noqa: SIM115
        self._echo = echo
        self._lock = threading.Lock()
        self.step = _SETUP
        self._at_line_start = True

    def write(self, text: str, step: str | None = None) -> int:
        prefix = f"[{step or self.step}] "
        with self._lock:
            out = []
            for piece in text.splitlines(keepends=True):
                if self._at_line_start:
                    out.append(prefix)
                out.append(piece)
                self._at_line_start = piece.endswith("\n")
            chunk = "".join(out)
            self._handle.write(chunk)
            self._handle.flush()
        if self._echo is not None:
            self._echo(chunk)
        return len(text)

    def line(self, text: str) -> None:
        """A whole line from the runner itself, starting on a fresh line."""
        self.write(("" if self._at_line_start else "\n") + text + "\n", step=_RUNNER)

    def flush(self) -> None:
        with self._lock:
            self._handle.flush()

    def close(self) -> None:
        with self._lock:
            self._handle.close()


class _QuietWhenStopped(logging.Filter):
    """Drops the executor's "Kernel died" message when the run stopped its kernel on purpose
    (cancel, timeout): the run then reports the cancel, not a crash."""

    def __init__(self, run: JobRun) -> None:
        super().__init__()
        self.run = run

    def filter(self, record: logging.LogRecord) -> bool:
        stopped = self.run.stop_reason is not None
        return not (stopped and record.getMessage().startswith("Kernel died"))


class JobRun:
    """One run of a job. ``run()`` blocks until it ends; ``cancel()`` may be called from any
    thread (or a signal handler) and stops the kernel's whole process group."""

    def __init__(
        self,
        job: Job,
        arguments: Mapping[str, Any] | None = None,
        *,
        run_id: str | None = None,
        listener: RunListener | None = None,
        timeout: float | None = None,
        echo: Callable[[str], object] | None = None,
        record_folder: Path | None = None,
    ) -> None:
        self.job = job
        self.echo = echo
        self.arguments = check_arguments(arguments or {}, job.parameters)
        self.timeout = timeout if timeout is not None else job.config.timeout
        self.listener = listener
        self.record = planned_record(job, self.arguments, run_id)
        self.record.runner_pid = os.getpid()
        self.folder = record_folder or run_folder(job.folder, self.record.run_id)
        self._steps = {s.name: s for s in self.record.steps}
        self._current: StepResult | None = None
        self._stop_reason: str | None = None
        self._kernel_pgid: int | None = None
        self._lock = threading.Lock()
        self._started_at = 0.0
        self._step_clock = 0.0
        self._log: StepLog | None = None
        self._sockets: Path | None = None
        #: The step that ended the notebook early (``sys.exit(0)``) and the call it made.
        self._ended: tuple[str, str] | None = None
        #: How far ``steps.jsonl`` (what the kernel reports of each step) has been read.
        self._reports_read = 0

    # -- control -----------------------------------------------------------------------------

    def cancel(self) -> None:
        """Stop the run; it ends as ``cancelled``."""
        self._stop("cancelled")

    @property
    def stop_reason(self) -> str | None:
        """``cancelled`` or ``timed_out`` once the run was told to stop, else ``None``."""
        return self._stop_reason

    def _stop(self, reason: str) -> None:
        with self._lock:
            if self._stop_reason is None:
                self._stop_reason = reason
            pgid = self._kernel_pgid
        kill_process_group(pgid)

    def _kernel_started(self, pgid: int | None) -> None:
        with self._lock:
            self._kernel_pgid = pgid
            stopping = self._stop_reason is not None
        self.record.kernel_pgid = pgid
        self._save()
        if stopping:
            self._stop(self._stop_reason or "cancelled")

    # -- events ------------------------------------------------------------------------------

    def _save(self) -> None:
        save_record(self.folder, self.record)

    def _emit(self, event: str, step: StepResult | None = None) -> None:
        self._save()
        if self.listener is not None:
            self.listener(event, self.record, step)

    def _on_cell_start(self, cell: Any, cell_index: int, **_: Any) -> None:
        info = cell.get("metadata", {}).get(STEP_METADATA)
        if not info or self._log is None:
            return
        step = self._steps[info["step"]]
        if not str(cell.get("source", "")).strip():
            # The kernel is never asked to run an empty cell, so no reply will come.
            step.status, step.reason = "skipped", "its cell is empty"
            self._log.line(f"step {step.name!r} skipped: its cell is empty")
            self._emit("step_finished", step)
            return
        step.status, step.started_at = "running", utcnow()
        self._current, self._step_clock = step, time.monotonic()
        self._log.step = step.name
        self._log.line(f"step {step.name!r} started")
        self._emit("step_started", step)

    def _on_cell_executed(self, cell: Any, cell_index: int, execute_reply: Any, **_: Any) -> None:
        content = (execute_reply or {}).get("content", {})
        ok = content.get("status") == "ok"
        ending = None if ok else ending_call(content)
        step = self._current
        if ending is not None:
            self._ended = (step.name if step is not None else _SETUP, ending)
        if step is None:
            if not ok and ending is None:
                self.record.error = self._error(_SETUP, "", cell_index, cell.get("id", ""), content)
            return
        step.duration = round(time.monotonic() - self._step_clock, 4)
        step.preview = result_preview(cell.get("outputs") or [])
        self._read_reports()
        if ok or ending is not None:
            step.status = "succeeded"
        else:
            step.status = "failed"
            step.error = self._error(
                step.name, step.notebook, step.cell_index, step.cell_id, content
            )
            self.record.error = step.error
        if self._log is not None:
            # A traceback is not in the cell's output stream; a UsageError's message already is.
            if step.error is not None and content.get("traceback"):
                self._log.write(step.error.traceback.rstrip("\n") + "\n")
            if ending is not None:
                self._log.line(f"step {step.name!r} ended the notebook with {ending}")
            self._log.line(f"step {step.name!r} {step.status} in {step.duration:.2f} s")
            self._log.step = _SETUP
        self._current = None
        self._emit("step_finished", step)

    def _read_reports(self) -> None:
        """Put what the kernel reported since the last time (``steps.jsonl``) on the steps."""
        try:
            with (self.folder / STEPS_FILE).open("rb") as handle:
                handle.seek(self._reports_read)
                chunk = handle.read()
        except FileNotFoundError:
            return
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written waits
        self._reports_read += len(complete)
        for line in complete.splitlines():
            try:
                report = StepReport.model_validate_json(line)
            except ValidationError:
                if self._log is not None:
                    self._log.line(f"ignored a line of {STEPS_FILE} that is not a step report")
                continue
            step = self._steps.get(report.step)
            if step is None:
                continue
            step.add_report(report)
            if report.unparsed and self._log is not None:
                self._log.line(
                    f"step {step.name!r}: the tables of {report.unparsed} statement(s) could not "
                    "be read, so its reads and writes may be incomplete"
                )

    @staticmethod
    def _error(
        step: str, notebook: str, index: int, cell_id: str, content: Mapping[str, Any]
    ) -> StepError:
        ename = str(content.get("ename", "Error"))
        evalue = strip_ansi(str(content.get("evalue", "")))
        traceback = strip_ansi("\n".join(content.get("traceback") or []))
        return StepError(
            step=step,
            notebook=notebook,
            cell_index=index,
            cell_id=cell_id,
            ename=ename,
            evalue=evalue,
            traceback=traceback or (f"{ename}: {evalue}" if evalue else ename),
        )

    # -- running -----------------------------------------------------------------------------

    def _kernel_env(self) -> dict[str, str]:
        return {
            "DATAOPS_JOB_NAME": self.job.name,
            "DATAOPS_JOB_DIR": str(self.job.folder),
            "DATAOPS_RUN_ID": self.record.run_id,
            RUN_DIR_ENV: str(self.folder.resolve()),
            "DATAOPS_ARGS": json.dumps({**self.job.parameters, **self.arguments}),
            "DATAOPS_STEPS": json.dumps({source_digest(s.source): s.name for s in self.job.steps}),
            "PYTHONUNBUFFERED": "1",
        }

    def _kernel_manager_class(self) -> type:
        from jupyter_client.manager import AsyncKernelManager

        run = self

        class JobKernelManager(AsyncKernelManager):
            """Starts the kernel in the job folder with the job's context in its environment,
            and tells the run its process group so that cancel can stop it."""

            async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
                # Unix sockets in a private folder instead of TCP ports: kernels started at the
                # same moment cannot pick the same free port, and nothing listens on the network.
                self.transport = "ipc"
                self.ip = str(run._socket_folder() / "kernel")
                kw["env"] = {**os.environ, **kw.get("env", {}), **run._kernel_env()}
                kw["cwd"] = str(run.job.folder)
                with (run.folder / KERNEL_LOG_FILE).open("ab") as kernel_log:
                    kw["stdout"] = kw["stderr"] = kernel_log
                    await super().start_kernel(**kw)
                run._kernel_started(getattr(self.provisioner, "pgid", None))

        return JobKernelManager

    def _socket_folder(self) -> Path:
        """A short private folder for the kernel's sockets (socket paths are length-limited)."""
        if self._sockets is None:
            self._sockets = Path(tempfile.mkdtemp(prefix="dataops-kernel-"))
        return self._sockets

    def run(self) -> RunRecord:
        """Execute the job and return its final record (also written to ``run.json``)."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        self.folder.mkdir(parents=True, exist_ok=True)
        self._log = StepLog(self.folder / LOG_FILE, self.echo)
        # What the kernel reports of each step; readable by its owner alone, like the log.
        os.close(os.open(self.folder / STEPS_FILE, os.O_WRONLY | os.O_CREAT, 0o600))
        self._started_at = time.monotonic()
        self.record.status, self.record.started_at = "running", utcnow()
        self._log.line(f"run {self.record.run_id} of job {self.job.name!r} started")
        self._emit("run_started")
        timer = None
        if self.timeout:
            timer = threading.Timer(self.timeout, self._stop, args=("timed_out",))
            timer.daemon = True
            timer.start()
        failure: BaseException | None = None
        quiet = _QuietWhenStopped(self)
        papermill_log = logging.getLogger("papermill")
        papermill_log.addFilter(quiet)
        try:
            papermill.execute_notebook(
                build_execution_notebook(self.job),
                str(self.folder / OUTPUT_FILE),
                parameters=self.arguments,
                kernel_name=self.job.kernel_name,
                progress_bar=False,
                log_output=False,
                stdout_file=self._log,
                stderr_file=self._log,
                kernel_manager_class=self._kernel_manager_class(),
                on_cell_start=self._on_cell_start,
                on_cell_executed=self._on_cell_executed,
            )
        except PapermillExecutionError:
            pass  # the failing step was recorded when its cell ended
        except Exception as exc:  # kernel died, could not start, or was stopped
            failure = exc
        finally:
            papermill_log.removeFilter(quiet)
            if timer is not None:
                timer.cancel()
            if self._sockets is not None:
                shutil.rmtree(self._sockets, ignore_errors=True)
        self._finish(failure)
        return self.record

    def _finish(self, failure: BaseException | None) -> None:
        record = self.record
        self._read_reports()  # a step stopped before its end may have written tables
        reason = self._stop_reason
        skipped_because = self._skip_reason(failure)
        for step in record.steps:
            if step.status == "running":
                step.status = "cancelled" if reason else "failed"
                if step.started_at is not None:
                    step.duration = round((utcnow() - step.started_at).total_seconds(), 4)
            elif step.status == "pending":
                step.status, step.reason = "skipped", skipped_because
        # The run's status follows from its steps': it never succeeds with a failed step.
        if reason is not None:
            record.status = "timed_out" if reason == "timed_out" else "cancelled"
            record.message = (
                f"timed out after {self.timeout:g} s (job timeout)"
                if reason == "timed_out"
                else "cancelled by the user"
            )
        elif failure is not None:
            record.status = "failed"
            record.message = f"{type(failure).__name__}: {strip_ansi(str(failure)).strip()}"
        elif record.error is not None:
            record.status = "failed"
        elif unended := [s.name for s in record.steps if s.status == "failed"]:
            record.status = "failed"
            record.message = f"step {unended[0]!r} did not report its end"
        else:
            record.status = "succeeded"
            if self._ended is not None and any(s.reason == skipped_because for s in record.steps):
                record.message = f"{skipped_because}; the steps after it were skipped"
        record.finished_at = utcnow()
        record.duration = round(time.monotonic() - self._started_at, 4)
        if self._log is not None:
            if record.message:
                self._log.line(record.message)
            self._log.line(f"run {record.status} in {record.duration:.2f} s")
            self._log.close()
        self._emit("run_finished")

    def _skip_reason(self, failure: BaseException | None) -> str:
        """Why the steps that never started did not run."""
        if self._stop_reason == "timed_out":
            return "the run timed out"
        if self._stop_reason is not None:
            return "the run was cancelled"
        if self.record.error is not None:
            return f"step {self.record.error.step!r} failed"
        if failure is not None:
            return "the run failed"
        if self._ended is not None:
            step, call = self._ended
            return f"the notebook ended with {call} in step {step!r}"
        return "the run ended before it"


def ending_call(content: Mapping[str, Any]) -> str | None:
    """``sys.exit(0)`` or ``sys.exit()`` when a reply says the cell ended the notebook with
    success, as papermill reads it (``SystemExit`` with no code or code 0); else ``None``."""
    if content.get("ename") != "SystemExit":
        return None
    code = str(content.get("evalue", ""))
    return f"sys.exit({code})" if code in ("", "0") else None


#: A step's preview keeps at most this many lines of this many characters.
PREVIEW_LINES, PREVIEW_WIDTH = 8, 120


def result_preview(outputs: list[Any]) -> str | None:
    """The first lines of the last rich result among a cell's outputs (a query's table)."""
    for output in reversed(outputs):
        if output.get("output_type") not in ("execute_result", "display_data"):
            continue
        text = output.get("data", {}).get("text/plain")
        if not text:
            continue
        text = "".join(text) if isinstance(text, list) else str(text)
        lines = strip_ansi(text).rstrip("\n").splitlines()
        kept = [
            line if len(line) <= PREVIEW_WIDTH else line[: PREVIEW_WIDTH - 1] + "…"
            for line in lines[:PREVIEW_LINES]
        ]
        if len(lines) > PREVIEW_LINES:
            kept.append(f"… ({len(lines) - PREVIEW_LINES} more lines in output.ipynb)")
        return "\n".join(kept)
    return None


def run_job(
    job: Job,
    arguments: Mapping[str, Any] | None = None,
    *,
    run_id: str | None = None,
    listener: RunListener | None = None,
    timeout: float | None = None,
    echo: Callable[[str], object] | None = None,
) -> RunRecord:
    """Run ``job`` to the end and return its record. See :class:`JobRun` for cancel."""
    return JobRun(
        job, arguments, run_id=run_id, listener=listener, timeout=timeout, echo=echo
    ).run()


logging.getLogger("papermill").setLevel(logging.WARNING)
