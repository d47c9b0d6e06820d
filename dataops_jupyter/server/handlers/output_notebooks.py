"""The executed notebook (``output.ipynb``) of a local run, and of an execution on the control
service, as nbformat JSON for a read-only view."""

from __future__ import annotations

import asyncio

from tornado import web

from .base import DataOpsHandler


class RunNotebookHandler(DataOpsHandler):
    """``GET /dataops/runs/{run_id}/notebook``"""

    @web.authenticated
    async def get(self, run_id: str) -> None:
        self.reply(await asyncio.to_thread(self.runs.output_notebook, run_id))


class ControlExecutionNotebookHandler(DataOpsHandler):
    """``GET /dataops/control/jobs/{job}/executions/{execution}/notebook``"""

    @web.authenticated
    async def get(self, job: str, execution: str) -> None:
        self.reply(await self.upstream(lambda client: client.output_notebook(job, execution)))
