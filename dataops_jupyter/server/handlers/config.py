"""``GET /dataops/config``: what this server offers."""

from __future__ import annotations

from tornado import web

from ... import __version__
from .base import DataOpsHandler


class ConfigHandler(DataOpsHandler):
    @web.authenticated
    def get(self) -> None:
        self.reply(
            {
                "version": __version__,
                "root": str(self.runs.root),
                "features": {
                    "runs": True,
                    "control_service": self.control.available,
                    "embedded_control_service": self.control.embedded is not None,
                },
            }
        )
