"""The server extension within the Jupyter server's life: what it leaves behind when it stops."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from dataops_jupyter.server import runs

from .conftest import MakeJob

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    return {
        "ServerApp": {"jpserver_extensions": {"dataops_jupyter": True}},
        "DataOpsExtension": {"embedded_control_service": False},
    }


def _extension(jp_serverapp: Any) -> Any:
    return jp_serverapp.extension_manager.extension_points["dataops_jupyter"].app


def _watchers() -> list[asyncio.Task[Any]]:
    return [
        task
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "") == "LocalRunManager._watch"
    ]


async def _start(jp_fetch: Any, job: str) -> str:
    response = await jp_fetch("dataops", "jobs", job, "runs", method="POST", body="{}")
    run_id: str = json.loads(response.body)["run_id"]
    for _ in range(300):
        run = json.loads((await jp_fetch("dataops", "runs", run_id)).body)
        if run["steps"][0]["status"] != "pending":
            break
        await asyncio.sleep(0.1)
    return run_id


async def test_stopping_the_extension_ends_the_watchers_of_runs(
    jp_fetch: Any,
    jp_serverapp: Any,
    jp_root_dir: Path,
    make_job: MakeJob,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A short grace: the runners are killed before they end by themselves, so their watchers
    # are still waiting for them when the server stops.
    monkeypatch.setattr(runs, "CANCEL_GRACE", 0.1)
    nap = [(["step:nap"], "import time\ntime.sleep(120)")]
    make_job("sleepy", nap, parent=jp_root_dir)
    make_job("drowsy", nap, parent=jp_root_dir)
    sleepy, drowsy = await _start(jp_fetch, "sleepy"), await _start(jp_fetch, "drowsy")
    assert len(_watchers()) == 2

    await _extension(jp_serverapp).stop_extension()  # what the server does when it stops

    # No watcher is left pending for the event loop to destroy ("Task was destroyed but it
    # is pending!"), and the run that was going is recorded as cancelled.
    assert _watchers() == []
    for run_id in (sleepy, drowsy):
        run = json.loads((await jp_fetch("dataops", "runs", run_id)).body)
        assert run["status"] == "cancelled"


def _lines(output: str) -> list[str]:
    """The terminal's output as lines, without its control sequences."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output).replace("\r", "")
    return [line.strip() for line in plain.splitlines()]


async def _terminal_output(jp_fetch: Any, jp_ws_fetch: Any, command: str, **body: Any) -> str:
    """Open a terminal as JupyterLab does (REST, then its websocket), run ``command``, and
    return what the terminal printed up to the end marker."""
    response = await jp_fetch("api", "terminals", method="POST", body=json.dumps(body))
    name = json.loads(response.body)["name"]
    socket = await jp_ws_fetch("terminals", "websocket", name)
    try:
        socket.write_message(json.dumps(["stdin", f"{command}; echo END-OF-''OUTPUT\r"]))
        output = ""
        while "END-OF-OUTPUT" not in output:
            message = await asyncio.wait_for(socket.read_message(), timeout=30)
            assert message is not None, output
            kind, *content = json.loads(message)
            if kind == "stdout":
                output += content[0]
        return output
    finally:
        socket.close()
        await jp_fetch("api", "terminals", name, method="DELETE")


@pytest.mark.parametrize("cwd", [None, ""])
async def test_terminals_start_in_the_workspace_with_the_dataops_command(
    jp_fetch: Any,
    jp_ws_fetch: Any,
    jp_root_dir: Path,
    cwd: str | None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The server runs from another folder (as `make run` from the repository) with a PATH
    # that does not name its virtualenv; the terminal is a login shell (no tty here).
    monkeypatch.chdir(jp_root_dir.parent)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    body = {} if cwd is None else {"cwd": cwd}  # JupyterLab sends "" for the top folder
    output = await _terminal_output(jp_fetch, jp_ws_fetch, "command -v dataops; pwd", **body)

    lines = _lines(output)
    assert str(Path(sys.executable).parent / "dataops") in lines, output
    assert str(jp_root_dir.resolve()) in lines, output


async def test_terminals_open_in_a_requested_subfolder(
    jp_fetch: Any, jp_ws_fetch: Any, jp_root_dir: Path
) -> None:
    (jp_root_dir / "orders").mkdir()
    output = await _terminal_output(jp_fetch, jp_ws_fetch, "pwd", cwd="orders")
    lines = _lines(output)
    assert str((jp_root_dir / "orders").resolve()) in lines, output
