"""The server extension's REST API through a real Jupyter server (``jp_fetch``)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from tornado.httpclient import HTTPClientError

from dataops_jupyter.server import schema
from dataops_jupyter.server.handlers import ROUTES

from .conftest import MakeJob

pytestmark = pytest.mark.timeout(120)

SCHEMA_FILE = Path(__file__).parent.parent / schema.DEFAULT_PATH
#: The published schema: every answer below is checked against it.
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
_PARAMETER = re.compile(r"\(\?P<(\w+)>[^)]*\)")


@pytest.fixture
def jp_server_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The extension on; a test changes its settings with ``indirect`` parametrization."""
    return {
        "ServerApp": {"jpserver_extensions": {"dataops_jupyter": True}},
        **getattr(request, "param", {}),
    }


def _template(pattern: str) -> str:
    return _PARAMETER.sub(lambda m: "{" + m.group(1) + "}", pattern)


def _route(path: str) -> str:
    """The route (``/dataops/runs/{run_id}``) a request path goes to."""
    for pattern, _ in ROUTES:
        if re.fullmatch(pattern, path):
            return _template(pattern)
    raise AssertionError(f"no route for {path}")


def assert_valid(answer: Any, subschema: dict[str, Any]) -> None:
    """``answer`` keeps to ``subschema`` of the published schema."""
    jsonschema.validate(answer, {**subschema, "$defs": SCHEMA["$defs"]})


def assert_answer(method: str, parts: tuple[str, ...], code: int, answer: Any) -> None:
    """The answer of an own route keeps to that route's answer in the published schema."""
    route = f"{method} {_route('/dataops/' + '/'.join(parts))}"
    assert route in SCHEMA["routes"], f"{route} is not in {schema.DEFAULT_PATH}"
    assert str(code) in SCHEMA["routes"][route], (route, code)
    assert_valid(answer, SCHEMA["routes"][route][str(code)])


async def call(
    jp_fetch: Any, *parts: str, method: str = "GET", body: Any = None, **params: Any
) -> Any:
    kwargs: dict[str, Any] = {"method": method, "params": params}
    if method != "GET":
        kwargs["body"] = json.dumps(body if body is not None else {})
    response = await jp_fetch("dataops", *parts, **kwargs)
    answer = json.loads(response.body)
    assert_answer(method, parts, response.code, answer)
    return response.code, answer


def error_of(info: pytest.ExceptionInfo[HTTPClientError]) -> dict[str, Any]:
    """The body of an error answer, checked to be an ``ErrorBody``."""
    assert info.value.response is not None
    payload: dict[str, Any] = json.loads(info.value.response.body)
    assert_valid(payload, SCHEMA["error"])
    return payload


async def expect_error(jp_fetch: Any, status: int, *parts: str, **kwargs: Any) -> str:
    with pytest.raises(HTTPClientError) as info:
        await call(jp_fetch, *parts, **kwargs)
    assert info.value.code == status
    return str(error_of(info)["message"])


async def wait_for_run(jp_fetch: Any, run_id: str, timeout: float = 60) -> dict[str, Any]:
    for _ in range(int(timeout * 5)):
        _, run = await call(jp_fetch, "runs", run_id)
        if run["status"] in ("succeeded", "failed", "cancelled", "timed_out"):
            return run  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise AssertionError(f"run {run_id} did not end")


@pytest.fixture
def jobs_root(jp_root_dir: Path, make_job: MakeJob) -> Path:
    make_job(
        "orders",
        [
            (["parameters"], "limit = 2"),
            (["step:extract"], "print('extract', limit)"),
            ([], "raise RuntimeError('scratch')"),
            (["step:load"], "print('load done')"),
        ],
        'description = "Orders"',
        parent=jp_root_dir / "jobs",
    )
    make_job("broken", [([], "1")], parent=jp_root_dir / "jobs")
    return jp_root_dir


