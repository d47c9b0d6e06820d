"""A throwaway PostgreSQL cluster: a temporary folder, 127.0.0.1 on a free port, stopped on exit.

PostgreSQL refuses to run as root, so under root the server runs as the ``postgres`` OS user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries here, or the cluster did not start."""


def find_binaries() -> Path | None:
    """The newest ``/usr/lib/postgresql/*/bin`` with initdb and pg_ctl, else the ones on PATH."""
    folders = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    for folder in folders:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_server_user(command: list[str]) -> list[str]:
    if os.getuid() != 0:
        return command
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *command]
    return ["su", "postgres", "-s", "/bin/sh", "-c", subprocess.list2cmdline(command)]


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise PostgresUnavailable(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


class PostgresCluster:
    """``with PostgresCluster() as url:`` gives ``postgresql://postgres@127.0.0.1:PORT/postgres``.

    Settings favour speed over durability (no fsync): for tests and benchmarks only.
    """

    def __init__(self) -> None:
        self.binaries = find_binaries()
        self.root: Path | None = None
        self.port = 0
        self.url = ""

    def start(self) -> str:
        if self.binaries is None:
            raise PostgresUnavailable(
                "initdb and pg_ctl not found under /usr/lib/postgresql or PATH"
            )
        self.root = Path(tempfile.mkdtemp(prefix="dataops-pg-"))
        data = self.root / "data"
        data.mkdir()
        if os.getuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(data, "postgres", "postgres")
        data.chmod(0o700)
        self.port = free_port()
        options = (
            f"-p {self.port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        try:
            _run(
                _as_server_user(
                    [
                        str(self.binaries / "initdb"),
                        "-A",
                        "trust",
                        "--no-sync",
                        "-U",
                        "postgres",
                        "-D",
                        str(data),
                    ]
                )
            )
            _run(
                _as_server_user(
                    [
                        str(self.binaries / "pg_ctl"),
                        "-D",
                        str(data),
                        "-o",
                        options,
                        "-l",
                        str(data / "server.log"),
                        "-w",
                        "start",
                    ]
                )
            )
        except (PostgresUnavailable, subprocess.TimeoutExpired, OSError) as exc:
            shutil.rmtree(self.root, ignore_errors=True)
            raise PostgresUnavailable(str(exc)) from None
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        return self.url

    def stop(self) -> None:
        if self.root is None or self.binaries is None:
            return
        subprocess.run(
            _as_server_user(
                [
                    str(self.binaries / "pg_ctl"),
                    "-D",
                    str(self.root / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ]
            ),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + f"/{name}"

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
