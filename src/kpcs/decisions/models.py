"""Tables of the register of administrative decisions. Reference data, read and changed
through the session directly (STYLE anti-pattern 3: no repository for reference tables)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base
from kpcs.decisions.domain import DecisionStatus


class Decision(Base):
    """An administrative decision of the KP: what it is, who adopted it, whether it is still
    in force, and the sources that say so."""

    __tablename__ = "decisions"
    __table_args__ = (
        sa.UniqueConstraint("key", name="uq_decisions_key"),
        sa.Index("ix_decisions_year", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(
        sa.String(80), comment="stable identifier: the data file's key, or year and title words"
    )
    title: Mapped[str] = mapped_column(sa.Text)
    number: Mapped[str | None] = mapped_column(sa.String(80), comment="as the KP numbers it, e.g. 02/2013")
    year: Mapped[int | None] = mapped_column(comment="year of adoption; null where no source gives it")
    adopted_on: Mapped[date | None]
    adopted_by: Mapped[str] = mapped_column(sa.String(200), comment="the adopting body, e.g. Plenary")
    status: Mapped[DecisionStatus]
    status_sources: Mapped[list[str]] = mapped_column(comment="citations that show the status")
    status_note: Mapped[str | None] = mapped_column(sa.Text, comment="how the status was read")
    summary: Mapped[str] = mapped_column(sa.Text)
    text: Mapped[str | None] = mapped_column(sa.Text, comment="the decision's text, where kpcs holds it")
    link: Mapped[str | None] = mapped_column(sa.String(2000), comment="where its text is published")
    sources: Mapped[list[str]] = mapped_column(comment="citations '<source id> <locator>'")
    recorded_by: Mapped[str] = mapped_column(sa.String(120), comment="'registry' for the data file")
    recorded_at: Mapped[datetime]
    edited_by: Mapped[str | None] = mapped_column(
        sa.String(120), comment="last admin to change it; the data file then leaves it alone"
    )
    edited_at: Mapped[datetime | None]


class DecisionParticipant(Base):
    """A participant or observer a decision concerns."""

    __tablename__ = "decision_participants"

    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True
    )
    participant_code: Mapped[str] = mapped_column(
        sa.ForeignKey("participants.code"), primary_key=True, index=True
    )


class DecisionBody(Base):
    """A working body a decision concerns (that prepared it, applies it or is set up by it)."""

    __tablename__ = "decision_bodies"

    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True
    )
    body_code: Mapped[str] = mapped_column(sa.ForeignKey("working_bodies.code"), primary_key=True, index=True)


class DecisionSupersession(Base):
    """That one decision replaced another."""

    __tablename__ = "decision_supersessions"

    decision_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True, comment="the newer decision"
    )
    superseded_id: Mapped[int] = mapped_column(
        sa.ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
