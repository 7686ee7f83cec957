"""Use cases of peer review: a review created (a visit on the participant's invitation, a
mission by the WGM), its team and dates settled, its report run from draft to adoption, and
its recommendations followed up. Every change is audited; the rules are in ``domain.py``.

:func:`update_follow_up` is the one way a recommendation's follow-up changes, whoever
reports it (the WGM on its page, or a participant's annual report later)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, can, is_participant_bound, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, InvalidInput, NotFound
from kpcs.participants.models import Participant
from kpcs.reviews.domain import (
    OUTSTANDING,
    Actor,
    Constituency,
    FollowUp,
    ReviewKind,
    Stage,
    constituencies_missing,
    may_finalise,
    next_deadline,
    waits_on,
)
from kpcs.reviews.models import Recommendation, RecommendationStep, Review, ReviewMember

_E = TypeVar("_E", ReviewKind, Constituency, FollowUp)

MAX_TEXT = 100_000
"""The longest report, terms of reference or comment kept (about forty pages)."""


def _text(field: str, value: str, *, limit: int = MAX_TEXT) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput.field(field, "must not be empty")
    if len(text) > limit:
        raise InvalidInput.field(field, f"at most {limit} characters")
    return text


def _enum(kind: type[_E], field: str, value: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput.field(field, f"must be one of {', '.join(k.value for k in kind)}") from None


def _review(session: Session, principal: Principal, review_id: int) -> Review:
    """The review, if the caller may see it (another participant's is not found, not refused:
    whether it was reviewed is not theirs to know)."""
    require(principal, Action.VIEW_REVIEWS)
    review = session.get(Review, review_id)
    if review is None or not can(principal, Action.VIEW_REVIEWS, participant=review.participant):
        raise NotFound(f"no review {review_id}")
    return review


def _summary(review: Review, today: date) -> dict[str, Any]:
    deadline = next_deadline(Stage(review.stage), review.visit_ends, review.draft_sent_on, today)
    return {
        "id": review.id,
        "kind": review.kind,
        "participant": review.participant,
        "stage": review.stage,
        "visit_starts": review.visit_starts,
        "visit_ends": review.visit_ends,
        "draft_sent_on": review.draft_sent_on,
        "final_on": review.final_on,
        "adopted_on": review.adopted_on,
        "next_step": deadline.step if deadline else None,
        "due": deadline.due if deadline else None,
        "overdue": deadline.overdue if deadline else False,
        "timeline_source": deadline.source if deadline else None,
    }


@dataclass(frozen=True)
class DeadlineDue:
    """A review's next deadline, and who must act by then."""

    review_id: int
    participant: str
    kind: str
    step: str
    due: date
    waits_on: Actor


def deadlines_between(session: Session, first: date, last: date, today: date) -> list[DeadlineDue]:
    """The reviews whose next deadline falls from ``first`` to ``last`` (for the daily
    reminder; no permission is checked: the caller notifies whoever must act)."""
    query = sa.select(Review).where(
        Review.stage.in_([Stage.PLANNED.value, Stage.DRAFT.value, Stage.COMMENTED.value])
    )
    found: list[DeadlineDue] = []
    for row in session.scalars(query.order_by(Review.id)):
        stage = Stage(row.stage)
        deadline = next_deadline(stage, row.visit_ends, row.draft_sent_on, today)
        actor = waits_on(stage)
        if deadline is not None and actor is not None and first <= deadline.due <= last:
            found.append(DeadlineDue(row.id, row.participant, row.kind, deadline.step, deadline.due, actor))
    return found


def reviews(
    session: Session,
    principal: Principal,
    today: date,
    *,
    participant: str | None = None,
    overdue: bool | None = None,
) -> list[dict[str, Any]]:
    """The reviews the caller may see (an authority: its own participant's), newest first,
    each with the next step its timeline waits for and whether it is pending too long."""
    require(principal, Action.VIEW_REVIEWS)
    query = sa.select(Review).order_by(Review.id.desc())
    if is_participant_bound(principal):
        query = query.where(Review.participant == principal.participant_code)
    if participant:
        query = query.where(Review.participant == participant)
    found = [_summary(r, today) for r in session.scalars(query)]
    return [r for r in found if overdue is None or r["overdue"] is overdue]


