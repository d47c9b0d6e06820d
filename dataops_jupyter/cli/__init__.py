"""``dataops``: the command line, mirroring what the JupyterLab extension does.

One module per concern adds its commands: :mod:`.job` (``new``, ``run``), :mod:`.control` (the
commands that talk to a control service), :mod:`.service` (``control-service``) and
:mod:`.contract` (``contract lint|check|init``). They share
:mod:`.common` and never import each other.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import DataOpsError, InvalidInputError
from . import contract, control, job, service
from .common import EXIT_FAILED, EXIT_USAGE, Handler

# jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed, which builds a
# grammar at import: about 1.8 s of every `dataops run`. Notebook validation checks no IRI
# formats, so the command's own processes do without it (jsonschema treats it as optional).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``dataops`` parser with every command; each sets its handler as ``handler``."""
    parser = argparse.ArgumentParser(
        prog="dataops",
        description="Data jobs written in notebooks: create, run, deploy and monitor them.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    job.add_commands(commands)
    service.add_commands(commands)
    control.add_commands(commands)
    contract.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dataops`` command."""
    options = build_parser().parse_args(argv)
    handler: Handler = options.handler
    try:
        return handler(options)
    except InvalidInputError as exc:
        print(f"dataops {options.command}: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except DataOpsError as exc:
        print(f"dataops {options.command}: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE if exc.status < 500 else EXIT_FAILED