async def test_config(jp_fetch: Any) -> None:
    code, config = await call(jp_fetch, "config")
    assert code == 200 and config["features"]["runs"] is True and config["version"]


async def test_list_and_get_jobs(jp_fetch: Any, jobs_root: Path) -> None:
    _, listing = await call(jp_fetch, "jobs")
    assert [j["name"] for j in listing["jobs"]] == ["orders"]
    orders = listing["jobs"][0]
    assert orders["path"] == "jobs/orders" and orders["description"] == "Orders"
    assert [s["name"] for s in orders["steps"]] == ["extract", "load"]
    assert orders["parameters"] == {"limit": 2}
    assert listing["invalid"] == [
        {"path": "jobs/broken", "message": listing["invalid"][0]["message"]}
    ]
    assert "no step cells" in listing["invalid"][0]["message"]
    _, job = await call(jp_fetch, "jobs", "orders")
    assert job == orders
    assert "not found" in await expect_error(jp_fetch, 404, "jobs", "nope")


async def test_create_job_from_template(jp_fetch: Any, jp_root_dir: Path) -> None:
    code, job = await call(jp_fetch, "jobs", method="POST", body={"name": "sales", "team": "shop"})
    assert code == 201 and job["team"] == "shop" and (jp_root_dir / "sales" / "job.toml").exists()
    assert "already exists" in await expect_error(
        jp_fetch, 409, "jobs", method="POST", body={"name": "sales"}
    )
    assert "not a valid job name" in await expect_error(
        jp_fetch, 400, "jobs", method="POST", body={"name": "../etc"}
    )
    assert "'name' is required" in await expect_error(jp_fetch, 400, "jobs", method="POST", body={})


async def test_bad_json_body_is_a_400(jp_fetch: Any, jobs_root: Path) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("dataops", "jobs", "orders", "runs", method="POST", body="{nope")
    assert info.value.code == 400
    assert "not valid JSON" in error_of(info)["message"]


async def test_run_succeeds_with_progress_and_log(jp_fetch: Any, jobs_root: Path) -> None:
    code, run = await call(
        jp_fetch, "jobs", "orders", "runs", method="POST", body={"arguments": {"limit": 5}}
    )
    assert code == 202 and run["status"] in ("queued", "running")
    assert "runner_pid" not in run and run["path"] == "jobs/orders"
    final = await wait_for_run(jp_fetch, run["run_id"])
    assert final["status"] == "succeeded", final
    assert [s["status"] for s in final["steps"]] == ["succeeded", "succeeded"]
    _, log = await call(jp_fetch, "runs", run["run_id"], "log")
    assert "[extract] extract 5" in log["text"] and log["complete"] is True
    _, rest = await call(jp_fetch, "runs", run["run_id"], "log", offset=log["offset"])
    assert rest["text"] == "" and rest["offset"] == log["offset"]
    _, middle = await call(jp_fetch, "runs", run["run_id"], "log", offset=10)
    assert log["text"][10:].startswith(middle["text"][:20])
    _, runs = await call(jp_fetch, "runs", job="orders")
    assert [r["run_id"] for r in runs["runs"]] == [run["run_id"]]
    assert "already ended" in await expect_error(
        jp_fetch, 409, "runs", run["run_id"], "cancel", method="POST"
    )


async def test_a_log_offset_past_the_end_reads_as_the_end(jp_fetch: Any, jobs_root: Path) -> None:
    _, run = await call(jp_fetch, "jobs", "orders", "runs", method="POST", body={})
    await wait_for_run(jp_fetch, run["run_id"])
    _, log = await call(jp_fetch, "runs", run["run_id"], "log")
    for offset in (2**63, 2**44, log["offset"] + 1):
        code, past = await call(jp_fetch, "runs", run["run_id"], "log", offset=offset)
        assert code == 200 and past == {"text": "", "offset": log["offset"], "complete": True}


