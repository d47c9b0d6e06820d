"""The Jupyter server extension: REST handlers under ``/dataops`` and the local run manager."""

from __future__ import annotations

from pathlib import Path

from jupyter_server.extension.application import ExtensionApp

from .handlers import ROUTES
from .runs import LocalRunManager


class DataOpsExtension(ExtensionApp):
    """Serves the Data Jobs API for the jobs found under the server's root folder."""

    name = "dataops_jupyter"

    def initialize_settings(self) -> None:
        assert self.serverapp is not None
        root = Path(self.serverapp.root_dir).expanduser()
        self.run_manager = LocalRunManager(root, self.log)
        self.settings["dataops_runs"] = self.run_manager
        self.log.info("dataops-jupyter: jobs under %s", root)

    def initialize_handlers(self) -> None:
        # ExtensionApp puts the server's base URL in front of each pattern.
        self.handlers.extend(ROUTES)

    async def stop_extension(self) -> None:
        await self.run_manager.shutdown()
