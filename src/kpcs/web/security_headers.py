"""Browser-side defences sent with every response: pages, API, static files and errors alike.

The pages run no inline script and no inline style (behaviour lives in ``static/kpcs.js``),
so the Content-Security-Policy can forbid both: an injected ``<script>`` or ``onclick=``
does not run even if escaping ever fails. ``/docs`` (Swagger UI, served from
``static/vendor``) runs no inline script either, but its React components set inline
styles: its policy allows those, on that page only.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kpcs.web.clients import came_over_https

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Pico's form controls draw their arrows and ticks from data: SVGs.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
DOCS_CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)
DOCS_PATHS = frozenset({"/docs"})
HSTS = "max-age=31536000; includeSubDomains"

_ALWAYS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # Certificate numbers are in page URLs: they must not travel to other sites.
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


class SecurityHeaders:
    """ASGI middleware adding the headers above; outermost, so that responses other
    middleware answer on their own (413, 429) get them too."""

    def __init__(self, app: ASGIApp, *, trust_proxy: bool) -> None:
        self.app = app
        self.trust_proxy = trust_proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CONTENT_SECURITY_POLICY if scope.get("path") in DOCS_PATHS else CONTENT_SECURITY_POLICY
        https = came_over_https(scope, trust_proxy=self.trust_proxy)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                for name, value in _ALWAYS:
                    headers.setdefault(name, value)
                if https:
                    # Only over TLS: a browser ignores HSTS sent in clear, and a development
                    # server on http://127.0.0.1 must not pin itself to https.
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
