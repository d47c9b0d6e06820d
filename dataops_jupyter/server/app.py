"""The Jupyter server extension: REST handlers under ``/dataops``, the local run manager and
the connection to the control service (a configured one, or an embedded one)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Unicode, default

from .control import ControlConnection
from .handlers import ROUTES
from .runs import LocalRunManager
from .terminals import MANAGER_CLASS as TERMINAL_MANAGER


class DataOpsExtension(ExtensionApp):
    """Serves the Data Jobs API for the jobs found under the server's root folder, and makes
    JupyterLab's terminals start there with the product's commands on their PATH."""

    name = "dataops_jupyter"

    control_url = Unicode(
        config=True,
        help="URL of the control service (default: $DATAOPS_URL). Empty: this server starts "
        "an embedded control service (see embedded_control_service).",
    )
    control_token = Unicode(
        config=True,
        help="API token for control_url (default: $DATAOPS_TOKEN). It stays on the server.",
    )
    control_team = Unicode(
        config=True,
        help="Team on the control service (default: $DATAOPS_TEAM, else the token's team). "
        "The embedded service serves every team of the jobs under the root and of its "
        "database unless this names one.",
    )
    connection_file = Unicode(
        config=True,
        help="Where the control service chosen in JupyterLab's settings (URL, token, team) is "
        "kept, readable by this user alone (default: <Jupyter data dir>/dataops/"
        "connection.json). It wins over control_url until it is cleared there.",
    )
    embedded_control_service = Bool(
        True,
        config=True,
        help="Without control_url, start a control service for this server as a separate "
        "process, with its state in <root>/.dataops/control/.",
    )

    @default("control_url")
    def _control_url_default(self) -> str:
        return os.environ.get("DATAOPS_URL", "")

    @default("control_token")
    def _control_token_default(self) -> str:
        return os.environ.get("DATAOPS_TOKEN", "")

    @default("control_team")
    def _control_team_default(self) -> str:
        return os.environ.get("DATAOPS_TEAM", "")

    @default("connection_file")
    def _connection_file_default(self) -> str:
        return str(Path(jupyter_data_dir()) / "dataops" / "connection.json")

    def _link_jupyter_server_extension(self, serverapp: Any) -> None:
        super()._link_jupyter_server_extension(serverapp)
        # Extensions are linked in name order: the terminals extension reads this after us.
        terminals = serverapp.config.TerminalsExtensionApp
        if "terminal_manager_class" not in terminals:
            terminals.terminal_manager_class = TERMINAL_MANAGER

    def initialize_settings(self) -> None:
        assert self.serverapp is not None
        root = Path(self.serverapp.root_dir).expanduser()
        self.run_manager = LocalRunManager(root, self.log)
        self.settings["dataops_runs"] = self.run_manager
        self.control = ControlConnection(
            root,
            url=self.control_url,
            token=self.control_token,
            team=self.control_team,
            embedded=self.embedded_control_service,
            log=self.log,
            jobs=lambda: self.run_manager.jobs()[0],
            saved=Path(self.connection_file) if self.connection_file else None,
        )
        self.settings["dataops_control"] = self.control
        self.log.info("dataops-jupyter: jobs under %s", root)
        if self.control.url:
            self.log.info("dataops-jupyter: control service at %s", self.control.url)

    def initialize_handlers(self) -> None:
        # ExtensionApp puts the server's base URL in front of each pattern.
        self.handlers.extend(ROUTES)

    async def _start_jupyter_server_extension(self, serverapp: object) -> None:
        self.control.start_in_background()

    async def stop_extension(self) -> None:
        await self.run_manager.shutdown()
        await self.control.stop()
