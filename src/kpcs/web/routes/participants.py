"""The participant registry: JSON API and pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.responses import Response

from kpcs.accounts.permissions import Action
from kpcs.decisions import services as decisions
from kpcs.errors import FieldProblem, InvalidInput, KPCSError
from kpcs.participants import services
from kpcs.participants.models import WorkingBody
from kpcs.participants.registry import ParticipantKind, ParticipantStatus
from kpcs.participants.schemas import (
    ChairYearPublic,
    ParticipantDetail,
    ParticipantPublic,
    SourcePublic,
    StatusChangeCreate,
    WorkingBodyPublic,
)
from kpcs.plenaries import services as plenaries
from kpcs.web.deps import ClockDep, PrincipalDep, SessionDep, UowDep, allowed
from kpcs.web.errors import status_for
from kpcs.web.htmx import is_htmx_partial
from kpcs.web.templating import render

api = APIRouter(tags=["registry"])
pages = APIRouter(include_in_schema=False)

OnDate = Annotated[
    date | None,
    Query(description="report statuses as they stood on this date (default: today)"),
]


@api.get("/participants", response_model=list[ParticipantPublic])
def list_participants(
    session: SessionDep,
    clock: ClockDep,
    status: ParticipantStatus | None = None,
    kind: ParticipantKind | None = None,
    on: OnDate = None,
) -> list[ParticipantPublic]:
    """Every participant and observer, with the status in force on ``on``."""
    return services.list_participants(session, on=on or clock.today(), kind=kind, status=status)


@api.get("/participants/{code}", response_model=ParticipantDetail)
def get_participant(code: str, session: SessionDep, clock: ClockDep, on: OnDate = None) -> ParticipantDetail:
    """One participant with its ``status_history`` (oldest first)."""
    return services.get_participant(session, code, on=on or clock.today())


@api.post(
    "/participants/{code}/status",
    response_model=ParticipantDetail,
    status_code=201,
    dependencies=[Depends(allowed(Action.CHANGE_PARTICIPANT_STATUS))],
)
def change_status(
    code: str, body: StatusChangeCreate, uow: UowDep, clock: ClockDep, principal: PrincipalDep
) -> ParticipantDetail:
    """Append a status change (admins only); earlier history is kept unchanged."""
    return services.change_status(uow, principal, clock, code, body)


@api.get("/working-bodies", response_model=list[WorkingBodyPublic])
def list_working_bodies(session: SessionDep) -> list[WorkingBodyPublic]:
    """Working groups and committees with their chairs and members by year."""
    return services.list_working_bodies(session)


@api.get("/chairs", response_model=list[ChairYearPublic])
def list_chairs(session: SessionDep) -> list[ChairYearPublic]:
    """The KP Chair and Vice-Chair by year."""
    return services.list_chairs(session)


@api.get("/registry-sources", response_model=list[SourcePublic])
def list_sources(session: SessionDep) -> list[SourcePublic]:
    """The documents the registry's facts cite."""
    return services.list_sources(session)


# --- pages -------------------------------------------------------------------------------


_E = TypeVar("_E", ParticipantStatus, ParticipantKind)


def _optional_enum(kind: type[_E], value: str | None, field: str) -> _E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput.field(field, f"unknown value {value!r}") from None


@pages.get("/participants")
def participants_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    status: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    on: str | None = None,
) -> Response:
    """The registry as a filterable table; HTMX requests get just the table."""
    try:
        on_date = date.fromisoformat(on) if on else clock.today()
    except ValueError:
        raise InvalidInput.field("on", "give a date as YYYY-MM-DD") from None
    rows = services.list_participants(
        session,
        on=on_date,
        kind=_optional_enum(ParticipantKind, kind, "kind"),
        status=_optional_enum(ParticipantStatus, status, "status"),
        search=q,
    )
    context = {
        "rows": rows,
        "filters": {"status": status or "", "kind": kind or "", "q": q or "", "on": on or ""},
        "on": on_date,
        "statuses": list(ParticipantStatus),
        "kinds": list(ParticipantKind),
    }
    template = "participants/_table.html" if is_htmx_partial(request) else "participants/list.html"
    return render(request, template, context, principal=principal)


