"""The audit log, for admins: JSON API, the page (or its table, for HTMX) and CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from kpcs.audit.services import (
    AuditFilter,
    AuditPage,
    export_csv,
    filter_choices,
    newest_events,
    page_events,
    parse_filter,
)
from kpcs.errors import InvalidInput
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.htmx import is_htmx_partial
from kpcs.web.params import Cursor
from kpcs.web.templating import render

api = APIRouter(tags=["audit"])
pages = APIRouter(include_in_schema=False)

Limit = Annotated[int, Query(ge=1, le=1000)]
# Bounded, so that an id no database integer can hold is a 422 rather than a driver error.
EventId = Annotated[Cursor | None, Query()]
Actor = Annotated[
    str | None,
    Query(description="one actor (`user:admin`), or every actor of a kind with a trailing colon (`user:`)"),
]
Tag = Annotated[str | None, Query(description="a tag or its prefix: `certificate:` or `certificate:issued`")]
# Dates are taken as text and parsed by the service, after the permission check: a caller
# who may not read the log gets 403 whatever the dates say.
Since = Annotated[str | None, Query(description="first day included, YYYY-MM-DD (UTC)")]
Until = Annotated[str | None, Query(description="last day included, YYYY-MM-DD (UTC)")]


@api.get("/audit")
def audit_events(
    session: SessionDep,
    principal: PrincipalDep,
    tag: Tag = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: Actor = None,
    since: Since = None,
    until: Until = None,
    before_id: EventId = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    """Audit events, newest first (admins only); page back with ``before_id``."""
    where = parse_filter(
        principal,
        actor=actor,
        tag=tag,
        object_type=object_type,
        object_id=object_id,
        since=since,
        until=until,
    )
    events = newest_events(session, principal, where, before_id=before_id, limit=limit)
    return [e.as_dict() for e in events]


@pages.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    actor: str | None = None,
    tag: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: str | None = None,
    until: str | None = None,
    before_id: EventId = None,
    after_id: EventId = None,
    format: Literal["csv"] | None = None,
) -> Response:
    """Who changed what and when, filtered by who, what, object and days, a page at a time;
    ``format=csv`` downloads every matching event."""
    typed = {
        "actor": actor,
        "tag": tag,
        "object_type": object_type,
        "object_id": object_id,
        "since": since,
        "until": until,
    }
    try:
        where = parse_filter(principal, **typed)
        if format == "csv":
            return StreamingResponse(
                export_csv(context.read_session_factory, principal, where),
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": (
                        f'attachment; filename="kpcs-audit-log-{context.clock.today().isoformat()}.csv"'
                    )
                },
            )
        page = page_events(session, principal, where, before_id=before_id, after_id=after_id)
    except InvalidInput as exc:
        problems = [f"{p.field}: {p.message}" for p in exc.problems] or [exc.message]
        return _render(request, session, principal, typed, problems=problems)
    response = _render(request, session, principal, typed, page=page, links=_links(where, page))
    if is_htmx_partial(request):
        # The address bar gets the filters in force, without the form's empty fields.
        paging = {"before_id": before_id, "after_id": after_id}
        response.headers["HX-Push-Url"] = _address(
            where, **{name: value for name, value in paging.items() if value is not None}
        )
    return response


def _address(where: AuditFilter, **extra: str | int) -> str:
    """The page's address with the filters in force (and paging or format in ``extra``)."""
    query = urlencode({**where.as_query(), **extra})
    return f"/audit?{query}" if query else "/audit"


def _links(where: AuditFilter, page: AuditPage) -> dict[str, str | None]:
    """Addresses that keep the filters: the next pages either way and the CSV."""

    return {
        "newer": _address(where, after_id=page.newer) if page.newer is not None else None,
        "older": _address(where, before_id=page.older) if page.older is not None else None,
        "newest": _address(where) if not page.events and page.total else None,
        "csv": _address(where, format="csv"),
    }


def _render(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    typed: dict[str, str | None],
    *,
    page: AuditPage | None = None,
    links: dict[str, str | None] | None = None,
    problems: list[str] | None = None,
) -> Response:
    """The page, or only its table for HTMX; a filter that cannot be used is a 422 whose
    table says why (the form above it keeps what was typed)."""
    partial = is_htmx_partial(request)
    context = {
        "page": page,
        "links": links or {},
        "problems": problems or [],
        "filters": {name: value or "" for name, value in typed.items()},
        "choices": None if partial else filter_choices(session, principal),
    }
    template = "audit/_table.html" if partial else "audit/list.html"
    response = render(request, template, context, principal=principal, status_code=422 if problems else 200)
    # One address, two answers: without this, the browser's cache can answer a Back to a
    # filtered address with the bare table it fetched for HTMX.
    response.headers["Vary"] = "HX-Request"
    return response
