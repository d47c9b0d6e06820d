"""``/dataops/control/jobs/{job}/secrets``: secret names, and setting or deleting one. Values
go to the control service and never come back."""

from __future__ import annotations

from tornado import web

from ...errors import InvalidInputError
from .base import DataOpsHandler


class ControlSecretsHandler(DataOpsHandler):
    @web.authenticated
    async def get(self, job: str) -> None:
        self.reply({"names": await self.upstream(lambda client: client.secrets(job))})


class ControlSecretHandler(DataOpsHandler):
    @web.authenticated
    async def put(self, job: str, name: str) -> None:
        value = self.json_body().get("value")
        if not isinstance(value, str) or not value:
            raise InvalidInputError("'value' must be the secret's value (a non-empty string)")
        await self.upstream(lambda client: client.set_secret(job, name, value))
        self.set_status(204)
        self.finish()

    @web.authenticated
    async def delete(self, job: str, name: str) -> None:
        await self.upstream(lambda client: client.delete_secret(job, name))
        self.set_status(204)
        self.finish()
