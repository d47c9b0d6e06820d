"""Notifications end to end: a real control service, real executions, a loopback webhook
receiver and a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import email
import email.policy
import http.server
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from cryptography.fernet import Fernet

from dataops_jupyter.control_service.app import create_app
from dataops_jupyter.control_service.auth import create_token
from dataops_jupyter.control_service.bundles import make_bundle
from dataops_jupyter.control_service.config import ServiceConfig
from dataops_jupyter.control_service.db import utcnow
from dataops_jupyter.control_service.service import ControlService
from dataops_jupyter.errors import JobDefinitionError
from dataops_jupyter.jobs import load_job
from dataops_jupyter.testing.postgres import free_port

from .conftest import MakeJob

TEAM = "analytics"
FINAL = {"succeeded", "user_error", "platform_error", "cancelled", "skipped"}
SECRET = "hunter2-swordfish"
CELLS = [
    (["parameters"], 'message = ""'),
    (["step:prepare"], "orders = [1, 2, 3]"),
    (["step:load"], 'if message:\n    raise ValueError(f"cannot load orders: {message}")'),
]


# -- loopback receivers ---------------------------------------------------------------------


class Webhooks:
    """An HTTP server on loopback that keeps every JSON body POSTed to it, by path."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        received = self.posts

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def at(self, path: str) -> list[dict[str, Any]]:
        return [body for where, body in self.posts if where == path]

    def wait(self, path: str, count: int = 1, timeout: float = 30) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.at(path)) < count:
            assert time.monotonic() < deadline, f"{count} POST(s) to {path} expected: {self.posts}"
            time.sleep(0.05)
        return self.at(path)


class Mailbox:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.messages if address in rcpt]

    def wait(self, address: str, count: int = 1, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.to(address)) < count:
            assert time.monotonic() < deadline, f"{count} email(s) to {address} expected"
            time.sleep(0.05)
        return self.to(address)


@pytest.fixture
def webhooks() -> Iterator[Webhooks]:
    hooks = Webhooks()
    yield hooks
    hooks.server.shutdown()
    hooks.server.server_close()


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


def config_for(tmp_path: Path, smtp_port: int, **values: Any) -> ServiceConfig:
    settings: dict[str, Any] = {
        "db_url": f"sqlite:///{tmp_path / 'control.db'}",
        "artifacts": tmp_path / "artifacts",
        "tick": 0.2,
        "secret_key": Fernet.generate_key().decode(),
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_from": "dataops@example.com",
    }
    return ServiceConfig(**{**settings, **values})


def fast_retries(service: ControlService) -> ControlService:
    service.notifications.backoff = 0.1
    service.notifications.delay_check_every = 0
    return service


# -- job.toml -------------------------------------------------------------------------------


def test_delay_settings_are_validated_with_clear_errors(make_job: MakeJob) -> None:
    schedule = '[schedule]\ncron = "0 3 * * *"\n'
    good = make_job("nightly", CELLS, schedule + '[notify]\non_delay = ["a@example.com"]\n'
                    "delay_minutes = 30")  # fmt: skip
    notify = load_job(good).config.notify
    assert (notify.on_delay, notify.delay_minutes) == (["a@example.com"], 30)
    for toml, expected in [
        ('[notify]\non_delay = ["a@example.com"]\ndelay_minutes = 5', "add a [schedule]"),
        (schedule + '[notify]\non_delay = ["a@example.com"]', "on_delay needs delay_minutes"),
        (schedule + "[notify]\ndelay_minutes = 5", "delay_minutes needs on_delay"),
        (schedule + '[notify]\non_delay = ["a@example.com"]\ndelay_minutes = "5m"', "whole number"),
        (schedule + '[notify]\non_delay = ["nobody"]\ndelay_minutes = 5', "'notify.on_delay'"),
    ]:
        with pytest.raises(JobDefinitionError, match="key 'notify") as info:
            load_job(make_job("bad", CELLS, toml))
        assert expected in info.value.message


# -- through the API --------------------------------------------------------------------------


def start_served(config: ServiceConfig) -> tuple[ControlService, uvicorn.Server, threading.Thread]:
    port = free_port()
    config.public_url = f"http://127.0.0.1:{port}"
    service = fast_retries(ControlService(config))
    server = uvicorn.Server(
        uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.05)
    return service, server, thread


def run_to_end(client: httpx.Client, job: str, arguments: dict[str, Any]) -> dict[str, Any]:
    started = client.post(f"/api/v1/teams/{TEAM}/jobs/{job}/executions",
                          json={"arguments": arguments})  # fmt: skip
    assert started.status_code == 202, started.text
    url = f"/api/v1/teams/{TEAM}/jobs/{job}/executions/{started.json()['id']}"
    deadline = time.monotonic() + 90
    while (body := client.get(url).json())["status"] not in FINAL:
        assert time.monotonic() < deadline, body
        time.sleep(0.2)
    result: dict[str, Any] = body
    return result


