"""``dataops`` commands that talk to a control service: deploy, jobs, execute, executions, logs,
cancel, rollback, enable, disable, properties, secrets and delete.

The service's URL, token and team come from ``--url``/``--token``/``--team``, else the
``DATAOPS_URL``/``DATAOPS_TOKEN``/``DATAOPS_TEAM`` environment variables, else
``~/.config/dataops/config.toml``. Without a team, the token's own team is used.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataOpsError, InvalidInputError
from .common import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    Commands,
    Handler,
    add_command,
    add_job_arguments,
    add_key_values,
    failure,
    mark,
    print_step,
    table,
)

if TYPE_CHECKING:
    from ..client import ControlClient

# -- helpers ----------------------------------------------------------------------------------


def _client(options: argparse.Namespace) -> ControlClient:
    # Imported here: the HTTP client (requests) is not needed by commands that stay local.
    from ..client import ControlClient, resolve_settings

    settings = resolve_settings(options.url, options.token, options.team)
    return ControlClient(settings.url, settings.token, settings.team)


def _when(value: str | None) -> str:
    if not value:
        return "-"
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    try:
        began = datetime.fromisoformat(start.replace("Z", "+00:00"))
        ended = datetime.fromisoformat(end.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (ended - began).total_seconds()


def _value(text: str) -> Any:
    """A ``key=value`` value: JSON when it parses, else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _pairs(pairs: list[str], flag: str) -> dict[str, Any]:
    values = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInputError(f"{flag} {pair!r}: use the form key=value, e.g. {flag} a=1")
        values[key.strip()] = _value(text)
    return values


def _print_execution(execution: dict[str, Any], verbose: bool = False) -> None:
    status = execution["status"]
    took = _seconds(execution.get("started_at"), execution.get("finished_at"))
    duration = f" in {took:.1f} s" if took is not None else ""
    print(
        f"{mark(status)} {execution['job']}: {status}{duration} "
        f"(execution {execution['id']}, version {execution['version']}, "
        f"attempt {execution['attempt']})"
    )
    for step in execution.get("steps") or []:
        print_step(step)
    error = execution.get("error")
    if error:
        print("\n" + failure(error, verbose))
    if execution.get("message"):
        print(execution["message"])


def _follow(client: ControlClient, job: str, execution_id: str) -> str:
    """Print the log as it grows; the execution's final status."""
    status = "unknown"
    try:
        for event in client.follow_logs(job, execution_id):
            if event.kind == "end":
                status = event.status or status
            else:
                sys.stdout.write(event.text)
                sys.stdout.flush()
    except KeyboardInterrupt:
        print(
            f"\nstopped following; execution {execution_id} goes on "
            f"(stop it with: dataops cancel {execution_id})",
            file=sys.stderr,
        )
        raise
    return status


def _command(handler: Handler) -> Handler:
    """Add the hint where a token comes from to 401s, and end quietly on Ctrl-C."""

    @functools.wraps(handler)
    def run(options: argparse.Namespace) -> int:
        try:
            return handler(options)
        except DataOpsError as exc:
            if getattr(exc, "status", None) == 401 and hasattr(exc, "kind"):
                exc.message += " (the token comes from --token, DATAOPS_TOKEN or the config file)"
            raise
        except KeyboardInterrupt:
            return EXIT_INTERRUPTED

    return run


# -- commands ---------------------------------------------------------------------------------


