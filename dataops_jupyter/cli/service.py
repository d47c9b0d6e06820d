"""``dataops control-service``: serve the control service, or create its API tokens."""

from __future__ import annotations

import argparse

from .common import Commands, add_command


def _serve(options: argparse.Namespace) -> int:
    from ..control_service.server import main as serve

    return serve(options)


def add_commands(commands: Commands) -> None:
    """Add ``control-service`` to the ``dataops`` sub-command parser."""
    from ..control_service.server import add_arguments

    service = add_command(
        commands,
        "control-service",
        _serve,
        help="run the control service (REST API, scheduler, executor), or create tokens",
        description="Serve the control service: deploys, cron schedules, executions, logs, "
        "properties and secrets, for every team. Secrets need DATAOPS_SECRET_KEY (a Fernet key).",
    )
    add_arguments(service)
