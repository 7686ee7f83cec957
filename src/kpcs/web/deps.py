"""Typed FastAPI dependencies: the database, the clock, and who is calling.

Authentication happens here and only here: a bearer token (API clients) or the session
cookie (browsers). Cookie-authenticated requests that change state must carry the
session's CSRF token, in the ``X-CSRF-Token`` header or a ``csrf_token`` form field.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import ANONYMOUS, Action, Principal, require
from kpcs.accounts.services import ActiveSession, authenticate_token, resolve_session
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import InvalidInput, NotAuthenticated, PermissionDenied
from kpcs.web.context import AppContext

SESSION_COOKIE = "kpcs_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# These dependencies do no I/O, so they are ``async``: FastAPI runs a plain ``def``
# dependency in the thread pool, and a few thread hops per request cost more than the
# signature check of a verification.


async def get_context(request: Request) -> AppContext:
    """The app's wiring."""
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_session(context: ContextDep) -> AsyncIterator[Session]:
    """A session for reading, closed after the request (it connects only when first used,
    in the handler's thread)."""
    session = context.session_factory()
    try:
        yield session
    finally:
        session.close()


async def get_read_session(context: ContextDep) -> AsyncIterator[Session]:
    """A session in autocommit, for single-row lookups that never write."""
    session = context.read_session_factory()
    try:
        yield session
    finally:
        session.close()


async def get_uow(context: ContextDep) -> UnitOfWork:
    """A unit of work for a use case that changes state."""
    return context.uow()


async def get_clock(context: ContextDep) -> Clock:
    """The app's clock."""
    return context.clock


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
ClockDep = Annotated[Clock, Depends(get_clock)]


async def current_principal(request: Request, context: ContextDep) -> Principal:
    """Who is calling: a token's principal, a signed-in user, or anonymous.

    A bad token is an error, not anonymity: a client that sends credentials must learn
    that they are wrong rather than silently see the public view.
    """
    authorization = request.headers.get("Authorization")
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticated("the Authorization header must be 'Bearer <token>'")
        principal = authenticate_token(context.uow(), context.clock, secret.strip())
        request.state.web_session = None
        request.state.principal = principal
        return principal
    session_id = request.cookies.get(SESSION_COOKIE)
    active: ActiveSession | None = None
    if session_id:
        with context.session_factory() as session:
            active = resolve_session(session, context.clock, session_id)
    request.state.web_session = active
    if active is None:
        request.state.principal = ANONYMOUS
        return ANONYMOUS
    request.state.principal = active.principal
    if request.method not in _SAFE_METHODS:
        await _check_csrf(request, active.csrf_token)
    return active.principal


async def _check_csrf(request: Request, expected: str) -> None:
    presented = request.headers.get("X-CSRF-Token")
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        presented = value if isinstance(value, str) else None
    if not presented or not hmac.compare_digest(presented, expected):
        raise PermissionDenied(
            "the form has expired or did not come from this site: reload the page and try again"
        )


PrincipalDep = Annotated[Principal, Depends(current_principal)]


async def refuse_nul_characters(request: Request) -> None:
    """Refuse a query or path parameter holding the NUL character (0x00), naming it.

    No name, number or search of kpcs contains one, and PostgreSQL cannot even compare text
    holding it: such a parameter reached the database and came back as a 500.
    """
    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        if "\x00" in str(value):
            raise InvalidInput.field(name, "must not contain the NUL character (0x00)")


def allowed(action: Action) -> Callable[[Principal], Awaitable[None]]:
    """A route dependency that refuses callers the policy does not allow, before the body
    is even read (so an anonymous caller learns it must sign in, not that its body is bad).

    Services check again: this only decides earlier, with the same :func:`require`.
    """

    async def check(principal: PrincipalDep) -> None:
        require(principal, action)

    return check
