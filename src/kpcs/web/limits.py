"""A cap on request bodies, so that no client can make the server read gigabytes.

Checked on the declared Content-Length and again while streaming (chunked uploads);
an oversized request gets 413 before any handler runs.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kpcs.statistics.submissions.limits import MAX_FILE_BYTES as STATISTICS_FILE_BYTES

MAX_BODY_BYTES = 12 * 1024 * 1024
"""Evidence files are up to 10 MB; JSON bodies are far smaller."""
STATISTICS_UPLOAD_BYTES = STATISTICS_FILE_BYTES + 1024 * 1024
"""A statistics file (see :mod:`kpcs.statistics.submissions.limits`) and its multipart wrapping."""
LARGER_BODIES = {
    "/api/v1/statistics/submissions": STATISTICS_UPLOAD_BYTES,
    "/statistics/submit": STATISTICS_UPLOAD_BYTES,
}


class _TooLarge(HTTPException):
    """Raised from ``receive``: an HTTPException, so FastAPI's body parsing passes it on
    as a 413 instead of calling it a malformed body."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes // (1024 * 1024)} MB")


class BodySizeLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` (or the path's own limit
    in ``larger``) with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.larger.get(scope.get("path", ""), self.max_bytes)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > max_bytes:
                    await _refuse(send, max_bytes)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _TooLarge(max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _refuse(send, max_bytes)


async def _refuse(send: Send, max_bytes: int) -> None:
    body = json.dumps({"detail": f"the request body is larger than {max_bytes // (1024 * 1024)} MB"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