def review(session: Session, principal: Principal, review_id: int, today: date) -> dict[str, Any]:
    """One review: its team, terms of reference, reports, comments and recommendations, each
    recommendation with its follow-up history."""
    found = _review(session, principal, review_id)
    members = session.scalars(
        sa.select(ReviewMember).where(ReviewMember.review_id == found.id).order_by(ReviewMember.id)
    ).all()
    recommendations = session.scalars(
        sa.select(Recommendation).where(Recommendation.review_id == found.id).order_by(Recommendation.number)
    ).all()
    steps = session.scalars(
        sa.select(RecommendationStep)
        .where(RecommendationStep.recommendation_id.in_([r.id for r in recommendations]))
        .order_by(RecommendationStep.id)
    ).all()
    return _summary(found, today) | {
        "terms_of_reference": found.terms_of_reference,
        "draft_report": found.draft_report,
        "comments": found.comments,
        "commented_on": found.commented_on,
        "final_report": found.final_report,
        "created_at": found.created_at,
        "created_by": found.created_by,
        "team": [
            {
                "name": m.name,
                "constituency": m.constituency,
                "affiliation": m.affiliation,
                "leader": m.leader,
            }
            for m in members
        ],
        "constituencies_missing": constituencies_missing([m.constituency for m in members]),
        "recommendations": [
            {
                "id": r.id,
                "number": r.number,
                "text": r.text,
                "owner": r.owner,
                "follow_up": r.follow_up,
                "history": [
                    {
                        "follow_up": s.follow_up,
                        "note": s.note,
                        "source": s.source,
                        "taken_at": s.taken_at,
                        "taken_by": s.taken_by,
                    }
                    for s in steps
                    if s.recommendation_id == r.id
                ],
            }
            for r in recommendations
        ],
    }


def printable(session: Session, principal: Principal, review_id: int, today: date) -> dict[str, Any]:
    """The review as :func:`review` gives it, once it has a report to print (a draft sent or
    more); a planned review has none yet (a :class:`Conflict`)."""
    found = review(session, principal, review_id, today)
    if Stage(found["stage"]) is Stage.PLANNED:
        raise Conflict(f"review {review_id} is planned: it has no report to print yet")
    return found


def create(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    *,
    kind: str,
    participant: str,
    terms_of_reference: str,
) -> dict[str, Any]:
    """A review to plan: a visit on the participant's invitation (its authority, or the WGM
    recording it), or a mission, which only the WGM sends."""
    chosen = _enum(ReviewKind, "kind", kind)
    if chosen is ReviewKind.MISSION:
        require(principal, Action.MANAGE_REVIEWS)
    else:
        # an authority invites a visit to its own participant only
        require(principal, Action.INVITE_REVIEW_VISIT, participant=participant)
    terms = _text("terms_of_reference", terms_of_reference)
    with uow:
        if uow.session.get(Participant, participant) is None:
            raise InvalidInput.field("participant", f"{participant or '(none)'} is not in the registry")
        row = Review(
            kind=chosen.value,
            participant=participant,
            stage=Stage.PLANNED.value,
            terms_of_reference=terms,
            created_at=clock.now(),
            created_by=principal.actor,
        )
        uow.session.add(row)
        uow.session.flush()
        _audit(
            uow.session,
            principal,
            clock,
            tags.REVIEW_CREATED,
            row,
            after={"kind": row.kind, "stage": row.stage},
        )
        uow.commit()
        return review(uow.session, principal, row.id, clock.today())


def _managed(session: Session, principal: Principal, review_id: int, *stages: Stage) -> Review:
    """The review, for the WGM to act on in one of ``stages``."""
    require(principal, Action.MANAGE_REVIEWS)
    found = _review(session, principal, review_id)
    if Stage(found.stage) not in stages:
        raise Conflict(f"review {review_id} is {found.stage}: this is done while it is {' or '.join(stages)}")
    return found


def _audit(
    session: Session,
    principal: Principal,
    clock: Clock,
    tag: str,
    found: Review,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tag,
        object_type="review",
        object_id=str(found.id),
        before=before,
        after=after,
        note=note,
    )


