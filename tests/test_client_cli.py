"""The control service client and the ``dataops`` commands that use it, against a real control
service process: deploy, execute --wait, live logs, cancel, rollback, enable and disable,
properties, secrets, and the errors a user can make."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dataops_jupyter.client import ControlClient, ControlServiceError, ControlServiceUnreachable
from dataops_jupyter.testing.postgres import free_port

from .conftest import MakeJob
from .control_process import FINAL, ServiceProcess, deploy_folder

pytestmark = pytest.mark.timeout(180)

ORDERS = [
    (["parameters"], "limit = 2\nlabel = 'day'"),
    (["step:extract"], "print('extract', limit, label)"),
    (["step:load"], "print('load done')"),
]


@pytest.fixture(scope="module")
def service(service_process: ServiceProcess) -> ServiceProcess:
    """The session's control service, as team 'analytics'."""
    return service_process.for_team("analytics")


@pytest.fixture
def env(service: ServiceProcess, tmp_path: Path) -> dict[str, str]:
    """The environment of a user whose shell points at the service (and no config file)."""
    values = {k: v for k, v in os.environ.items() if not k.startswith("DATAOPS_")}
    values.pop("XDG_CONFIG_HOME", None)
    (tmp_path / "home").mkdir(exist_ok=True)
    values.update(HOME=str(tmp_path / "home"), DATAOPS_URL=service.url,
                  DATAOPS_TOKEN=service.token)  # fmt: skip
    return values


@pytest.fixture
def client(service: ServiceProcess) -> Iterator[ControlClient]:
    with ControlClient(service.url, service.token) as made:
        yield made


def dataops(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "dataops_jupyter.cli", *args],
        capture_output=True, text=True, env=env, input=stdin, timeout=150,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    return result


def wait_until(client: ControlClient, job: str, execution: str, states: set[str]) -> Any:
    deadline = time.monotonic() + 90
    while True:
        found = client.execution(job, execution)
        if found["status"] in states:
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.2)