@_command
def deploy(options: argparse.Namespace) -> int:
    from ..client import ControlServiceError
    from ..contracts.lint import lint_job
    from ..control_service.bundles import make_bundle
    from ..jobs import load_job

    job = load_job(Path(options.job_dir))
    errors = [f for f in lint_job(job.folder) if f.severity == "error"]
    if errors:
        for item in errors:
            print(f"{job.folder}/{item}", file=sys.stderr)
        print(
            f"✗ {job.name}: the contracts have errors; nothing deployed (fix them, then "
            f"check with: dataops contract lint --job {options.job_dir})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    client = _client(options)
    client.resolve_team(fallback=job.config.team)
    name = job.name
    try:
        client.job(name)
        new = False
    except ControlServiceError as exc:
        if exc.status != 404:
            raise
        new = True  # the deploy creates it, if the deploy is accepted
    bundle = make_bundle(job.folder)
    print(
        f"deploying {job.folder} as {name} to {client.url} (team {client.team}, "
        f"{len(bundle) / 1024:.1f} KiB)…",
        flush=True,
    )
    try:
        done = client.deploy(name, bundle, options.reason, force=options.force)
    except ControlServiceError as exc:
        if exc.kind != "unchanged":
            raise
        print(f"= {name}: {exc.message}; nothing deployed (--force deploys it again)")
        return EXIT_OK
    if new:
        print(f"created job {name} in team {client.team}")
    print(f"✓ {name}: version {done['version']} deployed and active")
    print(f"  content hash  {done['content_hash']}")
    print(f"  steps         {', '.join(done['steps'])}")
    tests = (done.get("test_output") or "").strip()
    if tests:
        print("  tests:\n    " + tests.replace("\n", "\n    "))
    else:
        print("  tests         none (the job has no tests/ folder)")
    return EXIT_OK


@_command
def jobs(options: argparse.Namespace) -> int:
    client = _client(options)
    found = client.jobs()
    if not found:
        print(f"no jobs in team {client.team}; deploy one with: dataops deploy JOB_DIR")
        return EXIT_OK
    rows = []
    for job in found:
        schedule = job.get("schedule")
        rows.append(
            [
                job["name"],
                str(job["active_version"]) if job["active_version"] is not None else "-",
                "yes" if job["enabled"] else "no",
                f"{schedule['cron']} ({schedule['timezone']})" if schedule else "-",
                job.get("description") or "",
            ]
        )
    table(["NAME", "VERSION", "ENABLED", "SCHEDULE", "DESCRIPTION"], rows)
    return EXIT_OK


@_command
def execute(options: argparse.Namespace) -> int:
    from ..jobs import parse_cli_arguments

    client = _client(options)
    arguments: dict[str, Any] = {}
    if options.arg or options.args_json:
        job = client.job(options.job)
        if job["active_version"] is None:
            raise InvalidInputError(f"job {options.job!r} has no deployment yet; deploy it first")
        defaults = client.deployment(options.job, job["active_version"]).get("parameters", {})
        arguments = parse_cli_arguments(options.arg, options.args_json, defaults)
    execution = client.trigger(options.job, arguments)
    execution_id = execution["id"]
    print(
        f"▶ {options.job}: execution {execution_id} submitted (version {execution['version']})",
        flush=True,
    )
    if not options.wait:
        print(f"follow it with: dataops logs {execution_id} --follow")
        return EXIT_OK
    _follow(client, options.job, execution_id)
    final = client.execution(options.job, execution_id)
    print()
    _print_execution(final, options.verbose)
    return EXIT_OK if final["status"] == "succeeded" else EXIT_FAILED


@_command
def executions(options: argparse.Namespace) -> int:
    if options.limit < 1:
        raise InvalidInputError("--limit must be at least 1")
    client = _client(options)
    found = client.executions(options.job, limit=options.limit)["executions"]
    if not found:
        print(f"no executions of {options.job} yet; start one with: dataops execute {options.job}")
        return EXIT_OK
    rows = []
    for e in found:
        took = _seconds(e.get("started_at"), e.get("finished_at"))
        rows.append(
            [
                e["id"],
                f"{mark(e['status'])} {e['status']}",
                e["trigger"],
                str(e["version"]),
                _when(e["created_at"]),
                f"{took:.1f} s" if took is not None else "-",
            ]
        )
    table(["EXECUTION", "STATUS", "TRIGGER", "VERSION", "CREATED (UTC)", "DURATION"], rows)
    return EXIT_OK


@_command
def logs(options: argparse.Namespace) -> int:
    client = _client(options)
    execution = client.find_execution(options.execution)
    job = execution["job"]
    if not options.follow:
        sys.stdout.write(client.logs(job, options.execution)["text"])
        return EXIT_OK
    status = _follow(client, job, options.execution)
    print(f"{mark(status)} execution {options.execution} {status}", file=sys.stderr)
    return EXIT_OK if status == "succeeded" else EXIT_FAILED


@_command
def cancel(options: argparse.Namespace) -> int:
    client = _client(options)
    execution = client.find_execution(options.execution)
    done = client.cancel(execution["job"], options.execution)
    state = "cancelled" if done["status"] == "cancelled" else "cancel requested, stopping"
    print(f"■ {done['job']}: execution {done['id']} {state}")
    return EXIT_OK


@_command
def rollback(options: argparse.Namespace) -> int:
    client = _client(options)
    job = client.activate(options.job, options.version)
    print(f"✓ {options.job} now runs version {job['active_version']}")
    return EXIT_OK


def _set_enabled(options: argparse.Namespace, enabled: bool) -> int:
    client = _client(options)
    job = client.update_job(options.job, enabled=enabled)
    state = "enabled" if job["enabled"] else "disabled"
    upcoming = job.get("next_runs") or []
    after = f"; next run {_when(upcoming[0])} UTC" if enabled and upcoming else ""
    print(f"{options.job}: {state}{after}")
    return EXIT_OK


@_command
def enable(options: argparse.Namespace) -> int:
    return _set_enabled(options, True)


@_command
def disable(options: argparse.Namespace) -> int:
    return _set_enabled(options, False)


@_command
def properties(options: argparse.Namespace) -> int:
    client = _client(options)
    updates = _pairs(options.set, "--set")
    values = client.properties(options.job)
    if updates or options.unset:
        values.update(updates)
        for key in options.unset:
            values.pop(key, None)
        values = client.set_properties(options.job, values)
    print(json.dumps(values, indent=2, sort_keys=True))
    return EXIT_OK


def _read_secret(name: str) -> str:
    if sys.stdin.isatty():
        value = getpass.getpass(f"value of secret {name} (not shown): ")
    else:
        value = sys.stdin.read()
        if value.endswith("\n"):
            value = value[:-1].removesuffix("\r")
    if not value:
        raise InvalidInputError(f"the value of secret {name!r} is empty")
    return value


@_command
def secrets(options: argparse.Namespace) -> int:
    client = _client(options)
    if options.set:
        client.set_secret(options.job, options.set, _read_secret(options.set))
        print(f"secret {options.set} of {options.job} stored")
        return EXIT_OK
    if options.delete:
        client.delete_secret(options.job, options.delete)
        print(f"secret {options.delete} of {options.job} deleted")
        return EXIT_OK
    names = client.secrets(options.job)
    if not names:
        print(f"no secrets; add one with: dataops secrets {options.job} --set NAME")
    for name in names:
        print(name)
    return EXIT_OK


def _confirmed(question: str) -> bool:
    """Ask ``question`` on the terminal (or read the answer from standard input): yes or no."""
    print(f"{question} [y/N] ", end="", flush=True)
    answer = sys.stdin.readline()
    if not sys.stdin.isatty():
        print(answer.rstrip("\n"))
    return answer.strip().lower() in ("y", "yes")


@_command
def delete(options: argparse.Namespace) -> int:
    client = _client(options)
    job = client.job(options.job)
    versions = job["active_version"]
    what = f"job {options.job} of team {client.team}"
    if not options.yes and not _confirmed(
        f"delete {what}"
        + (f" with its deployed versions (active: {versions})" if versions is not None else "")
        + ", executions, properties and secrets?"
    ):
        print(f"nothing deleted; {what} stays")
        return EXIT_FAILED
    client.delete_job(options.job)
    print(f"deleted {what}")
    return EXIT_OK


_HANDLERS: dict[str, Handler] = {
    "deploy": deploy,
    "jobs": jobs,
    "execute": execute,
    "executions": executions,
    "logs": logs,
    "cancel": cancel,
    "rollback": rollback,
    "enable": enable,
    "disable": disable,
    "properties": properties,
    "secrets": secrets,
    "delete": delete,
}


# -- argument parsing -------------------------------------------------------------------------


def add_commands(commands: Commands) -> None:
    """Add the control service commands to the ``dataops`` sub-command parser."""
    connection = argparse.ArgumentParser(add_help=False)
    group = connection.add_argument_group("control service")
    group.add_argument("--url", help="control service URL (else $DATAOPS_URL, else config file)")
    group.add_argument(
        "--token", help="API token (else $DATAOPS_TOKEN, else config file; avoid on shared hosts)"
    )
    group.add_argument("--team", help="team (else $DATAOPS_TEAM, config file, the token's team)")

    def add(name: str, help: str, description: str) -> argparse.ArgumentParser:
        return add_command(
            commands, name, _HANDLERS[name], help=help, description=description,
            parents=[connection],
        )  # fmt: skip

    deploy = add(
        "deploy",
        "deploy a job folder to the control service",
        "Zip JOB_DIR and upload it; the job is created on the control service by its first "
        "accepted deploy. Contracts (contracts/*.odcs.yaml) with lint errors stop the deploy "
        "before anything is uploaded (exit code 1). The service checks the job and runs its "
        "tests/ before the new "
        "version goes live. A folder unchanged since the current version is not deployed "
        "again unless --force. Prints the version, content hash, steps and test output.",
    )
    deploy.add_argument("job_dir", metavar="JOB_DIR", help="the job folder (holds job.toml)")
    deploy.add_argument("--reason", default="", help="why this version (kept with it)")
    deploy.add_argument(
        "--force",
        action="store_true",
        help="deploy a new version even when the folder has not changed since the current one",
    )

    add("jobs", "list the team's deployed jobs", "The jobs of the team on the control service.")

    execute = add(
        "execute",
        "start an execution of a deployed job",
        "Start an execution of JOB's active version. With --wait, follow its log live and exit "
        "0 if it succeeded, 1 otherwise (Ctrl-C stops following; the execution goes on).",
    )
    execute.add_argument("job", metavar="JOB")
    add_job_arguments(execute)
    execute.add_argument("--wait", action="store_true", help="follow the log until it ends")
    execute.add_argument(
        "--verbose", "-v", action="store_true", help="show a failed step's whole traceback"
    )

    listing = add("executions", "list a job's executions", "JOB's executions, newest first.")
    listing.add_argument("job", metavar="JOB")
    listing.add_argument("--limit", type=int, default=20, help="how many (default 20)")

    log = add(
        "logs",
        "print an execution's log",
        "Print EXECUTION's log. With --follow, print it as it grows until the execution ends; "
        "the exit code is then 0 if it succeeded, 1 otherwise.",
    )
    log.add_argument("execution", metavar="EXECUTION", help="execution id")
    log.add_argument("--follow", "-f", action="store_true", help="follow the log live")

    stop = add("cancel", "cancel an execution", "Stop EXECUTION (its kernel and processes).")
    stop.add_argument("execution", metavar="EXECUTION", help="execution id")

    back = add(
        "rollback",
        "make an earlier deployed version the active one",
        "Make VERSION of JOB the version that runs (roll back, or forward again).",
    )
    back.add_argument("job", metavar="JOB")
    back.add_argument("version", metavar="VERSION", type=int)

    for name, verb in (("enable", "resume"), ("disable", "pause")):
        toggle = add(name, f"{verb} a job's schedule", f"{verb.capitalize()} JOB's schedule.")
        toggle.add_argument("job", metavar="JOB")

    props = add(
        "properties",
        "show or change a job's properties",
        "Print JOB's properties as JSON; --set and --unset change them first.",
    )
    props.add_argument("job", metavar="JOB")
    add_key_values(props, "--set", "set a property")
    props.add_argument("--unset", action="append", default=[], metavar="KEY")

    secret = add(
        "secrets",
        "list a job's secret names, or set one",
        "List the names of JOB's secrets (values are never shown). --set NAME reads the value "
        "from a hidden prompt, or from standard input when it is not a terminal.",
    )
    secret.add_argument("job", metavar="JOB")
    which = secret.add_mutually_exclusive_group()
    which.add_argument("--set", metavar="NAME", help="store a secret (value from prompt/stdin)")
    which.add_argument("--delete", metavar="NAME", help="delete a secret")

    removed = add(
        "delete",
        "delete a job from the control service",
        "Delete JOB with all its deployed versions, executions, properties and secrets, after "
        "asking for confirmation (--yes: without asking). A job with an execution in progress "
        "is refused: cancel it first.",
    )
    removed.add_argument("job", metavar="JOB")
    removed.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