def add_member(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    review_id: int,
    *,
    name: str,
    constituency: str,
    affiliation: str,
    leader: bool = False,
) -> dict[str, Any]:
    """An expert on the team (while the review is planned); the team has one leader."""
    side = _enum(Constituency, "constituency", constituency)
    who, where = _text("name", name, limit=200), _text("affiliation", affiliation, limit=200)
    with uow:
        found = _managed(uow.session, principal, review_id, Stage.PLANNED)
        if leader and uow.session.scalar(
            sa.select(ReviewMember.name).where(ReviewMember.review_id == found.id, ReviewMember.leader)
        ):
            raise InvalidInput.field("leader", "the team has a leader already")
        uow.session.add(
            ReviewMember(
                review_id=found.id, name=who, constituency=side.value, affiliation=where, leader=leader
            )
        )
        member = {"name": who, "constituency": side.value, "affiliation": where, "leader": leader}
        _audit(uow.session, principal, clock, tags.REVIEW_MEMBER_ADDED, found, after=member)
        uow.commit()
        return review(uow.session, principal, review_id, clock.today())


def set_visit_dates(
    uow: UnitOfWork, principal: Principal, clock: Clock, review_id: int, *, starts: date, ends: date
) -> dict[str, Any]:
    """The days of the visit or mission, agreed with the participant; the draft report's
    timeline runs from the last."""
    if ends < starts:
        raise InvalidInput.field("visit_ends", "must not be before the first day of the visit")
    with uow:
        found = _managed(uow.session, principal, review_id, Stage.PLANNED)
        before = {"visit_starts": found.visit_starts, "visit_ends": found.visit_ends}
        found.visit_starts, found.visit_ends = starts, ends
        after = {"visit_starts": starts, "visit_ends": ends}
        _audit(uow.session, principal, clock, tags.REVIEW_VISIT_DATED, found, before=before, after=after)
        uow.commit()
        return review(uow.session, principal, review_id, clock.today())


def send_draft(
    uow: UnitOfWork, principal: Principal, clock: Clock, review_id: int, text: str
) -> dict[str, Any]:
    """The draft report, sent to the participant and the Chair once the visit is over and a
    team led by someone made it."""
    report = _text("draft_report", text)
    today = clock.today()
    with uow:
        found = _managed(uow.session, principal, review_id, Stage.PLANNED)
        if found.visit_ends is None or found.visit_ends > today:
            raise Conflict(f"review {review_id}: a draft report follows the visit, which has not ended")
        if not uow.session.scalar(
            sa.select(ReviewMember.id).where(ReviewMember.review_id == found.id, ReviewMember.leader)
        ):
            raise Conflict(f"review {review_id}: the team has no leader to answer for the report")
        found.draft_report, found.draft_sent_on, found.stage = report, today, Stage.DRAFT.value
        after = {"stage": found.stage, "draft_sent_on": today}
        _audit(
            uow.session,
            principal,
            clock,
            tags.REVIEW_DRAFT_SENT,
            found,
            before={"stage": "planned"},
            after=after,
        )
        uow.commit()
        return review(uow.session, principal, review_id, today)


def comment(uow: UnitOfWork, principal: Principal, clock: Clock, review_id: int, text: str) -> dict[str, Any]:
    """The reviewed participant's comments on the draft (its authority), once."""
    said = _text("comments", text)
    with uow:
        found = _review(uow.session, principal, review_id)
        require(principal, Action.COMMENT_ON_REVIEW, participant=found.participant)
        if Stage(found.stage) is not Stage.DRAFT:
            raise Conflict(f"review {review_id} is {found.stage}: comments are on a draft report")
        found.comments, found.commented_on, found.stage = said, clock.today(), Stage.COMMENTED.value
        _audit(
            uow.session,
            principal,
            clock,
            tags.REVIEW_COMMENTED,
            found,
            before={"stage": "draft"},
            after={"stage": found.stage},
        )
        uow.commit()
        return review(uow.session, principal, review_id, clock.today())


def finalise(
    uow: UnitOfWork, principal: Principal, clock: Clock, review_id: int, text: str
) -> dict[str, Any]:
    """The final report, which goes out with the participant's comments."""
    report = _text("final_report", text)
    today = clock.today()
    with uow:
        found = _managed(uow.session, principal, review_id, Stage.DRAFT, Stage.COMMENTED)
        refusal = may_finalise(Stage(found.stage), found.draft_sent_on, today)
        if refusal:
            raise Conflict(f"review {review_id}: {refusal}")
        before = {"stage": found.stage}
        found.final_report, found.final_on, found.stage = report, today, Stage.FINAL.value
        _audit(
            uow.session,
            principal,
            clock,
            tags.REVIEW_FINALISED,
            found,
            before=before,
            after={"stage": found.stage},
        )
        uow.commit()
        return review(uow.session, principal, review_id, today)


