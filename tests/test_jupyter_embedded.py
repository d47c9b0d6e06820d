"""The embedded control service serves every team of the workspace, and keeps showing what its
database holds when the workspace changes between two starts of the server."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from .conftest import MakeJob
from .control_process import FINAL
from .test_jupyter_control import Calls

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def jp_server_config(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A server with no control service configured: it starts the embedded one."""
    for name in ("DATAOPS_URL", "DATAOPS_TOKEN", "DATAOPS_TEAM", "DATAOPS_WAREHOUSE_URL"):
        monkeypatch.delenv(name, raising=False)
    return {"ServerApp": {"jpserver_extensions": {"dataops_jupyter": True}}}


def _extension(jp_serverapp: Any) -> Any:
    return jp_serverapp.extension_manager.extension_points["dataops_jupyter"].app


async def _start(jp_serverapp: Any) -> Any:
    extension = _extension(jp_serverapp)
    await extension._start_jupyter_server_extension(jp_serverapp)  # as the server does on start
    return extension


async def _restart(jp_serverapp: Any) -> None:
    """Stop the extension and start it afresh on the same root, as a new `make run` does."""
    extension = _extension(jp_serverapp)
    await extension.stop_extension()
    extension.initialize_settings()
    jp_serverapp.web_app.settings.update(extension.settings)
    await _start(jp_serverapp)


def _workspace(root: Path, make_job: MakeJob) -> None:
    (root / "dataops.toml").write_text('warehouse = "duckdb://lake.duckdb"\n')
    make_job("shop-orders", [(["step:hello"], "print('orders')")], 'team = "shop"', parent=root)
    make_job("stats", [(["step:hello"], "print('stats')")], 'team = "analytics"', parent=root / "a")


async def test_deploy_and_execute_jobs_of_several_teams(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path, make_job: MakeJob
) -> None:
    _workspace(jp_root_dir, make_job)
    call = Calls(jp_fetch)
    extension = await _start(jp_serverapp)

    _, status = await call("status")
    assert status["running"] is True and status["team"] == "analytics, shop"
    for job, team in (("shop-orders", "shop"), ("stats", "analytics")):
        code, deployed = await call("jobs", job, "deployments", method="POST")
        assert code == 201 and deployed["team"] == team and deployed["version"] == 1
    _, listing = await call("jobs")
    assert [(j["name"], j["team"]) for j in listing["jobs"]] == [
        ("shop-orders", "shop"),
        ("stats", "analytics"),
    ]
    _, execution = await call("jobs", "stats", "executions", method="POST")
    final = await call.wait("stats", execution["id"], FINAL)
    assert final["status"] == "succeeded" and final["team"] == "analytics", final
    _, found = await call("executions", execution["id"])
    assert found["job"] == "stats"
    token = json.loads((jp_root_dir / ".dataops" / "control" / "token.json").read_text())
    assert token["admin"] is True
    for body in call.bodies:
        assert token["token"] not in body
    await extension.stop_extension()


async def test_a_restart_after_the_workspace_changed_keeps_listing_deployments(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path, make_job: MakeJob
) -> None:
    _workspace(jp_root_dir, make_job)
    call = Calls(jp_fetch)
    await _start(jp_serverapp)
    for job in ("shop-orders", "stats"):
        await call("jobs", job, "deployments", method="POST")

    # Between two starts: one job folder goes, another team's job arrives.
    shutil.rmtree(jp_root_dir / "shop-orders")
    make_job("tour", [(["step:hello"], "print('tour')")], 'team = "default"', parent=jp_root_dir)
    await _restart(jp_serverapp)

    _, listing = await call("jobs")
    assert [(j["name"], j["team"]) for j in listing["jobs"]] == [
        ("shop-orders", "shop"),
        ("stats", "analytics"),
    ]
    _, versions = await call("jobs", "shop-orders", "deployments")
    assert [d["version"] for d in versions["deployments"]] == [1]
    code, deployed = await call("jobs", "tour", "deployments", method="POST")
    assert code == 201 and deployed["team"] == "default"
    _, status = await call("status")
    assert status["team"] == "analytics, default, shop"
    await _extension(jp_serverapp).stop_extension()
