"""The control service over HTTP: jobs, deployments, executions, properties, secrets, auth."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import zipfile
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import select, update

from dataops_jupyter.control_service.db import executions as executions_table
from dataops_jupyter.control_service.db import secrets as secrets_table

from .conftest import MakeJob
from .control import (
    RunningService,
    deploy,
    service_config,
    start_service,
    wait_for,
    wait_for_file,
    wait_for_retry,
)

pytestmark = pytest.mark.timeout(240)
API = "/api/v1/teams/analytics"

STEPS = [
    (["parameters"], "limit = 3"),
    (["step:setup"], "%load_ext kernel_magics"),
    (["step:count"], "print('counting to', limit)\ntotal = sum(range(limit))"),
    (["step:report"], "print('total', total)"),
]


def test_jobs_crud_and_clear_errors(any_control: RunningService) -> None:
    client = any_control.client()
    assert (
        client.post(f"{API}/jobs", json={"name": "orders", "description": "x"}).status_code == 201
    )
    assert client.post(f"{API}/jobs", json={"name": "orders"}).status_code == 409
    bad = client.post(f"{API}/jobs", json={"name": "../etc"})
    assert bad.status_code == 400 and "not a valid job name" in bad.json()["message"]
    assert client.post(f"{API}/jobs", json={"nam": "x"}).status_code == 400
    assert [j["name"] for j in client.get(f"{API}/jobs").json()["jobs"]] == ["orders"]
    updated = client.patch(f"{API}/jobs/orders", json={"description": "Orders of the shop"})
    assert updated.json()["description"] == "Orders of the shop"
    assert client.get(f"{API}/jobs/nope").status_code == 404
    assert client.delete(f"{API}/jobs/orders").status_code == 204
    assert client.get(f"{API}/jobs/orders").status_code == 404


def test_deploy_execute_logs_and_rollback(any_control: RunningService, make_job: MakeJob) -> None:
    client = any_control.client()
    folder = make_job(
        "counter", STEPS, '[schedule]\ncron = "0 6 * * *"\ntimezone = "Europe/Berlin"'
    )
    first = deploy(client, "analytics", folder, reason="first")
    assert (
        first["version"] == 1 and first["active"] and first["steps"] == ["setup", "count", "report"]
    )
    job = client.get(f"{API}/jobs/counter").json()
    assert job["schedule"] == {"cron": "0 6 * * *", "timezone": "Europe/Berlin"}
    assert len(job["next_runs"]) == 5
    assert all(r.startswith(("20",)) and ("T04:00" in r or "T05:00" in r) for r in job["next_runs"])

    started = client.post(f"{API}/jobs/counter/executions", json={"arguments": {"limit": 5}})
    assert started.status_code == 202 and started.json()["status"] == "submitted"
    execution = wait_for(client, "analytics", "counter", started.json()["id"])
    assert execution["status"] == "succeeded", execution
    assert [s["status"] for s in execution["steps"]] == ["succeeded"] * 3
    log = client.get(f"{API}/jobs/counter/executions/{execution['id']}/logs").json()
    assert "[count] counting to 5" in log["text"] and log["complete"]
    tail = client.get(f"{API}/jobs/counter/executions/{execution['id']}/logs", params={"tail": 40})
    assert len(tail.json()["text"].encode()) <= 40 and tail.json()["text"] in log["text"]
    notebook = client.get(f"{API}/jobs/counter/executions/{execution['id']}/notebook").json()
    assert any("total 10" in json.dumps(c.get("outputs")) for c in notebook["cells"])

    (folder / "extra.txt").write_text("v2")
    second = deploy(client, "analytics", folder, reason="second")
    assert second["version"] == 2 and second["content_hash"] != first["content_hash"]
    versions = client.get(f"{API}/jobs/counter/deployments").json()["deployments"]
    assert [(v["version"], v["active"], v["reason"]) for v in versions] == [
        (2, True, "second"), (1, False, "first")
    ]  # fmt: skip
    rolled = client.put(f"{API}/jobs/counter/active-deployment", json={"version": 1})
    assert rolled.json()["active_version"] == 1
    assert (
        client.put(f"{API}/jobs/counter/active-deployment", json={"version": 9}).status_code == 404
    )
    disabled = client.patch(f"{API}/jobs/counter", json={"enabled": False}).json()
    assert disabled["enabled"] is False and disabled["next_runs"] == []
    enabled = client.patch(f"{API}/jobs/counter", json={"enabled": True}).json()
    assert len(enabled["next_runs"]) == 5


def test_no_overlap_cancel_and_bad_arguments(
    control: RunningService, make_job: MakeJob, tmp_path: Path
) -> None:
    client = control.client()
    marker = tmp_path / "sleeping"
    folder = make_job(
        "sleeper",
        [(["parameters"], "seconds = 60"),
         (["step:nap"], f"open({str(marker)!r}, 'w').write('x')\nimport time\ntime.sleep(seconds)")],
    )  # fmt: skip
    deploy(client, "analytics", folder)
    bad = client.post(f"{API}/jobs/sleeper/executions", json={"arguments": {"seconds": "long"}})
    assert bad.status_code == 400 and "must be an integer" in bad.json()["message"]
    first = client.post(f"{API}/jobs/sleeper/executions").json()
    clash = client.post(f"{API}/jobs/sleeper/executions")
    assert clash.status_code == 409 and first["id"] in clash.json()["message"]
    wait_for_file(marker)
    cancelled = client.post(f"{API}/jobs/sleeper/executions/{first['id']}/cancel")
    assert cancelled.status_code == 202
    final = wait_for(client, "analytics", "sleeper", first["id"])
    assert final["status"] == "cancelled"
    assert not [
        p
        for p in psutil.process_iter(["cmdline"])
        if first["id"] in " ".join(p.info["cmdline"] or [])
    ]
    again = client.post(f"{API}/jobs/sleeper/executions/{first['id']}/cancel")
    assert again.status_code == 409


def test_user_error_reports_the_step(any_control: RunningService, make_job: MakeJob) -> None:
    client = any_control.client()
    folder = make_job(
        "broken", [(["step:ok"], "1"), (["step:boom"], "raise ValueError('bad row')")]
    )
    deploy(client, "analytics", folder)
    started = client.post(f"{API}/jobs/broken/executions").json()
    final = wait_for(client, "analytics", "broken", started["id"])
    assert final["status"] == "user_error"
    assert final["error"]["step"] == "boom" and final["error"]["evalue"] == "bad row"
    assert [s["status"] for s in final["steps"]] == ["succeeded", "failed"]


def test_an_execution_keeps_each_steps_reason_and_preview(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    folder = make_job(
        "explained",
        [
            (["step:table"], "import pandas as pd\npd.DataFrame({'city': ['Oslo', 'Lima']})"),
            (["step:empty"], "   \n"),
            (["step:done"], "import sys\nsys.exit(0)"),
            (["step:never"], "print('not run')"),
        ],
    )
    deploy(client, "analytics", folder)
    started = client.post(f"{API}/jobs/explained/executions").json()
    final = wait_for(client, "analytics", "explained", started["id"])
    assert final["status"] == "succeeded", final
    steps = {s["name"]: s for s in final["steps"]}
    assert "Oslo" in steps["table"]["preview"] and "Lima" in steps["table"]["preview"]
    assert steps["empty"]["status"] == "skipped" and "empty" in steps["empty"]["reason"]
    assert steps["never"]["status"] == "skipped"
    assert "sys.exit(0)" in steps["never"]["reason"] and "'done'" in steps["never"]["reason"]


def test_user_errors_are_retried_when_the_job_opts_in(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    folder = make_job("stubborn", [(["step:boom"], "raise ValueError('still bad')")],
                      'retries = 1\nretry_delay = "1s"\nretry_user_errors = true')  # fmt: skip
    deploy(client, "analytics", folder)
    first = client.post(f"{API}/jobs/stubborn/executions").json()
    assert wait_for(client, "analytics", "stubborn", first["id"])["status"] == "user_error"
    retry, executions = wait_for_retry(client, "analytics", "stubborn", first["id"])
    assert retry["status"] == "user_error" and retry["attempt"] == 2, retry
    assert len(executions) == 2, "one retry, as job.toml allows"


def test_platform_error_is_retried(
    control: RunningService, make_job: MakeJob, tmp_path: Path
) -> None:
    client = control.client()
    marker = tmp_path / "attempts"
    folder = make_job(
        "flaky",
        [(["step:work"], f"import os, time\nwith open({str(marker)!r}, 'a') as f: f.write(str(os.getpid()) + '\\n')\n"
          "time.sleep(30 if len(open(" + repr(str(marker)) + ").read().split()) == 1 else 0)")],
        'retries = 1\nretry_delay = "1s"',
    )  # fmt: skip
    deploy(client, "analytics", folder)
    first = client.post(f"{API}/jobs/flaky/executions").json()
    wait_for_file(marker)
    runner = next(
        p for p in psutil.process_iter(["cmdline"])
        if first["id"] in " ".join(p.info["cmdline"] or []) and "dataops_jupyter.cli" in " ".join(p.info["cmdline"] or [])
    )  # fmt: skip
    os.kill(runner.pid, signal.SIGKILL)
    failed = wait_for(client, "analytics", "flaky", first["id"])
    assert failed["status"] == "platform_error"
    retry, executions = wait_for_retry(client, "analytics", "flaky", first["id"])
    assert retry["status"] == "succeeded" and retry["attempt"] == 2
    assert retry["trigger"] == "retry"
    assert len(executions) == 2


def test_properties_and_secrets(any_control: RunningService, make_job: MakeJob) -> None:
    client = any_control.client()
    folder = make_job(
        "secretive",
        [(["step:setup"], "%load_ext kernel_magics"),
         (["step:use"], "print('password is', job.secrets['password'])\n"
          "job.properties['last_seen'] = job.properties.get('start', 0) + 1\nprint(job.secrets)")],
    )  # fmt: skip
    deploy(client, "analytics", folder)
    assert client.put(f"{API}/jobs/secretive/properties", json={"start": 41}).json() == {
        "start": 41
    }
    assert (
        client.put(
            f"{API}/jobs/secretive/secrets/password", json={"value": "hunter2-secret"}
        ).status_code
        == 204
    )
    assert client.get(f"{API}/jobs/secretive/secrets").json() == {"names": ["password"]}
    with any_control.service.engine.connect() as c:
        stored = c.execute(select(secrets_table.c.ciphertext)).scalar_one()
    assert b"hunter2" not in bytes(stored)
    started = client.post(f"{API}/jobs/secretive/executions").json()
    final = wait_for(client, "analytics", "secretive", started["id"])
    assert final["status"] == "succeeded", final
    assert client.get(f"{API}/jobs/secretive/properties").json() == {"start": 41, "last_seen": 42}
    log = client.get(f"{API}/jobs/secretive/executions/{started['id']}/logs").json()["text"]
    assert "password is ***" in log and "hunter2" not in log and "<secrets: password>" in log
    notebook = client.get(f"{API}/jobs/secretive/executions/{started['id']}/notebook").text
    assert "hunter2" not in notebook
    for path in (any_control.service.artifacts / "executions" / started["id"]).iterdir():
        assert "hunter2" not in path.read_text(errors="replace"), path


def _zip(entries: dict[str, bytes], symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("job.toml", 'name = "evil"')
        archive.writestr("huge.bin", b"\0" * (300 * 2**20))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"not a zip", "not a zip archive"),
        (lambda: _zip({"../escape.txt": b"x", "job.toml": b'name = "evil"'}), "unsafe path"),
        (lambda: _zip({"/abs.txt": b"x"}), "unsafe path"),
        (lambda: _zip({"job.toml": b'name = "evil"'}, symlink="link"), "symbolic link"),
        (_bomb, "unpacks to more than"),
        (lambda: _zip({"job.toml": b'name = "evil"\nschedul = 1'}), "unknown key"),
        (lambda: _zip({"job.toml": b'name = "other"'}), "no notebook"),
    ],
)
def test_malicious_and_invalid_bundles_are_refused(
    control: RunningService, make, message: str
) -> None:  # type: ignore[no-untyped-def]
    client = control.client()
    client.post(f"{API}/jobs", json={"name": "evil"})
    response = client.post(
        f"{API}/jobs/evil/deployments", content=make(), headers={"Content-Type": "application/zip"}
    )
    assert response.status_code == 400, response.text
    assert message in response.json()["message"]
    assert client.get(f"{API}/jobs/evil/deployments").json() == {"deployments": []}
    assert not (Path(control.service.artifacts) / "escape.txt").exists()
    assert not (Path(control.service.artifacts).parent / "escape.txt").exists()


def test_failing_job_tests_refuse_the_deployment(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    folder = make_job("gated", STEPS)
    (folder / "tests").mkdir()
    (folder / "tests" / "test_rules.py").write_text("def test_rule():\n    assert 1 + 1 == 3\n")
    client.post(f"{API}/jobs", json={"name": "gated"})
    from dataops_jupyter.control_service.bundles import make_bundle

    refused = client.post(f"{API}/jobs/gated/deployments", content=make_bundle(folder),
                          headers={"Content-Type": "application/zip"})  # fmt: skip
    assert refused.status_code == 400
    assert (
        "tests failed" in refused.json()["message"]
        and "assert 1 + 1 == 3" in refused.json()["message"]
    )
    (folder / "tests" / "test_rules.py").write_text("def test_rule():\n    assert 1 + 1 == 2\n")
    accepted = deploy(client, "analytics", folder)
    assert accepted["version"] == 1 and "1 passed" in accepted["test_output"]


def _concrete(path: str) -> str:
    return (
        path.replace("{team}", "analytics").replace("{job}", "secret-job")
        .replace("{execution}", "20260101T000000-deadbeef").replace("{version}", "1")
        .replace("{name}", "pw")
    )  # fmt: skip


def test_auth_matrix_over_every_route(any_control: RunningService, make_job: MakeJob) -> None:
    owner = any_control.client("analytics")
    deploy(owner, "analytics", make_job("secret-job", STEPS))
    owner.put(f"{API}/jobs/secret-job/secrets/pw", json={"value": "x"})
    stranger = any_control.client("marketing")
    anonymous = any_control.client(token="")
    anonymous.headers.pop("Authorization")
    spec = owner.get("/openapi.json").json()
    checked = 0
    for path, operations in spec["paths"].items():
        for method in operations:
            url = _concrete(path)
            body: Any = {} if method in ("post", "put", "patch") else None
            if path == "/healthz":
                assert anonymous.request(method, url).status_code == 200
                continue
            assert anonymous.request(method, url, json=body).status_code == 401, (method, path)
            if "{team}" in path:
                response = stranger.request(method, url, json=body)
                assert response.status_code == 404, (method, path, response.text)
                assert "secret-job" not in response.text or "not found" in response.text
            checked += 1
    assert checked >= 20
    assert owner.get(f"{API}/jobs/secret-job").status_code == 200
    assert stranger.get("/metrics").status_code == 403
    admin = any_control.client(token=any_control.token(None, admin=True))
    assert admin.get(f"{API}/jobs/secret-job").status_code == 200
    assert "dataops_executions" in admin.get("/metrics").text
    # across teams: an admin token sees every team's jobs, a team's token only its own
    deploy(stranger, "marketing", make_job("campaigns", STEPS))
    every = {(j["team"], j["name"]) for j in admin.get("/api/v1/jobs").json()["jobs"]}
    assert {("analytics", "secret-job"), ("marketing", "campaigns")} <= every
    mine = stranger.get("/api/v1/jobs").json()["jobs"]
    assert [(j["team"], j["name"]) for j in mine] == [("marketing", "campaigns")]


def test_committed_openapi_document_is_current(control: RunningService) -> None:
    committed = json.loads(
        (Path(__file__).parent.parent / "docs" / "control-service-openapi.json").read_text()
    )
    assert control.client().get("/openapi.json").json() == committed, (
        "docs/control-service-openapi.json is out of date: run `python -m dataops_jupyter.control_service.openapi`"
    )


def test_requirements_go_into_an_environment_of_the_deployment(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    folder = make_job(
        "with-requirements",
        [
            (
                ["step:where"],
                "import sys, psutil\nprint('prefix', sys.prefix)\nprint('psutil', psutil.__name__)",
            )
        ],
    )
    (folder / "requirements.txt").write_text("psutil\n")
    deployed = deploy(client, "analytics", folder)
    venv = (
        control.service.artifacts
        / "deployments"
        / "analytics"
        / "with-requirements"
        / str(deployed["version"])
        / ".venv"
    )
    assert (venv / "bin" / "python").exists()
    started = client.post(f"{API}/jobs/with-requirements/executions").json()
    final = wait_for(client, "analytics", "with-requirements", started["id"])
    assert final["status"] == "succeeded", final
    log = client.get(f"{API}/jobs/with-requirements/executions/{started['id']}/logs").json()["text"]
    assert f"prefix {venv}" in log and "psutil psutil" in log
    (folder / "requirements.txt").write_text("surely-not-a-package-name-dataops==0.0.1\n")
    from dataops_jupyter.control_service.bundles import make_bundle

    refused = client.post(f"{API}/jobs/with-requirements/deployments", content=make_bundle(folder),
                          headers={"Content-Type": "application/zip"})  # fmt: skip
    assert (
        refused.status_code == 400
        and "installing requirements.txt failed" in refused.json()["message"]
    )
    versions = client.get(f"{API}/jobs/with-requirements/deployments").json()["deployments"]
    assert [v["version"] for v in versions] == [deployed["version"]]


def test_a_quiet_log_stream_sends_keepalives_then_ends(tmp_path: Path, make_job: MakeJob) -> None:
    running = start_service(service_config(tmp_path, stream_keepalive=0.5))
    try:
        client = running.client()
        folder = make_job(
            "quiet",
            [(["step:hello"], "print('hello', flush=True)"),
             (["step:nap"], "import time\ntime.sleep(3)"),
             (["step:bye"], "print('bye')")],
        )  # fmt: skip
        deploy(client, "analytics", folder)
        execution = client.post(f"{API}/jobs/quiet/executions").json()["id"]
        lines: list[str] = []
        with client.stream(
            "GET", f"{API}/jobs/quiet/executions/{execution}/logs/stream"
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines.extend(response.iter_lines())
        text = "\n".join(lines)
        # The three seconds between the steps are not silent.
        assert ": keepalive" in text[text.index("hello") : text.index("bye")]
        assert lines[-3:-1] == ["event: end", 'data: {"status": "succeeded"}']
    finally:
        running.stop()


def test_steps_carry_their_tables_and_checks_masked(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    # The step reports a check result through the kernel's channel to the runner, as the
    # contract checks run after a load do; its sample holds the secret value.
    check = (
        "from kernel_magics.report import report_step\n"
        "report_step(job.step, checks=[{'rule': 'items.code.pattern', 'table': 'x.items', "
        "'kind': 'pattern', 'description': 'codes look right: no warning', 'status': 'failed', "
        "'severity': 'warning', "
        "'measured': 1, 'samples': [{'code': job.secrets['code']}]}])"
    )
    folder = make_job(
        "tabled",
        [
            (["step:setup"], "%load_ext kernel_magics"),
            (["step:load"], "job.ingest([{'id': 1}], job.secrets['code'] + '.items')\n" + check),
            (["step:copy"], "%%sql\nCREATE TABLE main.copied AS SELECT * FROM main.items"),
        ],
    )
    deploy(client, "analytics", folder)
    assert client.put(f"{API}/jobs/tabled/secrets/code", json={"value": "main"}).status_code == 204
    # A secret that is also one of the record's fixed words masks text, never the structure.
    assert client.put(f"{API}/jobs/tabled/secrets/w", json={"value": "warning"}).status_code == 204
    started = client.post(f"{API}/jobs/tabled/executions").json()
    final = wait_for(client, "analytics", "tabled", started["id"])
    assert final["status"] == "succeeded", final
    load, copy = final["steps"][1], final["steps"][2]
    assert load["writes"] == ["***.items"] and load["reads"] == []
    assert load["checks"] == [
        {
            "rule": "items.code.pattern", "table": "x.items", "property": None,
            "kind": "pattern", "description": "codes look right: no ***", "severity": "warning",
            "scope": "row", "status": "failed", "measured": 1, "threshold": None, "unit": None,
            "sql": None, "samples": [{"code": "***"}], "reason": None,
        }
    ]  # fmt: skip
    assert (copy["writes"], copy["reads"], copy["checks"]) == (["***.copied"], ["***.items"], [])
    with control.service.engine.connect() as c:
        stored = c.execute(
            select(executions_table.c.steps).where(executions_table.c.id == started["id"])
        ).scalar_one()
    assert "main" not in json.dumps([s["writes"] + s["reads"] for s in stored])
    assert '"main"' not in json.dumps(stored)


def test_steps_stored_before_tables_and_checks_are_still_served(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    deploy(client, "analytics", make_job("older", STEPS))
    started = client.post(f"{API}/jobs/older/executions").json()
    assert wait_for(client, "analytics", "older", started["id"])["status"] == "succeeded"
    old_step = {"name": "count", "status": "succeeded", "started_at": None, "duration": 0.5,
                "error": None, "reason": None, "preview": None}  # fmt: skip
    with control.service.engine.begin() as c:
        c.execute(
            update(executions_table)
            .where(executions_table.c.id == started["id"])
            .values(steps=[old_step])
        )
    served = client.get(f"{API}/jobs/older/executions/{started['id']}")
    assert served.status_code == 200
    (step,) = served.json()["steps"]
    assert step["name"] == "count" and step["duration"] == 0.5
    assert (step["writes"], step["reads"], step["checks"]) == ([], [], [])
    listed = client.get(f"{API}/jobs/older/executions").json()["executions"]
    assert listed[0]["steps"][0]["checks"] == []
