"""``GET /dataops/config``: what this server offers."""

from __future__ import annotations

from tornado import web

from ... import __version__
from ..models import Config, Features
from .base import DataOpsHandler


class ConfigHandler(DataOpsHandler):
    @web.authenticated
    def get(self) -> None:
        features = Features(
            runs=True,
            control_service=self.control.available,
            embedded_control_service=self.control.embedded is not None,
        )
        self.reply(Config(version=__version__, root=str(self.runs.root), features=features))
