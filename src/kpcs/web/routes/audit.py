"""The audit log, for admins."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kpcs.audit.services import list_events
from kpcs.web.deps import PrincipalDep, SessionDep
from kpcs.web.htmx import is_htmx_partial
from kpcs.web.templating import render

api = APIRouter(tags=["audit"])
pages = APIRouter(include_in_schema=False)

Limit = Annotated[int, Query(ge=1, le=1000)]


@api.get("/audit")
def audit_events(
    session: SessionDep,
    principal: PrincipalDep,
    tag: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    before_id: int | None = None,
    limit: Limit = 100,
) -> list[dict[str, Any]]:
    """Audit events, newest first (admins only); page back with ``before_id``."""
    events = list_events(
        session,
        principal,
        tag=tag,
        object_type=object_type,
        object_id=object_id,
        actor=actor,
        before_id=before_id,
        limit=limit,
    )
    return [e.as_dict() for e in events]


@pages.get("/audit")
def audit_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    tag: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    before_id: int | None = None,
) -> Response:
    """Who changed what and when; filter by tag, object or actor."""
    events = list_events(
        session,
        principal,
        tag=tag,
        object_type=object_type or None,
        object_id=object_id or None,
        actor=actor or None,
        before_id=before_id,
        limit=50,
    )
    context = {
        "events": events,
        "filters": {
            "tag": tag or "",
            "object_type": object_type or "",
            "object_id": object_id or "",
            "actor": actor or "",
        },
        "older": events[-1].id if len(events) == 50 else None,
    }
    template = "audit/_table.html" if is_htmx_partial(request) else "audit/list.html"
    return render(request, template, context, principal=principal)
