"""The Chair's and the working groups' dashboard: everything due, late or pending across the
monitoring work (annual reports, peer reviews, recommendations, export dossiers,
questionnaires, missing statistics), by participant and by body, each line linked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from kpcs.oversight import services as oversight
from kpcs.oversight.domain import SOON_DAYS, Body, Kind, State
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.routes.statistics import csv_response
from kpcs.web.templating import render

api = APIRouter(tags=["dashboard"])
pages = APIRouter(include_in_schema=False)

Limit = Annotated[int, Query(ge=1, le=oversight.MAX_LINES, description="the most lines listed")]
ParticipantFilter = Annotated[str | None, Query(max_length=8, description="a participant's code")]
BodyFilter = Annotated[Body | None, Query(description="the body that follows the line")]
StateFilter = Annotated[State | None, Query(description="late, due or pending")]
KindFilter = Annotated[Kind | None, Query(description="what the line is about")]

CSV_COLUMNS = [
    "state",
    "days_late",
    "due_on",
    "since",
    "participant",
    "participant_name",
    "kind",
    "body",
    "what",
    "waiting_on",
    "link",
]


@api.get("/dashboard")
def get_dashboard(
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    participant: ParticipantFilter = None,
    body: BodyFilter = None,
    state: StateFilter = None,
    kind: KindFilter = None,
    limit: Limit = 500,
) -> dict[str, Any]:
    """What is due, late or pending (an authority: for its own participant), with counts by
    participant and by body; lines late first, then due, then pending."""
    return oversight.dashboard(
        session,
        principal,
        context.clock.today(),
        participant=participant,
        body=body.value if body else None,
        state=state.value if state else None,
        kind=kind.value if kind else None,
        limit=limit,
    )


@pages.get("/dashboard")
def dashboard_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    participant: str | None = None,
    body: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    group: str | None = None,
    format: str | None = None,
) -> Response:
    """The dashboard as a page (summaries by participant or by body, then the lines), or the
    lines as a CSV."""
    found = oversight.dashboard(
        session,
        principal,
        context.clock.today(),
        participant=(participant or "").strip()[:8] or None,
        body=body or None,
        state=state or None,
        kind=kind or None,
        limit=oversight.MAX_LINES,
    )
    if format == "csv":
        return csv_response(found["lines"], "kp-due-and-late.csv", columns=CSV_COLUMNS)
    grouped = "body" if group == "body" else "participant"
    return render(
        request,
        "dashboard.html",
        found
        | {
            "group": grouped,
            "tallies": found["by_body"] if grouped == "body" else found["by_participant"],
            "bodies": [b.value for b in Body],
            "states": [s.value for s in State],
            "kinds": [k.value for k in Kind],
            "soon_days": SOON_DAYS,
            "query": request.url.query,
        },
        principal=principal,
    )
