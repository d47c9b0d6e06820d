"""The one base class of every ``/dataops`` handler, with the one error mapper."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from pydantic import BaseModel
from tornado.web import HTTPError

from ...client import ControlClient
from ...errors import DataOpsError, InvalidInputError
from ..control import ControlConnection
from ..models import ErrorBody
from ..runs import LocalRunManager

T = TypeVar("T")


#: ``error`` of the answers of requests refused before a handler ran (authentication, method).
_HTTP_KINDS = {401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}
#: The answer to an unexpected failure: the details are in the server's log, not the answer.
_UNEXPECTED = "unexpected error in the dataops server extension; the Jupyter server log has details"


class DataOpsHandler(APIHandler):
    """JSON in, JSON out. Own routes answer with the wire models of :mod:`..models`; every
    error is an :class:`ErrorBody`: a :class:`DataOpsError` with its status, kind and message,
    anything else a logged 500."""

    @property
    def runs(self) -> LocalRunManager:
        manager: LocalRunManager = self.settings["dataops_runs"]
        return manager

    @property
    def control(self) -> ControlConnection:
        connection: ControlConnection = self.settings["dataops_control"]
        return connection

    async def upstream(self, call: Callable[[ControlClient], T]) -> T:
        """``call(client)`` against the control service, off the event loop, for the team of
        the route's ``job`` (the embedded service serves several teams)."""
        return await self.control.call(call, job=self.path_kwargs.get("job"))

    def json_body(self) -> dict[str, Any]:
        """The request body as a JSON object, or a 400 saying what is wrong with it."""
        raw = self.request.body or b"{}"
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"the request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise InvalidInputError("the request body must be a JSON object")
        return body

    def reply(self, data: BaseModel | Any, status: int = 200) -> None:
        """Answer with a wire model, or with JSON relayed from the control service as it is."""
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(data.model_dump_json() if isinstance(data, BaseModel) else json.dumps(data))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, DataOpsError) and value.status < 500:
            self.log.info("%s %s: %s", self.request.method, self.request.path, value.message)
        else:
            super().log_exception(typ, value, tb)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, DataOpsError):
            status_code, body = exc.status, ErrorBody(error=exc.kind, message=exc.message)
        elif status_code < 500:
            message = _http_message(exc) or self._reason
            body = ErrorBody(error=_HTTP_KINDS.get(status_code, "error"), message=message)
        else:
            body = ErrorBody(error="error", message=_UNEXPECTED)
        self.set_status(status_code)
        self.set_header("Content-Type", "application/json")
        self.finish(body.model_dump_json())


def _http_message(exc: object) -> str | None:
    """The message of a tornado ``HTTPError`` (an authentication refusal, a missing argument)."""
    if not isinstance(exc, HTTPError) or not exc.log_message:
        return None
    return exc.log_message % exc.args if exc.args else exc.log_message


def int_argument(handler: DataOpsHandler, name: str, default: int) -> int:
    """A query parameter that must be a whole number, not negative."""
    raw = handler.get_query_argument(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInputError(
            f"query parameter {name!r} must be a whole number, got {raw!r}"
        ) from None
    if value < 0:
        raise InvalidInputError(f"query parameter {name!r} must not be negative")
    return value


#: The most items one page of a history holds (as the control service allows).
MAX_PAGE = 500


def page_limit(handler: DataOpsHandler, default: int = 50) -> int:
    """The ``limit`` query parameter of a paged list: a whole number from 1 to 500."""
    limit = int_argument(handler, "limit", default)
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(f"query parameter 'limit' must be from 1 to {MAX_PAGE}")
    return limit


def status_arguments(handler: DataOpsHandler, known: Collection[str]) -> list[str]:
    """The ``status`` query parameters (repeated for several), each one of ``known``."""
    statuses = [s for s in handler.get_query_arguments("status") if s]
    for status in statuses:
        if status not in known:
            raise InvalidInputError(
                f"query parameter 'status' must be one of {', '.join(known)}, got {status!r}"
            )
    return statuses