def test_failure_success_and_deploy_notifications(
    tmp_path: Path, make_job: MakeJob, webhooks: Webhooks, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, smtp_port = smtp
    dead = f"http://127.0.0.1:{free_port()}/nobody-listens"
    folder = make_job("orders", CELLS, f"""
[notify]
on_failure = ["{webhooks.url("/failure")}", "ops@example.com", "{dead}"]
on_success = ["{dead}", "{webhooks.url("/success")}"]
on_deploy = ["{webhooks.url("/deploy")}", "releases@example.com"]
""")  # fmt: skip
    service, server, thread = start_served(config_for(tmp_path, smtp_port))
    public_url = str(service.config.public_url)
    try:
        token = create_token(service.engine, TEAM)
        client = httpx.Client(base_url=public_url, timeout=60,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert client.post(f"/api/v1/teams/{TEAM}/jobs", json={"name": "orders"}).status_code == 201
        deployed = client.post(
            f"/api/v1/teams/{TEAM}/jobs/orders/deployments",
            params={"reason": "first release"},
            content=make_bundle(folder),
            headers={"Content-Type": "application/zip"},
        )
        assert deployed.status_code == 201, deployed.text
        response = client.put(f"/api/v1/teams/{TEAM}/jobs/orders/secrets/api_key",
                              json={"value": SECRET})  # fmt: skip
        assert response.status_code == 204, response.text

        # deploy → on_deploy: webhook and email
        (hook,) = webhooks.wait("/deploy")
        assert hook["event"] == "deployed" and hook["version"] == 1
        assert "analytics/orders: version 1 deployed" in hook["text"]
        assert hook["reason"] == "first release"
        assert hook["url"] == f"{public_url}/api/v1/teams/{TEAM}/jobs/orders/deployments/1"
        (mail,) = mailbox.wait("releases@example.com")
        assert mail["Subject"] == "analytics/orders: version 1 deployed"
        assert mail["From"] == "dataops@example.com"

        # a failing step → on_failure: webhook and email name the step and the error, and the
        # secret's value in the error is masked; the dead webhook changes nothing
        failed = run_to_end(client, "orders", {"message": f"password {SECRET} rejected"})
        assert failed["status"] == "user_error"
        (hook,) = webhooks.wait("/failure")
        assert hook["event"] == "user_error" and hook["status"] == "user_error"
        assert (hook["job"], hook["team"], hook["execution_id"]) == ("orders", TEAM, failed["id"])
        assert hook["step"] == "load"
        assert hook["error"]["ename"] == "ValueError"
        assert "cannot load orders: password *** rejected" in hook["error"]["evalue"]
        assert hook["text"].startswith(
            "analytics/orders failed in step 'load': ValueError: cannot load orders"
        )
        assert "Failing step: load" in hook["text"] and "Duration: " in hook["text"]
        assert hook["duration_seconds"] > 0
        assert (
            hook["url"] == f"{public_url}/api/v1/teams/{TEAM}/jobs/orders/executions/{failed['id']}"
        )
        (mail,) = mailbox.wait("ops@example.com")
        assert "failed in step 'load'" in mail["Subject"]
        body = mail.get_content()
        assert "Failing step: load" in body and "cannot load orders" in body
        assert "Traceback" in body and failed["id"] in body

        # success → on_success only
        succeeded = run_to_end(client, "orders", {})
        assert succeeded["status"] == "succeeded"
        (hook,) = webhooks.wait("/success")
        assert hook["event"] == "succeeded" and hook["execution_id"] == succeeded["id"]
        assert hook["step"] is None and hook["error"] is None
        assert hook["text"].startswith("analytics/orders succeeded (")

        assert service.notifications.wait_idle(30)
        assert len(webhooks.at("/failure")) == 1 and len(webhooks.at("/deploy")) == 1
        assert len(mailbox.messages) == 2, [m["Subject"] for _, m in mailbox.messages]
        assert all(SECRET not in json.dumps(body) for _, body in webhooks.posts)
        for _, mail in mailbox.messages:
            assert SECRET not in str(mail["Subject"]) and SECRET not in mail.get_content()
        # the unreachable webhook neither changed a status nor stopped the service
        for execution, status in ((failed, "user_error"), (succeeded, "succeeded")):
            url = f"/api/v1/teams/{TEAM}/jobs/orders/executions/{execution['id']}"
            assert client.get(url).json()["status"] == status
        assert client.get("/healthz").status_code == 200
        notified = {r.id: r.notified for r in service.store.executions(TEAM, "orders")}
        assert notified == {failed["id"]: ["user_error"], succeeded["id"]: ["succeeded"]}
        client.close()
    finally:
        server.should_exit = True
        thread.join(30)


# -- delays and restarts, tick by tick ------------------------------------------------------


async def until_final(service: ControlService, execution_id: str) -> str:
    deadline = time.monotonic() + 90
    while True:
        await service.tick()
        row = service.store.execution_by_id(execution_id)
        assert row is not None
        if row.status in FINAL:
            return str(row.status)
        assert time.monotonic() < deadline, row.status
        await asyncio.sleep(0.1)


async def one_life(config: ServiceConfig, ticks: int = 5) -> ControlService:
    """Start a service on the database, tick it a few times, let it send, stop it."""
    service = fast_retries(ControlService(config))
    await service.start()
    for _ in range(ticks):
        await service.tick()
        await asyncio.sleep(0.05)
    assert await asyncio.to_thread(service.notifications.wait_idle, 30)
    await service.stop()
    return service


def test_delay_alerts_once_and_a_restart_sends_nothing_twice(
    tmp_path: Path, make_job: MakeJob, webhooks: Webhooks, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, smtp_port = smtp
    folder = make_job("nightly", CELLS, f"""
[schedule]
cron = "0 3 * * *"
[notify]
on_delay = ["{webhooks.url("/delay")}", "oncall@example.com"]
delay_minutes = 5
on_success = ["{webhooks.url("/success")}"]
on_failure = ["{webhooks.url("/failure")}"]
""")  # fmt: skip
    config = config_for(tmp_path, smtp_port, background=False)

    async def first_life() -> tuple[str, str, str]:
        service = fast_retries(ControlService(config))
        await service.start()
        store = service.store
        store.create_job(TEAM, "nightly")
        await asyncio.to_thread(service.deploy, TEAM, "nightly", make_bundle(folder), "ci", "")
        # a scheduled run that is already 10 minutes past its time: late
        late = store.create_execution(TEAM, "nightly", 1, "schedule", {},
                                      scheduled_for=utcnow() - timedelta(minutes=10))  # fmt: skip
        assert await until_final(service, late.id) == "succeeded"
        for _ in range(5):
            await service.tick()
        assert await asyncio.to_thread(service.notifications.wait_idle, 30)
        # one scheduled a minute ago that succeeds before its deadline: never late
        on_time = store.create_execution(TEAM, "nightly", 1, "schedule", {},
                                         scheduled_for=utcnow() - timedelta(minutes=1))  # fmt: skip
        assert await until_final(service, on_time.id) == "succeeded"
        assert service.notifications.check_delays(utcnow() + timedelta(minutes=10)) == 0
        # an execution whose end was recorded by a service that stopped before announcing it
        lost = store.create_execution(TEAM, "nightly", 1, "manual", {})
        store.finish(lost.id, "platform_error", message="the worker host went away")
        assert await asyncio.to_thread(service.notifications.wait_idle, 30)
        await service.stop()
        return late.id, on_time.id, lost.id

    late, on_time, lost = asyncio.run(first_life())
    (alert,) = webhooks.at("/delay")
    assert alert["event"] == "delayed" and alert["scheduled_execution_id"] == late
    assert alert["delay_minutes"] == 5 and alert["job"] == "nightly"
    assert "analytics/nightly " in alert["text"] and "within 5 min" in alert["text"]
    assert "Deadline: " in alert["text"]
    (mail,) = mailbox.wait("oncall@example.com")
    assert "analytics/nightly" in mail["Subject"] and late in mail.get_content()
    assert [h["execution_id"] for h in webhooks.at("/success")] == [late, on_time]
    assert webhooks.at("/failure") == []

    # the restart announces what the stopped service did not, once
    asyncio.run(one_life(config))
    (failure,) = webhooks.wait("/failure")
    assert failure["execution_id"] == lost and failure["event"] == "platform_error"
    assert "platform error: the worker host went away" in failure["text"]

    # another restart sends nothing again: no second delay alert, success or failure
    service = asyncio.run(one_life(config))
    assert service.notifications.check_delays(utcnow() + timedelta(minutes=30)) == 0
    assert len(webhooks.posts) == 4 and len(mailbox.messages) == 1
    notified = {r.id: sorted(r.notified) for r in service.store.executions(TEAM, "nightly")}
    assert notified == {late: ["delayed", "succeeded"], on_time: ["succeeded"],
                        lost: ["platform_error"]}  # fmt: skip
