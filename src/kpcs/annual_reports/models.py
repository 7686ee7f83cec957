"""The annual reports table: one report per participant and year, its parts as JSON keyed
by section (:data:`kpcs.annual_reports.domain.SECTIONS`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base


class AnnualReport(Base):
    """A participant's annual report on one calendar year, from draft to its response."""

    __tablename__ = "annual_reports"
    __table_args__ = (
        sa.UniqueConstraint("participant", "year"),
        sa.Index("ix_annual_reports_year_status", "year", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    year: Mapped[int] = mapped_column(comment="the calendar year reported on")
    status: Mapped[str] = mapped_column(sa.String(10), comment="draft, submitted, assessed, responded")
    part_a: Mapped[dict[str, str]] = mapped_column(
        sa.JSON, comment="standing information per section, carried over from the previous report"
    )
    part_b: Mapped[dict[str, str]] = mapped_column(sa.JSON, comment="the year's changes per section")
    figures: Mapped[dict[str, Any] | None] = mapped_column(
        sa.JSON, comment="what kpcs knew of the year when the report was submitted; NULL while a draft"
    )
    follow_ups: Mapped[list[dict[str, Any]] | None] = mapped_column(
        sa.JSON,
        comment="[{recommendation, follow_up, note}] reported on peer-review recommendations; NULL: none",
    )
    feedback: Mapped[dict[str, str] | None] = mapped_column(sa.JSON, comment="the WGM's feedback per section")
    assessment_note: Mapped[str | None] = mapped_column(sa.Text, comment="the WGM's overall conclusion")
    response: Mapped[str | None] = mapped_column(
        sa.Text, comment="the participant's response to the feedback"
    )
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(sa.String(120))
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[str | None] = mapped_column(sa.String(120))
    assessed_at: Mapped[datetime | None]
    assessed_by: Mapped[str | None] = mapped_column(sa.String(120))
    responded_at: Mapped[datetime | None]
    responded_by: Mapped[str | None] = mapped_column(sa.String(120))