def adopt(
    uow: UnitOfWork, principal: Principal, clock: Clock, review_id: int, note: str | None = None
) -> dict[str, Any]:
    """The final report adopted (by the plenary, recorded by the WGM)."""
    with uow:
        found = _managed(uow.session, principal, review_id, Stage.FINAL)
        found.adopted_on, found.stage = clock.today(), Stage.ADOPTED.value
        _audit(
            uow.session,
            principal,
            clock,
            tags.REVIEW_ADOPTED,
            found,
            before={"stage": "final"},
            after={"stage": found.stage},
            note=(note or "").strip() or None,
        )
        uow.commit()
        return review(uow.session, principal, review_id, clock.today())


def add_recommendation(
    uow: UnitOfWork, principal: Principal, clock: Clock, review_id: int, *, text: str, owner: str
) -> dict[str, Any]:
    """A recommendation of the report (from the draft on), open until followed up."""
    said, who = _text("text", text, limit=10_000), _text("owner", owner, limit=200)
    with uow:
        found = _managed(uow.session, principal, review_id, Stage.DRAFT, Stage.COMMENTED, Stage.FINAL)
        number = 1 + (
            uow.session.scalar(
                sa.select(sa.func.max(Recommendation.number)).where(Recommendation.review_id == found.id)
            )
            or 0
        )
        row = Recommendation(
            review_id=found.id, number=number, text=said, owner=who, follow_up=FollowUp.OPEN.value
        )
        uow.session.add(row)
        uow.session.flush()
        uow.session.add(
            RecommendationStep(
                recommendation_id=row.id,
                follow_up=row.follow_up,
                note=None,
                source="review report",
                taken_at=clock.now(),
                taken_by=principal.actor,
            )
        )
        _audit(
            uow.session,
            principal,
            clock,
            tags.RECOMMENDATION_ADDED,
            found,
            after={"number": number, "owner": who, "follow_up": row.follow_up},
        )
        uow.commit()
        return review(uow.session, principal, review_id, clock.today())


def recommendations(
    session: Session,
    principal: Principal,
    *,
    participant: str | None = None,
    outstanding: bool = False,
) -> list[dict[str, Any]]:
    """The recommendations of the reviews the caller may see (an authority: its own
    participant's), oldest review first; ``outstanding``: only those still open or in
    progress, which a participant's annual report is to answer on."""
    require(principal, Action.VIEW_REVIEWS)
    query = (
        sa.select(Recommendation, Review)
        .join(Review, Review.id == Recommendation.review_id)
        .order_by(Review.id, Recommendation.number)
    )
    if is_participant_bound(principal):
        query = query.where(Review.participant == principal.participant_code)
    if participant:
        query = query.where(Review.participant == participant)
    if outstanding:
        query = query.where(Recommendation.follow_up.in_([f.value for f in OUTSTANDING]))
    return [_brief(rec, found) for rec, found in session.execute(query)]


FOLLOW_UP_SOURCES = ("wgm", "annual report", "participant")
"""Where a follow-up was reported: the WGM's own tracking, a participant's annual report,
or the participant's authority directly."""

REPORTED_STAGES = (Stage.FINAL, Stage.ADOPTED)
"""The reviews whose recommendations a participant's annual report answers on: those with a
final report (the draft's may still change)."""


def annual_report_source(year: int) -> str:
    """The source of a follow-up step reported in the participant's annual report on ``year``."""
    return f"annual report {year}"


def _known_source(source: str) -> bool:
    if source in FOLLOW_UP_SOURCES:
        return True
    year = source.removeprefix("annual report ")
    return year != source and len(year) == 4 and year.isdigit()


