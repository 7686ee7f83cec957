"""The FastAPI application: API under ``/api/v1``, pages at the root.

``create_app(settings)`` is the one place the web side is wired (engine, clock, routes);
nothing connects at import time, so tests and scripts can build as many apps as needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from kpcs import __version__
from kpcs.accounts.backoff import SignInBackoff
from kpcs.certificates.fraud import EvidenceStore
from kpcs.clock import Clock, SystemClock
from kpcs.config import Settings, get_settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.errors import ConfigurationError
from kpcs.exchange.delivery import Deliverer, ExchangeWorker
from kpcs.exchange.services import ensure_hub_link
from kpcs.notifications.mail import parse_smtp_url
from kpcs.notifications.services import MailWorker
from kpcs.signing.keys import KeyRing
from kpcs.translog.services import HEAD_INTERVAL, current_head
from kpcs.web.context import AppContext
from kpcs.web.deps import current_principal, refuse_nul_characters
from kpcs.web.errors import register_error_handlers
from kpcs.web.idempotency import IdempotentRequests
from kpcs.web.limits import LARGER_BODIES, MAX_BODY_BYTES, BodySizeLimit
from kpcs.web.openapi import install_error_documentation
from kpcs.web.ratelimit import RateLimit, TokenBuckets, limited_routes
from kpcs.web.routes import (
    accounts,
    analysis,
    annual_reports,
    assistance,
    audit,
    certificates,
    confiscations,
    decisions,
    dossiers,
    exchange,
    expertise,
    footprints,
    fraud,
    home,
    log,
    notifications,
    oversight,
    participants,
    photos,
    questionnaires,
    reviews,
    statistics,
    verify,
    workbench,
)
from kpcs.web.security_headers import SecurityHeaders

API_PREFIX = "/api/v1"

logger = logging.getLogger(__name__)

DESCRIPTION = """
The information system of the Kimberley Process Certification Scheme.

Authenticate with `Authorization: Bearer <token>` (tokens come from `kpcs tokens create`).
Errors are 4xx JSON bodies `{"detail": ...}` that say what is wrong.

