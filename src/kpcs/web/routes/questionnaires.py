"""The Data Anomaly Questionnaire: drawn up and sent by the Working Group on Statistics,
answered by the participant's authority, reviewed question by question; and the public
list of participants that did not answer in time."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from kpcs.accounts.permissions import Action, can
from kpcs.errors import InvalidInput
from kpcs.statistics.analysis import daq
from kpcs.statistics.analysis.anomalies import TYPES
from kpcs.statistics.analysis.questionnaire import Decision, Status
from kpcs.statistics.analysis.questionnaire_pdf import render_questionnaire_pdf
from kpcs.statistics.submissions.templates import FIRST_YEAR
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.forms import act
from kpcs.web.params import Ordinal, RowId, year_from_form
from kpcs.web.routes.statistics import ShownYear, csv_response
from kpcs.web.templating import render

api = APIRouter(tags=["analysis"])
pages = APIRouter(include_in_schema=False)

QuestionnaireYear = Annotated[int, Field(ge=FIRST_YEAR, le=2100, description="the year under review")]


class QuestionnaireCreate(BaseModel):
    """Draw up a questionnaire from the anomalies of a year that concern a participant."""

    year: QuestionnaireYear
    participant: str = Field(min_length=2, max_length=8)
    types: list[str] | None = Field(default=None, description="only anomalies of these types")
    severity: str | None = Field(default=None, description="at least this severity: high, medium or low")


class QuestionnaireSend(BaseModel):
    """Send a draft; the participant answers by ``deadline`` (default: two months)."""

    deadline: date | None = None


class AnswerCreate(BaseModel):
    """The participant's answer to one question."""

    answer: str = Field(max_length=daq.MAX_ANSWER)


class ReviewCreate(BaseModel):
    """The WGS's decision on an answer; a note is needed to ask again or escalate."""

    decision: Decision
    note: str | None = Field(default=None, max_length=daq.MAX_ANSWER)


