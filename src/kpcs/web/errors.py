"""Turning the kpcs error tree into HTTP responses (the only place that does).

API callers (``/api/...`` or ``Accept: application/json``) get JSON ``{"detail": ...}``;
browsers get a page that says what went wrong and what to do. Bad input is always a 4xx.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from kpcs.accounts.permissions import ANONYMOUS
from kpcs.errors import (
    AccessError,
    Conflict,
    DomainError,
    InvalidInput,
    KPCSError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from kpcs.web.templating import render

log = logging.getLogger("kpcs.web")


def status_for(exc: KPCSError) -> int:
    """The HTTP status of a kpcs error."""
    if isinstance(exc, NotAuthenticated):
        return 401
    if isinstance(exc, PermissionDenied | AccessError):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, InvalidInput | DomainError):
        return 422
    return 400


def wants_json(request: Request) -> bool:
    """True for API calls; pages get HTML."""
    if request.url.path.startswith("/api/") or request.url.path in ("/openapi.json",):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _detail(exc: KPCSError) -> object:
    problems = getattr(exc, "problems", None)
    if problems:
        return [
            {"field": p.field, "message": p.message}
            | ({"rule": p.rule} if p.rule is not None else {})
            | ({"row": p.row} if p.row is not None else {})
            for p in problems
        ]
    if isinstance(exc, DomainError) and (exc.field or exc.rule):
        return [{"field": exc.field, "rule": exc.rule, "message": exc.message}]
    return exc.message


def _page(request: Request, status: int, title: str, message: str) -> Response:
    principal = getattr(request.state, "principal", ANONYMOUS)
    return render(
        request, "error.html", {"title": title, "message": message}, principal=principal, status_code=status
    )


async def handle_kpcs_error(request: Request, exc: Exception) -> Response:
    """Any :class:`KPCSError` as a 4xx."""
    assert isinstance(exc, KPCSError)
    status = status_for(exc)
    if wants_json(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": _detail(exc)}, status_code=status, headers=headers)
    if status == 401 and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)
    titles = {
        401: "Please sign in",
        403: "Not allowed",
        404: "Not found",
        409: "Conflict",
        422: "Cannot accept this",
    }
    return _page(request, status, titles.get(status, "Error"), exc.message)


_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


def _field(loc: Sequence[Any]) -> str:
    """The field a problem is about: its location without where it came from (``("query",
    "body")`` is the query parameter ``body``, not nothing)."""
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    """Malformed requests: FastAPI's field list, but never a 5xx."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": _field(err.get("loc", ())), "message": err.get("msg", "invalid")} for err in exc.errors()
    ]
    if wants_json(request):
        return JSONResponse({"detail": problems}, status_code=422)
    text = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return _page(request, 422, "Cannot accept this", text)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown route, wrong method) in our format."""
    assert isinstance(exc, StarletteHTTPException)
    if wants_json(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    message = "There is no page at this address." if exc.status_code == 404 else str(exc.detail)
    return _page(request, exc.status_code, "Not found" if exc.status_code == 404 else "Error", message)


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    """A bug: log it with a reference the user can quote, and say so plainly."""
    reference = secrets.token_hex(4)
    log.exception("unhandled error %s on %s %s", reference, request.method, request.url.path)
    message = f"Something went wrong on our side (reference {reference}). Nothing was changed."
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=500)
    return _page(request, 500, "Internal error", message)


async def handle_database_unavailable(request: Request, exc: Exception) -> Response:
    """The database cannot be reached (restarting, network): say so and when to retry."""
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    message = "The database is unavailable at the moment; nothing was changed. Try again in a few seconds."
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=503, headers={"Retry-After": "5"})
    return _page(request, 503, "Temporarily unavailable", message)


async def handle_data_error(request: Request, exc: Exception) -> Response:
    """Text the database cannot hold, the NUL character (0x00) in a body, is bad input (query
    and path parameters are refused before, naming the parameter); any other data error is a bug."""
    if "NUL (0x00)" not in str(exc):
        return await handle_unexpected(request, exc)
    message = "the request holds the NUL character (0x00), which no text in kpcs may contain"
    if wants_json(request):
        return JSONResponse({"detail": [{"field": "", "message": message}]}, status_code=422)
    return _page(request, 422, "Cannot accept this", message)


def register_error_handlers(app: FastAPI) -> None:
    """Install the handlers on ``app``."""
    app.add_exception_handler(KPCSError, handle_kpcs_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(OperationalError, handle_database_unavailable)
    app.add_exception_handler(InterfaceError, handle_database_unavailable)
    app.add_exception_handler(DataError, handle_data_error)
    app.add_exception_handler(Exception, handle_unexpected)
