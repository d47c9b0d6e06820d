"""Settings of one control-service process."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ServiceConfig:
    """Where state and artifacts live, how attempts run, and the scheduler's pace."""

    db_url: str = "sqlite:///dataops-control.db"
    artifacts: Path = Path("dataops-artifacts")
    executor: str = "local"
    pool_size: int = 2
    #: Deploy gates (installing requirements, running the job's tests) at once; further
    #: deploys wait for one of them. They never take threads from scheduling or log streams.
    deploy_workers: int = 2
    dask_scheduler: str | None = None
    #: OS user job code runs as with the local executor (``{team}`` in it: one user per
    #: team); ``None``: the service's own user.
    run_as: str | None = None
    secret_key: str | None = field(default_factory=lambda: os.environ.get("DATAOPS_SECRET_KEY"))
    #: Seconds between scheduler ticks.
    tick: float = 0.5
    #: The URL executions use to reach this service (properties); set when serving.
    public_url: str | None = None
    #: Identifies this process among several sharing one database.
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    #: Run the scheduler and dispatcher (off for API-only processes and some tests).
    background: bool = True
    #: Seconds of silence after which a log stream sends a comment line, so that proxies keep
    #: it open and clients know the service is still there during a quiet step.
    stream_keepalive: float = 15.0
    #: SMTP server for email notifications (none: email targets are skipped with a warning).
    smtp_host: str | None = field(default_factory=lambda: os.environ.get("DATAOPS_SMTP_HOST"))
    smtp_port: int = field(default_factory=lambda: int(os.environ.get("DATAOPS_SMTP_PORT", "25")))
    #: Sender address of notification emails.
    smtp_from: str = field(
        default_factory=lambda: os.environ.get(
            "DATAOPS_SMTP_FROM", f"dataops@{socket.gethostname()}"
        )
    )
