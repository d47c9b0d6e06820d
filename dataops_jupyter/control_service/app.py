"""The control service's REST API (FastAPI): team-scoped jobs, deployments, executions,
properties and secrets, plus ``/healthz`` and Prometheus ``/metrics``."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Row
from starlette.exceptions import HTTPException
from starlette.routing import compile_path
from starlette.types import Scope

from .. import __version__
from ..errors import DataOpsError, NotFoundError
from ..jobs import JobName, TeamName, quote
from ..jobs.schedule import next_runs
from ..runner.records import StepResult
from . import models
from .auth import Principal, authenticate
from .deployments import check_deploy_input
from .limits import MAX_BUNDLE_BYTES, MAX_JSON_BODY_BYTES, MAX_REASON, BodyLimit
from .schema import errors, shape_openapi
from .service import ControlService

API = "/api/v1/teams/{team}"


class Unauthorized(DataOpsError):
    status = 401
    kind = "unauthorized"


class Forbidden(DataOpsError):
    status = 403
    kind = "forbidden"


#: ``error`` of the answers Starlette itself gives (unknown route, wrong method, too large).
HTTP_KINDS = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}


def _body_limit(scope: Scope) -> int:
    """Bundles may be large; every other request body is a small JSON document."""
    if scope["method"] == "POST" and scope["path"].endswith("/deployments"):
        return MAX_BUNDLE_BYTES
    return MAX_JSON_BODY_BYTES


def _allowed_methods(routes: list[Any], path: str) -> str:
    """Every method some route serves at ``path``, for a 405's ``Allow``."""
    methods: set[str] = set()
    for route in routes:
        if getattr(route, "methods", None) and compile_path(route.path)[0].match(path):
            methods.update(route.methods)
    return ", ".join(sorted(methods))


def _validation_message(exc: RequestValidationError) -> str:
    """One ``where: what`` part per problem, quoting no more than a short part of the input."""
    parts = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            parts.append(
                f"the request body is not valid JSON ({reason} at character {error['loc'][-1]})"
            )
            continue
        where = ".".join(
            str(p) if len(str(p)) <= 40 else quote(str(p), 40)
            for p in error.get("loc", ())
            if p != "body"
        )
        what = str(error.get("msg", "")).removeprefix("Value error, ")
        part = f"{where}: {what}" if where else what
        if part not in parts:
            parts.append(part)
    return "; ".join(parts[:10]) + (f"; and {len(parts) - 10} more" if len(parts) > 10 else "")


def job_model(row: Row[Any], with_next_runs: bool = False) -> models.Job:
    schedule = models.ScheduleInfo(cron=row.cron, timezone=row.timezone) if row.cron else None
    upcoming: list[datetime] = []
    if with_next_runs and row.cron and row.enabled and row.active_version is not None:
        upcoming = next_runs(
            row.cron, row.timezone, row.next_run_at or datetime.now().astimezone(), 5
        )
        if row.next_run_at:
            upcoming = [row.next_run_at, *upcoming[:4]]
    return models.Job(
        team=row.team, name=row.name, description=row.description, created_at=row.created_at,
        updated_at=row.updated_at, active_version=row.active_version, enabled=bool(row.enabled),
        schedule=schedule, next_runs=upcoming, retries=row.retries, retry_delay=row.retry_delay,
        timeout=row.timeout,
    )  # fmt: skip


def execution_model(row: Row[Any]) -> models.Execution:
    return models.Execution(
        id=row.id, team=row.team, job=row.job, version=row.version, status=row.status,
        trigger=row.trigger, arguments=row.arguments or {}, attempt=row.attempt,
        retry_of=row.retry_of, scheduled_for=row.scheduled_for, created_at=row.created_at,
        started_at=row.started_at, finished_at=row.finished_at, message=row.message,
        steps=[stored_step(s) for s in row.steps or []], error=row.error,
    )  # fmt: skip


#: What steps stored before executions kept the runner's whole step record lack.
_UNRECORDED_STEP = {"notebook": "", "cell_index": -1, "cell_id": ""}


def stored_step(step: dict[str, Any]) -> StepResult:
    """A step as stored with its execution, read through the runner's step model."""
    return StepResult.model_validate({**_UNRECORDED_STEP, **step})


