"""The home page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request
from starlette.responses import Response

from kpcs.participants.registry import ParticipantKind, ParticipantStatus
from kpcs.participants.services import list_participants
from kpcs.web.deps import ClockDep, PrincipalDep, SessionDep
from kpcs.web.templating import render

api = APIRouter(tags=["system"])
pages = APIRouter(include_in_schema=False)


@api.get("/health")
def health(session: SessionDep) -> dict[str, str]:
    """``ok`` when the app can reach its database."""
    session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


@pages.get("/")
def home(request: Request, session: SessionDep, clock: ClockDep, principal: PrincipalDep) -> Response:
    """What this system is, what the registry holds today, and what to try first."""
    rows = list_participants(session, on=clock.today())
    participants = [r for r in rows if r.kind is ParticipantKind.PARTICIPANT]
    counts = {
        "participants": sum(1 for r in participants if r.status is not ParticipantStatus.WITHDRAWN),
        "countries": sum(
            len(r.countries) for r in participants if r.status is not ParticipantStatus.WITHDRAWN
        ),
        "observers": sum(
            1
            for r in rows
            if r.kind is ParticipantKind.OBSERVER and r.status is not ParticipantStatus.WITHDRAWN
        ),
        "suspended": [r for r in participants if r.status is ParticipantStatus.SUSPENDED],
        "restricted": [r for r in participants if r.status is ParticipantStatus.RESTRICTED],
    }
    return render(request, "home.html", {"counts": counts, "today": clock.today()}, principal=principal)