@pages.get("/participants/{code}")
def participant_page(
    request: Request, code: str, session: SessionDep, clock: ClockDep, principal: PrincipalDep
) -> Response:
    """A participant: its status over time, authority and working-body seats."""
    if code != code.upper():
        return RedirectResponse(f"/participants/{code.upper()}", status_code=301)
    return _detail_page(request, session, clock, principal, code)


def _detail_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    code: str,
    *,
    form: dict[str, str] | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    """The participant page, with the status form filled in again when it had errors."""
    detail = services.get_participant(session, code, on=clock.today())
    context = {
        "p": detail,
        "decisions": decisions.search(session, participant=detail.code),
        "statuses": list(ParticipantStatus),
        "today": clock.today(),
        "form": form,
        "errors": errors or [],
    }
    return render(request, "participants/detail.html", context, principal=principal, status_code=status_code)


@pages.post("/participants/{code}/status")
def participant_status_form(
    request: Request,
    code: str,
    uow: UowDep,
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    status: Annotated[str, Form()] = "",
    effective_on: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    zones: Annotated[str, Form(description="one zone per line")] = "",
) -> Response:
    """The admin's status-change form; on error the form comes back with the problems."""
    form = {"status": status, "effective_on": effective_on, "reason": reason, "zones": zones}
    try:
        change = _parse_status_form(status, effective_on, reason, zones)
        services.change_status(uow, principal, clock, code, change)
    except KPCSError as exc:
        if status_for(exc) in (401, 403, 404):
            raise
        errors = [f"{p.field}: {p.message}" for p in getattr(exc, "problems", [])] or [exc.message]
        return _detail_page(
            request, session, clock, principal, code, form=form, errors=errors, status_code=status_for(exc)
        )
    return RedirectResponse(f"/participants/{code.upper()}#history", status_code=303)


def _parse_status_form(status: str, effective_on: str, reason: str, zones: str) -> StatusChangeCreate:
    """The form's strings as a command, or :class:`InvalidInput` naming every bad field."""
    problems: list[FieldProblem] = []
    status_value = _optional_enum(ParticipantStatus, status, "status")
    if status_value is None:
        problems.append(FieldProblem("status", "choose a status"))
    try:
        effective = date.fromisoformat(effective_on)
    except ValueError:
        problems.append(FieldProblem("effective_on", "give a date as YYYY-MM-DD"))
    if not reason.strip():
        problems.append(FieldProblem("reason", "a reason is required"))
    if problems:
        raise InvalidInput("the form has errors", problems=problems)
    assert status_value is not None
    try:
        return StatusChangeCreate(
            status=status_value,
            effective_on=effective,
            reason=reason,
            zones=[z for z in (line.strip() for line in zones.splitlines()) if z],
        )
    except ValidationError as exc:
        raise InvalidInput(
            "the form has errors",
            problems=[FieldProblem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()],
        ) from None


@pages.get("/working-bodies")
def working_bodies_page(
    request: Request, session: SessionDep, clock: ClockDep, principal: PrincipalDep
) -> Response:
    """Working groups and committees, and the KP Chair by year."""
    bodies = services.list_working_bodies(session)
    return render(
        request,
        "working_bodies.html",
        {
            "bodies": bodies,
            "chairs": services.list_chairs(session),
            # issue 19: kinds and active years, chairs year by year (unknown years said so),
            # the people the sources name, and the decisions that concern each body
            "info": {b.code: b for b in session.scalars(sa.select(WorkingBody))},
            "body_chairs": plenaries.body_chairs(session, clock.today().year),
            "people": {b.code: plenaries.people(session, body=b.code) for b in bodies},
            "kp_people": plenaries.people(session, kp=True),
            "decisions": {b.code: decisions.search(session, body=b.code) for b in bodies},
        },
        principal=principal,
    )


@pages.get("/chairs")
def chairs_page() -> Response:
    """The KP Chair by year is a section of the working bodies' page (the API has ``/api/v1/chairs``)."""
    return RedirectResponse("/working-bodies#chairs", status_code=308)


@pages.get("/sources")
def sources_page(request: Request, session: SessionDep, principal: PrincipalDep) -> Response:
    """Where the registry's facts come from."""
    return render(request, "sources.html", {"sources": services.list_sources(session)}, principal=principal)
