"""Peer review: review visits and missions, their teams and reports from draft to adoption,
and their recommendations' follow-up. The WGM runs them; the reviewed participant's
authority invites a visit, comments on the draft and reports on the follow-up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from kpcs.accounts.permissions import Action, Principal, can
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import InvalidInput
from kpcs.reviews import services as reviews
from kpcs.reviews.domain import TIMELINES, Constituency, FollowUp, ReviewKind, Stage
from kpcs.reviews.pdf import render_review_pdf
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.forms import act
from kpcs.web.params import RowId
from kpcs.web.templating import render

api = APIRouter(tags=["reviews"])
pages = APIRouter(include_in_schema=False)

Text = Field(min_length=1, max_length=reviews.MAX_TEXT)


class ReviewCreate(BaseModel):
    """A review visit (on the participant's invitation) or a review mission to plan."""

    kind: ReviewKind
    participant: str = Field(min_length=2, max_length=8)
    terms_of_reference: str = Text


class MemberCreate(BaseModel):
    """An expert on the review team."""

    name: str = Field(min_length=1, max_length=200)
    constituency: Constituency
    affiliation: str = Field(min_length=1, max_length=200, description="the participant or organisation")
    leader: bool = False


class VisitDates(BaseModel):
    """The first and last day of the visit or mission."""

    starts: date
    ends: date


class ReportText(BaseModel):
    """A draft or final report, or the participant's comments."""

    text: str = Text


class Adoption(BaseModel):
    """The final report's adoption, with a note (e.g. the plenary that adopted it)."""

    note: str | None = Field(default=None, max_length=10_000)


class RecommendationCreate(BaseModel):
    """A recommendation of the report and who is to act on it."""

    text: str = Field(min_length=1, max_length=10_000)
    owner: str = Field(min_length=1, max_length=200)


class FollowUpUpdate(BaseModel):
    """Where a recommendation's follow-up stands, and why."""

    follow_up: FollowUp
    note: str = Field(min_length=1, max_length=10_000)


@api.get("/reviews")
def list_reviews(
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    participant: str | None = None,
    overdue: bool | None = None,
) -> list[dict[str, Any]]:
    """The reviews the caller may see, each with the step its timeline waits for."""
    return reviews.reviews(
        session,
        principal,
        context.clock.today(),
        participant=participant.upper() if participant else None,
        overdue=overdue,
    )


@api.post("/reviews", status_code=201)
def create_review(body: ReviewCreate, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """Plan a review: a visit (the WGM, or the participant's authority inviting it) or a mission."""
    return reviews.create(
        context.uow(),
        principal,
        context.clock,
        kind=body.kind.value,
        participant=body.participant.upper(),
        terms_of_reference=body.terms_of_reference,
    )


@api.get("/reviews/{review_id}")
def get_review(
    review_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """One review with its team, reports, comments and recommendations."""
    return reviews.review(session, principal, review_id, context.clock.today())


@api.get("/reviews/{review_id}/pdf", response_class=Response)
@pages.get("/reviews/{review_id}/pdf")
def review_pdf(
    review_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The review's report (draft, final or adopted) as a printable PDF, with its team, terms
    of reference, the participant's comments and the recommendations' follow-up."""
    today = context.clock.today()
    detail = reviews.printable(session, principal, review_id, today)
    name = f"kp-review-{detail['id']}-{detail['participant']}-{detail['stage']}.pdf"
    return Response(
        render_review_pdf(detail, today),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@api.post("/reviews/{review_id}/members", status_code=201)
def add_member(
    review_id: RowId, body: MemberCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Add an expert to the team (the WGM, while the review is planned)."""
    return reviews.add_member(
        context.uow(),
        principal,
        context.clock,
        review_id,
        name=body.name,
        constituency=body.constituency.value,
        affiliation=body.affiliation,
        leader=body.leader,
    )


@api.post("/reviews/{review_id}/visit")
def set_visit(
    review_id: RowId, body: VisitDates, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Set the days of the visit or mission (the WGM)."""
    return reviews.set_visit_dates(
        context.uow(), principal, context.clock, review_id, starts=body.starts, ends=body.ends
    )


@api.post("/reviews/{review_id}/draft")
def send_draft(
    review_id: RowId, body: ReportText, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Send the draft report to the participant (the WGM)."""
    return reviews.send_draft(context.uow(), principal, context.clock, review_id, body.text)


@api.post("/reviews/{review_id}/comments")
def comment(
    review_id: RowId, body: ReportText, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The reviewed participant's comments on the draft (its authority)."""
    return reviews.comment(context.uow(), principal, context.clock, review_id, body.text)


@api.post("/reviews/{review_id}/final")
def finalise(
    review_id: RowId, body: ReportText, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Record the final report (the WGM)."""
    return reviews.finalise(context.uow(), principal, context.clock, review_id, body.text)


@api.post("/reviews/{review_id}/adopt")
def adopt(review_id: RowId, body: Adoption, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """Record the final report's adoption (the WGM)."""
    return reviews.adopt(context.uow(), principal, context.clock, review_id, body.note)


@api.post("/reviews/{review_id}/recommendations", status_code=201)
def add_recommendation(
    review_id: RowId, body: RecommendationCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Add a recommendation of the report, open until followed up (the WGM)."""
    return reviews.add_recommendation(
        context.uow(), principal, context.clock, review_id, text=body.text, owner=body.owner
    )


@api.get("/recommendations")
def list_recommendations(
    session: SessionDep,
    principal: PrincipalDep,
    participant: str | None = None,
    outstanding: bool = False,
) -> list[dict[str, Any]]:
    """The review recommendations the caller may see; ``outstanding``: only open or in progress."""
    return reviews.recommendations(
        session, principal, participant=participant.upper() if participant else None, outstanding=outstanding
    )


@api.post("/recommendations/{recommendation_id}/follow-up")
def follow_up(
    recommendation_id: RowId, body: FollowUpUpdate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Update a recommendation's follow-up with a note (the WGM, or the participant's authority)."""
    source = "wgm" if can(principal, Action.MANAGE_REVIEWS) else "participant"
    return reviews.update_follow_up(
        context.uow(),
        principal,
        context.clock,
        recommendation_id,
        body.follow_up.value,
        body.note,
        source=source,
    )


# -- pages ----------------------------------------------------------------------------------


@pages.get("/reviews")
async def reviews_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    overdue: str | None = None,
    error: str | None = None,
) -> Response:
    """The reviews, pending-too-long ones flagged, and a form to plan one."""
    today = context.clock.today()

    def build() -> list[dict[str, Any]]:
        with context.read_session_factory() as session:
            return reviews.reviews(session, principal, today, overdue=True if overdue else None)

    found = await run_in_threadpool(build)
    values = {
        "reviews": found,
        "overdue_only": bool(overdue),
        "kinds": [k.value for k in ReviewKind],
        "timelines": TIMELINES,
        "error": error,
    }
    return render(request, "reviews/list.html", values, principal=principal)


def _field(form: FormData, name: str) -> str:
    return str(form.get(name, ""))


def _date(form: FormData, name: str) -> date:
    try:
        return date.fromisoformat(_field(form, name).strip())
    except ValueError:
        raise InvalidInput.field(name, "a date, YYYY-MM-DD") from None


@pages.post("/reviews")
async def create_form(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """The planning form: on success, the new review."""
    form = await request.form()
    made: dict[str, Any] = {}

    def run() -> None:
        made.update(
            reviews.create(
                context.uow(),
                principal,
                context.clock,
                kind=_field(form, "kind"),
                participant=_field(form, "participant").strip().upper(),
                terms_of_reference=_field(form, "terms_of_reference"),
            )
        )

    response = await act(run, "/reviews", "/reviews#plan")
    if made:
        return RedirectResponse(f"/reviews/{made['id']}", status_code=303)
    return response


@pages.get("/reviews/{review_id}")
def review_page(
    request: Request,
    review_id: RowId,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    error: str | None = None,
) -> Response:
    """One review with the forms open to the caller at its stage."""
    detail = reviews.review(session, principal, review_id, context.clock.today())
    return render(
        request,
        "reviews/review.html",
        {
            "r": detail,
            "error": error,
            "may_manage": can(principal, Action.MANAGE_REVIEWS),
            "may_comment": can(principal, Action.COMMENT_ON_REVIEW, participant=detail["participant"]),
            "may_follow_up": can(
                principal, Action.FOLLOW_UP_RECOMMENDATION, participant=detail["participant"]
            ),
            "constituencies": [c.value for c in Constituency],
            "follow_ups": [f.value for f in FollowUp],
            "Stage": Stage,
        },
        principal=principal,
    )


def _here(review_id: int, anchor: str) -> str:
    return f"/reviews/{review_id}#{anchor}"


StepAction = Callable[[UnitOfWork, Principal, Clock, int, FormData], object]


def _members(uow: UnitOfWork, principal: Principal, clock: Clock, review_id: int, form: FormData) -> object:
    return reviews.add_member(
        uow,
        principal,
        clock,
        review_id,
        name=_field(form, "name"),
        constituency=_field(form, "constituency"),
        affiliation=_field(form, "affiliation"),
        leader=_field(form, "leader") == "yes",
    )


def _visit(uow: UnitOfWork, principal: Principal, clock: Clock, review_id: int, form: FormData) -> object:
    starts, ends = _date(form, "visit_starts"), _date(form, "visit_ends")
    return reviews.set_visit_dates(uow, principal, clock, review_id, starts=starts, ends=ends)


def _recommendation(
    uow: UnitOfWork, principal: Principal, clock: Clock, review_id: int, form: FormData
) -> object:
    text, owner = _field(form, "text"), _field(form, "owner")
    return reviews.add_recommendation(uow, principal, clock, review_id, text=text, owner=owner)


STEPS: dict[str, StepAction] = {
    "members": _members,
    "visit": _visit,
    "draft": lambda u, p, c, i, f: reviews.send_draft(u, p, c, i, _field(f, "draft_report")),
    "comments": lambda u, p, c, i, f: reviews.comment(u, p, c, i, _field(f, "comments")),
    "final": lambda u, p, c, i, f: reviews.finalise(u, p, c, i, _field(f, "final_report")),
    "adopt": lambda u, p, c, i, f: reviews.adopt(u, p, c, i, _field(f, "note") or None),
    "recommendations": _recommendation,
}
"""Each step of a review's course that its page offers, by the last part of the form's path."""


def _step_page(step: str, action: StepAction) -> None:
    async def step_form(
        request: Request, review_id: RowId, context: ContextDep, principal: PrincipalDep
    ) -> Response:
        form = await request.form()

        def run() -> None:
            action(context.uow(), principal, context.clock, review_id, form)

        return await act(run, _here(review_id, step), _here(review_id, step), labels=LABELS)

    step_form.__doc__ = f"The review page's {step} form."
    pages.post(f"/reviews/{{review_id}}/{step}", name=f"review_{step}_form")(step_form)


for _step, _action in STEPS.items():
    _step_page(_step, _action)


@pages.post("/recommendations/{recommendation_id}/follow-up")
async def follow_up_form(
    request: Request, recommendation_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """A recommendation's follow-up, from its review's page."""
    form = await request.form()
    review_id = _field(form, "review_id")
    back = f"/reviews/{review_id}#recommendation-{recommendation_id}" if review_id.isdigit() else "/reviews"

    def run() -> None:
        source = "wgm" if can(principal, Action.MANAGE_REVIEWS) else "participant"
        reviews.update_follow_up(
            context.uow(),
            principal,
            context.clock,
            recommendation_id,
            _field(form, "follow_up"),
            _field(form, "note"),
            source=source,
        )

    return await act(run, back, back, labels=LABELS)


LABELS = {
    "kind": "Kind",
    "participant": "Participant",
    "terms_of_reference": "Terms of reference",
    "name": "Name",
    "constituency": "Constituency",
    "affiliation": "Affiliation",
    "leader": "Leader",
    "visit_starts": "First day",
    "visit_ends": "Last day",
    "draft_report": "Draft report",
    "comments": "Comments",
    "final_report": "Final report",
    "text": "Recommendation",
    "owner": "Owner",
    "follow_up": "Follow-up",
    "note": "Note",
    "step": "Step",
}
"""How the review forms label their fields, for refusals that name them."""
