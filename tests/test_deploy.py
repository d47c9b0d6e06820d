"""Deploys over HTTP: concurrent deploys, the gates' own pool, refusals that store nothing,
damaged bundles, unchanged content, the deployment's environment, and deleting a job."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from dataops_jupyter.client import ControlClient, ControlServiceError
from dataops_jupyter.control_service.bundles import make_bundle
from dataops_jupyter.control_service.db import deployments, utcnow
from dataops_jupyter.control_service.environments import LINK_FILE, site_packages

from .conftest import MakeJob
from .control import RunningService, deploy, service_config, start_service, wait_for, wait_for_file

pytestmark = pytest.mark.timeout(300)
API = "/api/v1/teams/analytics"
ZIP = {"Content-Type": "application/zip"}


def post_bundle(
    client: httpx.Client, job: str, data: bytes, team: str = "analytics", **params: Any
) -> httpx.Response:
    return client.post(
        f"/api/v1/teams/{team}/jobs/{job}/deployments", content=data, headers=ZIP, params=params,
        timeout=240,
    )  # fmt: skip


def assert_nothing_stored(control: RunningService, client: httpx.Client, job: str) -> None:
    """No job row, no version, no folder: as if the deploy had never been tried."""
    assert client.get(f"{API}/jobs/{job}").status_code == 404
    assert job not in [j["name"] for j in client.get(f"{API}/jobs").json()["jobs"]]
    artifacts = control.service.artifacts
    assert not (artifacts / "deployments" / "analytics" / job).exists()
    assert not list((artifacts / "staging").glob("*"))


def gate_test(folder: Path, body: str) -> None:
    (folder / "tests").mkdir(exist_ok=True)
    (folder / "tests" / "test_gate.py").write_text(
        f"import pathlib, time\n\n\ndef test_gate():\n{body}\n", encoding="utf-8"
    )


# -- concurrent deploys -------------------------------------------------------------------------


def test_concurrent_deploys_of_one_job_each_keep_their_version(
    any_control: RunningService, make_job: MakeJob, tmp_path: Path
) -> None:
    control = any_control
    folders = []
    for label in ("first", "second"):
        folder = make_job(
            "racer", [(["step:read"], "print('content', open('which.txt').read())")],
            parent=tmp_path / label,
        )  # fmt: skip
        (folder / "which.txt").write_text(label)
        gate_test(folder, "    time.sleep(2)")
        folders.append(folder)
    clients = [control.client(), control.client()]
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(lambda pair: post_bundle(pair[0], "racer", make_bundle(pair[1])),
                     zip(clients, folders, strict=True))
        )  # fmt: skip
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert sorted(a.json()["version"] for a in answers) == [1, 2]
    client = clients[0]
    listed = client.get(f"{API}/jobs/racer/deployments").json()["deployments"]
    assert [(d["version"], d["steps"]) for d in listed] == [(2, ["read"]), (1, ["read"])]
    for answer, folder in zip(answers, folders, strict=True):
        kept = (
            control.service.artifacts
            / "deployments/analytics/racer"
            / str(answer.json()["version"])
        )
        assert (kept / "which.txt").read_text() == folder.parent.name
    job = client.get(f"{API}/jobs/racer").json()
    assert job["active_version"] == 2, "the deploy accepted last is the active one"
    active_label = next(f.parent.name for a, f in zip(answers, folders, strict=True)
                        if a.json()["version"] == 2)  # fmt: skip
    started = client.post(f"{API}/jobs/racer/executions").json()
    final = wait_for(client, "analytics", "racer", started["id"])
    assert final["status"] == "succeeded", final
    log = client.get(f"{API}/jobs/racer/executions/{started['id']}/logs").json()["text"]
    assert f"content {active_label}" in log


# -- deploy gates do not starve the rest ------------------------------------------------------


def test_slow_deploy_gates_do_not_hold_up_executions_or_log_streams(
    tmp_path: Path, make_job: MakeJob
) -> None:
    running = start_service(service_config(tmp_path, deploy_workers=2))
    release, started_gates = tmp_path / "release", tmp_path / "gates"
    started_gates.mkdir()
    try:
        other = running.client("marketing")
        quick = make_job(
            "quick", [(["step:hello"], "print('hello', flush=True)\nimport time\ntime.sleep(2)")],
            parent=tmp_path / "marketing",
        )  # fmt: skip
        assert post_bundle(other, "quick", make_bundle(quick), team="marketing").status_code == 201
        # More slow gates than asyncio's default executor has threads (6 on two cores).
        slow = []
        for index in range(7):
            folder = make_job(f"slow-{index}", [(["step:a"], "1")], parent=tmp_path / "slow")
            gate_test(folder, f"    pathlib.Path({str(started_gates)!r}, '{index}').touch()\n"
                              "    deadline = time.monotonic() + 120\n"
                              f"    while not pathlib.Path({str(release)!r}).exists():\n"
                              "        assert time.monotonic() < deadline\n"
                              "        time.sleep(0.2)")  # fmt: skip
            slow.append(folder)
        clients = [running.client() for _ in slow]
        with ThreadPoolExecutor(len(slow)) as pool:
            deploys = [
                pool.submit(post_bundle, c, f.name, make_bundle(f))
                for c, f in zip(clients, slow, strict=True)
            ]
            deadline = time.monotonic() + 120
            while len(list(started_gates.iterdir())) < 2:
                assert time.monotonic() < deadline, "the deploy gates did not start"
                time.sleep(0.2)
            try:
                began = time.monotonic()
                execution = other.post("/api/v1/teams/marketing/jobs/quick/executions").json()
                while True:
                    status = other.get(
                        f"/api/v1/teams/marketing/executions/{execution['id']}"
                    ).json()["status"]
                    if status != "submitted":
                        break
                    assert time.monotonic() - began < 10, "the execution did not start"
                    time.sleep(0.1)
                assert status in ("running", "succeeded"), status
                path = f"/api/v1/teams/marketing/jobs/quick/executions/{execution['id']}"
                assert "[hello] hello" in _streamed_until(other, path, "[hello] hello")
                assert not release.exists() and not any(d.done() for d in deploys), (
                    "the gates were still busy all along"
                )
                assert len(list(started_gates.iterdir())) <= 2, "at most two gates at once"
            finally:
                release.touch()
            answers = [d.result() for d in deploys]
        assert [a.status_code for a in answers] == [201] * 7, [a.text for a in answers]
    finally:
        running.stop()


def _streamed_until(client: httpx.Client, execution: str, needle: str) -> str:
    """The execution's log stream up to the text ``needle`` (within 60 s)."""
    text, events = "", []
    with client.stream("GET", f"{execution}/logs/stream", timeout=60) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("event: "):
                events.append(line[7:])
            elif line.startswith("data: "):
                data = json.loads(line[6:])
                if "text" not in data:
                    events.append(json.dumps(data))
                text += str(data.get("text", ""))
                if needle in text:
                    return text
    raise AssertionError(f"the log stream ended ({events}) without {needle!r}: {text}")


