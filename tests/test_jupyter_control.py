"""``/dataops/control/...``: the server extension relaying to a real control service, remote
(configured URL and token) or embedded (started and stopped with the Jupyter server)."""

from __future__ import annotations

import asyncio
import json
import socket
import stat
from pathlib import Path
from typing import Any

import duckdb
import pytest
from tornado.httpclient import HTTPClientError

from dataops_jupyter.server.control import ControlConnection

from .conftest import MakeJob
from .control_process import FINAL, ServiceProcess

pytestmark = pytest.mark.timeout(180)

SECRET = "s3cr3t-value-never-shown"


@pytest.fixture(scope="module")
def service(service_process: ServiceProcess) -> ServiceProcess:
    """The session's control service, as team 'lab'."""
    return service_process.for_team("lab")


@pytest.fixture
def jp_server_config(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A server configured with the test's control service; ``"embedded"`` (as the fixture's
    parameter): a server with no control service configured."""
    for name in ("DATAOPS_URL", "DATAOPS_TOKEN", "DATAOPS_TEAM", "DATAOPS_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    config: dict[str, Any] = {"ServerApp": {"jpserver_extensions": {"dataops_jupyter": True}}}
    if getattr(request, "param", "remote") != "embedded":
        service: ServiceProcess = request.getfixturevalue("service")
        config["DataOpsExtension"] = {"control_url": service.url, "control_token": service.token}
    return config


class Calls:
    """``jp_fetch`` below ``/dataops/control``, keeping every answer to search for the token."""

    def __init__(self, jp_fetch: Any) -> None:
        self.fetch = jp_fetch
        self.bodies: list[str] = []

    async def __call__(
        self, *parts: str, method: str = "GET", body: Any = None, **params: Any
    ) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {"method": method, "params": params}
        if method not in ("GET", "DELETE"):
            kwargs["body"] = json.dumps(body if body is not None else {})
        response = await self.fetch("dataops", "control", *parts, **kwargs)
        text = response.body.decode()
        self.bodies.append(text)
        if response.headers.get("Content-Type", "").startswith("text/event-stream"):
            return response.code, text
        return response.code, json.loads(text) if text else None

    async def error(self, status: int, *parts: str, **kwargs: Any) -> str:
        with pytest.raises(HTTPClientError) as info:
            await self(*parts, **kwargs)
        assert info.value.code == status, info.value.response.body if info.value.response else ""
        assert info.value.response is not None
        text = info.value.response.body.decode()
        self.bodies.append(text)
        return str(json.loads(text)["message"])

    async def wait(self, job: str, execution: str, states: set[str]) -> dict[str, Any]:
        for _ in range(450):
            _, found = await self("jobs", job, "executions", execution)
            if found["status"] in states:
                return found  # type: ignore[no-any-return]
            await asyncio.sleep(0.2)
        raise AssertionError(f"execution {execution} is still {found['status']}")


def sse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        name, data = "message", ""
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
        events.append((name, json.loads(data)))
    return events


async def test_deploy_execute_and_manage_through_jupyter(
    jp_fetch: Any, jp_root_dir: Path, make_job: MakeJob, service: ServiceProcess
) -> None:
    call = Calls(jp_fetch)
    folder = make_job(
        "orders",
        [
            (["parameters"], "limit = 2"),
            (["step:extract"], "print('extract', limit)"),
            (["step:load"], "print('load done')"),
        ],
        'team = "lab"\ndescription = "Orders"',
        parent=jp_root_dir / "jobs",
    )
    make_job("sleepy", [(["step:nap"], "import time\ntime.sleep(120)")], parent=jp_root_dir)

    config = json.loads((await jp_fetch("dataops", "config")).body)
    assert config["features"]["control_service"] is True
    assert config["features"]["embedded_control_service"] is False
    _, status = await call("status")
    assert status["running"] is True and status["team"] == "lab"
    assert status["embedded"] is False and status["url"] == service.url

    code, first = await call(
        "jobs", "orders", "deployments", method="POST", body={"reason": "first"}
    )
    assert code == 201 and first["version"] == 1 and first["reason"] == "first"
    assert first["steps"] == ["extract", "load"] and first["parameters"] == {"limit": 2}
    _, listing = await call("jobs")
    assert [(j["name"], j["active_version"]) for j in listing["jobs"]] == [("orders", 1)]
    _, job = await call("jobs", "orders")
    assert job["description"] == "Orders"

    code, started = await call(
        "jobs", "orders", "executions", method="POST", body={"arguments": {"limit": 5}}
    )
    assert code == 202 and started["arguments"] == {"limit": 5}
    execution = started["id"]
    _, stream = await call("jobs", "orders", "executions", execution, "logs", "stream")
    events = sse_events(stream)
    assert events[-1] == ("end", {"status": "succeeded"})
    streamed = "".join(data["text"] for name, data in events if name == "message")
    assert "[extract] extract 5" in streamed and "[load] load done" in streamed
    _, done = await call("jobs", "orders", "executions", execution)
    assert done["status"] == "succeeded" and [s["status"] for s in done["steps"]] == [
        "succeeded",
        "succeeded",
    ]
    _, by_id = await call("executions", execution)
    assert by_id["job"] == "orders" and by_id["id"] == execution
    _, log = await call("jobs", "orders", "executions", execution, "logs")
    assert log["text"] == streamed and log["complete"] is True
    _, tail = await call("jobs", "orders", "executions", execution, "logs", tail=20)
    assert tail["text"] == streamed[-20:] and tail["offset"] == log["offset"]
    _, rest = await call("jobs", "orders", "executions", execution, "logs", offset=log["offset"])
    assert rest["text"] == ""
    _, history = await call("jobs", "orders", "executions", limit=5)
    assert [e["id"] for e in history["executions"]] == [execution]
    assert "must be an integer" in await call.error(
        400, "jobs", "orders", "executions", method="POST", body={"arguments": {"limit": "x"}}
    )

    (folder / "job.toml").write_text('name = "orders"\nteam = "lab"\n')
    _, second = await call("jobs", "orders", "deployments", method="POST")
    assert second["version"] == 2 and second["active"] is True
    _, versions = await call("jobs", "orders", "deployments")
    assert [d["version"] for d in versions["deployments"]] == [2, 1]
    assert "no change since v2" in await call.error(
        409, "jobs", "orders", "deployments", method="POST"
    )
    _, forced = await call("jobs", "orders", "deployments", method="POST", body={"force": True})
    assert forced["version"] == 3 and forced["content_hash"] == second["content_hash"]
    _, rolled = await call("jobs", "orders", "active-deployment", method="PUT", body={"version": 1})
    assert rolled["active_version"] == 1
    assert "version 7 of job 'orders' not found" in await call.error(
        404, "jobs", "orders", "active-deployment", method="PUT", body={"version": 7}
    )
    assert "'version' must be" in await call.error(
        400, "jobs", "orders", "active-deployment", method="PUT", body={"version": "1"}
    )

    _, paused = await call("jobs", "orders", method="PATCH", body={"enabled": False})
    assert paused["enabled"] is False
    _, resumed = await call("jobs", "orders", method="PATCH", body={"enabled": True})
    assert resumed["enabled"] is True
    assert "'enabled' must be true or false" in await call.error(
        400, "jobs", "orders", method="PATCH", body={"enabled": "no"}
    )

    _, props = await call("jobs", "orders", "properties", method="PUT", body={"limit": 9})
    assert props == {"limit": 9}
    assert (await call("jobs", "orders", "properties"))[1] == {"limit": 9}

    code, _ = await call(
        "jobs", "orders", "secrets", "API_KEY", method="PUT", body={"value": SECRET}
    )
    assert code == 204
    assert (await call("jobs", "orders", "secrets"))[1] == {"names": ["API_KEY"]}

    assert "not found" in await call.error(404, "jobs", "nope")
    assert "not found" in await call.error(
        404, "jobs", "orders", "executions", "20250101T000000-deadbeef", "logs", "stream"
    )
    assert "not found under" in await call.error(404, "jobs", "nope", "deployments", method="POST")

    await call("jobs", "sleepy", "deployments", method="POST")
    _, nap = await call("jobs", "sleepy", "executions", method="POST")
    code, _ = await call("jobs", "sleepy", "executions", nap["id"], "cancel", method="POST")
    assert code == 202
    assert (await call.wait("sleepy", nap["id"], FINAL))["status"] == "cancelled"
    assert "already ended" in await call.error(
        409, "jobs", "sleepy", "executions", nap["id"], "cancel", method="POST"
    )

    for body in call.bodies:
        assert service.token not in body and SECRET not in body


async def test_service_problems_are_the_servers_not_the_browsers(
    jp_fetch: Any, jp_serverapp: Any, service: ServiceProcess
) -> None:
    call = Calls(jp_fetch)
    control = jp_serverapp.web_app.settings["dataops_control"]
    control.token = "dop_not_a_known_token"
    message = await call.error(502, "jobs")
    assert "refused the token configured for this Jupyter server" in message
    _, status = await call("status")
    assert status["running"] is False and "refused the token" in status["message"]
    control.url = "http://127.0.0.1:9"
    message = await call.error(503, "jobs")
    assert "cannot reach the control service at http://127.0.0.1:9" in message


def _port_open(url: str) -> bool:
    host, port = url.rsplit("//", 1)[1].split(":")
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, int(port))) == 0


@pytest.mark.parametrize("jp_server_config", ["embedded"], indirect=True)
async def test_embedded_service_starts_and_stops_with_the_server(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path, make_job: MakeJob
) -> None:
    (jp_root_dir / "dataops.toml").write_text('warehouse = "duckdb://lake.duckdb"\n')
    make_job(
        "shop-orders",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (["step:build"], "job.sql('CREATE OR REPLACE TABLE answers AS SELECT 42 AS answer')"),
        ],
        'team = "shop"',
        parent=jp_root_dir,
    )
    call = Calls(jp_fetch)
    config = json.loads((await jp_fetch("dataops", "config")).body)
    assert config["features"]["embedded_control_service"] is True
    extension = jp_serverapp.extension_manager.extension_points["dataops_jupyter"].app
    await extension._start_jupyter_server_extension(jp_serverapp)  # as the server does on start
    embedded = extension.control.embedded
    _, status = await call("status")
    assert status == {
        "available": True, "embedded": True, "url": None, "team": "shop",
        "version": status["version"], "running": True, "message": None,
    }  # fmt: skip
    process = embedded.process
    url = embedded.endpoint.url
    assert process.poll() is None and url.startswith("http://127.0.0.1:")
    state = jp_root_dir / ".dataops" / "control"
    for secret_file in ("secret.key", "token.json"):
        assert stat.S_IMODE((state / secret_file).stat().st_mode) == 0o600

    _, deployed = await call("jobs", "shop-orders", "deployments", method="POST")
    assert deployed["version"] == 1 and deployed["team"] == "shop"
    _, execution = await call("jobs", "shop-orders", "executions", method="POST")
    final = await call.wait("shop-orders", execution["id"], FINAL)
    assert final["status"] == "succeeded", final
    with duckdb.connect(str(jp_root_dir / "lake.duckdb"), read_only=True) as lake:
        assert lake.execute("SELECT answer FROM answers").fetchall() == [(42,)]
    code, _ = await call(
        "jobs", "shop-orders", "secrets", "TOKEN", method="PUT", body={"value": SECRET}
    )
    assert code == 204
    token = json.loads((state / "token.json").read_text())["token"]
    for body in call.bodies:
        assert token not in body and SECRET not in body

    await extension.stop_extension()  # what the server does when it stops
    assert process.poll() is not None and not _port_open(url)
    assert embedded.process is None


async def test_output_notebook_force_deploy_and_delete_through_jupyter(
    jp_fetch: Any, jp_root_dir: Path, make_job: MakeJob
) -> None:
    call = Calls(jp_fetch)
    make_job(
        "report",
        [(["parameters"], "n = 2"), (["step:report"], "print('rows', n * 21)")],
        'team = "lab"',
        parent=jp_root_dir,
    )
    _, first = await call("jobs", "report", "deployments", method="POST", body={"reason": "a"})
    assert "'force' must be true or false" in await call.error(
        400, "jobs", "report", "deployments", method="POST", body={"force": "yes"}
    )
    code, forced = await call(
        "jobs", "report", "deployments", method="POST", body={"reason": "again", "force": True}
    )
    assert code == 201 and forced["version"] == first["version"] + 1
    assert forced["reason"] == "again"

    _, started = await call("jobs", "report", "executions", method="POST")
    assert (await call.wait("report", started["id"], FINAL))["status"] == "succeeded"
    code, notebook = await call("jobs", "report", "executions", started["id"], "notebook")
    assert code == 200 and notebook["nbformat"] == 4
    texts = [
        "".join(output.get("text", ""))
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    ]
    assert "rows 42\n" in "".join(texts)
    assert "not found" in await call.error(
        404, "jobs", "report", "executions", "20250101T000000-deadbeef", "notebook"
    )

    code, _ = await call("jobs", "report", method="DELETE")
    assert code == 204
    assert "not found" in await call.error(404, "jobs", "report")
    _, listing = await call("jobs")
    assert "report" not in [job["name"] for job in listing["jobs"]]
    assert "not found" in await call.error(404, "jobs", "report", method="DELETE")


async def test_a_deploy_refused_for_its_contracts_shows_their_lines_through_jupyter(
    jp_fetch: Any, jp_root_dir: Path, make_job: MakeJob
) -> None:
    call = Calls(jp_fetch)
    folder = make_job("contracted", [(["step:a"], "1")], 'team = "lab"', parent=jp_root_dir)
    (folder / "contracts").mkdir()
    (folder / "contracts" / "orders.odcs.yaml").write_text(
        "apiVersion: v3.1.0\nkind: DataContract\nid: orders\nversion: 1.0.0\nstatus: active\n"
        "schema:\n  - name: orders\n    properties:\n      - name: id\n        type: string\n"
    )
    message = await call.error(400, "jobs", "contracted", "deployments", method="POST")
    assert message.endswith(
        "so the deployment was refused:\ncontracts/orders.odcs.yaml:10:9: unexpected key 'type' "
        "in a property; ODCS v3 writes a property's type as `logicalType` (and `physicalType`)"
    ), message
    assert json.loads(call.bodies[-1])["error"] == "invalid-contract"
    assert str(jp_root_dir) not in message


@pytest.mark.parametrize("jp_server_config", ["embedded"], indirect=True)
async def test_the_control_service_is_switched_from_jupyter_and_its_token_stays_there(
    jp_fetch: Any, jp_data_dir: Path, service: ServiceProcess
) -> None:
    call = Calls(jp_fetch)
    saved = jp_data_dir / "dataops" / "connection.json"
    _, before = await call("connection")
    assert before == {"url": None, "team": None, "embedded": True, "token_set": False}

    _, switched = await call(
        "connection",
        method="PUT",
        body={"url": service.url + "/", "token": service.token, "team": "lab"},
    )
    assert switched == {"url": service.url, "team": "lab", "embedded": False, "token_set": True}
    _, status = await call("status")
    assert status["running"] is True and status["url"] == service.url, status
    assert status["team"] == "lab" and status["embedded"] is False
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert json.loads(saved.read_text())["token"] == service.token
    # The next server start uses it again.
    restarted = ControlConnection(jp_data_dir, saved=saved)
    assert (restarted.url, restarted.team, restarted.embedded) == (service.url, "lab", None)

    # Another URL without a token: the token of the first service is not sent to it.
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        elsewhere = f"http://127.0.0.1:{free.getsockname()[1]}"
    _, moved = await call("connection", method="PUT", body={"url": elsewhere, "team": "lab"})
    assert moved["url"] == elsewhere and moved["token_set"] is False
    assert "needs a token" in await call.error(503, "jobs")
    # Back to the first one with its token, then to the server's own configuration.
    body = {"url": service.url, "team": "lab", "token": service.token}
    await call("connection", method="PUT", body=body)
    _, back = await call("connection", method="PUT", body={"url": "", "team": ""})
    assert back == {"url": None, "team": None, "embedded": True, "token_set": False}
    assert not saved.exists()

    for bad, needle in [
        ({"url": "ftp://127.0.0.1:1"}, "is not a control service URL"),
        ({"url": "http://me:pw@127.0.0.1:1"}, "without user, password"),
        ({"url": service.url, "team": "../lab"}, "'team'"),
        ({"url": service.url, "token": 5}, "'token' must be a string"),
        ({"url": service.url, "secret": "x"}, "unknown field(s) ['secret']"),
    ]:
        message = await call.error(400, "connection", method="PUT", body=bad)
        assert needle in message, message
    _, after = await call("connection")
    assert after["embedded"] is True, "a refused change changes nothing"
    assert not any(service.token in text for text in call.bodies), "the token never leaves"
