"""``dataops control-service``: serve the API with uvicorn, or create API tokens."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from .config import ServiceConfig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8181, help="port (default 8181)")
    parser.add_argument(
        "--db",
        default=os.environ.get("DATAOPS_DB_URL", "sqlite:///dataops-control.db"),
        help="state database: sqlite:///file.db or postgresql://… (default $DATAOPS_DB_URL, "
        "else sqlite:///dataops-control.db; keep a password out of the command line, which "
        "every local user can see)",
    )
    parser.add_argument("--artifacts", default="dataops-artifacts",
                        help="folder for deployments and execution artifacts")  # fmt: skip
    parser.add_argument(
        "--executor",
        choices=["local", "dask", "noop"],
        default="local",
        help="where attempts run: local processes, a Dask cluster, or nowhere (noop: for "
        "measuring the scheduler)",
    )
    parser.add_argument("--pool-size", type=int, default=2, help="attempts running at once")
    parser.add_argument(
        "--deploy-workers", type=int, default=2,
        help="deploy gates (requirements, tests) running at once; further deploys wait",
    )  # fmt: skip
    parser.add_argument("--dask-scheduler", help="tcp://host:port of the Dask scheduler")
    parser.add_argument("--public-url", help="URL executions use to reach this service")
    parser.add_argument(
        "--run-as",
        metavar="USER",
        help="with the local executor, run job code (executions, deploy gates) as this OS user, "
        "which cannot read the service's key, database or other teams' files; '{team}' in the "
        "name gives each team its own user (e.g. dataops-{team}). Needs root",
    )
    parser.add_argument(
        "--smtp-host",
        help="SMTP server for notification emails (default $DATAOPS_SMTP_HOST; none: no emails)",
    )
    parser.add_argument(
        "--smtp-port", type=int, help="SMTP port (default $DATAOPS_SMTP_PORT or 25)"
    )
    parser.add_argument(
        "--smtp-from",
        help="sender of notification emails (default $DATAOPS_SMTP_FROM or dataops@<hostname>)",
    )
    commands = parser.add_subparsers(dest="action", metavar="ACTION")
    token = commands.add_parser("create-token", help="create an API token; it is printed last")
    token.add_argument("--db", dest="token_db", default=None, help="state database (as above)")
    token.add_argument("--team", help="team the token belongs to")
    token.add_argument("--admin", action="store_true", help="a token for every team")
    token.add_argument("--name", default="", help="who or what uses the token")


def config_from(options: argparse.Namespace) -> ServiceConfig:
    smtp: dict[str, Any] = {
        key: value
        for key in ("smtp_host", "smtp_port", "smtp_from")
        if (value := getattr(options, key, None)) is not None
    }
    return ServiceConfig(
        **smtp,
        db_url=options.db,
        artifacts=Path(options.artifacts),
        executor=options.executor,
        pool_size=options.pool_size,
        deploy_workers=options.deploy_workers,
        dask_scheduler=options.dask_scheduler,
        run_as=options.run_as,
        public_url=options.public_url or f"http://{options.host}:{options.port}",
    )


def main(options: argparse.Namespace) -> int:
    from .auth import create_token
    from .db import make_engine, migrate

    if options.action == "create-token":
        engine = make_engine(options.token_db or options.db)
        migrate(engine)
        if not options.team and not options.admin:
            raise SystemExit("create-token needs --team TEAM or --admin")
        try:
            token = create_token(engine, options.team, admin=options.admin, name=options.name)
        except ValueError as exc:
            print(f"create-token: {exc}", file=sys.stderr)
            return 2
        print(f"token for {'admin' if options.admin and not options.team else options.team}:")
        print(token)
        return 0

    import uvicorn

    from .app import create_app
    from .service import ControlService

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    config = config_from(options)
    if config.run_as and config.executor != "local":
        print(
            "dataops control-service: --run-as works with --executor local; Dask workers run "
            "job code as their own user (start them as an unprivileged user on other hosts)"
        )
        return 2
    service = ControlService(config)
    service.prepare()
    uvicorn.run(create_app(service), host=options.host, port=options.port, log_level="info")
    return 0
