"""Job code does not get the control service's keys, and secret values never come back out:
an allow-listed environment, ``--run-as``, masking of every stored and served artifact, and
finishing that always ends an execution."""

from __future__ import annotations

import base64
import json
import logging
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
from sqlalchemy import select, update

from dataops_jupyter.control_service.auth import create_token
from dataops_jupyter.control_service.db import executions as executions_table
from dataops_jupyter.control_service.db import make_engine, migrate
from dataops_jupyter.control_service.db import secrets as secrets_table

from .conftest import MakeJob
from .control import RunningService, deploy, service_config, start_service, wait_for, wait_for_file
from .control_process import SECRET_KEY, deploy_folder, start_service_process

pytestmark = pytest.mark.timeout(300)
API = "/api/v1/teams/analytics"
SECRET = "hunter2-secret-value"


def _secret_job(make_job: MakeJob, name: str, step: str, parent: Path | None = None) -> Path:
    return make_job(
        name,
        [(["step:setup"], "%load_ext kernel_magics"),
         (["step:use"], "import os, sys, time, json\ns = job.secrets['password']\n" + step)],
        parent=parent,
    )  # fmt: skip


def _with_secret(client: httpx.Client, folder: Path, team: str = "analytics") -> None:
    deploy(client, team, folder)
    api = f"/api/v1/teams/{team}/jobs/{folder.name}/secrets/password"
    assert client.put(api, json={"value": SECRET}).status_code == 204


# -- 1. the environment of job code -------------------------------------------------------------


def test_job_code_and_deploy_gates_get_an_allow_listed_environment(
    tmp_path: Path, make_job: MakeJob
) -> None:
    service_env = {
        "DATAOPS_SMTP_HOST": "smtp.internal.example",
        "DATAOPS_SMTP_FROM": "robot@internal.example",
        "DATAOPS_DB_URL": f"sqlite:///{tmp_path / 'service' / 'control.db'}",
        "PASSED_SETTING": "declared-in-job-toml",
        "UNDECLARED_SETTING": "kept-from-jobs",
    }
    service = start_service_process(tmp_path / "service", env=service_env)
    try:
        folder = make_job(
            "env-probe",
            [(["step:env"], "import os, json\nprint('ENV', json.dumps(dict(os.environ)))")],
            'env = ["PASSED_SETTING"]',
        )
        (folder / "tests").mkdir()
        (folder / "tests" / "test_env.py").write_text(
            "import os\n\ndef test_env():\n"
            "    leaked = {'DATAOPS_SECRET_KEY', 'DATAOPS_SMTP_HOST', 'DATAOPS_DB_URL'} & set(os.environ)\n"
            "    assert not leaked, f'the gate sees {leaked}'\n"
            "    assert os.environ['PASSED_SETTING'] == 'declared-in-job-toml'\n"
            "    assert os.environ['DATAOPS_TEAM'] == 'analytics'\n"
        )
        deployed = deploy_folder(service, folder)
        assert "1 passed" in str(deployed["test_output"])
        headers = {"Authorization": f"Bearer {service.token}"}
        api = f"{service.url}/api/v1/teams/{service.team}/jobs/env-probe/executions"
        started = requests.post(api, headers=headers, timeout=30).json()
        for _ in range(600):
            execution = requests.get(f"{api}/{started['id']}", headers=headers, timeout=30).json()
            if execution["status"] not in ("submitted", "running"):
                break
            time.sleep(0.2)
        assert execution["status"] == "succeeded", execution
        log = requests.get(f"{api}/{started['id']}/logs", headers=headers, timeout=30).json()
        env = json.loads(log["text"].split("ENV ", 1)[1].splitlines()[0])
        assert env["PASSED_SETTING"] == "declared-in-job-toml"
        assert env["DATAOPS_TEAM"] == "analytics" and env["DATAOPS_CONTROL_TOKEN"]
        for name in ("DATAOPS_SECRET_KEY", "DATAOPS_SMTP_HOST", "DATAOPS_SMTP_FROM",
                     "DATAOPS_DB_URL", "UNDECLARED_SETTING"):  # fmt: skip
            assert name not in env, name
        for text in (log["text"], str(deployed["test_output"])):
            assert SECRET_KEY not in text
            assert "smtp.internal.example" not in text and "control.db" not in text
    finally:
        service.stop()


def test_job_toml_env_names_are_checked(make_job: MakeJob) -> None:
    from dataops_jupyter.errors import JobDefinitionError
    from dataops_jupyter.jobs import load_job

    for bad, message in (('"DATAOPS_SECRET_KEY"', "set by dataops"),
                         ('"not a name"', "not an environment variable name")):  # fmt: skip
        folder = make_job(f"bad-env-{len(message)}", [(["step"], "1")], f"env = [{bad}]")
        with pytest.raises(JobDefinitionError, match=message) as error:
            load_job(folder)
        assert "key 'env'" in str(error.value)


