"""The register of confiscated and seized rough diamonds (2021 communiqué §38). A
participant's authority records and reads its own cases, the WGM and admins every case; the
public sees yearly scheme-wide figures only, never a case or its circumstances."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from annotated_types import Interval
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from kpcs.accounts.permissions import Action, can, is_participant_bound
from kpcs.confiscations import domain
from kpcs.confiscations import services as confiscations
from kpcs.confiscations.domain import Disposition
from kpcs.errors import InvalidInput
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.forms import act
from kpcs.web.params import RowId
from kpcs.web.responses import CsvResponse
from kpcs.web.templating import render

api = APIRouter(tags=["confiscations"])
pages = APIRouter(include_in_schema=False)

Year = Annotated[int, Interval(ge=confiscations.FIRST_YEAR, le=confiscations.LAST_YEAR)]


class ConfiscationCreate(BaseModel):
    """Rough diamonds seized or confiscated by a participant's authorities."""

    participant: str = Field(min_length=2, max_length=8, examples=["BW"])
    seized_on: date
    carats: Decimal = Field(gt=0, le=domain.MAX_CARATS, decimal_places=2, examples=[152.35])
    value_usd: Decimal = Field(ge=0, le=domain.MAX_VALUE_USD, decimal_places=2, examples=[30500.0])
    circumstances: str = Field(min_length=1, max_length=confiscations.MAX_TEXT)
    disposition: Disposition = Disposition.HELD
    disposition_on: date | None = None
    reference: str | None = Field(default=None, max_length=100, description="the authority's case number")


class DispositionUpdate(BaseModel):
    """What became of the stones, and when."""

    disposition: Disposition
    disposition_on: date
    note: str | None = Field(default=None, max_length=confiscations.MAX_TEXT)


def _filter(participant: str | None, disposition: str | None, year: int | None) -> confiscations.CaseFilter:
    return confiscations.CaseFilter(
        participant=participant or None, disposition=disposition or None, year=year
    )


@api.get("/confiscations")
def list_cases(
    session: SessionDep,
    principal: PrincipalDep,
    participant: str | None = None,
    disposition: str | None = None,
    year: Year | None = None,
) -> list[dict[str, Any]]:
    """The cases the caller may see, newest seizure first, by participant, disposition, year."""
    return confiscations.cases(session, principal, _filter(participant, disposition, year))


@api.get("/confiscations.csv", response_class=CsvResponse)
def export_cases(
    session: SessionDep,
    principal: PrincipalDep,
    participant: str | None = None,
    disposition: str | None = None,
    year: Year | None = None,
) -> Response:
    """The same cases as CSV."""
    text = confiscations.export_csv(session, principal, _filter(participant, disposition, year))
    return CsvResponse(text, headers={"Content-Disposition": 'attachment; filename="confiscations.csv"'})


