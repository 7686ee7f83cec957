"""The ``Idempotency-Key`` header on the API's creating requests.

A client that did not hear the answer to ``POST /certificates`` (a timeout, a dropped
connection) sends the same request again with the same key and gets the first answer —
same status, same body, the same certificate number — instead of a second certificate.
The same key with another request is a ``409``, as is a retry that arrives while the
first is still running. Keys belong to the caller (its principal), live in the database
(so every worker and a restarted server know them) and expire after a day
(:mod:`kpcs.idempotency.services`).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from anyio import to_thread
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kpcs.accounts.permissions import Principal
from kpcs.accounts.services import authenticate_token, resolve_session
from kpcs.errors import NotAuthenticated
from kpcs.idempotency import services
from kpcs.web.context import AppContext
from kpcs.web.deps import SESSION_COOKIE

HEADER = "idempotency-key"
_MAX_STORED_BODY = 1024 * 1024
_KEPT_HEADERS = ("content-type", "location")


class IdempotentRequests:
    """ASGI middleware honouring ``Idempotency-Key`` on ``POST`` requests under ``prefix``
    (except the paths in ``excluded``: verification creates nothing, and other kpcs systems
    have their own de-duplication)."""

    def __init__(self, app: ASGIApp, *, context: AppContext, prefix: str, excluded: re.Pattern[str]) -> None:
        self.app = app
        self.context = context
        self.prefix = prefix
        self.excluded = excluded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not path.startswith(self.prefix + "/")
            or self.excluded.fullmatch(path)
        ):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not key.strip() or len(key) > services.MAX_KEY_LENGTH or not key.isprintable():
            await _answer(
                send,
                422,
                f"Idempotency-Key must be 1 to {services.MAX_KEY_LENGTH} printable characters",
            )
            return
        principal = await to_thread.run_sync(self._caller, headers)
        if principal is None:
            # Anonymous or a bad credential: the route answers that, and anonymous callers
            # share no identity that a key could belong to.
            await self.app(scope, receive, send)
            return
        outcome = await to_thread.run_sync(
            lambda: services.claim(
                self.context.uow(),
                self.context.clock,
                principal=principal.actor,
                key=key,
                method=scope["method"],
                path=path,
            )
        )
        fingerprint = RequestFingerprint(scope, headers)
        if isinstance(outcome, services.Running):
            await _answer(
                send, 409, "a request with this Idempotency-Key is still being processed: retry in a moment"
            )
        elif isinstance(outcome, services.Answered):
            await fingerprint.read_rest(receive)
            if fingerprint.hexdigest() != outcome.fingerprint:
                await _answer(send, 409, "this Idempotency-Key was already used for a different request")
            else:
                await _replay(send, outcome)
        else:
            await self._run_first(scope, receive, send, outcome, fingerprint)

    async def _run_first(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        claimed: services.Claimed,
        fingerprint: RequestFingerprint,
    ) -> None:
        status = 0
        response_headers: dict[str, Any] = {}
        body = bytearray()

        async def hashing_receive() -> Message:
            message = await receive()
            fingerprint.update(message)
            return message

        async def capturing_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                sent = Headers(raw=message.get("headers", []))
                response_headers.update({k: sent[k] for k in _KEPT_HEADERS if k in sent})
            elif message["type"] == "http.response.body" and len(body) <= _MAX_STORED_BODY:
                body.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, hashing_receive, capturing_send)
            await fingerprint.read_rest(hashing_receive)
        except BaseException:
            await to_thread.run_sync(services.release, self.context.uow(), claimed)
            raise
        if 200 <= status < 300 and len(body) <= _MAX_STORED_BODY:
            await to_thread.run_sync(
                lambda: services.store_answer(
                    self.context.uow(),
                    claimed,
                    fingerprint=fingerprint.hexdigest(),
                    status=status,
                    headers=response_headers,
                    body=bytes(body),
                )
            )
        else:
            await to_thread.run_sync(services.release, self.context.uow(), claimed)

    def _caller(self, headers: Headers) -> Principal | None:
        """The principal a key belongs to, resolved as the routes do (bearer token or session)."""
        authorization = headers.get("authorization")
        if authorization:
            scheme, _, secret = authorization.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return None
            try:
                return authenticate_token(self.context.uow(), self.context.clock, secret.strip())
            except NotAuthenticated:
                return None
        session_id = _cookie(headers, SESSION_COOKIE)
        if session_id:
            with self.context.session_factory() as session:
                active = resolve_session(session, self.context.clock, session_id)
            return active.principal if active else None
        return None


class RequestFingerprint:
    """SHA-256 of a request's method, path, query and body, read as it streams by.

    A multipart body's boundary is random per attempt, so it is left out: the same file
    sent twice is the same request.
    """

    def __init__(self, scope: Scope, headers: Headers) -> None:
        self._hash = hashlib.sha256()
        for part in (scope["method"], scope.get("path", ""), bytes(scope.get("query_string", b"")).decode()):
            self._hash.update(part.encode() + b"\0")
        self._boundary = _multipart_boundary(headers.get("content-type", ""))
        self._carry = b""
        self._done = False

    def update(self, message: Message) -> None:
        """Take in one ``http.request`` message."""
        if message["type"] != "http.request" or self._done:
            return
        data = self._carry + message.get("body", b"")
        if self._boundary:
            data = data.replace(self._boundary, b"")
            # The end might be the start of a boundary that the next chunk completes.
            keep = len(self._boundary) - 1
            self._carry, data = (data[-keep:], data[:-keep]) if keep and len(data) > keep else (data, b"")
        self._hash.update(data)
        if not message.get("more_body", False):
            self._hash.update(self._carry)
            self._carry = b""
            self._done = True

    async def read_rest(self, receive: Receive) -> None:
        """Read what the handler left of the body (or all of it, for a replay)."""
        while not self._done:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            self.update(message)

    def hexdigest(self) -> str:
        """The fingerprint, once the body has been read."""
        return self._hash.hexdigest()


def _multipart_boundary(content_type: str) -> bytes | None:
    if not content_type.lower().startswith("multipart/"):
        return None
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    return match.group(1).encode("latin-1") if match else None


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


async def _replay(send: Send, answered: services.Answered) -> None:
    headers = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in answered.headers.items()]
    headers += [
        (b"content-length", str(len(answered.body)).encode()),
        (b"idempotent-replayed", b"true"),
    ]
    await send({"type": "http.response.start", "status": answered.status, "headers": headers})
    await send({"type": "http.response.body", "body": answered.body})


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
