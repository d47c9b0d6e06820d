"""Local runs started from JupyterLab: each one a ``dataops run`` subprocess in its own session,
so that a run survives a browser reload and cancel can stop it with everything it started."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..jobs import Job, JobCatalog, check_arguments
from ..runner import (
    RunRecord,
    kill_process_group,
    list_run_folders,
    load_record,
    planned_record,
    process_alive,
    read_log,
    run_folder,
    save_record,
)
from ..runner.records import OUTPUT_FILE, RUNS_FOLDER, list_run_ids
from .models import LogChunk
from .record_cache import RecordCache

_RUN_ID = re.compile(r"^\d{8}T\d{6}-[0-9a-f]{8}$")
#: Seconds a cancelled run gets to stop by itself before its processes are killed.
CANCEL_GRACE = 10.0
#: Seconds the watchers of stopped runs get to record how they ended when the server stops.
WATCH_GRACE = 10.0
RUNNER_OUTPUT = "runner.out"


class LocalRunManager:
    """Starts, lists, follows and cancels the runs of the jobs found under ``root``."""

    def __init__(self, root: Path, log: logging.Logger | None = None) -> None:
        self.root = Path(root).resolve()
        self.log = log or logging.getLogger(__name__)
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._folders: dict[str, Path] = {}
        self._watchers: set[asyncio.Task[None]] = set()
        self.catalog = JobCatalog(self.root)
        self.records = RecordCache(self.root)

    # -- jobs (blocking: call them from a worker thread) ---------------------------------------

    def jobs(self) -> tuple[list[Job], list[tuple[Path, str]]]:
        """The jobs under the root and the folders that do not load (cached by file times)."""
        return self.catalog.discover()

    def job(self, name: str) -> Job:
        jobs, invalid = self.jobs()
        for job in jobs:
            if job.name == name:
                return job
        for folder, message in invalid:
            if folder.name == name:
                raise InvalidInputError(message)
        raise NotFoundError(f"job {name!r} not found under {self.root}")

    # -- runs --------------------------------------------------------------------------------

    async def start(self, name: str, arguments: dict[str, Any], force: bool = False) -> RunRecord:
        """Check the arguments, write the queued record and start the runner process.

        A run of a job while another one of it is queued or running is refused (409) unless
        ``force``."""
        job = await asyncio.to_thread(self.job, name)
        arguments = check_arguments(arguments, job.parameters)
        if not force:
            self._refuse_overlap(job)
        record = planned_record(job, arguments)
        run_id = record.run_id
        folder = run_folder(job.folder, run_id)
        save_record(folder, record)
        command = [
            sys.executable, "-m", "dataops_jupyter.cli", "run", str(job.folder),
            "--run-id", run_id, "--args-json", json.dumps(arguments), "--json",
        ]  # fmt: skip
        with (folder / RUNNER_OUTPUT).open("wb") as output:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )
        record.runner_pid = process.pid
        self._processes[run_id] = process
        self._folders[run_id] = folder
        watcher = asyncio.ensure_future(self._watch(run_id, process, folder))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        return record

    def _refuse_overlap(self, job: Job) -> None:
        for folder in list_run_folders(job.folder):
            with contextlib.suppress(NotFoundError, ValueError):
                active = self._read(folder)
                if not active.finished:
                    raise ConflictError(
                        f"run {active.run_id} of job {job.name!r} is still {active.status}: "
                        "wait for it, cancel it, or start another one anyway (force)"
                    )

    async def _watch(self, run_id: str, process: subprocess.Popen[bytes], folder: Path) -> None:
        code = await asyncio.to_thread(process.wait)
        self._processes.pop(run_id, None)
        record = load_record(folder)
        if not record.finished:
            kill_process_group(record.kernel_pgid)
            tail = (folder / RUNNER_OUTPUT).read_text(errors="replace")[-2000:].strip()
            record.status = "cancelled" if code in (-signal.SIGKILL, -signal.SIGTERM) else "failed"
            record.message = f"the runner process ended with code {code}" + (
                f": {tail}" if tail else ""
            )
            save_record(folder, record)
            self.log.warning("run %s of job %s ended abnormally: %s", run_id, record.job, tail)

    def _folder(self, run_id: str) -> Path:
        if not _RUN_ID.match(run_id):
            raise NotFoundError(f"run {run_id!r} not found: not a run id")
        if run_id in self._folders:
            return self._folders[run_id]
        for job in self.jobs()[0]:
            folder = run_folder(job.folder, run_id)
            if folder.is_dir():
                self._folders[run_id] = folder
                return folder
        raise NotFoundError(f"run {run_id!r} not found")

    def _read(self, folder: Path) -> RunRecord:
        """The record, with runs whose process vanished (server restart, crash) marked failed."""
        record = self.records.load(folder)
        if (
            not record.finished
            and folder.name not in self._processes
            and record.runner_pid is not None
            and not process_alive(record.runner_pid)
        ):
            record.status = "failed"
            record.message = "the runner process is gone (the server restarted or it crashed)"
            save_record(folder, record)
        return record

    def get(self, run_id: str) -> RunRecord:
        return self._read(self._folder(run_id))

    def list(self, job: str | None = None, limit: int = 50) -> Sequence[RunRecord]:
        """Runs newest first, of one job or of all jobs."""
        return self.runs_of([self.job(job)] if job else self.jobs()[0], limit)

    def runs_of(self, jobs: Sequence[Job], limit: int) -> Sequence[RunRecord]:
        """The newest ``limit`` runs of these jobs together, newest first."""
        found: list[tuple[str, Path]] = []
        for job in jobs:
            runs = job.folder / RUNS_FOLDER
            found += ((run_id, runs) for run_id in list_run_ids(job.folder))
        found.sort(key=lambda item: item[0], reverse=True)
        return self._records((runs / run_id for run_id, runs in found), limit, None)

    def page(
        self, name: str, limit: int, before: str | None, statuses: Collection[str]
    ) -> tuple[Sequence[RunRecord], str | None]:
        """One page of a job's runs, newest first: at most ``limit`` runs older than the run
        ``before`` (a run id), only those with one of ``statuses`` when any are given; and the
        cursor of the next page (the last run's id), None on the last page."""
        if before is not None and not _RUN_ID.match(before):
            raise InvalidInputError(
                f"'before' must be a run id like 20260101T120000-1a2b3c4d, got {before!r}"
            )
        job = self.job(name)
        runs = job.folder / RUNS_FOLDER
        ids = list_run_ids(job.folder)
        folders = (runs / run_id for run_id in ids if before is None or run_id < before)
        records = self._records(folders, limit, frozenset(statuses) or None)
        cursor = records[-1].run_id if len(records) == limit else None
        return records, cursor

    def _records(
        self, folders: Iterable[Path], limit: int, statuses: frozenset[str] | None
    ) -> Sequence[RunRecord]:
        """The first ``limit`` readable records of ``folders`` (with one of ``statuses``)."""
        return tuple(itertools.islice(self._readable(folders, statuses), limit))

    def _readable(
        self, folders: Iterable[Path], statuses: frozenset[str] | None
    ) -> Iterator[RunRecord]:
        for folder in folders:
            try:
                record = self._read(folder)
            except NotFoundError:
                continue  # a run folder whose record is not written yet
            except ValueError:
                self.log.warning("skipping unreadable run record %s", folder)
                continue
            if statuses is None or record.status in statuses:
                yield record

    def read_log(self, run_id: str, offset: int) -> LogChunk:
        """The run's log text from byte ``offset``; ``complete`` once it ended and all was read."""
        folder = self._folder(run_id)
        record = self._read(folder)
        text, next_offset = read_log(folder, offset)
        size = (folder / "log.txt").stat().st_size if (folder / "log.txt").exists() else 0
        return LogChunk(
            text=text, offset=next_offset, complete=record.finished and next_offset >= size
        )

    def output_notebook(self, run_id: str) -> dict[str, Any]:
        """The executed notebook of a run (``output.ipynb``) as nbformat JSON."""
        path = self._folder(run_id) / OUTPUT_FILE
        try:
            notebook: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotFoundError(f"run {run_id!r} has no output notebook (yet)") from None
        except (ValueError, UnicodeDecodeError):
            message = f"the output notebook of run {run_id!r} is unreadable"
            raise InvalidInputError(message) from None
        return notebook

    async def cancel(self, run_id: str) -> RunRecord:
        """Ask the runner to stop; kill it and its kernel if it has not within the grace time."""
        folder = await asyncio.to_thread(self._folder, run_id)
        record = self._read(folder)
        if record.finished:
            raise ConflictError(f"run {run_id!r} already ended ({record.status})")
        process = self._processes.get(run_id)
        pid = process.pid if process is not None else record.runner_pid
        if pid and process_alive(pid):
            os.kill(pid, signal.SIGTERM)
        if process is not None:
            try:
                await asyncio.to_thread(process.wait, CANCEL_GRACE)
            except subprocess.TimeoutExpired:
                kill_process_group(process.pid)
        record = load_record(folder)
        if not record.finished:
            kill_process_group(record.kernel_pgid)
            kill_process_group(pid)
            record.status, record.message = "cancelled", "cancelled by the user"
            save_record(folder, record)
        return record

    async def shutdown(self) -> None:
        """Cancel every run still going and stop watching them (the server is stopping)."""
        for run_id in list(self._processes):
            with contextlib.suppress(ConflictError, NotFoundError, ValueError):  # unreadable record
                await self.cancel(run_id)
        watchers = list(self._watchers)
        if not watchers:
            return
        # The runs have ended: their watchers record the outcome, then end by themselves.
        _, pending = await asyncio.wait(watchers, timeout=WATCH_GRACE)
        for watcher in pending:
            watcher.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)
