"""The register of administrative decisions and the plenary calendar: JSON API and pages.

Anyone reads them; admins add, correct and supersede decisions (the services check)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from kpcs.accounts.permissions import Action
from kpcs.decisions import services as decisions
from kpcs.decisions.domain import DecisionStatus
from kpcs.decisions.schemas import DecisionCreate, DecisionPublic, DecisionUpdate, Supersession
from kpcs.errors import InvalidInput
from kpcs.plenaries import services as plenaries
from kpcs.plenaries.models import MeetingKind
from kpcs.plenaries.schemas import MeetingPublic
from kpcs.web.deps import ClockDep, PrincipalDep, SessionDep, UowDep, allowed
from kpcs.web.htmx import is_htmx_partial
from kpcs.web.params import RowId
from kpcs.web.templating import render

api = APIRouter(tags=["registry"])
pages = APIRouter(include_in_schema=False)

Year = Annotated[int | None, Query(ge=2000, le=2100, description="year of adoption")]
Search = Annotated[
    str | None,
    Query(
        max_length=decisions.MAX_QUERY,
        description="words looked for in title, number, summary, text, sources",
    ),
]
Code = Annotated[str | None, Query(max_length=16)]


@api.get("/decisions", response_model=list[DecisionPublic])
def list_decisions(
    session: SessionDep,
    q: Search = None,
    body: Annotated[str | None, Query(max_length=16, description="a working body's code, e.g. WGS")] = None,
    participant: Annotated[str | None, Query(max_length=16, description="a participant's code")] = None,
    status: DecisionStatus | None = None,
    year: Year = None,
) -> list[DecisionPublic]:
    """The register of administrative decisions, newest first, searched and filtered."""
    return decisions.search(session, q=q, body=body, participant=participant, status=status, year=year)


@api.get("/decisions/{decision_id}", response_model=DecisionPublic)
def get_decision(decision_id: RowId, session: SessionDep) -> DecisionPublic:
    """One decision: what it concerns, what it replaced or was replaced by, its sources."""
    return decisions.get(session, decision_id)


@api.post(
    "/decisions",
    response_model=DecisionPublic,
    status_code=201,
    dependencies=[Depends(allowed(Action.MANAGE_DECISIONS))],
)
def create_decision(
    body: DecisionCreate, uow: UowDep, clock: ClockDep, principal: PrincipalDep
) -> DecisionPublic:
    """Add a decision (admins); those it ``supersedes`` become superseded."""
    return decisions.create(uow, principal, clock, body)


@api.patch(
    "/decisions/{decision_id}",
    response_model=DecisionPublic,
    dependencies=[Depends(allowed(Action.MANAGE_DECISIONS))],
)
def update_decision(
    decision_id: RowId, body: DecisionUpdate, uow: UowDep, clock: ClockDep, principal: PrincipalDep
) -> DecisionPublic:
    """Correct a decision (admins): only the fields sent change."""
    return decisions.update(uow, principal, clock, decision_id, body)


@api.post(
    "/decisions/{decision_id}/supersedes",
    response_model=DecisionPublic,
    status_code=201,
    dependencies=[Depends(allowed(Action.MANAGE_DECISIONS))],
)
def supersede_decision(
    decision_id: RowId, body: Supersession, uow: UowDep, clock: ClockDep, principal: PrincipalDep
) -> DecisionPublic:
    """Record that this decision replaced an older one (admins); the older becomes superseded."""
    return decisions.supersede(uow, principal, clock, decision_id, body)


@api.get("/plenaries", response_model=list[MeetingPublic])
def list_plenaries(
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    kind: MeetingKind | None = None,
) -> list[MeetingPublic]:
    """The plenary calendar: each Plenary and Intersessional meeting, where, when, its chair
    and its communiqué where kpcs ships it, oldest first."""
    return plenaries.meetings(session, year=year, kind=kind)


# --- pages -------------------------------------------------------------------------------


def _status(value: str | None) -> DecisionStatus | None:
    if not value:
        return None
    try:
        return DecisionStatus(value)
    except ValueError:
        raise InvalidInput.field("status", f"unknown value {value!r}") from None


def _year(value: str | None) -> int | None:
    if not value:
        return None
    if not value.strip().isdigit() or not 2000 <= int(value) <= 2100:
        raise InvalidInput.field("year", "a year between 2000 and 2100")
    return int(value)


@pages.get("/decisions")
def decisions_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    q: Search = None,
    body: Code = None,
    participant: Code = None,
    status: str | None = None,
    year: str | None = None,
) -> Response:
    """The register with a search box and filters; HTMX requests get just the table."""
    rows = decisions.search(
        session, q=q, body=body, participant=participant, status=_status(status), year=_year(year)
    )
    context = {
        "rows": rows,
        "filters": {
            "q": q or "",
            "body": (body or "").upper(),
            "participant": (participant or "").upper(),
            "status": status or "",
            "year": year or "",
        },
        "statuses": list(DecisionStatus),
    }
    template = "decisions/_table.html" if is_htmx_partial(request) else "decisions/list.html"
    return render(request, template, context, principal=principal)


@pages.get("/decisions/{decision_id}")
def decision_page(
    request: Request, decision_id: RowId, session: SessionDep, principal: PrincipalDep
) -> Response:
    """One decision, with links to the participants and bodies it concerns."""
    return render(
        request, "decisions/detail.html", {"d": decisions.get(session, decision_id)}, principal=principal
    )


@pages.get("/plenaries")
def plenaries_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """The plenary calendar, latest meeting first."""
    meetings = list(reversed(plenaries.meetings(session)))
    return render(request, "plenaries.html", {"meetings": meetings}, principal=principal)