def test_deploy_execute_and_manage_a_job(
    env: dict[str, str], make_job: MakeJob, client: ControlClient
) -> None:
    toml = 'team = "analytics"\ndescription = "Orders"\n[schedule]\ncron = "0 3 * * *"'
    folder = make_job("orders", ORDERS, toml)
    deployed = dataops("deploy", str(folder), "--reason", "first", env=env)
    assert deployed.returncode == 0, deployed.stderr
    assert "created job orders in team analytics" in deployed.stdout
    assert "version 1 deployed and active" in deployed.stdout
    assert "steps         extract, load" in deployed.stdout
    assert "content hash  " in deployed.stdout and "tests         none" in deployed.stdout
    assert client.deployment("orders", 1)["reason"] == "first"

    listed = dataops("jobs", env=env)
    assert listed.returncode == 0 and "orders" in listed.stdout and "Orders" in listed.stdout

    ran = dataops("execute", "orders", "--arg", "limit=5", "--arg", "label=2024", "--wait", env=env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "[extract] extract 5 2024" in ran.stdout  # a string parameter stays text
    assert "✓ orders: succeeded" in ran.stdout and "✓ load" in ran.stdout
    execution = ran.stdout.split("execution ", 1)[1].split()[0]

    history = dataops("executions", "orders", "--limit", "5", env=env)
    assert execution in history.stdout and "succeeded" in history.stdout
    log = dataops("logs", execution, env=env)
    assert log.returncode == 0 and "[load] load done" in log.stdout

    same = dataops("deploy", str(folder), env=env)
    assert same.returncode == 0 and "orders: no change since v1" in same.stdout, same.stdout
    assert "nothing deployed" in same.stdout and len(client.deployments("orders")) == 1

    make_job("orders", [*ORDERS, (["step:more"], "print('v2')")], toml)
    again = dataops("deploy", str(folder), env=env)
    assert again.returncode == 0 and "version 2 deployed" in again.stdout
    forced = dataops("deploy", str(folder), "--force", "--reason", "again", env=env)
    assert forced.returncode == 0 and "version 3 deployed" in forced.stdout, forced.stdout
    back = dataops("rollback", "orders", "1", env=env)
    assert back.returncode == 0 and "orders now runs version 1" in back.stdout
    assert client.job("orders")["active_version"] == 1
    missing = dataops("rollback", "orders", "9", env=env)
    assert missing.returncode == 2 and "version 9 of job 'orders' not found" in missing.stderr

    off = dataops("disable", "orders", env=env)
    assert off.returncode == 0 and "orders: disabled" in off.stdout
    assert client.job("orders")["enabled"] is False
    on = dataops("enable", "orders", env=env)
    assert (
        on.returncode == 0 and "orders: enabled; next run" in on.stdout and "03:00:00" in on.stdout
    )

    props = dataops("properties", "orders", "--set", "limit=7", "--set", "owner=ana", env=env)
    assert props.returncode == 0 and json.loads(props.stdout) == {"limit": 7, "owner": "ana"}
    props = dataops("properties", "orders", "--unset", "owner", env=env)
    assert json.loads(props.stdout) == {"limit": 7} == client.properties("orders")

    stored = dataops("secrets", "orders", "--set", "API_KEY", env=env, stdin="s3cr3t-value\n")
    assert stored.returncode == 0, stored.stderr
    assert "s3cr3t-value" not in stored.stdout + stored.stderr
    names = dataops("secrets", "orders", env=env)
    assert names.stdout.split() == ["API_KEY"] and "s3cr3t" not in names.stdout


def test_logs_follow_is_live_then_cancel_and_failures(
    service: ServiceProcess,
    env: dict[str, str],
    make_job: MakeJob,
    client: ControlClient,
) -> None:
    slow = make_job(
        "slow",
        [
            (["step:first"], "print('first output', flush=True)"),
            (["step:pause"], "import time\ntime.sleep(3)"),
            (["step:last"], "print('last output')"),
        ],
    )
    sleepy = make_job("sleepy", [(["step:nap"], "import time\ntime.sleep(120)")])
    boom = make_job("boom", [(["step:ok"], "1"), (["step:bad"], "1 / 0")])
    for folder in (slow, sleepy, boom):
        deploy_folder(service, folder)

    execution = client.trigger("slow")["id"]
    running = client.trigger("sleepy")["id"]  # both run at once (a pool of two)
    follower = subprocess.Popen(
        [sys.executable, "-m", "dataops_jupyter.cli", "logs", execution, "--follow"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    quiet: list[Any] = []  # a client that finds the stream silent for longer than it waits
    patient = ControlClient(service.url, service.token, stream_timeout=0.5, backoff=0.01)
    reader = threading.Thread(target=lambda: quiet.extend(patient.follow_logs("slow", execution)))
    reader.start()
    assert follower.stdout is not None
    seen: dict[str, float] = {}
    for line in follower.stdout:
        for marker in ("first output", "last output"):
            if marker in line:
                seen[marker] = time.monotonic()
    assert follower.wait(60) == 0, (
        follower.stderr.read() if follower.stderr else "",
        client.execution("slow", execution),
    )
    assert seen["last output"] - seen["first output"] > 2, "the log was not shown as it grew"
    reader.join(30)
    assert quiet[-1].kind == "end" and quiet[-1].status == "succeeded"
    assert "last output" in "".join(event.text for event in quiet)

    wait_until(client, "sleepy", running, {"running"})
    stop = dataops("cancel", running, env=env)
    assert stop.returncode == 0 and running in stop.stdout
    ended = dataops("logs", running, "--follow", env=env)
    assert ended.returncode == 1 and "cancelled" in ended.stderr
    assert wait_until(client, "sleepy", running, FINAL)["status"] == "cancelled"
    twice = dataops("cancel", running, env=env)
    assert twice.returncode == 2 and "already ended" in twice.stderr

    failed = dataops("execute", "boom", "--wait", env=env)
    assert failed.returncode == 1
    assert "✗ boom: user_error" in failed.stdout and "step 'bad' failed" in failed.stdout
    assert "ZeroDivisionError" in failed.stdout


def test_where_url_token_and_team_come_from(
    service: ServiceProcess, env: dict[str, str], tmp_path: Path
) -> None:
    bare = {k: v for k, v in env.items() if not k.startswith("DATAOPS_")}
    none = dataops("jobs", env=bare)
    assert (
        none.returncode == 2
        and "no control service url: pass --url, set DATAOPS_URL" in none.stderr
    )
    config = Path(bare["HOME"]) / ".config" / "dataops" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'url = "{service.url}"\ntoken = "{service.token}"\nteam = "analytics"\n')
    assert dataops("jobs", env=bare).returncode == 0
    wrong = {**bare, "DATAOPS_TOKEN": "dop_wrong"}
    refused = dataops("jobs", env=wrong)
    assert refused.returncode == 2 and "unknown API token" in refused.stderr
    assert dataops("jobs", "--token", service.token, env=wrong).returncode == 0
    other = dataops("jobs", "--team", "other", env=bare)
    assert other.returncode == 2 and "team 'other' not found" in other.stderr
    config.write_text("url = [")
    broken = dataops("jobs", env=bare)
    assert broken.returncode == 2 and "config.toml: not valid TOML" in broken.stderr


def test_usage_errors_exit_2_with_the_message(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    cases = [
        (["execute", "nope"], 2, "job 'nope' not found"),
        (["logs", "20250101T000000-deadbeef"], 2, "execution '20250101T000000-deadbeef' not found"),
        (["deploy", str(tmp_path / "nowhere")], 2, "no job.toml here"),
        (["rollback", "orders", "latest"], 2, "invalid int value"),
        (["properties", "nope", "--set", "novalue"], 2, "use the form key=value"),
        (["secrets", "nope", "--set", "KEY"], 2, "the value of secret 'KEY' is empty"),
        (["jobs", "--url", "ftp://x"], 2, "not a control service URL"),
        (["jobs", "--token", "dop_line\nbreak"], 2, "the token has characters a request cannot"),
        (["jobs", "--url", f"http://127.0.0.1:{port}"], 1,
         f"cannot reach the control service at http://127.0.0.1:{port}: connection refused"),
    ]  # fmt: skip
    command = [sys.executable, "-m", "dataops_jupyter.cli"]
    pipes = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    processes = [
        subprocess.Popen([*command, *args], text=True, env=env, **pipes)  # type: ignore[call-overload]
        for args, _, _ in cases
    ]
    for (args, code, message), process in zip(cases, processes, strict=True):
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == code, (args, stderr)
        assert message in stderr and "Traceback" not in stderr, (args, stderr)
        assert "dop_line" not in stderr


class _Flaky(http.server.BaseHTTPRequestHandler):
    """Answers 503 (as a gateway would) to the first two calls, then 200."""

    calls: list[str] = []

    def _answer(self) -> None:
        self.calls.append(self.command)
        if len(self.calls) <= 2:
            self.send_response(503)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>upstream restarting</html>")
            return
        body = json.dumps({"jobs": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


def test_client_retries_idempotent_calls_and_reports_errors(
    service: ServiceProcess, client: ControlClient
) -> None:
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        flaky = ControlClient(f"http://127.0.0.1:{port}", "dop_x", "analytics", backoff=0.05)
        _Flaky.calls = []
        assert flaky.jobs() == []
        assert _Flaky.calls == ["GET", "GET", "GET"]
        _Flaky.calls = []
        with pytest.raises(ControlServiceError) as refused:
            flaky.trigger("orders")
        assert _Flaky.calls == ["POST"] and refused.value.status == 503
        assert "upstream restarting" in refused.value.message
    finally:
        server.shutdown()
        server.server_close()

    with pytest.raises(ControlServiceError) as missing:
        client.job("nope")
    assert missing.value.status == 404 and missing.value.message == (
        "job 'nope' not found in team 'analytics'"
    )
    assert client.team == "analytics" and client.whoami()["admin"] is False
    port = free_port()
    with pytest.raises(ControlServiceUnreachable) as down:
        ControlClient(f"http://127.0.0.1:{port}", "dop_x", "t", backoff=0.01).jobs()
    assert f"http://127.0.0.1:{port}" in down.value.message and down.value.status == 503


def test_delete_asks_first_then_removes_the_job(
    env: dict[str, str], make_job: MakeJob, client: ControlClient
) -> None:
    folder = make_job("to-remove", ORDERS, 'team = "analytics"')
    assert dataops("deploy", str(folder), env=env).returncode == 0
    kept = dataops("delete", "to-remove", env=env, stdin="n\n")
    assert kept.returncode == 1
    assert "delete job to-remove of team analytics with its deployed versions" in kept.stdout
    assert "nothing deleted" in kept.stdout
    assert client.job("to-remove")["active_version"] == 1
    asked = dataops("delete", "to-remove", env=env, stdin="")
    assert asked.returncode == 1 and client.job("to-remove")
    gone = dataops("delete", "to-remove", env=env, stdin="yes\n")
    assert gone.returncode == 0 and "deleted job to-remove of team analytics" in gone.stdout
    with pytest.raises(ControlServiceError) as missing:
        client.job("to-remove")
    assert missing.value.status == 404
    assert "to-remove" not in dataops("jobs", env=env).stdout
    again = dataops("delete", "to-remove", "--yes", env=env)
    assert again.returncode == 2 and "not found" in again.stderr
    make_job("to-remove", ORDERS, 'team = "analytics"')
    assert dataops("deploy", str(folder), env=env).returncode == 0
    quick = dataops("delete", "to-remove", "--yes", env=env)
    assert quick.returncode == 0 and "[y/N]" not in quick.stdout
