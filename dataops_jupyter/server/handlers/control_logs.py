"""``/dataops/control/jobs/{job}/executions/{execution}/logs``: a slice of an execution's log
(from an offset, or its tail), and the log as it grows, relayed as server-sent events."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from tornado import web
from tornado.iostream import StreamClosedError

from ...client import ControlClient, ControlServiceError
from .base import DataOpsHandler, int_argument


class ControlLogHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, job: str, execution: str) -> None:
        offset = int_argument(self, "offset", 0)
        tail = int_argument(self, "tail", 0) if self.get_query_argument("tail", "") else None
        self.reply(await self.upstream(lambda client: client.logs(job, execution, offset, tail)))


class ControlLogStreamHandler(DataOpsHandler):
    """``data: {text, offset}`` events while the log grows, then ``event: end`` with
    ``{status}``; ``event: error`` with ``{error, message}`` if the service goes away."""

    _client: ControlClient | None = None
    _gone = False

    def on_connection_close(self) -> None:
        self._gone = True
        if self._client is not None:
            self._client.close()  # the relay thread stops at the next event or pause
        super().on_connection_close()

    def _send(self, event: str | None, data: dict[str, Any]) -> None:
        self.write((f"event: {event}\n" if event else "") + f"data: {json.dumps(data)}\n\n")

    @web.authenticated
    async def get(self, job: str, execution: str) -> None:
        offset = int_argument(self, "offset", 0)
        client = self._client = await self.control.client(job)
        events = client.follow_logs(job, execution, offset)
        started = False
        try:
            while not self._gone:
                try:
                    event = await asyncio.to_thread(next, events, None)
                except ControlServiceError as exc:
                    error = self.control.translate(exc)
                    if not started:
                        raise error from None
                    self._send("error", {"error": error.kind, "message": error.message})
                    break
                if event is None:
                    break
                if not started:
                    started = True
                    self.set_header("Content-Type", "text/event-stream; charset=utf-8")
                    self.set_header("Cache-Control", "no-cache")
                    self.set_header("X-Accel-Buffering", "no")
                if event.kind == "end":
                    self._send("end", {"status": event.status})
                else:
                    self._send(None, {"text": event.text, "offset": event.offset})
                try:
                    await self.flush()
                except StreamClosedError:
                    break
                if event.kind == "end":
                    break
        finally:
            client.close()
            with contextlib.suppress(ValueError):  # still running in its thread: it ends itself
                events.close()
