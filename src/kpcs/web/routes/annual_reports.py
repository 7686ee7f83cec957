"""Annual reports: written and submitted by the participant's authority, assessed section by
section by the Working Group on Monitoring, answered by the participant; the late and missing
list; the PDF."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from kpcs.accounts.permissions import Action, can
from kpcs.annual_reports import services as annual_reports
from kpcs.annual_reports.domain import MAX_FOLLOW_UP_NOTE, MAX_SECTION_TEXT, SECTIONS, Status
from kpcs.annual_reports.pdf import render_annual_report_pdf
from kpcs.reviews.domain import FollowUp
from kpcs.statistics.submissions.templates import FIRST_YEAR
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.forms import act
from kpcs.web.params import LAST_YEAR, RowId, year_from_form
from kpcs.web.routes.statistics import ShownYear, csv_response
from kpcs.web.templating import render

api = APIRouter(tags=["annual reports"])
pages = APIRouter(include_in_schema=False)

ReportYear = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR, description="the calendar year reported on")]
SectionText = Annotated[str, Field(max_length=MAX_SECTION_TEXT)]
LateYear = Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR, description="the calendar year reported on")]
Sections = Annotated[
    dict[str, SectionText], Field(max_length=len(SECTIONS), description="section key -> text")
]


class AnnualReportCreate(BaseModel):
    """Start the draft report of a participant on a year; Part A comes from its previous report."""

    participant: str = Field(min_length=2, max_length=8)
    year: ReportYear


class FollowUpReported(BaseModel):
    """What the report says of one of the participant's open peer-review recommendations."""

    recommendation: RowId = Field(description="the recommendation's id (GET /recommendations)")
    follow_up: FollowUp
    note: str = Field(min_length=1, max_length=MAX_FOLLOW_UP_NOTE, description="what was done")


class AnnualReportEdit(BaseModel):
    """New texts for some sections of a draft (the others stay); ``follow_ups``, when given,
    replaces what the draft reports on the participant's open recommendations (applied to
    each recommendation's follow-up when the report is submitted)."""

    part_a: Sections | None = None
    part_b: Sections | None = None
    follow_ups: Annotated[list[FollowUpReported], Field(max_length=500)] | None = None


class AssessmentCreate(BaseModel):
    """The WGM's feedback per section, and an overall conclusion."""

    feedback: Sections
    note: str | None = Field(default=None, max_length=MAX_SECTION_TEXT)


class ResponseCreate(BaseModel):
    """The participant's response to the assessment."""

    response: str = Field(max_length=MAX_SECTION_TEXT)


