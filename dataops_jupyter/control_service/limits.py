"""Size limits of what the control service accepts, so that no request can fill its memory or
its database: request bodies as a whole, and the fields that are stored and sent back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..jobs import MAX_DESCRIPTION
from .bundles import MAX_BUNDLE_BYTES

__all__ = [
    "MAX_ARGUMENTS_BYTES",
    "MAX_BUNDLE_BYTES",
    "MAX_DESCRIPTION",
    "MAX_JSON_BODY_BYTES",
    "MAX_PROPERTIES_BYTES",
    "MAX_REASON",
    "MAX_SECRET_BYTES",
    "BodyLimit",
    "BodyTooLarge",
    "limit_bytes",
    "size_text",
]

#: Largest request body of any route but the deploy upload (which may be a bundle).
MAX_JSON_BODY_BYTES = 1024 * 1024
#: Largest properties of one job, as compact JSON.
MAX_PROPERTIES_BYTES = 64 * 1024
#: Largest secret value (UTF-8).
MAX_SECRET_BYTES = 64 * 1024
#: Largest arguments of one execution, all of them together as compact JSON.
MAX_ARGUMENTS_BYTES = 64 * 1024
#: Longest reason given with a deploy, in characters.
MAX_REASON = 2000

T = TypeVar("T")


def size_text(size: int) -> str:
    """``"64 KiB"``, ``"50 MiB"`` or ``"123 bytes"``."""
    if size >= 2**20 and size % 2**20 == 0:
        return f"{size // 2**20} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} bytes"


def _encoded_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", errors="surrogatepass"))
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def limit_bytes(field: str, limit: int) -> Callable[[T], T]:
    """A pydantic after-validator refusing ``field`` when it is longer than ``limit`` bytes
    (strings as UTF-8, anything else as compact JSON); the message names both, not the value."""

    def check(value: T) -> T:
        size = _encoded_size(value)
        if size > limit:
            raise ValueError(f"{field} must be at most {size_text(limit)}; got {size_text(size)}")
        return value

    return check


class BodyTooLarge(HTTPException):
    """A request body over its route's limit (413, answered as an ``ErrorBody``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413, f"the request body is larger than {size_text(limit)}, the most this accepts"
        )


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit_for(scope)`` bytes with 413: by
    ``Content-Length`` before anything is read, else as soon as the streamed body passes the
    limit (so an oversized upload never sits in memory whole)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            refused = BodyTooLarge(limit)
            answer = JSONResponse(
                {"error": "too-large", "message": refused.detail}, 413, {"Connection": "close"}
            )
            await answer(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited, send)
