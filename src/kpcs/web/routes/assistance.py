"""Technical assistance: needs and offers, matched by topic and region (2014 communiqué
§38-39). Anyone reads them (whom to contact only when signed in); a participant's authority
records its own, the WGM and admins anyone's, an observer's too."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from kpcs.accounts.permissions import Action, can, is_participant_bound
from kpcs.assistance import services as assistance
from kpcs.assistance.domain import TOPIC_LABELS, EntryKind, Region, Status, Topic
from kpcs.errors import InvalidInput
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.forms import act
from kpcs.web.params import RowId
from kpcs.web.responses import CsvResponse
from kpcs.web.templating import render

api = APIRouter(tags=["technical assistance"])
pages = APIRouter(include_in_schema=False)


class EntryCreate(BaseModel):
    """A need for technical assistance, or an offer of it."""

    kind: EntryKind
    participant: str = Field(min_length=2, max_length=8, description="participant or observer code")
    topic: Topic
    region: Region = Field(description="where needed, or where offered (worldwide: anywhere)")
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=assistance.MAX_DESCRIPTION)
    contact: str = Field(min_length=1, max_length=200, description="the person or office to contact")
    starts_on: date | None = None
    ends_on: date | None = None


class StatusUpdate(BaseModel):
    """Where an entry stands; a match names its counterpart (an entry of the other kind)."""

    status: Status
    counterpart: RowId | None = None
    note: str | None = Field(default=None, max_length=assistance.MAX_DESCRIPTION)


def _filter(
    kind: str | None, topic: str | None, region: str | None, status: str | None, participant: str | None
) -> assistance.EntryFilter:
    return assistance.EntryFilter(
        kind=kind or None,
        topic=topic or None,
        region=region or None,
        status=status or None,
        participant=participant or None,
    )


@api.get("/assistance")
def list_entries(
    session: SessionDep,
    principal: PrincipalDep,
    kind: str | None = None,
    topic: str | None = None,
    region: str | None = None,
    status: str | None = None,
    participant: str | None = None,
) -> list[dict[str, Any]]:
    """The needs and offers, newest first, narrowed by kind, topic, region, status, participant."""
    return assistance.entries(session, principal, _filter(kind, topic, region, status, participant))


@api.get("/assistance.csv", response_class=CsvResponse)
def export_entries(
    session: SessionDep,
    principal: PrincipalDep,
    kind: str | None = None,
    topic: str | None = None,
    region: str | None = None,
    status: str | None = None,
    participant: str | None = None,
) -> Response:
    """The same list as CSV (``contact`` is empty unless signed in)."""
    text = assistance.export_csv(session, principal, _filter(kind, topic, region, status, participant))
    return CsvResponse(
        text, headers={"Content-Disposition": 'attachment; filename="technical-assistance.csv"'}
    )


@api.get("/assistance/matches")
def list_matches(
    session: SessionDep, principal: PrincipalDep, topic: str | None = None, region: str | None = None
) -> list[dict[str, Any]]:
    """Every open need with each open offer that fits it, and the reason."""
    return assistance.matches(session, principal, topic=topic or None, region=region or None)


@api.post("/assistance", status_code=201)
def create_entry(body: EntryCreate, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """Record a need or an offer (the participant's authority, or the WGM)."""
    return assistance.create(
        context.uow(),
        principal,
        context.clock,
        kind=body.kind.value,
        participant=body.participant,
        topic=body.topic.value,
        region=body.region.value,
        title=body.title,
        description=body.description,
        contact=body.contact,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
    )


@api.get("/assistance/{entry_id}")
def get_entry(entry_id: RowId, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """One need or offer, its counterpart, and the entries it matches while open."""
    return assistance.entry(session, principal, entry_id)


@api.post("/assistance/{entry_id}/status")
def update_status(
    entry_id: RowId, body: StatusUpdate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Move an entry along: matched (with its counterpart), in progress, closed, or open again."""
    return assistance.set_status(
        context.uow(),
        principal,
        context.clock,
        entry_id,
        status=body.status.value,
        counterpart=body.counterpart,
        note=body.note,
    )


# -- pages ----------------------------------------------------------------------------------


def _vocabulary() -> dict[str, Any]:
    return {
        "kinds": [k.value for k in EntryKind],
        "topics": [(t.value, TOPIC_LABELS[t]) for t in Topic],
        "regions": [r.value for r in Region],
        "statuses": [s.value for s in Status],
    }


@pages.get("/assistance")
async def assistance_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    kind: str | None = None,
    topic: str | None = None,
    region: str | None = None,
    status: str | None = None,
    participant: str | None = None,
    error: str | None = None,
) -> Response:
    """The needs and offers with their filters, the matches, and the form to record one."""
    chosen = _filter(kind, topic, region, status, participant)

    def build() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with context.read_session_factory() as session:
            return (
                assistance.entries(session, principal, chosen),
                assistance.matches(session, principal, topic=chosen.topic, region=chosen.region),
            )

    found, matched = await run_in_threadpool(build)
    query = urlencode({k: v for k, v in vars(chosen).items() if v})
    values = {
        "entries": found,
        "matches": matched,
        "chosen": chosen,
        "csv_link": "/api/v1/assistance.csv" + (f"?{query}" if query else ""),
        "may_record": principal.is_authenticated and can(principal, Action.RECORD_ASSISTANCE),
        # the WGM and admins record for anyone; an authority for its own participant only
        "for_anyone": not is_participant_bound(principal),
        "error": error,
    } | _vocabulary()
    return render(request, "assistance/list.html", values, principal=principal)


def _field(form: FormData, name: str) -> str:
    return str(form.get(name, ""))


def _optional_date(form: FormData, name: str) -> date | None:
    text = _field(form, name).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.field(name, "a date, YYYY-MM-DD") from None


def _counterpart(form: FormData) -> int | None:
    text = _field(form, "counterpart").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput.field("counterpart", "the number of an entry")
    return int(text)


@pages.post("/assistance")
async def create_form(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """The form to record a need or an offer: on success, its page."""
    form = await request.form()
    made: dict[str, Any] = {}

    def run() -> None:
        made.update(
            assistance.create(
                context.uow(),
                principal,
                context.clock,
                kind=_field(form, "kind"),
                participant=_field(form, "participant"),
                topic=_field(form, "topic"),
                region=_field(form, "region"),
                title=_field(form, "title"),
                description=_field(form, "description"),
                contact=_field(form, "contact"),
                starts_on=_optional_date(form, "starts_on"),
                ends_on=_optional_date(form, "ends_on"),
            )
        )

    response = await act(run, "/assistance", "/assistance#record", labels=LABELS)
    if made:
        return RedirectResponse(f"/assistance/{made['id']}", status_code=303)
    return response


@pages.get("/assistance/{entry_id}")
def entry_page(
    request: Request, entry_id: RowId, session: SessionDep, principal: PrincipalDep, error: str | None = None
) -> Response:
    """One need or offer: its details, the entries it matches, and the status form."""
    detail = assistance.entry(session, principal, entry_id)
    return render(
        request,
        "assistance/entry.html",
        {
            "e": detail,
            "error": error,
            "may_update": can(principal, Action.RECORD_ASSISTANCE, participant=detail["participant"]),
        },
        principal=principal,
    )


@pages.post("/assistance/{entry_id}/status")
async def status_form(
    request: Request, entry_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The entry page's status form (and its "match with this" buttons)."""
    form = await request.form()
    here = f"/assistance/{entry_id}"

    def run() -> None:
        assistance.set_status(
            context.uow(),
            principal,
            context.clock,
            entry_id,
            status=_field(form, "status"),
            counterpart=_counterpart(form),
            note=_field(form, "note") or None,
        )

    return await act(run, here, f"{here}#status", labels=LABELS)


LABELS = {
    "kind": "Need or offer",
    "participant": "Participant",
    "topic": "Topic",
    "region": "Region",
    "title": "Title",
    "description": "Description",
    "contact": "Contact",
    "starts_on": "From",
    "ends_on": "Until",
    "status": "Status",
    "counterpart": "Counterpart",
    "note": "Note",
}
"""How the assistance forms label their fields, for refusals that name them."""
