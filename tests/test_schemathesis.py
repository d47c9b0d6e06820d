"""Schemathesis against a real control service process and its own OpenAPI document.

The path parameters are pinned to real things (the team of the token, a deployed job, a
finished execution, version 1, a stored secret), so that generated requests reach the
handlers instead of stopping at 404 (generated deploys are refused as not a zip: the tests
in test_control_service.py deploy real bundles). The run must find no server error and no answer that
breaches the document: status codes, content types, headers and bodies as documented,
invalid requests refused, 405 with a correct ``Allow``, no route that ignores its token.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import MakeJob
from .control_process import FINAL, deploy_folder, start_service_process

pytestmark = pytest.mark.timeout(900)
#: Every check but "valid data is accepted": arguments are checked against the deployed
#: notebook's parameters, which the document cannot state.
EXCLUDED_CHECKS = "positive_data_acceptance"
#: Test cases per operation and phase; the run takes about two minutes on two cores.
MAX_EXAMPLES = int(os.environ.get("DATAOPS_SCHEMATHESIS_EXAMPLES", "10"))


def test_the_service_keeps_to_its_openapi_document(tmp_path: Path, make_job: MakeJob) -> None:
    service = start_service_process(tmp_path / "service")
    try:
        job = make_job("probe", [(["parameters"], "limit = 3"), (["step:count"], "print(limit)")])
        deploy_folder(service, job)
        client = httpx.Client(
            base_url=f"{service.url}/api/v1/teams/{service.team}/jobs/probe",
            headers={"Authorization": f"Bearer {service.token}"},
            timeout=60,
        )
        execution = client.post("/executions", json={}).json()["id"]
        deadline = time.monotonic() + 120
        while client.get(f"/executions/{execution}").json()["status"] not in FINAL:
            assert time.monotonic() < deadline, "the pinned execution did not end"
            time.sleep(0.3)
        assert client.put("/secrets/pw", json={"value": "not-so-secret"}).status_code == 204
        client.close()
        config = tmp_path / "schemathesis.toml"
        config.write_text(
            "[parameters]\n"
            f'team = "{service.team}"\njob = "probe"\nexecution = "{execution}"\n'
            'version = 1\nname = "pw"\n',
            encoding="utf-8",
        )
        command = [
            sys.executable, "-m", "schemathesis.cli", "--config-file", str(config),
            "run", f"{service.url}/openapi.json",
            "--header", f"Authorization: Bearer {service.token}",
            "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS, "--max-examples", str(MAX_EXAMPLES), "--workers", "1",
            "--seed", "20261201", "--generation-database", "none", "--no-color",
            "--request-timeout", "60",
            # Deleting the pinned job would leave every later request a 404.
            "--exclude-name", "DELETE /api/v1/teams/{team}/jobs/{job}",
        ]  # fmt: skip
        root = Path(__file__).parent.parent
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
            "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",
        }
        done = subprocess.run(
            command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=840
        )
        report = done.stdout + done.stderr
        (tmp_path / "schemathesis.txt").write_text(report, encoding="utf-8")
        print(report[report.find("WARNINGS") :])  # the figures, with pytest -s
        assert done.returncode == 0, report[-12000:]
        assert "Server error" not in report
        assert "passed" in report
    finally:
        service.stop()
    log = (tmp_path / "service" / "service.log").read_text()
    assert "Traceback" not in log, log[-4000:]
