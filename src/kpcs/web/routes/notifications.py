"""The notifications inbox: what the caller must act on (JSON API and page)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kpcs.notifications.services import inbox
from kpcs.web.deps import PrincipalDep, SessionDep
from kpcs.web.templating import render

api = APIRouter(tags=["notifications"])
pages = APIRouter(include_in_schema=False)

Limit = Annotated[int, Query(ge=1, le=500)]


@api.get("/notifications")
def notifications(session: SessionDep, principal: PrincipalDep, limit: Limit = 100) -> list[dict[str, Any]]:
    """What the caller must act on, newest first: notifications for a role it holds (for its
    own participant, when it acts for one)."""
    return [asdict(item) for item in inbox(session, principal, limit=limit)]


@pages.get("/notifications")
def notifications_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """The inbox page."""
    items = inbox(session, principal)
    return render(request, "notifications.html", {"items": items}, principal=principal)
