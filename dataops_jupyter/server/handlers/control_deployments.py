"""``/dataops/control/jobs/{job}/deployments``: deploy a job found under the server root (this
server zips it), list the deployed versions, and choose the active one (rollback)."""

from __future__ import annotations

import asyncio
from typing import Any

from tornado import web

from ...client import ControlClient, ControlServiceError
from ...control_service.bundles import make_bundle
from ...errors import InvalidInputError
from .base import DataOpsHandler


def _deploy(
    client: ControlClient, job: str, description: str, bundle: bytes, reason: str, force: bool
) -> Any:
    try:
        client.job(job)
    except ControlServiceError as exc:
        if exc.status != 404:
            raise
        client.create_job(job, description)
    return client.deploy(job, bundle, reason, force=force)


class ControlDeploymentsHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, job: str) -> None:
        self.reply({"deployments": await self.upstream(lambda client: client.deployments(job))})

    @web.authenticated
    async def post(self, job: str) -> None:
        body = self.json_body()
        reason, force = body.get("reason", ""), body.get("force", False)
        if not isinstance(reason, str):
            raise InvalidInputError("'reason' must be a string")
        if not isinstance(force, bool):
            raise InvalidInputError("'force' must be true or false")
        local = await asyncio.to_thread(self.runs.job, job)
        bundle = await asyncio.to_thread(make_bundle, local.folder)
        description = local.config.description
        deployment = await self.upstream(
            lambda client: _deploy(client, job, description, bundle, reason, force)
        )
        self.reply(deployment, status=201)


class ControlActiveDeploymentHandler(DataOpsHandler):
    @web.authenticated
    async def put(self, job: str) -> None:
        version = self.json_body().get("version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise InvalidInputError("'version' must be the number of a deployed version")
        self.reply(await self.upstream(lambda client: client.activate(job, version)))
