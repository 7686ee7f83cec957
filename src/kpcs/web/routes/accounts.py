"""Signing in and out, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from starlette.responses import Response

from kpcs.accounts import services
from kpcs.accounts.permissions import Action, require
from kpcs.errors import InvalidInput, NotAuthenticated
from kpcs.web.clients import came_over_https, client_address
from kpcs.web.deps import SESSION_COOKIE, ContextDep, PrincipalDep, SessionDep
from kpcs.web.ratelimit import seconds
from kpcs.web.templating import render

api = APIRouter(tags=["accounts"])
pages = APIRouter(include_in_schema=False)


class Me(BaseModel):
    """The caller as kpcs sees it."""

    actor: str
    kind: str
    participant: str | None
    roles: list[str]


@api.get("/me", response_model=Me)
def me(principal: PrincipalDep) -> Me:
    """Who the presented token or session belongs to (anonymous without one)."""
    return Me(
        actor=principal.actor,
        kind=principal.kind.value,
        participant=principal.participant_code,
        roles=sorted(r.value for r in principal.roles),
    )


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after sign-in is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@pages.get("/sign-in")
def sign_in_page(request: Request, principal: PrincipalDep, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(
        request,
        "sign_in.html",
        {"next": _safe_next(next), "error": None, "username": ""},
        principal=principal,
    )


@pages.post("/sign-in")
def sign_in(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password, set the session cookie and go where the user was heading.

    A client that keeps failing is made to wait (429), whichever username it tries; the
    right password from another client is never held up by it.
    """
    settings = context.settings
    client = client_address(request.scope, trust_proxy=settings.trust_proxy)
    backoff = context.sign_in_backoff
    wait = backoff.retry_after(client, username)
    if wait:
        response = render(
            request,
            "sign_in.html",
            {
                "next": _safe_next(next),
                "error": f"Too many failed sign-ins from your address: try again in {seconds(wait)}.",
                "username": username,
            },
            principal=principal,
            status_code=429,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    try:
        signed_in = services.sign_in(
            context.uow(),
            context.clock,
            username=username,
            password=password,
            hours=settings.session_hours,
        )
    except NotAuthenticated as exc:
        backoff.failed(client, username)
        return render(
            request,
            "sign_in.html",
            {"next": _safe_next(next), "error": exc.message, "username": username},
            principal=principal,
            status_code=401,
        )
    backoff.succeeded(client, username)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.session_id,
        max_age=settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure or came_over_https(request.scope, trust_proxy=settings.trust_proxy),
    )
    return response


@pages.post("/sign-out")
def sign_out(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """End the session (the CSRF check in the dependency stops forged sign-outs)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        services.sign_out(context.uow(), context.clock, session_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@pages.get("/account")
def account_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """The signed-in user's identity, participant, roles and notification address."""
    require(principal, Action.VIEW_OWN_ACCOUNT)
    email = services.own_email(session, principal)
    return render(request, "account.html", {"email": email}, principal=principal)


@pages.post("/account/email")
def account_email(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    """Where the user's notifications are e-mailed (blank: the inbox only)."""
    try:
        services.set_own_email(context.uow(), principal, context.clock, email.strip() or None)
    except InvalidInput as exc:
        problems = [f"{p.field}: {p.message}" for p in exc.problems] or [exc.message]
        return render(
            request,
            "account.html",
            {"email": email, "problems": problems},
            principal=principal,
            status_code=422,
        )
    return RedirectResponse("/account", status_code=303)
