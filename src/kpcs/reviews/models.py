"""Tables of peer review: reviews, their team members, their recommendations and each
recommendation's follow-up history (never rewritten: a later state is a new step)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base


class Review(Base):
    """A review visit or mission to one participant, and where its report stands."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), comment="visit or mission")
    participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(10), comment="planned, draft, commented, final, adopted")
    terms_of_reference: Mapped[str] = mapped_column(sa.Text)
    visit_starts: Mapped[date | None]
    visit_ends: Mapped[date | None] = mapped_column(comment="the draft report's timeline runs from this day")
    draft_report: Mapped[str | None] = mapped_column(sa.Text)
    draft_sent_on: Mapped[date | None]
    comments: Mapped[str | None] = mapped_column(sa.Text, comment="the participant's comments on the draft")
    commented_on: Mapped[date | None]
    final_report: Mapped[str | None] = mapped_column(sa.Text)
    final_on: Mapped[date | None]
    adopted_on: Mapped[date | None]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))


class ReviewMember(Base):
    """One expert of a review team: a participant's, industry's or civil society's."""

    __tablename__ = "review_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    constituency: Mapped[str] = mapped_column(sa.String(16), comment="participant, industry, civil society")
    affiliation: Mapped[str] = mapped_column(sa.String(200), comment="the participant or organisation")
    leader: Mapped[bool]


class Recommendation(Base):
    """A recommendation of a review's report: who owns it, and its follow-up as it stands."""

    __tablename__ = "review_recommendations"
    __table_args__ = (sa.UniqueConstraint("review_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id"), index=True)
    number: Mapped[int] = mapped_column(comment="1, 2, 3… within the review")
    text: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(200), comment="who is to act on it")
    follow_up: Mapped[str] = mapped_column(sa.String(20), comment="open, in progress, implemented, …")


class RecommendationStep(Base):
    """One entry of a recommendation's follow-up history: the state set, why, who, when."""

    __tablename__ = "review_recommendation_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(sa.ForeignKey("review_recommendations.id"), index=True)
    follow_up: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(40), comment="where it was reported: wgm, annual report…")
    taken_at: Mapped[datetime]
    taken_by: Mapped[str] = mapped_column(sa.String(120))