async def test_bad_arguments_are_refused_before_running(jp_fetch: Any, jobs_root: Path) -> None:
    message = await expect_error(
        jp_fetch, 400, "jobs", "orders", "runs", method="POST", body={"arguments": {"limit": "x"}}
    )
    assert "'limit' must be an integer" in message
    assert "unknown argument" in await expect_error(
        jp_fetch, 400, "jobs", "orders", "runs", method="POST", body={"arguments": {"zzz": 1}}
    )
    assert not (jobs_root / "jobs" / "orders" / ".dataops").exists()
    assert "no step cells" in await expect_error(
        jp_fetch, 400, "jobs", "broken", "runs", method="POST"
    )


async def test_cancel_a_running_run(jp_fetch: Any, jp_root_dir: Path, make_job: MakeJob) -> None:
    make_job("sleepy", [(["step:nap"], "import time\ntime.sleep(120)")], parent=jp_root_dir)
    _, run = await call(jp_fetch, "jobs", "sleepy", "runs", method="POST")
    for _ in range(300):
        _, current = await call(jp_fetch, "runs", run["run_id"])
        if current["steps"][0]["status"] == "running":
            break
        await asyncio.sleep(0.1)
    code, cancelled = await call(jp_fetch, "runs", run["run_id"], "cancel", method="POST")
    assert code == 202 and cancelled["status"] == "cancelled"
    assert cancelled["steps"][0]["status"] == "cancelled"


async def test_unknown_and_malformed_run_ids(jp_fetch: Any, jobs_root: Path) -> None:
    assert "not found" in await expect_error(jp_fetch, 404, "runs", "20250101T000000-deadbeef")
    assert "not a run id" in await expect_error(jp_fetch, 404, "runs", "..%2F..%2Fetc")
    assert "whole number" in await expect_error(
        jp_fetch, 400, "runs", "20250101T000000-deadbeef", "log", offset="x"
    )


def _concrete(pattern: str) -> str:
    return _PARAMETER.sub("x", pattern)


@pytest.mark.parametrize(("pattern", "handler"), ROUTES)
async def test_every_route_requires_authentication(
    jp_fetch: Any, jp_serverapp: Any, pattern: str, handler: type
) -> None:
    path = _concrete(pattern).lstrip("/")
    methods = [
        m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m.lower() in handler.__dict__
    ]
    assert methods
    for method in methods:
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch(
                *path.split("/"),
                method=method,
                body=None if method in ("GET", "DELETE") else "{}",
                headers={"Authorization": ""},
            )
        assert info.value.code in (401, 403), (method, path)
        assert error_of(info)["error"] in ("unauthorized", "forbidden"), (method, path)


async def test_a_second_run_of_a_job_needs_force(
    jp_fetch: Any, jp_root_dir: Path, make_job: MakeJob
) -> None:
    make_job("sleepy", [(["step:nap"], "import time\ntime.sleep(120)")], parent=jp_root_dir)
    _, first = await call(jp_fetch, "jobs", "sleepy", "runs", method="POST")
    message = await expect_error(jp_fetch, 409, "jobs", "sleepy", "runs", method="POST")
    assert f"run {first['run_id']} of job 'sleepy' is still" in message and "force" in message
    assert "'force' must be true or false" in await expect_error(
        jp_fetch, 400, "jobs", "sleepy", "runs", method="POST", body={"force": "yes"}
    )
    code, second = await call(
        jp_fetch, "jobs", "sleepy", "runs", method="POST", body={"force": True}
    )
    assert code == 202 and second["run_id"] != first["run_id"]
    _, runs = await call(jp_fetch, "runs", job="sleepy")
    assert {r["run_id"] for r in runs["runs"]} == {first["run_id"], second["run_id"]}
    for run in (first, second):
        await call(jp_fetch, "runs", run["run_id"], "cancel", method="POST")
    code, third = await call(jp_fetch, "jobs", "sleepy", "runs", method="POST")
    assert code == 202  # nothing active any more
    await call(jp_fetch, "runs", third["run_id"], "cancel", method="POST")


