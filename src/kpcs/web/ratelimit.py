"""Per-client limits on the requests anyone can send that cost us work.

A sign-in costs ~250 ms of argon2, a verification a signature check and a log lookup;
without a limit one client can keep the workers busy for everybody. Each client (its
address, see :mod:`kpcs.web.clients`) has a token bucket per kind of request: it may
burst up to the per-minute limit and then gets ``429`` with ``Retry-After`` until tokens
come back. ``KPCS_RATE_LIMITS=false`` turns the limits off for load tests.

The buckets live in the worker process: under ``kpcs serve --workers N`` a client whose
connections land on several workers gets up to N times the limit. That bounds the damage
just as well and costs no database round trip on the hottest path (verification).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from kpcs.web.clients import client_address

_MAX_CLIENTS = 100_000


def seconds(count: int) -> str:
    """How long to wait, as a person reads it: "1 second", "5 seconds"."""
    return f"{count} second{'' if count == 1 else 's'}"


@dataclass(frozen=True)
class LimitedRoute:
    """Requests that draw on one bucket: a method (or any) and a path pattern."""

    bucket: str
    pattern: re.Pattern[str]
    method: str | None = None


def limited_routes(api_prefix: str) -> tuple[LimitedRoute, ...]:
    """Sign-in, and the public endpoints that cost work (verification, the log, receipts)."""
    api = re.escape(api_prefix)
    return (
        LimitedRoute("sign-in", re.compile(r"/sign-in"), "POST"),
        LimitedRoute("public", re.compile(r"/verify|/log(/.*)?")),
        LimitedRoute("public", re.compile(rf"{api}/verify(/.*)?|{api}/log/.*")),
        LimitedRoute("public", re.compile(rf"{api}/certificates/[^/]+/receipt")),
    )


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """Token buckets keyed by (bucket, client); ``take`` answers how long to wait, 0 if none."""

    def __init__(self, per_minute: dict[str, int], now: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = per_minute
        self._now = now
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def take(self, bucket: str, client: str) -> int:
        """Spend one token of ``client``'s ``bucket``; the whole seconds until one is back if
        there is none (nothing is spent then)."""
        capacity = float(self._per_minute[bucket])
        rate = capacity / 60.0
        now = self._now()
        with self._lock:
            state = self._buckets.get((bucket, client))
            if state is None:
                if len(self._buckets) >= _MAX_CLIENTS:
                    self._forget_full(now)
                state = self._buckets[(bucket, client)] = _Bucket(tokens=capacity, updated=now)
            state.tokens = min(capacity, state.tokens + (now - state.updated) * rate)
            state.updated = now
            if state.tokens >= 1.0:
                state.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - state.tokens) / rate))

    def _forget_full(self, now: float) -> None:
        # A bucket that has refilled is the same as no bucket.
        for key in [k for k, b in self._buckets.items() if now - b.updated >= 60.0]:
            del self._buckets[key]
        if len(self._buckets) >= _MAX_CLIENTS:
            self._buckets.clear()


class RateLimit:
    """ASGI middleware answering ``429`` with ``Retry-After`` to a client over its limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: tuple[LimitedRoute, ...],
        buckets: TokenBuckets,
        trust_proxy: bool,
        api_prefix: str,
    ) -> None:
        self.app = app
        self.api_prefix = api_prefix
        self.routes = routes
        self.buckets = buckets
        self.trust_proxy = trust_proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            bucket = self._bucket_for(scope["method"], scope.get("path", ""))
            if bucket is not None:
                client = client_address(scope, trust_proxy=self.trust_proxy)
                wait = self.buckets.take(bucket, client)
                if wait:
                    await _too_many(send, wait, json_body=scope.get("path", "").startswith(self.api_prefix))
                    return
        await self.app(scope, receive, send)

    def _bucket_for(self, method: str, path: str) -> str | None:
        for route in self.routes:
            if (route.method is None or route.method == method) and route.pattern.fullmatch(path):
                return route.bucket
        return None


async def _too_many(send: Send, wait: int, *, json_body: bool) -> None:
    """429: JSON ``{"detail"}`` for the API, plain text that a browser shows for the pages."""
    detail = f"too many requests from your address: try again in {seconds(wait)}"
    if json_body:
        body, content_type = json.dumps({"detail": detail}).encode(), b"application/json"
    else:
        body, content_type = f"T{detail[1:]}.\n".encode(), b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(wait).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
