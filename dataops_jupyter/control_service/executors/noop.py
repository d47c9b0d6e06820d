"""An executor that runs nothing: every attempt succeeds at once.

For measuring the scheduler and dispatch on their own (benchmarks, scheduling tests).
"""

from __future__ import annotations

import asyncio
from typing import Any

from .base import Attempt, Executor, OnFinished, Outcome


class NoopExecutor(Executor):
    def __init__(self, on_finished: OnFinished, size: int = 1000) -> None:
        super().__init__(on_finished)
        self.size = size
        self._running: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    def free_slots(self) -> int:
        return max(self.size - len(self._running), 0)

    def running(self) -> set[str]:
        return set(self._running)

    async def start(self, attempt: Attempt) -> None:
        self._running.add(attempt.execution_id)
        task = asyncio.ensure_future(self._finish(attempt.execution_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finish(self, execution_id: str) -> None:
        self._running.discard(execution_id)
        await self.on_finished(execution_id, Outcome("succeeded", "no-op executor"))

    async def cancel(self, execution_id: str) -> None:
        self._running.discard(execution_id)

    async def close(self) -> None:
        for task in list(self._tasks):
            await task
