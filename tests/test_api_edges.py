"""The control service's HTTP edges: upload and field size limits, names, log offsets past the
end, 405 answers, the OpenAPI document's error answers and the metrics histograms."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import update

from dataops_jupyter.control_service.auth import authenticate, create_token
from dataops_jupyter.control_service.bundles import make_bundle
from dataops_jupyter.control_service.db import jobs as jobs_table
from dataops_jupyter.control_service.db import utcnow
from dataops_jupyter.errors import ArgumentError
from dataops_jupyter.jobs import check_arguments, check_job_name

from .conftest import MakeJob
from .control import RunningService, deploy, wait_for
from .control_process import ServiceProcess, deploy_folder

pytestmark = pytest.mark.timeout(240)
API = "/api/v1/teams/analytics"
STEPS = [
    (["parameters"], "limit = 3"),
    (["step:count"], "print('counting to', limit)"),
]


# -- uploads and field sizes -------------------------------------------------------------------


def _peak_rss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    process = psutil.Process(pid)
    while not stop.is_set():
        peak[0] = max(peak[0], process.memory_info().rss)
        time.sleep(0.02)


@pytest.fixture
def edges(service_process: ServiceProcess) -> ServiceProcess:
    """The session's service process, with a token of a team of this module's own."""
    return service_process.for_team("edges")


def test_a_streamed_512_mib_upload_is_refused_without_filling_memory(
    edges: ServiceProcess, make_job: MakeJob
) -> None:
    service_process = edges
    deploy_folder(service_process, make_job("uploads", STEPS))
    url = f"{service_process.url}/api/v1/teams/{service_process.team}/jobs/uploads/deployments"
    before = psutil.Process(service_process.process.pid).memory_info().rss
    peak = [before]
    stop = threading.Event()
    watcher = threading.Thread(
        target=_peak_rss, args=(service_process.process.pid, stop, peak), daemon=True
    )
    watcher.start()
    sent = [0]

    def body() -> Iterator[bytes]:
        chunk = b"\0" * (1 << 20)
        for _ in range(512):
            sent[0] += len(chunk)
            yield chunk

    try:
        response = httpx.post(
            url,
            content=body(),  # no Content-Length: sent chunked, refused while it streams
            headers={
                "Authorization": f"Bearer {service_process.token}",
                "Content-Type": "application/zip",
            },
            timeout=120,
        )
    finally:
        stop.set()
        watcher.join()
    assert response.status_code == 413, response.text
    assert response.json() == {
        "error": "too-large",
        "message": "the request body is larger than 50 MiB, the most this accepts",
    }
    growth = peak[0] - before
    print(
        f"512 MiB streamed: refused after {sent[0] / 2**20:.0f} MiB sent, RSS +{growth / 2**20:.0f} MiB"
    )
    assert growth < 128 * 2**20, f"the service grew by {growth / 2**20:.0f} MiB"
    assert sent[0] < 512 * 2**20, "the service read the whole body"
    listed = httpx.get(url, headers={"Authorization": f"Bearer {service_process.token}"})
    assert [d["version"] for d in listed.json()["deployments"]] == [1]


def test_a_declared_oversized_upload_is_refused_before_its_body_is_read(
    edges: ServiceProcess,
) -> None:
    service_process = edges
    host, port = service_process.url.removeprefix("http://").split(":")
    path = f"/api/v1/teams/{service_process.team}/jobs/uploads/deployments"
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {service_process.token}\r\n"
            f"Content-Type: application/zip\r\nContent-Length: {512 * 2**20}\r\n\r\n".encode()
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            received = connection.recv(65536)
            if not received:
                break
            answer += received
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"larger than 50 MiB" in payload


def test_field_limits_name_the_field_and_never_echo_the_value(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    deploy(client, "analytics", make_job("sized", STEPS))
    refusals = {
        "description": client.post(f"{API}/jobs", json={"name": "big", "description": "d" * 2001}),
        "patched description": client.patch(f"{API}/jobs/sized", json={"description": "d" * 2001}),
        "properties": client.put(f"{API}/jobs/sized/properties", json={"k": "p" * 70_000}),
        "secret value": client.put(f"{API}/jobs/sized/secrets/pw", json={"value": "s" * 70_000}),
        "arguments": client.post(
            f"{API}/jobs/sized/executions", json={"arguments": {"limit": "a" * 70_000}}
        ),
        "reason": client.post(
            f"{API}/jobs/sized/deployments",
            params={"reason": "r" * 2001},
            content=make_bundle(make_job("sized", STEPS)),
            headers={"Content-Type": "application/zip"},
        ),
    }
    expected = {
        "description": "at most 2000 characters",
        "patched description": "at most 2000 characters",
        "properties": "properties must be at most 64 KiB; got 68 KiB",
        "secret value": "a secret value must be at most 64 KiB; got 68 KiB",
        "arguments": "all arguments together must be at most 64 KiB; got 68 KiB",
        "reason": "reason: String should have at most 2000 characters",
    }
    for field, response in refusals.items():
        assert response.status_code == 400, (field, response.text)
        assert expected[field] in response.json()["message"], (field, response.text)
        assert len(response.text) < 500, (field, response.text[:200])
    too_large = client.put(
        f"{API}/jobs/sized/properties",
        content=json.dumps({"k": "x" * 2**21}),
        headers={"Content-Type": "application/json"},
    )
    assert too_large.status_code == 413
    assert "larger than 1 MiB" in too_large.json()["message"]
    assert client.get(f"{API}/jobs/sized/properties").json() == {}
    assert client.get(f"{API}/jobs/sized/secrets").json() == {"names": []}
    assert client.get(f"{API}/jobs/sized/executions").json()["executions"] == []
    assert client.get(f"{API}/jobs").json()["jobs"][0]["description"] == ""


def test_an_argument_error_quotes_a_short_part_of_the_value(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    deploy(client, "analytics", make_job("echo", STEPS))
    refused = client.post(
        f"{API}/jobs/echo/executions", json={"arguments": {"limit": "v" * 60_000}}
    )
    assert refused.status_code == 400
    message = refused.json()["message"]
    assert message.startswith("argument 'limit' must be an integer like its default 3, got \"vvv")
    assert "(60002 characters) (a string)" in message and len(message) < 300
    many = {f"unknown{i}": 1 for i in range(50)}
    with pytest.raises(ArgumentError) as info:
        check_arguments(many, {"limit": 3})
    assert str(info.value).count("unknown argument") == 10
    assert str(info.value).endswith("; and 40 more")


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["nl\n", "..", "<script>", "a/b", "-a", "A", "a" * 65, ""])
def test_names_follow_one_rule_everywhere(name: str) -> None:
    with pytest.raises(ValueError, match="is not a valid job name"):
        check_job_name(name)


def test_invalid_team_and_job_names_are_refused_and_nothing_is_written(
    control: RunningService, make_job: MakeJob
) -> None:
    admin = control.client(token=control.token(None, admin=True))
    artifacts = Path(control.service.artifacts)
    bundle = make_bundle(make_job("x", STEPS))
    notebook = (make_job("y", STEPS) / "main.ipynb").read_text()
    before = sorted(p.relative_to(artifacts.parent) for p in artifacts.parent.rglob("*"))
    for team in ("%2E%2E", "%3Cscript%3E", "analytics%0A", "Team"):
        created = admin.post(f"/api/v1/teams/{team}/jobs", json={"name": "x"})
        assert created.status_code == 400, (team, created.text)
        assert "is not a valid team name" in created.json()["message"]
        deployed = admin.post(
            f"/api/v1/teams/{team}/jobs/x/deployments",
            content=bundle,
            headers={"Content-Type": "application/zip"},
        )
        assert deployed.status_code == 400, (team, deployed.text)
    for job in ("nl%0A", "%2E%2E", "%3Cb%3E"):
        got = admin.get(f"{API}/jobs/{job}")
        assert got.status_code == 400 and "is not a valid job name" in got.json()["message"]
    refused = admin.post(f"{API}/jobs", json={"name": "nl\n"})
    assert refused.status_code == 400
    assert "'nl\\n' is not a valid job name" in refused.json()["message"]
    after = sorted(p.relative_to(artifacts.parent) for p in artifacts.parent.rglob("*"))
    assert after == before
    assert admin.get("/api/v1/teams/analytics/jobs").json() == {"jobs": []}
    with pytest.raises(ValueError, match="is not a valid team name"):
        create_token(control.service.engine, "..")
    bad_toml = io.BytesIO()
    with zipfile.ZipFile(bad_toml, "w") as archive:
        archive.writestr("job.toml", 'name = "x\\n"\n')
        archive.writestr("main.ipynb", notebook)
    admin.post(f"{API}/jobs", json={"name": "x"})
    refused = admin.post(
        f"{API}/jobs/x/deployments",
        content=bad_toml.getvalue(),
        headers={"Content-Type": "application/zip"},
    )
    assert refused.status_code == 400 and "is not a valid job name" in refused.text


def test_create_token_refuses_an_invalid_team_with_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dataops_jupyter.cli", "control-service", "create-token",
         "--db", f"sqlite:///{tmp_path / 'c.db'}", "--team", "../x"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "'../x' is not a valid team name" in done.stderr and "Traceback" not in done.stderr


def test_admin_deploys_record_a_readable_name(control: RunningService, make_job: MakeJob) -> None:
    token = control.token(None, admin=True)
    principal = authenticate(control.service.engine, token)
    assert principal is not None and principal.name == "admin"
    admin = control.client(token=token)
    assert deploy(admin, "analytics", make_job("by-admin", STEPS))["created_by"] == "admin"
    named = control.client(token=create_token(control.service.engine, None, True, "ops bot"))
    assert deploy(named, "analytics", make_job("by-admin", STEPS))["created_by"] == "ops bot"


# -- log offsets -----------------------------------------------------------------------------


def test_log_offsets_past_the_end_read_as_the_end(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    deploy(client, "analytics", make_job("offsets", STEPS))
    started = client.post(f"{API}/jobs/offsets/executions").json()
    execution = wait_for(client, "analytics", "offsets", started["id"])
    logs = f"{API}/jobs/offsets/executions/{execution['id']}/logs"
    whole = client.get(logs).json()
    assert "counting to 3" in whole["text"]
    for offset in (2**63, 2**44, whole["offset"] + 1):
        past = client.get(logs, params={"offset": offset})
        assert past.status_code == 200, past.text
        assert past.json() == {"text": "", "offset": whole["offset"], "complete": True}
        with client.stream("GET", f"{logs}/stream", params={"offset": offset}) as stream:
            assert stream.status_code == 200
            lines = list(stream.iter_lines())
        assert lines[:2] == ["event: end", 'data: {"status": "succeeded"}'], lines
    assert client.get(logs, params={"offset": -1}).status_code == 400


# -- the OpenAPI document and what the service answers ---------------------------------------


def test_405_answers_list_every_method_of_the_path(control: RunningService) -> None:
    client = control.client()
    wrong = client.put(f"{API}/jobs")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET, POST"
    assert wrong.json() == {
        "error": "method-not-allowed",
        "message": "PUT is not served here; use GET, POST",
    }
    assert client.post(f"{API}/jobs/x").headers["allow"] == "DELETE, GET, PATCH"
    assert client.delete("/healthz").headers["allow"] == "GET"
    unknown = client.get("/api/v1/nothing")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not-found"


def test_the_document_states_the_errors_the_service_answers(control: RunningService) -> None:
    anonymous = httpx.Client(base_url=control.url, timeout=30)
    spec = anonymous.get("/openapi.json").json()  # public, like /docs, /redoc and /healthz
    for page in ("/docs", "/redoc", "/healthz"):
        assert anonymous.get(page).status_code == 200
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert "422" not in statuses, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "400" in statuses, (method, path)
            if operation.get("requestBody"):
                assert "413" in statuses, (method, path)
            if path != "/healthz":
                assert "401" in statuses, (method, path)
            if "{team}" in path:
                assert "404" in statuses, (method, path)
            for status in statuses - {"200", "201", "202", "204"}:
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}
    assert "403" in spec["paths"]["/metrics"]["get"]["responses"]
    assert "409" in spec["paths"]["/api/v1/teams/{team}/jobs/{job}/executions"]["post"]["responses"]
    invalid = control.client().get(f"{API}/jobs/x/executions", params={"limit": 0})
    assert invalid.status_code == 400 and set(invalid.json()) == {"error", "message"}
    broken = control.client().post(
        f"{API}/jobs", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["message"].startswith("the request body is not valid JSON (Expecting")
    anonymous.close()


# -- metrics ---------------------------------------------------------------------------------


def _sample(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the metrics")


def test_metrics_are_histograms_that_do_not_grow(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    admin = control.client(token=control.token(None, admin=True))
    deploy(client, "analytics", make_job("timed", STEPS, '[schedule]\ncron = "0 6 * * *"'))
    with control.service.engine.begin() as connection:  # its cron time came 3 seconds ago
        connection.execute(
            update(jobs_table)
            .where(jobs_table.c.name == "timed")
            .values(next_run_at=utcnow() - timedelta(seconds=3))
        )
    deadline = time.monotonic() + 30
    while not (listed := client.get(f"{API}/jobs/timed/executions").json()["executions"]):
        assert time.monotonic() < deadline, "the scheduled execution was never created"
        time.sleep(0.2)
    assert wait_for(client, "analytics", "timed", listed[0]["id"])["status"] == "succeeded"
    manual = client.post(f"{API}/jobs/timed/executions").json()
    assert wait_for(client, "analytics", "timed", manual["id"])["status"] == "succeeded"
    deadline = time.monotonic() + 30
    while True:  # the histogram is observed as the second execution's record is finished
        text = admin.get("/metrics").text
        count = 'dataops_execution_duration_seconds_count{status="succeeded"}'
        if _sample(text, count) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert _sample(text, count) == 2
    assert (
        _sample(text, 'dataops_execution_duration_seconds_bucket{le="+Inf",status="succeeded"}')
        == 2
    )
    assert _sample(text, "dataops_scheduler_lag_seconds_count") == 1
    assert _sample(text, "dataops_scheduler_lag_seconds_sum") >= 3
    assert _sample(text, 'dataops_executions{job="timed",status="succeeded",team="analytics"}') == 2
    assert _sample(text, "dataops_queue_depth") == 0
    assert not hasattr(control.service, "durations")
    assert not hasattr(control.service, "scheduler_lag")
    lines = len(text.splitlines())
    for _ in range(5000):
        control.service.metrics.observe_duration("succeeded", 1.5)
        control.service.metrics.observe_scheduler_lag(0.2)
    again = admin.get("/metrics").text
    assert len(again.splitlines()) == lines
    assert _sample(again, count) == 5002