@api.get("/annual-reports")
def list_reports(
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
    participant: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The reports the caller may see: an authority its own, drafts too; the working groups all submitted."""
    return annual_reports.reports(
        session,
        principal,
        context.clock.today(),
        year=year,
        participant=participant.upper() if participant else None,
        status=status,
    )


@api.post("/annual-reports", status_code=201)
def start(body: AnnualReportCreate, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """A draft report, Part A carried over from the participant's previous report."""
    return annual_reports.start(
        context.uow(), principal, context.clock, participant=body.participant.upper(), year=body.year
    )


@api.get("/annual-reports/late")
def late(session: SessionDep, context: ContextDep, principal: PrincipalDep, year: LateYear) -> dict[str, Any]:
    """Participants whose report on ``year`` is missing past the due date (31 March after), or came late."""
    return annual_reports.late_and_missing(session, principal, year, context.clock.today())


@api.get("/annual-reports/{annual_report_id}")
def one(
    annual_report_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """One report: its sections (Part A, Part B, feedback), the figures kpcs holds, the response."""
    return annual_reports.report(session, principal, annual_report_id, context.clock.today())


@api.patch("/annual-reports/{annual_report_id}")
def edit(
    annual_report_id: RowId, body: AnnualReportEdit, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Change sections of a draft (the participant's authority)."""
    return annual_reports.edit(
        context.uow(),
        principal,
        context.clock,
        annual_report_id,
        part_a=body.part_a,
        part_b=body.part_b,
        follow_ups=None if body.follow_ups is None else [f.model_dump(mode="json") for f in body.follow_ups],
    )


@api.post("/annual-reports/{annual_report_id}/submit")
def submit(annual_report_id: RowId, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """Submit the draft (every section covered in Part A or B)."""
    return annual_reports.submit(context.uow(), principal, context.clock, annual_report_id)


@api.post("/annual-reports/{annual_report_id}/assessment")
def assess(
    annual_report_id: RowId, body: AssessmentCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The Working Group on Monitoring's assessment, with feedback per section."""
    return annual_reports.assess(
        context.uow(), principal, context.clock, annual_report_id, feedback=body.feedback, note=body.note
    )


@api.post("/annual-reports/{annual_report_id}/response")
def respond(
    annual_report_id: RowId, body: ResponseCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The participant's response to the assessment."""
    return annual_reports.respond(context.uow(), principal, context.clock, annual_report_id, body.response)


@api.get("/annual-reports/{annual_report_id}/pdf", response_class=Response)
@pages.get("/annual-reports/{annual_report_id}/pdf")
def report_pdf(
    annual_report_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The report as a printable PDF."""
    today = context.clock.today()
    detail = annual_reports.report(session, principal, annual_report_id, today)
    name = f"kp-annual-report-{detail['year']}-{detail['participant']}.pdf"
    return Response(
        render_annual_report_pdf(detail, today),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


# -- pages ----------------------------------------------------------------------------------


def _here(report_id: int, anchor: str = "") -> str:
    return f"/annual-reports/{report_id}" + (f"#{anchor}" if anchor else "")


@pages.get("/annual-reports")
def reports_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
    status: str | None = None,
    error: str | None = None,
) -> Response:
    """The reports the caller may see, and for an authority a form to start this year's."""
    today = context.clock.today()
    found = annual_reports.reports(session, principal, today, year=year, status=status or None)
    return render(
        request,
        "annual_reports/list.html",
        {
            "reports": found,
            "filters": {"year": year or "", "status": status or ""},
            "statuses": [s.value for s in Status],
            "years": list(range(today.year, FIRST_YEAR - 1, -1)),
            "default_year": today.year - 1,
            "may_start": principal.participant_code is not None
            and can(principal, Action.EDIT_ANNUAL_REPORT, participant=principal.participant_code),
            "error": error,
        },
        principal=principal,
    )


@pages.post("/annual-reports")
async def start_form(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """Start the caller's participant's report on the year chosen; on success, the draft."""
    form = await request.form()
    made: dict[str, Any] = {}

    def run() -> None:
        year = year_from_form(str(form.get("year", "")))
        participant = principal.participant_code or str(form.get("participant", "")).strip().upper()
        made.update(
            annual_reports.start(context.uow(), principal, context.clock, participant=participant, year=year)
        )

    response = await act(run, "/annual-reports", "/annual-reports#start")
    if made:
        return RedirectResponse(_here(made["id"]), status_code=303)
    return response


@pages.get("/annual-reports/late")
def late_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
    format: str | None = None,
) -> Response:
    """The late and missing list for a year (by default the last one due), as a page or a CSV."""
    today = context.clock.today()
    shown = year or today.year - 1
    result = annual_reports.late_and_missing(session, principal, shown, today)
    if format == "csv":
        columns = ["participant", "name", "standing", "submitted_on", "days_late"]
        return csv_response(result["rows"], f"kp-annual-reports-late-{shown}.csv", columns=columns)
    return render(
        request,
        "annual_reports/late.html",
        result | {"years": list(range(today.year, FIRST_YEAR - 1, -1))},
        principal=principal,
    )


@pages.get("/annual-reports/{annual_report_id}")
def report_page(
    request: Request,
    annual_report_id: RowId,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    error: str | None = None,
) -> Response:
    """One report with the forms open to the caller: edit and submit a draft, respond (the
    participant's authority); assess (the WGM)."""
    detail = annual_reports.report(session, principal, annual_report_id, context.clock.today())
    return render(
        request,
        "annual_reports/report.html",
        {
            "r": detail,
            "error": error,
            "may_edit": can(principal, Action.EDIT_ANNUAL_REPORT, participant=detail["participant"]),
            "may_assess": can(principal, Action.ASSESS_ANNUAL_REPORT),
            "follow_up_states": [f.value for f in FollowUp],
        },
        principal=principal,
    )


@pages.post("/annual-reports/{annual_report_id}/edit")
async def edit_form(
    request: Request, annual_report_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """Save the draft's sections as typed."""
    form = await request.form()

    def run() -> None:
        parts = {
            part: {key: str(form[f"{part}.{key}"]) for key in SECTIONS if f"{part}.{key}" in form}
            for part in ("part_a", "part_b")
        }
        annual_reports.edit(
            context.uow(),
            principal,
            context.clock,
            annual_report_id,
            part_a=parts["part_a"],
            part_b=parts["part_b"],
            follow_ups=_follow_ups_from(form),
        )

    return await act(run, _here(annual_report_id, "saved"), _here(annual_report_id, "draft"))


def _follow_ups_from(form: FormData) -> list[dict[str, Any]] | None:
    """The follow-up the draft form reports, one entry per recommendation given a state or a
    note (None when the form had no recommendations to report on: nothing to change)."""
    keys = [key.removeprefix("follow_up.") for key in form if key.startswith("follow_up.")]
    if not keys:
        return None
    entries: list[dict[str, Any]] = []
    for key in keys:
        state, note = str(form.get(f"follow_up.{key}", "")), str(form.get(f"follow_up_note.{key}", ""))
        if state or note.strip():
            entries.append(
                {"recommendation": int(key) if key.isdigit() else key, "follow_up": state, "note": note}
            )
    return entries


@pages.post("/annual-reports/{annual_report_id}/submit")
async def submit_form(annual_report_id: RowId, context: ContextDep, principal: PrincipalDep) -> Response:
    """Submit the draft."""

    def run() -> None:
        annual_reports.submit(context.uow(), principal, context.clock, annual_report_id)

    return await act(run, _here(annual_report_id), _here(annual_report_id, "draft"))


@pages.post("/annual-reports/{annual_report_id}/assess")
async def assess_form(
    request: Request, annual_report_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The WGM's feedback on each section, and its conclusion."""
    form = await request.form()

    def run() -> None:
        feedback = {key: str(form[f"feedback.{key}"]) for key in SECTIONS if f"feedback.{key}" in form}
        note = str(form.get("note", "")) or None
        annual_reports.assess(
            context.uow(), principal, context.clock, annual_report_id, feedback=feedback, note=note
        )

    return await act(run, _here(annual_report_id), _here(annual_report_id, "assess"))


@pages.post("/annual-reports/{annual_report_id}/respond")
async def respond_form(
    request: Request, annual_report_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The participant's response."""
    form = await request.form()

    def run() -> None:
        annual_reports.respond(
            context.uow(), principal, context.clock, annual_report_id, str(form.get("response", ""))
        )

    return await act(run, _here(annual_report_id, "response"), _here(annual_report_id, "respond"))