@api.get("/statistics/questionnaires")
def questionnaires(
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
    participant: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The questionnaires the caller may see (an authority: its own, once sent)."""
    return daq.questionnaires(
        session,
        principal,
        context.clock.today(),
        year=year,
        participant=participant.upper() if participant else None,
        status=status,
    )


@api.post("/statistics/questionnaires", status_code=201)
def draw_up(body: QuestionnaireCreate, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """A draft questionnaire: one question per anomaly of the year concerning the participant."""
    if body.types and not set(body.types) <= set(TYPES):
        raise InvalidInput.field("types", f"must be among {', '.join(TYPES)}")
    return daq.draw_up(
        context.uow(),
        principal,
        context.clock,
        year=body.year,
        participant=body.participant.upper(),
        types=set(body.types) if body.types else None,
        severity=body.severity,
    )


@api.get("/statistics/questionnaires/{questionnaire_id}")
def questionnaire(
    questionnaire_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """One questionnaire: its questions, the anomaly behind each, and every step taken."""
    return daq.questionnaire(session, principal, questionnaire_id, context.clock.today())


@api.delete("/statistics/questionnaires/{questionnaire_id}", status_code=204)
def discard(questionnaire_id: RowId, context: ContextDep, principal: PrincipalDep) -> Response:
    """Throw away a draft (a sent questionnaire is kept)."""
    daq.discard(context.uow(), principal, context.clock, questionnaire_id)
    return Response(status_code=204)


@api.post("/statistics/questionnaires/{questionnaire_id}/send")
def send(
    questionnaire_id: RowId, body: QuestionnaireSend, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Send a draft to the participant."""
    return daq.send(context.uow(), principal, context.clock, questionnaire_id, body.deadline)


@api.post("/statistics/questionnaires/{questionnaire_id}/questions/{number}/answer")
def answer(
    questionnaire_id: RowId, number: Ordinal, body: AnswerCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Answer one question (the participant's authority)."""
    return daq.answer(context.uow(), principal, context.clock, questionnaire_id, number, body.answer)


@api.post("/statistics/questionnaires/{questionnaire_id}/questions/{number}/review")
def review(
    questionnaire_id: RowId, number: Ordinal, body: ReviewCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Accept an answer, ask again, or escalate (the Working Group on Statistics)."""
    return daq.review(
        context.uow(), principal, context.clock, questionnaire_id, number, body.decision.value, body.note
    )


@api.get("/statistics/questionnaires/{questionnaire_id}/pdf", response_class=Response)
@pages.get("/statistics/questionnaires/{questionnaire_id}/pdf")
def questionnaire_pdf(
    questionnaire_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The questionnaire as a printable PDF."""
    today = context.clock.today()
    detail = daq.questionnaire(session, principal, questionnaire_id, today)
    name = f"kp-daq-{detail['year']}-{detail['participant']}.pdf"
    return Response(
        render_questionnaire_pdf(detail, today),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@api.get("/statistics/non-responders")
def non_responders(session: SessionDep, context: ContextDep) -> list[dict[str, Any]]:
    """Participants that left questionnaire questions unanswered past the deadline (public)."""
    return daq.non_responders(session, context.clock.today())


# -- pages ----------------------------------------------------------------------------------


@pages.get("/statistics/questionnaires")
async def questionnaires_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
    status: str | None = None,
    error: str | None = None,
) -> Response:
    """The questionnaires (an authority: its own), and for the WGS a form to draw one up."""
    today = context.clock.today()

    def build() -> dict[str, Any]:
        with context.read_session_factory() as session:
            found = daq.questionnaires(session, principal, today, year=year, status=status or None)
        return {
            "questionnaires": found,
            "filters": {"year": year or "", "status": status or ""},
            "statuses": [s.value for s in Status],
            "years": list(range(today.year, FIRST_YEAR - 1, -1)),
            "default_year": today.year - 1,
            "error": error,
        }

    values = await run_in_threadpool(build)
    return render(request, "statistics/questionnaires.html", values, principal=principal)


@pages.post("/statistics/questionnaires")
async def draw_up_form(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """The draw-up form: on success, the new draft."""
    form = await request.form()
    made: dict[str, Any] = {}

    def run() -> None:
        year = year_from_form(str(form.get("year", "")))
        made.update(
            daq.draw_up(
                context.uow(),
                principal,
                context.clock,
                year=year,
                participant=str(form.get("participant", "")).strip().upper(),
                severity=str(form.get("severity", "")) or None,
            )
        )

    response = await act(run, "/statistics/questionnaires", "/statistics/questionnaires#draw-up")
    if made:
        return RedirectResponse(f"/statistics/questionnaires/{made['id']}", status_code=303)
    return response


@pages.get("/statistics/questionnaires/{questionnaire_id}")
def questionnaire_page(
    request: Request,
    questionnaire_id: RowId,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    error: str | None = None,
) -> Response:
    """One questionnaire with the forms open to the caller: send or discard (WGS, draft),
    answer (the participant's authority), accept, ask again or escalate (WGS)."""
    today = context.clock.today()
    detail = daq.questionnaire(session, principal, questionnaire_id, today)
    return render(
        request,
        "statistics/questionnaire.html",
        {
            "q": detail,
            "error": error,
            "may_manage": can(principal, Action.MANAGE_QUESTIONNAIRES),
            "may_answer": can(principal, Action.ANSWER_QUESTIONNAIRE, participant=detail["participant"]),
            "decisions": [d.value for d in Decision],
            "today": today,
        },
        principal=principal,
    )


def _here(questionnaire_id: int, anchor: str = "") -> str:
    return f"/statistics/questionnaires/{questionnaire_id}" + (f"#{anchor}" if anchor else "")


@pages.post("/statistics/questionnaires/{questionnaire_id}/send")
async def send_form(
    request: Request, questionnaire_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """Send the draft with the deadline given (or the default)."""
    form = await request.form()

    def run() -> None:
        given = str(form.get("deadline", "")).strip()
        try:
            deadline = date.fromisoformat(given) if given else None
        except ValueError:
            raise InvalidInput.field("deadline", "a date, YYYY-MM-DD") from None
        daq.send(context.uow(), principal, context.clock, questionnaire_id, deadline)

    return await act(run, _here(questionnaire_id), _here(questionnaire_id, "actions"))


@pages.post("/statistics/questionnaires/{questionnaire_id}/discard")
async def discard_form(questionnaire_id: RowId, context: ContextDep, principal: PrincipalDep) -> Response:
    """Throw the draft away."""

    def run() -> None:
        daq.discard(context.uow(), principal, context.clock, questionnaire_id)

    return await act(run, "/statistics/questionnaires", _here(questionnaire_id, "actions"))


@pages.post("/statistics/questionnaires/{questionnaire_id}/questions/{number}/answer")
async def answer_form(
    request: Request, questionnaire_id: RowId, number: Ordinal, context: ContextDep, principal: PrincipalDep
) -> Response:
    """One question's answer."""
    form = await request.form()

    def run() -> None:
        text = str(form.get("answer", ""))
        daq.answer(context.uow(), principal, context.clock, questionnaire_id, number, text)

    anchor = f"question-{number}"
    return await act(run, _here(questionnaire_id, anchor), _here(questionnaire_id, anchor))


@pages.post("/statistics/questionnaires/{questionnaire_id}/questions/{number}/review")
async def review_form(
    request: Request, questionnaire_id: RowId, number: Ordinal, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The WGS's decision on one answer."""
    form = await request.form()

    def run() -> None:
        decision, note = str(form.get("decision", "")), str(form.get("note", "")) or None
        daq.review(context.uow(), principal, context.clock, questionnaire_id, number, decision, note)

    anchor = f"question-{number}"
    return await act(run, _here(questionnaire_id, anchor), _here(questionnaire_id, anchor))


@pages.get("/statistics/non-responders")
def non_responders_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    format: str | None = None,
) -> Response:
    """The public list of participants that did not answer their questionnaire in time."""
    rows = daq.non_responders(session, context.clock.today())
    if format == "csv":
        return csv_response(rows, "kp-daq-non-responders.csv")
    return render(request, "statistics/non_responders.html", {"rows": rows}, principal=principal)