def deployment_model(row: Row[Any], active_version: int | None) -> models.Deployment:
    from ..jobs import load_job

    try:
        loaded = load_job(row.path)
        steps, parameters = [s.name for s in loaded.steps], loaded.parameters
    except DataOpsError:
        steps, parameters = [], {}
    return models.Deployment(
        team=row.team, job=row.job, version=row.version, content_hash=row.content_hash,
        created_at=row.created_at, created_by=row.created_by, reason=row.reason,
        active=row.version == active_version, steps=steps, parameters=parameters,
        test_output=row.test_output,
    )  # fmt: skip


def create_app(service: ControlService) -> FastAPI:
    """The FastAPI application around a :class:`ControlService`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.stop()

    app = FastAPI(
        title="dataops-jupyter control service",
        version=__version__,
        description="Deploy, schedule, execute and monitor data jobs written in notebooks.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, limit_for=_body_limit)
    bearer = HTTPBearer(auto_error=False)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = shape_openapi(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    def principal(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        if credentials is None:
            raise Unauthorized("send an API token: Authorization: Bearer <token>")
        found = authenticate(service.engine, credentials.credentials)
        if found is None:
            raise Unauthorized("unknown API token")
        return found

    def team_access(team: TeamName, who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not who.can_access(team):
            raise NotFoundError(f"team {team!r} not found")
        return who

    @app.exception_handler(DataOpsError)
    async def _dataops_error(request: Request, exc: DataOpsError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(
            {"error": exc.kind, "message": exc.message}, exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": "invalid", "message": _validation_message(exc)}, 400)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        message = str(exc.detail)
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(
                [*app.router.routes, *router.routes], request.url.path
            )
            message = f"{request.method} is not served here; use {headers['Allow']}"
        elif exc.status_code == 413:
            headers["Connection"] = "close"  # the rest of the body is not read
        elif exc.status_code == 404:
            message = f"no route {quote(request.url.path)}; the routes are listed at /docs"
        kind = HTTP_KINDS.get(exc.status_code, "invalid" if exc.status_code < 500 else "error")
        return JSONResponse({"error": kind, "message": message}, exc.status_code, headers=headers)

    @app.get("/healthz", response_model=models.Health, tags=["monitoring"])
    def healthz() -> models.Health:
        """Public: whether the service answers, and its version."""
        return models.Health(status="ok", version=__version__)

    @app.get(
        "/metrics",
        response_class=PlainTextResponse,
        tags=["monitoring"],
        responses=errors(401, 403),
    )
    def prometheus(who: Annotated[Principal, Depends(principal)]) -> PlainTextResponse:
        """Prometheus metrics of every team (admin token)."""
        if not who.admin:
            raise Forbidden("metrics cover every team: use an admin token")
        body, content_type = service.metrics.render()
        return PlainTextResponse(body, media_type=content_type)

    @app.get("/api/v1/whoami", response_model=models.WhoAmI, tags=["auth"], responses=errors(401))
    def whoami(who: Annotated[Principal, Depends(principal)]) -> models.WhoAmI:
        return models.WhoAmI(name=who.name, team=who.team, admin=who.admin)

    @app.get("/api/v1/jobs", response_model=models.JobList, tags=["jobs"], responses=errors(401))
    def every_job(who: Annotated[Principal, Depends(principal)]) -> models.JobList:
        """The jobs the token may see: of every team for an admin token, else of its team."""
        rows = service.store.jobs(None if who.admin else who.team)
        return models.JobList(jobs=[job_model(r) for r in rows])

    router = APIRouter(
        prefix=API, dependencies=[Depends(team_access)], responses=errors(400, 401, 404)
    )
    Team = Annotated[Principal, Depends(team_access)]

    # -- jobs ---------------------------------------------------------------------------------

    @router.get("/jobs", response_model=models.JobList, tags=["jobs"])
    def list_jobs(team: TeamName) -> models.JobList:
        return models.JobList(jobs=[job_model(r) for r in service.store.jobs(team)])

    @router.post(
        "/jobs",
        response_model=models.Job,
        status_code=201,
        tags=["jobs"],
        responses=errors(409),
    )
    def create_job(team: TeamName, body: models.JobCreate) -> models.Job:
        return job_model(service.store.create_job(team, body.name, body.description))

    @router.get("/jobs/{job}", response_model=models.Job, tags=["jobs"])
    def get_job(team: TeamName, job: JobName) -> models.Job:
        return job_model(service.store.job(team, job), with_next_runs=True)

    @router.patch("/jobs/{job}", response_model=models.Job, tags=["jobs"])
    def update_job(team: TeamName, job: JobName, body: models.JobUpdate) -> models.Job:
        if body.description is not None:
            service.store.update_job(team, job, description=body.description)
        if body.enabled is not None:
            service.set_enabled(team, job, body.enabled)
        return job_model(service.store.job(team, job), with_next_runs=True)

    @router.delete("/jobs/{job}", status_code=204, tags=["jobs"], responses=errors(409))
    def delete_job(team: TeamName, job: JobName) -> None:
        """Delete the job with its deployments, executions, properties and secrets (409 while
        an execution runs)."""
        service.deployments.delete_job(team, job)

    # -- deployments --------------------------------------------------------------------------

    @router.get(
        "/jobs/{job}/deployments", response_model=models.DeploymentList, tags=["deployments"]
    )
    def list_deployments(team: TeamName, job: JobName) -> models.DeploymentList:
        active = service.store.job(team, job).active_version
        rows = service.store.deployments(team, job)
        return models.DeploymentList(deployments=[deployment_model(r, active) for r in rows])

    @router.post(
        "/jobs/{job}/deployments",
        response_model=models.Deployment,
        status_code=201,
        tags=["deployments"],
        responses=errors(409),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    async def deploy(
        team: TeamName,
        job: JobName,
        request: Request,
        who: Team,
        reason: Annotated[str, Query(max_length=MAX_REASON)] = "",
        force: Annotated[bool, Query(description="deploy even if nothing changed")] = False,
    ) -> models.Deployment:
        """Deploy the zipped job folder as the job's next version (the first accepted deploy
        creates the job). 409 when the content equals the current version's, unless
        ``force``."""
        data = await request.body()
        check_deploy_input(data)
        row = await service.deployments.deploy_async(team, job, data, who.name, reason, force)
        return deployment_model(row, row.version)

    @router.get(
        "/jobs/{job}/deployments/{version}", response_model=models.Deployment, tags=["deployments"]
    )
    def get_deployment(team: TeamName, job: JobName, version: models.Version) -> models.Deployment:
        active = service.store.job(team, job).active_version
        return deployment_model(service.store.deployment(team, job, version), active)

    @router.put("/jobs/{job}/active-deployment", response_model=models.Job, tags=["deployments"])
    def activate(team: TeamName, job: JobName, body: models.ActivateRequest) -> models.Job:
        return job_model(service.deployments.activate(team, job, body.version), with_next_runs=True)

    # -- executions ---------------------------------------------------------------------------

    @router.get("/jobs/{job}/executions", response_model=models.ExecutionList, tags=["executions"])
    def list_executions(
        team: TeamName,
        job: JobName,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        before: models.ExecutionId | None = None,
        status: Annotated[
            list[models.ExecutionStatus] | None,
            Query(description="only executions with one of these statuses (repeat for several)"),
        ] = None,
    ) -> models.ExecutionList:
        """The job's executions, newest first, by pages: pass ``next_cursor`` as ``before``."""
        service.store.job(team, job)
        rows = service.store.executions(team, job, limit, before, status or ())
        cursor = rows[-1].id if len(rows) == limit else None
        return models.ExecutionList(
            executions=[execution_model(r) for r in rows], next_cursor=cursor
        )

    @router.post(
        "/jobs/{job}/executions",
        response_model=models.Execution,
        status_code=202,
        tags=["executions"],
        responses=errors(409),
    )
    def trigger(
        team: TeamName, job: JobName, body: models.ExecutionCreate | None = None
    ) -> models.Execution:
        arguments = body.arguments if body is not None else {}
        return execution_model(service.trigger(team, job, arguments))

    @router.get(
        "/jobs/{job}/executions/{execution}", response_model=models.Execution, tags=["executions"]
    )
    def get_execution(
        team: TeamName, job: JobName, execution: models.ExecutionId
    ) -> models.Execution:
        return execution_model(service.store.execution(team, job, execution))

    @router.get("/executions/{execution}", response_model=models.Execution, tags=["executions"])
    def find_execution(team: TeamName, execution: models.ExecutionId) -> models.Execution:
        """An execution of any of the team's jobs, by its id alone."""
        return execution_model(service.store.execution(team, None, execution))

    @router.post(
        "/jobs/{job}/executions/{execution}/cancel",
        response_model=models.Execution,
        status_code=202,
        tags=["executions"],
        responses=errors(409),
    )
    def cancel(team: TeamName, job: JobName, execution: models.ExecutionId) -> models.Execution:
        return execution_model(service.cancel(team, job, execution))

    def _log_chunk(
        team: TeamName, job: JobName, execution: models.ExecutionId, offset: int, tail: int | None
    ) -> models.LogChunk:
        row = service.store.execution(team, job, execution)
        folder = service.record_folder(execution)
        path = folder / "log.txt"
        size = path.stat().st_size if path.exists() else 0
        if tail is not None:
            offset = max(size - tail, 0)
        text, next_offset = service.masked_log(row, offset)
        complete = service.is_final(row.status) and next_offset >= size
        return models.LogChunk(text=text, offset=next_offset, complete=complete)

    @router.get(
        "/jobs/{job}/executions/{execution}/logs",
        response_model=models.LogChunk,
        tags=["executions"],
        responses=errors(503),
    )
    def logs(
        team: TeamName,
        job: JobName,
        execution: models.ExecutionId,
        offset: Annotated[int, Query(ge=0)] = 0,
        tail: Annotated[
            int | None, Query(ge=0, description="last N bytes instead of offset")
        ] = None,
    ) -> models.LogChunk:
        return _log_chunk(team, job, execution, offset, tail)

    @router.get(
        "/jobs/{job}/executions/{execution}/logs/stream",
        tags=["executions"],
        response_class=StreamingResponse,
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "log chunks as server-sent events",
            },
            **errors(503),
        },
    )
    async def follow_logs(
        team: TeamName,
        job: JobName,
        execution: models.ExecutionId,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> StreamingResponse:
        await asyncio.to_thread(service.store.execution, team, job, execution)
        await asyncio.to_thread(service.masker, team, job)  # withheld: a clear error, not a 200

        async def events() -> AsyncIterator[str]:
            position = offset
            last_sent = time.monotonic()
            while True:
                try:
                    chunk = await asyncio.to_thread(
                        _log_chunk, team, job, execution, position, None
                    )
                except DataOpsError as exc:
                    yield f"event: error\ndata: {json.dumps({'message': exc.message})}\n\n"
                    return
                if chunk.text:
                    yield f"data: {json.dumps({'text': chunk.text, 'offset': chunk.offset})}\n\n"
                    last_sent = time.monotonic()
                elif time.monotonic() - last_sent >= service.config.stream_keepalive:
                    yield ": keepalive\n\n"
                    last_sent = time.monotonic()
                position = chunk.offset
                if chunk.complete:
                    row = await asyncio.to_thread(service.store.execution, team, job, execution)
                    yield f"event: end\ndata: {json.dumps({'status': row.status})}\n\n"
                    return
                await asyncio.sleep(0.3)

        return StreamingResponse(events(), media_type="text/event-stream")

    @router.get(
        "/jobs/{job}/executions/{execution}/notebook", tags=["executions"], responses=errors(503)
    )
    def output_notebook(
        team: TeamName, job: JobName, execution: models.ExecutionId
    ) -> JSONResponse:
        return JSONResponse(service.masked_notebook(service.store.execution(team, job, execution)))

    # -- properties and secrets ---------------------------------------------------------------

    @router.get("/jobs/{job}/properties", response_model=dict[str, Any], tags=["properties"])
    def get_properties(team: TeamName, job: JobName) -> dict[str, Any]:
        return service.store.properties(team, job)

    @router.put(
        "/jobs/{job}/properties",
        response_model=dict[str, Any],
        tags=["properties"],
    )
    def put_properties(
        team: TeamName, job: JobName, body: Annotated[models.Properties, Body()]
    ) -> dict[str, Any]:
        return service.store.set_properties(team, job, body)

    @router.get("/jobs/{job}/secrets", response_model=models.SecretNames, tags=["secrets"])
    def list_secrets(team: TeamName, job: JobName) -> models.SecretNames:
        return models.SecretNames(names=list(service.store.secrets(team, job)))

    @router.put("/jobs/{job}/secrets/{name}", status_code=204, tags=["secrets"])
    def put_secret(
        team: TeamName, job: JobName, name: models.SecretName, body: models.SecretValue
    ) -> None:
        service.store.set_secret(team, job, name, service.box.encrypt(body.value))

    @router.delete("/jobs/{job}/secrets/{name}", status_code=204, tags=["secrets"])
    def delete_secret(team: TeamName, job: JobName, name: models.SecretName) -> None:
        service.store.delete_secret(team, job, name)

    app.include_router(router)
    return app


Listener = Callable[[Row[Any]], Awaitable[None]]
