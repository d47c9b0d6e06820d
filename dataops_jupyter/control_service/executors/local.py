"""The default executor: a pool of ``dataops run`` processes on this machine.

Each attempt runs in its own session (process group) with a parent-death signal, so that if
the control service dies, its attempts die with it instead of running on unowned; the service
then finds them on restart and ends them as platform errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from typing import Any

from ..executors.base import Attempt, Executor, OnFinished, outcome_from_record

_PR_SET_PDEATHSIG = 1
_prctl: Any
try:  # resolved here, so that a child forked from a threaded process loads nothing
    _prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def die_with_parent() -> None:  # runs in the child between fork and exec
    """``preexec_fn`` of attempt processes: SIGKILL the child when the thread that started it
    ends (on Linux; elsewhere a no-op), so that no attempt outlives its owner."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class LocalExecutor(Executor):
    """Up to ``size`` attempts at once, each a subprocess of the control service."""

    def __init__(self, on_finished: OnFinished, size: int = 2, python: str | None = None) -> None:
        super().__init__(on_finished)
        self.size = size
        self.python = python or sys.executable
        self._processes: dict[str, asyncio.subprocess.Process] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cancelled: set[str] = set()

    def free_slots(self) -> int:
        return max(self.size - len(self._processes), 0)

    def running(self) -> set[str]:
        return set(self._processes)

    async def start(self, attempt: Attempt) -> None:
        attempt.record_folder.mkdir(parents=True, exist_ok=True)
        output = (attempt.record_folder / "runner.out").open("wb")
        try:
            process = await asyncio.create_subprocess_exec(
                *attempt.command(self.python),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                env=attempt.environment(),
                start_new_session=True,
                preexec_fn=die_with_parent,
                **attempt.process_options(),
            )
        finally:
            output.close()
        self._processes[attempt.execution_id] = process
        task = asyncio.ensure_future(self._wait(attempt, process))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _wait(self, attempt: Attempt, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        self._processes.pop(attempt.execution_id, None)
        tail = ""
        with contextlib.suppress(OSError):
            tail = (attempt.record_folder / "runner.out").read_text(errors="replace")
        outcome = outcome_from_record(attempt.record_folder, code, tail)
        if attempt.execution_id in self._cancelled:
            self._cancelled.discard(attempt.execution_id)
            outcome.status, outcome.message = "cancelled", "cancelled by the user"
        await self.on_finished(attempt.execution_id, outcome)

    async def cancel(self, execution_id: str) -> None:
        process = self._processes.get(execution_id)
        if process is None:
            return
        self._cancelled.add(execution_id)
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)  # the runner stops its kernel and records it
        try:
            await asyncio.wait_for(asyncio.shield(process.wait()), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    async def close(self) -> None:
        for execution_id in list(self._processes):
            await self.cancel(execution_id)