async def test_output_notebook_of_a_run(jp_fetch: Any, jobs_root: Path) -> None:
    _, run = await call(
        jp_fetch, "jobs", "orders", "runs", method="POST", body={"arguments": {"limit": 7}}
    )
    await wait_for_run(jp_fetch, run["run_id"])
    code, notebook = await call(jp_fetch, "runs", run["run_id"], "notebook")
    assert code == 200 and notebook["nbformat"] == 4
    outputs = [
        "".join(output.get("text", ""))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
    ]
    assert "extract 7\n" in "".join(outputs)
    assert "not found" in await expect_error(
        jp_fetch, 404, "runs", "20250101T000000-deadbeef", "notebook"
    )
    folder = jobs_root / "jobs" / "orders" / ".dataops" / "runs" / run["run_id"]
    (folder / "output.ipynb").unlink()
    message = await expect_error(jp_fetch, 404, "runs", run["run_id"], "notebook")
    assert "has no output notebook" in message and str(jobs_root) not in message


def test_the_published_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema.render(), (
        f"{schema.DEFAULT_PATH} is out of date: run `python -m dataops_jupyter.server.schema`"
    )


#: Routes under ``/dataops/control`` that this server answers itself.
_OWN_CONTROL_ROUTES = ("/dataops/control/status", "/dataops/control/connection")


def test_the_schema_names_the_answer_of_every_own_route() -> None:
    relayed = "/dataops/control/"
    own = {
        f"{method} {_template(pattern)}"
        for pattern, handler in ROUTES
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if method.lower() in handler.__dict__
        and (not pattern.startswith(relayed) or pattern in _OWN_CONTROL_ROUTES)
    }
    assert own == set(SCHEMA["routes"])
    run = SCHEMA["$defs"]["Run"]
    assert run["additionalProperties"] is False and "runner_pid" not in run["properties"]


@pytest.mark.parametrize(
    "jp_server_config",
    [{"DataOpsExtension": {"embedded_control_service": False, "control_url": ""}}],
    indirect=True,
)
async def test_config_and_control_status_without_a_service(jp_fetch: Any) -> None:
    _, config = await call(jp_fetch, "config")
    assert config["features"] == {
        "runs": True,
        "control_service": False,
        "embedded_control_service": False,
    }
    _, status = await call(jp_fetch, "control", "status")
    assert status["available"] is False and status["running"] is False


async def test_jobs_with_their_runs_in_one_answer(jp_fetch: Any, jobs_root: Path) -> None:
    _, run = await call(jp_fetch, "jobs", "orders", "runs", method="POST", body={})
    await wait_for_run(jp_fetch, run["run_id"])
    _, listing = await call(jp_fetch, "jobs", runs="3")
    assert [r["run_id"] for r in listing["runs"]["orders"]] == [run["run_id"]]
    assert listing["runs"]["orders"][0]["path"] == "jobs/orders"


async def test_an_unexpected_failure_is_an_error_body_without_details(
    jp_fetch: Any, jobs_root: Path
) -> None:
    _, run = await call(jp_fetch, "jobs", "orders", "runs", method="POST", body={})
    await wait_for_run(jp_fetch, run["run_id"])
    folder = jobs_root / "jobs" / "orders" / ".dataops" / "runs" / run["run_id"]
    (folder / "run.json").write_text("{not a record", encoding="utf-8")
    message = await expect_error(jp_fetch, 500, "runs", run["run_id"])
    assert "server log" in message and str(jobs_root) not in message


async def test_a_method_a_route_does_not_have_is_an_error_body(jp_fetch: Any) -> None:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("dataops", "config", method="DELETE")
    assert info.value.code == 405
    assert error_of(info)["error"] == "method-not-allowed"