def update_follow_up(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    recommendation_id: int,
    follow_up: str,
    note: str,
    *,
    source: str = "wgm",
) -> dict[str, Any]:
    """Set where a recommendation's follow-up stands, with a note saying why: the WGM, or
    the reviewed participant's authority (an annual report passes ``source="annual report"``).
    Each change is a new step of its history and an audit event; nothing is overwritten."""
    state = _enum(FollowUp, "follow_up", follow_up)
    why = _text("note", note, limit=10_000)
    if not _known_source(source):
        raise InvalidInput.field("source", f"must be one of {', '.join(FOLLOW_UP_SOURCES)}")
    with uow:
        require(principal, Action.FOLLOW_UP_RECOMMENDATION)
        row = uow.session.get(Recommendation, recommendation_id)
        found = _review(uow.session, principal, row.review_id) if row else None
        if row is None or found is None:
            raise NotFound(f"no recommendation {recommendation_id}")
        require(principal, Action.FOLLOW_UP_RECOMMENDATION, participant=found.participant)
        if Stage(found.stage) is Stage.PLANNED:
            raise Conflict(f"review {found.id} has no report yet")
        _step(uow.session, principal, clock, row, found, state, why, source)
        uow.commit()
        return review(uow.session, principal, found.id, clock.today())


def _step(
    session: Session,
    principal: Principal,
    clock: Clock,
    row: Recommendation,
    found: Review,
    state: FollowUp,
    why: str,
    source: str,
) -> None:
    """The one way a follow-up changes: the state set, a step of its history, an audit event."""
    before = {"follow_up": row.follow_up}
    row.follow_up = state.value
    session.add(
        RecommendationStep(
            recommendation_id=row.id,
            follow_up=state.value,
            note=why,
            source=source,
            taken_at=clock.now(),
            taken_by=principal.actor,
        )
    )
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tags.RECOMMENDATION_FOLLOWED_UP,
        object_type="review-recommendation",
        object_id=str(row.id),
        before=before,
        after={"follow_up": state.value, "review": found.id, "number": row.number, "source": source},
        note=why,
    )


def to_report_on(session: Session, participant: str) -> dict[int, dict[str, Any]]:
    """The recommendations ``participant``'s annual report answers on, by id: those of its
    reviews with a final report that are still open or in progress (oldest review first).
    No permission is checked: the caller (the annual report) has checked it may act for
    ``participant``."""
    query = (
        sa.select(Recommendation, Review)
        .join(Review, Review.id == Recommendation.review_id)
        .where(
            Review.participant == participant,
            Review.stage.in_([s.value for s in REPORTED_STAGES]),
            Recommendation.follow_up.in_([f.value for f in OUTSTANDING]),
        )
        .order_by(Review.id, Recommendation.number)
    )
    return {rec.id: _brief(rec, found) for rec, found in session.execute(query)}


def described(session: Session, recommendation_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The recommendations of ``recommendation_ids`` as a report names them, by id (no
    permission check: for a report that already holds them)."""
    if not recommendation_ids:
        return {}
    query = (
        sa.select(Recommendation, Review)
        .join(Review, Review.id == Recommendation.review_id)
        .where(Recommendation.id.in_(recommendation_ids))
    )
    return {rec.id: _brief(rec, found) for rec, found in session.execute(query)}


def _brief(rec: Recommendation, found: Review) -> dict[str, Any]:
    return {
        "id": rec.id,
        "review": found.id,
        "review_kind": found.kind,
        "participant": found.participant,
        "number": rec.number,
        "text": rec.text,
        "owner": rec.owner,
        "follow_up": rec.follow_up,
    }


def follow_up_from_annual_report(
    session: Session,
    principal: Principal,
    clock: Clock,
    *,
    participant: str,
    year: int,
    updates: list[dict[str, Any]],
) -> int:
    """Apply the follow-up ``participant``'s annual report on ``year`` reports (each
    ``{"recommendation", "follow_up", "note"}``), in the caller's transaction, each as a step
    whose source is ``annual report <year>``; returns how many. Every one must still be
    among :func:`to_report_on` (the report was checked when edited and again on submission)."""
    open_now = to_report_on(session, participant)
    source = annual_report_source(year)
    for n, update in enumerate(updates):
        row = session.get(Recommendation, update["recommendation"])
        if row is None or row.id not in open_now:
            raise InvalidInput.field(
                f"follow_ups[{n}].recommendation",
                f"{update['recommendation']} is not an open recommendation of {participant}'s reviews",
            )
        found = session.get(Review, row.review_id)
        assert found is not None
        state = _enum(FollowUp, f"follow_ups[{n}].follow_up", update["follow_up"])
        why = _text(f"follow_ups[{n}].note", update["note"], limit=10_000)
        _step(session, principal, clock, row, found, state, why, source)
    return len(updates)