@api.get("/confiscations/statistics")
def statistics(session: SessionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The public figures: per year, scheme-wide, cases, dispositions, and carats and value
    (``null`` and ``withheld`` when the year has too few cases to hide any one of them)."""
    return confiscations.public_statistics(session, principal)


@api.post("/confiscations", status_code=201)
def create_case(body: ConfiscationCreate, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """Record a case (the participant's authority, or the WGM)."""
    return confiscations.create(
        context.uow(),
        principal,
        context.clock,
        participant=body.participant,
        seized_on=body.seized_on,
        carats=body.carats,
        value_usd=body.value_usd,
        circumstances=body.circumstances,
        disposition=body.disposition.value,
        disposition_on=body.disposition_on,
        reference=body.reference,
    )


@api.get("/confiscations/{confiscation_id}")
def get_case(confiscation_id: RowId, session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """One case."""
    return confiscations.case(session, principal, confiscation_id)


@api.post("/confiscations/{confiscation_id}/disposition")
def set_disposition(
    confiscation_id: RowId, body: DispositionUpdate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Record what became of the stones (the participant's authority, or the WGM)."""
    return confiscations.dispose(
        context.uow(),
        principal,
        context.clock,
        confiscation_id,
        disposition=body.disposition.value,
        disposition_on=body.disposition_on,
        note=body.note,
    )


# -- pages ----------------------------------------------------------------------------------


def _year(text: str | None) -> int | None:
    value = (text or "").strip()
    if not value:
        return None
    if not value.isdigit() or not confiscations.FIRST_YEAR <= int(value) <= confiscations.LAST_YEAR:
        raise InvalidInput.field(
            "year", f"a year between {confiscations.FIRST_YEAR} and {confiscations.LAST_YEAR}"
        )
    return int(value)


@pages.get("/confiscations")
async def confiscations_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    participant: str | None = None,
    disposition: str | None = None,
    year: str | None = None,
    error: str | None = None,
) -> Response:
    """The public figures for everyone; for the authority and the WGM, the register with its
    filters and the form to record a case."""
    chosen = _filter(participant, disposition, _year(year))
    may_view = principal.is_authenticated and can(principal, Action.VIEW_CONFISCATIONS)

    def build() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with context.read_session_factory() as session:
            figures = confiscations.public_statistics(session, principal)
            found = confiscations.cases(session, principal, chosen) if may_view else []
            return figures, found

    figures, found = await run_in_threadpool(build)
    query = urlencode({k: v for k, v in vars(chosen).items() if v})
    values = {
        "figures": figures,
        "cases": found,
        "chosen": chosen,
        "may_view": may_view,
        "for_anyone": not is_participant_bound(principal),
        "csv_link": "/api/v1/confiscations.csv" + (f"?{query}" if query else ""),
        "dispositions": [d.value for d in Disposition],
        "min_cases": domain.MIN_CASES_PUBLISHED,
        "today": context.clock.today(),
        "error": error,
    }
    return render(request, "confiscations/list.html", values, principal=principal)


def _field(form: FormData, name: str) -> str:
    return str(form.get(name, ""))


def _date(form: FormData, name: str, *, required: bool) -> date | None:
    text = _field(form, name).strip()
    if not text and not required:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.field(name, "a date, YYYY-MM-DD") from None


@pages.post("/confiscations")
async def create_form(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """The form to record a case: on success, its page."""
    form = await request.form()
    made: dict[str, Any] = {}

    def run() -> None:
        seized = _date(form, "seized_on", required=True)
        assert seized is not None
        made.update(
            confiscations.create(
                context.uow(),
                principal,
                context.clock,
                participant=_field(form, "participant"),
                seized_on=seized,
                carats=_field(form, "carats").replace(",", ""),
                value_usd=_field(form, "value_usd").replace(",", ""),
                circumstances=_field(form, "circumstances"),
                disposition=_field(form, "disposition") or Disposition.HELD.value,
                disposition_on=_date(form, "disposition_on", required=False),
                reference=_field(form, "reference") or None,
            )
        )

    response = await act(run, "/confiscations", "/confiscations#record", labels=LABELS)
    if made:
        return RedirectResponse(f"/confiscations/{made['id']}", status_code=303)
    return response


@pages.get("/confiscations/{confiscation_id}")
def case_page(
    request: Request,
    confiscation_id: RowId,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    error: str | None = None,
) -> Response:
    """One case and the form to record its disposition."""
    detail = confiscations.case(session, principal, confiscation_id)
    return render(
        request,
        "confiscations/case.html",
        {
            "c": detail,
            "error": error,
            "today": context.clock.today(),
            "may_update": can(principal, Action.RECORD_CONFISCATION, participant=detail["participant"]),
        },
        principal=principal,
    )


@pages.post("/confiscations/{confiscation_id}/disposition")
async def disposition_form(
    request: Request, confiscation_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The case page's disposition form."""
    form = await request.form()
    here = f"/confiscations/{confiscation_id}"

    def run() -> None:
        when = _date(form, "disposition_on", required=True)
        assert when is not None
        confiscations.dispose(
            context.uow(),
            principal,
            context.clock,
            confiscation_id,
            disposition=_field(form, "disposition"),
            disposition_on=when,
            note=_field(form, "note") or None,
        )

    return await act(run, here, f"{here}#disposition", labels=LABELS)


LABELS = {
    "participant": "Participant",
    "reference": "Case number",
    "seized_on": "Seized on",
    "carats": "Carats",
    "value_usd": "Value (US$)",
    "circumstances": "Circumstances",
    "disposition": "Disposition",
    "disposition_on": "Disposition date",
    "note": "Note",
    "year": "Year",
}
"""How the confiscation forms label their fields, for refusals that name them."""