# -- refusals that store nothing ----------------------------------------------------------------


def test_a_cron_that_never_fires_is_refused_and_nothing_is_stored(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    folder = make_job("leap", [(["step:a"], "1")], '[schedule]\ncron = "0 0 30 2 *"')
    refused = post_bundle(client, "leap", make_bundle(folder))
    assert refused.status_code == 400, refused.text
    message = refused.json()["message"]
    assert message.startswith("job.toml: key 'schedule.cron': '0 0 30 2 *' never fires"), message
    assert_nothing_stored(control, client, "leap")


def test_activating_a_kept_version_whose_cron_never_fires_is_a_clear_400(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    deployed = deploy(client, "analytics", make_job("old-cron", [(["step:a"], "1")]))
    # A version kept by an earlier release, which did not check that a cron fires.
    config = {"name": "old-cron", "schedule": {"cron": "0 0 30 2 *", "timezone": "UTC"}}
    with control.service.engine.begin() as c:
        c.execute(insert(deployments).values(
            team="analytics", job="old-cron", version=2, content_hash="0" * 64,
            created_at=utcnow(), created_by="earlier", reason="", config=config,
            path=str(control.service.artifacts / "deployments/analytics/old-cron/1"),
            test_output="",
        ))  # fmt: skip
    refused = client.put(f"{API}/jobs/old-cron/active-deployment", json={"version": 2})
    assert refused.status_code == 400, refused.text
    assert "key 'schedule.cron': '0 0 30 2 *' never fires" in refused.json()["message"]
    assert client.get(f"{API}/jobs/old-cron").json()["active_version"] == deployed["version"]
    missing = client.put(f"{API}/jobs/old-cron/active-deployment", json={"version": 7})
    assert missing.status_code == 404
    for version in (0, 2**63):
        huge = client.put(f"{API}/jobs/old-cron/active-deployment", json={"version": version})
        assert huge.status_code == 400 and "version" in huge.json()["message"]
        assert client.get(f"{API}/jobs/old-cron/deployments/{version}").status_code == 400


def test_a_refused_deploy_creates_no_job_and_an_accepted_one_does(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    folder = make_job("fresh", [(["step:a"], "1")], 'description = "Fresh orders"')
    gate_test(folder, "    assert 1 + 1 == 3")
    refused = post_bundle(client, "fresh", make_bundle(folder))
    assert refused.status_code == 400 and "tests failed" in refused.json()["message"]
    assert_nothing_stored(control, client, "fresh")
    other_team = make_job("fresh", [(["step:a"], "1")], 'team = "marketing"',
                          parent=folder.parent / "other")  # fmt: skip
    refused = post_bundle(client, "fresh", make_bundle(other_team))
    assert refused.status_code == 400 and "team 'marketing'" in refused.json()["message"]
    assert_nothing_stored(control, client, "fresh")

    gate_test(folder, "    assert 1 + 1 == 2")
    accepted = post_bundle(client, "fresh", make_bundle(folder))
    assert accepted.status_code == 201, accepted.text
    job = client.get(f"{API}/jobs/fresh").json()
    assert (job["active_version"], job["description"]) == (1, "Fresh orders")


# -- damaged bundles ------------------------------------------------------------------------------


def _bundle(extra: dict[str, bytes] | None = None, job_toml: bool = True) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if job_toml:
            archive.writestr("job.toml", 'name = "damaged"\n')
        for name, data in (extra or {"data.txt": b"hello world " * 2000}).items():
            archive.writestr(name, data)
    return bytearray(buffer.getvalue())


def _corrupt_deflate() -> bytes:
    data = _bundle()
    start = data.find(b"data.txt") + len("data.txt")
    for index in range(start + 5, start + 40):
        data[index] ^= 0xFF
    return bytes(data)


def _understated_size() -> bytes:
    data = _bundle()
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("data.txt")
    struct.pack_into("<I", data, info.header_offset + 22, 10)  # local header
    central = [i for i in range(len(data)) if data[i : i + 4] == b"PK\x01\x02"][-1]
    struct.pack_into("<I", data, central + 24, 10)  # central directory
    return bytes(data)


@pytest.mark.parametrize(
    ("make", "reasons"),
    [
        (_corrupt_deflate, ["'data.txt' is damaged", "decompress"]),
        (_understated_size, ["'data.txt' is damaged", "CRC"]),
        (lambda: bytes(_bundle(job_toml=False)), ["no job.toml at its top level"]),
        (lambda: bytes(_bundle({"job.toml": b'name = "damaged"\nschedul = 1'}, job_toml=False)),
         ["job.toml: key 'schedul': unknown key"]),
        (lambda: bytes(_bundle({"notes.txt": b"x"})), ["the bundle: the job folder has no notebook"]),
        (lambda: bytes(_bundle({"job.toml": b'name = "damaged'}, job_toml=False)),
         ["job.toml: not valid TOML"]),
    ],
)  # fmt: skip
def test_damaged_bundles_are_refused_with_a_reason_and_no_server_path(
    control: RunningService, make: Callable[[], bytes], reasons: list[str]
) -> None:
    client = control.client()
    refused = post_bundle(client, "damaged", make())
    assert refused.status_code == 400, refused.text
    message = refused.json()["message"]
    for reason in reasons:
        assert reason in message, message
    artifacts = str(control.service.artifacts)
    assert artifacts not in message and "staging" not in message and "bundle-" not in message
    assert str(Path(artifacts).parent) not in message
    assert_nothing_stored(control, client, "damaged")


# -- unchanged content --------------------------------------------------------------------------


def test_deploying_unchanged_content_says_so_unless_forced(
    control: RunningService, make_job: MakeJob
) -> None:
    folder = make_job("steady", [(["step:a"], "1")])
    client = ControlClient(control.url, control.token("analytics"))
    try:
        first = client.deploy("steady", make_bundle(folder))
        assert first["version"] == 1 and first["reason"] == ""
        with pytest.raises(ControlServiceError) as unchanged:
            client.deploy("steady", make_bundle(folder), "same again")
        assert unchanged.value.status == 409 and unchanged.value.kind == "unchanged"
        assert unchanged.value.message.startswith("no change since v1")
        assert [d["version"] for d in client.deployments("steady")] == [1]
        forced = client.deploy("steady", make_bundle(folder), "redeploy", force=True)
        assert forced["version"] == 2 and forced["content_hash"] == first["content_hash"]
        (folder / "notes.txt").write_text("changed")
        assert client.deploy("steady", make_bundle(folder))["version"] == 3
        client.activate("steady", 1)  # rolled back: the same content as v1 is no change
        (folder / "notes.txt").unlink()
        with pytest.raises(ControlServiceError, match="no change since v1"):
            client.deploy("steady", make_bundle(folder))
    finally:
        client.close()


# -- the deployment's environment ----------------------------------------------------------------


def test_an_environment_without_the_service_packages_fails_naming_the_cause(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    folder = make_job("cut-off", [(["step:a"], "import psutil\nprint(psutil.__name__)")])
    (folder / "requirements.txt").write_text("psutil\n")
    deployed = deploy(client, "analytics", folder)
    venv = control.service.artifacts / "deployments/analytics/cut-off" / str(deployed["version"])
    link = site_packages(venv / ".venv") / LINK_FILE
    assert link.is_file()
    link.unlink()  # what a venv of the base interpreter sees: none of the service's packages
    started = client.post(f"{API}/jobs/cut-off/executions").json()
    final = wait_for(client, "analytics", "cut-off", started["id"])
    assert final["status"] == "platform_error", final
    assert "no run record" in final["message"] and "No module named" in final["message"]
    assert len(final["message"]) < 1700


# -- deleting a job --------------------------------------------------------------------------------


def test_deleting_a_job_removes_its_versions_executions_properties_and_secrets(
    control: RunningService, make_job: MakeJob, tmp_path: Path
) -> None:
    client = control.client()
    marker = tmp_path / "napping"
    folder = make_job(
        "doomed",
        [(["parameters"], "fail = False\nnap = 0"),
         (["step:work"], f"open({str(marker)!r}, 'w').write('x')\nimport time\n"
          "time.sleep(nap)\nassert not fail, 'asked to fail'")],
        'retries = 1\nretry_delay = "1h"\nretry_user_errors = true',
    )  # fmt: skip
    deploy(client, "analytics", folder)
    (folder / "v2.txt").write_text("2")
    deploy(client, "analytics", folder)
    client.put(f"{API}/jobs/doomed/properties", json={"seen": 1})
    client.put(f"{API}/jobs/doomed/secrets/token", json={"value": "s3cret-value"})

    napping = client.post(f"{API}/jobs/doomed/executions", json={"arguments": {"nap": 60}}).json()
    wait_for_file(marker)
    refused = client.delete(f"{API}/jobs/doomed")
    assert refused.status_code == 409 and napping["id"] in refused.json()["message"]
    assert "running" in refused.json()["message"]
    client.post(f"{API}/jobs/doomed/executions/{napping['id']}/cancel")
    assert wait_for(client, "analytics", "doomed", napping["id"])["status"] == "cancelled"

    failed = client.post(f"{API}/jobs/doomed/executions", json={"arguments": {"fail": True}})
    failed_id = failed.json()["id"]
    assert wait_for(client, "analytics", "doomed", failed_id)["status"] == "user_error"
    deadline = time.monotonic() + 30
    while not [e for e in client.get(f"{API}/jobs/doomed/executions").json()["executions"]
               if e["retry_of"] == failed_id and e["status"] == "submitted"]:  # fmt: skip
        assert time.monotonic() < deadline, "no retry was queued"  # it waits an hour
        time.sleep(0.2)

    records = control.service.artifacts / "executions"
    ids = [e["id"] for e in client.get(f"{API}/jobs/doomed/executions").json()["executions"]]
    assert (records / failed_id).is_dir()
    owner = ControlClient(control.url, control.token("analytics"))
    try:
        owner.delete_job("doomed")
    finally:
        owner.close()
    assert client.get(f"{API}/jobs/doomed").status_code == 404
    for execution in ids:
        assert client.get(f"{API}/executions/{execution}").status_code == 404
        assert not (records / execution).exists()
    assert not (control.service.artifacts / "deployments" / "analytics" / "doomed").exists()
    # Nothing of it comes back with a new job of that name.
    again = deploy(client, "analytics", folder)
    assert again["version"] == 1
    assert client.get(f"{API}/jobs/doomed/properties").json() == {}
    assert client.get(f"{API}/jobs/doomed/secrets").json() == {"names": []}
    assert client.get(f"{API}/jobs/doomed/executions").json()["executions"] == []