Creating requests (`POST`) accept an `Idempotency-Key` header (up to 255 characters, yours for
24 hours): a retry with the same key and body gets the first answer (with `Idempotent-Replayed:
true`) and creates nothing new; the key with another body, or while the first request still
runs, is a `409`. Sign-in, verification, the log and receipts are limited per client: over the
limit the answer is `429` with `Retry-After` in seconds.
"""


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Build the app for ``settings`` (from the environment by default)."""
    settings = settings or get_settings()
    engine = make_engine(settings.sqlalchemy_url)
    session_factory = make_session_factory(engine)
    # Lookups that only read one row (verification at the border) use connections in
    # autocommit: no BEGIN, no ROLLBACK, nothing to reset when a connection goes back to
    # the pool; one round trip per lookup.
    read_engine = make_engine(
        settings.sqlalchemy_url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None
    )
    clock = clock or SystemClock()
    keyring = KeyRing.for_settings(settings, session_factory, clock)
    context = AppContext(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        read_session_factory=make_session_factory(read_engine),
        clock=clock,
        keyring=keyring,
        evidence=EvidenceStore(settings.data_dir / "evidence"),
        deliverer=Deliverer(settings, session_factory, keyring, clock),
        sign_in_backoff=SignInBackoff(now=_seconds(clock)),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Route handlers that touch the database run in a thread pool. Its default of 40
        # threads makes them fight over the interpreter lock; two per worker process keep a
        # local database busy while the other thread runs Python (measured: `make bench`).
        # Raise KPCS_THREADS where requests wait on a slow or distant database.
        to_thread.current_default_thread_limiter().total_tokens = settings.threads
        stopping = asyncio.Event()
        signer = asyncio.create_task(_sign_heads(context, stopping))
        if settings.is_node:
            if not settings.hub_url:
                raise ConfigurationError(f"KPCS_NODE={settings.node} needs KPCS_HUB_URL: the hub it joins")
            ensure_hub_link(UnitOfWork(session_factory), clock, settings.node, settings.hub_url)
        assert context.deliverer is not None
        worker = ExchangeWorker(context.deliverer)
        worker.start()
        mailer = (
            MailWorker(session_factory, clock, parse_smtp_url(settings.smtp_url), settings.mail_from)
            if settings.smtp_url
            else None
        )
        if mailer is not None:
            mailer.start()
        yield
        await to_thread.run_sync(worker.stop)
        if mailer is not None:
            await to_thread.run_sync(mailer.stop)
        # Not cancelled: a head being signed in its thread finishes (and returns its
        # connection) before the engines are disposed.
        stopping.set()
        await signer
        engine.dispose()
        read_engine.dispose()

    app = FastAPI(
        title="kpcs",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # served below, from kpcs's own copy of Swagger UI
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = context
    register_error_handlers(app)
    # Added innermost first: idempotency next to the app (its replays skip the app, its bodies
    # are bounded by the body limit around it), the rate limit refuses before any body is
    # read, and the security headers go on every answer, the others' refusals included.
    app.add_middleware(
        IdempotentRequests,
        context=context,
        prefix=API_PREFIX,
        excluded=re.compile(rf"{re.escape(API_PREFIX)}/(verify|exchange)(/.*)?"),
    )
    app.add_middleware(BodySizeLimit, max_bytes=MAX_BODY_BYTES, larger=LARGER_BODIES)
    if settings.rate_limits:
        buckets = TokenBuckets(
            {"public": settings.rate_limit_public, "sign-in": settings.rate_limit_sign_in},
            now=_seconds(clock),
        )
        app.add_middleware(
            RateLimit,
            routes=limited_routes(API_PREFIX),
            buckets=buckets,
            trust_proxy=settings.trust_proxy,
            api_prefix=API_PREFIX,
        )
    app.add_middleware(SecurityHeaders, trust_proxy=settings.trust_proxy)
    app.mount("/static", StaticFiles(packages=[("kpcs.web", "static")]), name="static")
    # Every request resolves its caller, even on public routes: a client that presents a
    # wrong or revoked token must be told so, not served the anonymous view. And no query or
    # path parameter may hold a NUL character, which PostgreSQL cannot compare.
    who = [Depends(current_principal), Depends(refuse_nul_characters)]
    # Verification first: routes are matched in order, and it is the most frequent call.
    for module in (
        verify,
        certificates,
        log,
        participants,
        decisions,
        home,
        fraud,
        accounts,
        audit,
        exchange,
        statistics,
        analysis,
        questionnaires,
        reviews,
        annual_reports,
        dossiers,
        notifications,
        oversight,
        assistance,
        confiscations,
        photos,
        expertise,
        footprints,
        workbench,
    ):
        app.include_router(module.api, prefix=API_PREFIX, dependencies=who)
        app.include_router(module.pages, dependencies=who)
    # Other kpcs systems authenticate with their exchange tokens, not API tokens.
    app.include_router(exchange.peers, prefix=API_PREFIX)
    install_error_documentation(app)
    app.add_api_route("/docs", _api_docs, methods=["GET"], include_in_schema=False)
    return app


API_DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kpcs {__version__}: the API</title>
<link rel="icon" type="image/png" href="/static/vendor/swagger-ui-favicon-32x32.png">
<link rel="stylesheet" href="/static/vendor/swagger-ui-5.36.0.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui-bundle-5.36.0.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


def _api_docs() -> HTMLResponse:
    """The API's reference (Swagger UI), every file served by kpcs: FastAPI's own page
    fetches its bundle from a CDN, which a border post without Internet cannot reach."""
    return HTMLResponse(API_DOCS_PAGE)


def _seconds(clock: Clock) -> Callable[[], float]:
    """The app's clock as seconds, for the limits (so that tests move them with the clock)."""
    return lambda: clock.now().timestamp()


async def _sign_heads(context: AppContext, stopping: asyncio.Event) -> None:
    """Keep the transparency log covered by a signed head (issuing does not sign one),
    until ``stopping`` is set.

    Every worker ticks; when two sign the same size, one of them finds the other's head.
    """
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), HEAD_INTERVAL)
            return
        try:
            await to_thread.run_sync(current_head, context.uow(), context.keyring, context.clock)
        except Exception:  # a database briefly away must not stop the timer
            logger.exception("signing the transparency log's head failed; retrying in %s s", HEAD_INTERVAL)


def app_from_environment() -> FastAPI:
    """App factory for ``uvicorn --factory`` and multi-worker serving (settings from KPCS_*)."""
    return create_app(get_settings())