def test_start_warns_when_teams_share_the_services_user(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = service_config(tmp_path)
    engine = make_engine(config.db_url)
    migrate(engine)
    create_token(engine, "analytics")
    create_token(engine, "marketing")
    engine.dispose()
    with caplog.at_level(logging.WARNING, logger="dataops.control_service"):
        running = start_service(config)
        running.stop()
    warning = next(r.getMessage() for r in caplog.records if "--run-as" in r.getMessage())
    assert "2 teams (analytics, marketing)" in warning and "service's key" in warning


# -- 2. and 3. masking ---------------------------------------------------------------------------


def test_a_secret_in_a_step_error_is_masked_in_every_record(
    control: RunningService, make_job: MakeJob
) -> None:
    client = control.client()
    folder = _secret_job(
        make_job,
        "leaky-error",
        "raise ValueError(f'login failed for {s!r} (' + json.dumps(s) + ')')",
    )
    _with_secret(client, folder)
    started = client.post(f"{API}/jobs/leaky-error/executions").json()
    final = wait_for(client, "analytics", "leaky-error", started["id"])
    assert final["status"] == "user_error" and "login failed for" in final["error"]["evalue"]
    assert "***" in final["error"]["evalue"]
    answers = [
        client.get(f"{API}/jobs/leaky-error/executions/{started['id']}").text,
        client.get(f"{API}/executions/{started['id']}").text,
        client.get(f"{API}/jobs/leaky-error/executions").text,
    ]
    with control.service.engine.connect() as c:
        row = c.execute(
            select(executions_table).where(executions_table.c.id == started["id"])
        ).one()
    answers.append(json.dumps([row.message, row.steps, row.error]))
    for text in answers:
        assert SECRET not in text and "hunter2" not in text, text


def test_a_secret_never_comes_out_whole_in_any_encoding_or_in_pieces(
    control: RunningService, make_job: MakeJob, tmp_path: Path
) -> None:
    client = control.client()
    half, go = tmp_path / "half-written", tmp_path / "go"
    folder = _secret_job(
        make_job,
        "leaky-log",
        "import base64, urllib.parse\n"
        "print('json', json.dumps({'pw': s}))\nprint('b64', base64.b64encode(b'u:' + s.encode()))\n"
        "print('hex', s.encode().hex())\nprint('url', urllib.parse.quote(s))\n"
        f"print(s[:8], end=''); sys.stdout.flush()\nopen({str(half)!r}, 'w').close()\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.1)\nprint(s[8:])",
    )
    _with_secret(client, folder)
    started = client.post(f"{API}/jobs/leaky-log/executions").json()
    logs = f"{API}/jobs/leaky-log/executions/{started['id']}/logs"
    wait_for_file(half)
    time.sleep(1.5)  # the first piece has reached log.txt
    served, offset = "", 0
    for _ in range(3):
        chunk = client.get(logs, params={"offset": offset}).json()
        served, offset = served + chunk["text"], chunk["offset"]
    assert "json" in served and "hunter2" not in served  # the partial line is held back
    record = control.service.record_folder(started["id"])
    assert "hunter2" in (record / "log.txt").read_text()  # it is there, only not served
    with client.stream("GET", f"{logs}/stream") as response:
        go.touch()
        streamed = "".join(
            json.loads(line[6:])["text"] for line in response.iter_lines() if line.startswith("data: {\"text\"")
        )  # fmt: skip
    final = wait_for(client, "analytics", "leaky-log", started["id"])
    assert final["status"] == "succeeded", final
    while True:
        chunk = client.get(logs, params={"offset": offset}).json()
        served += chunk["text"]
        offset = chunk["offset"]
        if chunk["complete"]:
            break
    notebook = client.get(f"{API}/jobs/leaky-log/executions/{started['id']}/notebook").text
    forms = [SECRET, json.dumps(SECRET)[1:-1], SECRET.encode().hex(),
             base64.b64encode(b"u:" + SECRET.encode()).decode()[4:20]]  # fmt: skip
    for text in (served, streamed, notebook):
        assert "***" in text
        for form in forms:
            assert form not in text, (form, text)
    assert "[use] ***\n" in streamed
    for path in record.iterdir():
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path
    assert stat.S_IMODE((record / "log.txt").stat().st_mode) == 0o600
    db_file = Path(control.service.config.db_url.removeprefix("sqlite:///"))
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600


# -- 4. and 5. failing closed, and always finishing ---------------------------------------------


def test_unreadable_secrets_withhold_the_artifacts(
    control: RunningService, make_job: MakeJob, tmp_path: Path
) -> None:
    client = control.client()
    printed, go = tmp_path / "printed", tmp_path / "go"
    folder = _secret_job(
        make_job,
        "key-changed",
        "from kernel_magics.report import report_step\n"
        "report_step(job.step, writes=[s], checks=[{'rule': 'r', 'table': s, 'kind': 'sql', "
        "'description': s, 'status': 'failed', 'samples': [{'p': s}]}])\n"
        f"print('the password is', s)\nopen({str(printed)!r}, 'w').close()\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.1)",
    )
    _with_secret(client, folder)
    started = client.post(f"{API}/jobs/key-changed/executions").json()
    wait_for_file(printed)
    with control.service.engine.begin() as c:  # the stored secret no longer decrypts
        c.execute(update(secrets_table).values(ciphertext=b"gAAAAAnot-a-fernet-token"))
    go.touch()
    final = wait_for(client, "analytics", "key-changed", started["id"])
    assert final["status"] == "platform_error"
    assert "cannot be read" in final["message"] and "withheld" in final["message"]
    assert SECRET not in json.dumps(final)  # the step's tables and checks went with its error
    assert [(s["status"], s["writes"], s["checks"]) for s in final["steps"]] == [
        ("succeeded", [], []),
        ("succeeded", [], []),
    ]
    base = f"{API}/jobs/key-changed/executions/{started['id']}"
    for answer in (client.get(f"{base}/logs"), client.get(f"{base}/notebook")):
        assert answer.status_code == 503 and answer.json()["error"] == "secrets-unreadable"
        assert SECRET not in answer.text and "cannot be read" in answer.json()["message"]
    with client.stream("GET", f"{base}/logs/stream") as response:
        assert SECRET not in response.read().decode()


def test_an_execution_ends_even_when_its_record_cannot_be_masked(
    control: RunningService, make_job: MakeJob, tmp_path: Path
) -> None:
    client = control.client()
    leaked = tmp_path / "leaked.json"
    executions = control.service.artifacts / "executions"
    folder = _secret_job(
        make_job,
        "unmaskable",
        f"record = os.path.join({str(executions)!r}, os.environ['DATAOPS_RUN_ID'])\n"
        "os.rename(os.path.join(record, 'runner.out'), os.path.join(record, 'runner.old'))\n"
        "os.mkdir(os.path.join(record, 'runner.out'))\n"
        f"json.dump({{'token': os.environ['DATAOPS_CONTROL_TOKEN'], "
        f"'secrets': os.environ['DATAOPS_SECRETS_FILE']}}, open({str(leaked)!r}, 'w'))",
    )
    _with_secret(client, folder)
    started = client.post(f"{API}/jobs/unmaskable/executions").json()
    final = wait_for(client, "analytics", "unmaskable", started["id"], timeout=60)
    assert final["status"] == "platform_error"
    assert "could not be masked (IsADirectoryError)" in final["message"], final
    assert str(control.service.artifacts) not in final["message"]
    given = json.loads(leaked.read_text())
    assert not Path(given["secrets"]).exists()
    whoami = httpx.get(
        f"{control.url}/api/v1/whoami", headers={"Authorization": f"Bearer {given['token']}"}
    )
    assert whoami.status_code == 401
    again = client.post(f"{API}/jobs/unmaskable/executions")
    assert again.status_code == 202, "the job is not blocked by an execution left running"


# -- 1. --run-as --------------------------------------------------------------------------------

USER_TEMPLATE = "dataops-test-{team}"
TEAMS = ("iso-a", "iso-b")


def _reachable(path: Path) -> list[Path]:
    """Folders above ``path`` that another user cannot pass through."""
    return [p for p in path.parents if not p.stat().st_mode & stat.S_IXOTH]


@pytest.fixture
def run_as_users() -> Iterator[dict[str, pwd.struct_passwd]]:
    """Throwaway OS users, one per team; the interpreter made reachable for them."""
    # CI runs as root, so this runs there; a developer's unprivileged run cannot create users.
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("--run-as needs root and useradd to create throwaway users")
    created = {}
    closed = _reachable(Path(os.path.realpath(sys.executable)))
    modes = {p: p.stat().st_mode for p in closed}
    try:
        for team in TEAMS:
            name = USER_TEMPLATE.replace("{team}", team)
            subprocess.run(["userdel", name], capture_output=True, check=False)
            subprocess.run(["useradd", "--system", "--no-create-home", name], check=True)
            created[team] = pwd.getpwnam(name)
        for folder in closed:  # pass through (not list) the interpreter's folders
            folder.chmod(modes[folder] | stat.S_IXOTH)
        yield created
    finally:
        for folder, mode in modes.items():
            folder.chmod(stat.S_IMODE(mode))
        for entry in created.values():
            subprocess.run(["userdel", entry.pw_name], capture_output=True, check=False)


PROBE = """import os
def probe(label, path, action=open):
    try:
        action(path)
        print(label, 'READ')
    except PermissionError:
        print(label, 'PermissionError')
"""


def test_job_code_run_as_another_user_cannot_read_the_services_files(
    run_as_users: dict[str, pwd.struct_passwd], make_job: MakeJob
) -> None:
    base = Path(tempfile.mkdtemp(prefix="dataops-run-as-"))
    base.chmod(0o711)
    shared = base / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    running = start_service(service_config(base, run_as=USER_TEMPLATE))
    try:
        service = running.service
        artifacts = service.artifacts
        other = running.client("iso-b")
        started_b = shared / f"b-{uuid.uuid4().hex}"
        folder_b = _secret_job(
            make_job, "keeper",
            f"open({str(started_b)!r}, 'w').close()\n"
            f"while not os.path.exists({str(shared / 'stop')!r}): time.sleep(0.1)",
            parent=base / "src-b",
        )  # fmt: skip
        _with_secret(other, folder_b, team="iso-b")
        execution_b = other.post("/api/v1/teams/iso-b/jobs/keeper/executions").json()
        wait_for_file(started_b)
        secrets_b = artifacts / "secrets" / f"{execution_b['id']}.json"
        assert secrets_b.exists()

        client = running.client("iso-a")
        db = service.config.db_url.removeprefix("sqlite:///")
        folder_a = make_job(
            "prober",
            [(["step:setup"], "%load_ext kernel_magics"),
             (["step:probe"], PROBE
              + f"probe('database', {db!r})\n"
              + f"probe('service environment', '/proc/{os.getpid()}/environ')\n"
              + f"probe('other deployment', {str(artifacts / 'deployments' / 'iso-b' / 'keeper' / '1' / 'job.toml')!r})\n"
              + f"probe('deployments list', {str(artifacts / 'deployments')!r}, os.listdir)\n"
              + f"probe('other secrets', {str(secrets_b)!r})\n"
              + f"probe('other record', {str(service.record_folder(execution_b['id']) / 'log.txt')!r})\n"
              + "print('own secret', job.secrets['password'] == 'hunter2-secret-value')\n"
              + "import sys\nprint('python', sys.prefix)\n"
              + "print('uid', os.getuid(), 'groups', os.getgroups(), 'key', 'DATAOPS_SECRET_KEY' in os.environ)")],
            parent=base / "src-a",
        )  # fmt: skip
        # requirements are installed as the team's user too, in the bundle handed over to it
        (folder_a / "requirements.txt").write_text("psutil\n")
        (folder_a / "tests").mkdir()
        (folder_a / "tests" / "test_gate.py").write_text(
            f"import pytest\n\ndef test_gate_cannot_read_the_database():\n"
            f"    with pytest.raises(PermissionError):\n        open({db!r})\n"
        )
        deployed = deploy(client, "iso-a", folder_a)
        assert "1 passed" in deployed["test_output"]
        assert client.put("/api/v1/teams/iso-a/jobs/prober/secrets/password",
                          json={"value": SECRET}).status_code == 204  # fmt: skip
        started = client.post("/api/v1/teams/iso-a/jobs/prober/executions").json()
        final = wait_for(client, "iso-a", "prober", started["id"], timeout=120)
        log = client.get(f"/api/v1/teams/iso-a/jobs/prober/executions/{started['id']}/logs")
        text = log.json()["text"]
        assert final["status"] == "succeeded", (final, text)
        for label in ("database", "service environment", "other deployment",
                      "deployments list", "other secrets", "other record"):  # fmt: skip
            assert f"[probe] {label} PermissionError" in text, (label, text)
        assert "[probe] own secret True" in text
        user = run_as_users["iso-a"]
        assert f"[probe] uid {user.pw_uid} groups [] key False" in text
        assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
        venv = artifacts / "deployments" / "iso-a" / "prober" / "1" / ".venv"
        assert f"[probe] python {venv}" in text, text
        record = service.record_folder(started["id"]).stat()
        assert record.st_uid == user.pw_uid and stat.S_IMODE(record.st_mode) == 0o700
    finally:
        (shared / "stop").touch()
        running.stop()
        shutil.rmtree(base, ignore_errors=True)
