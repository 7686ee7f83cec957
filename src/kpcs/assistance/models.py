"""Table of technical assistance: each need or offer, where it stands and, once matched, its
counterpart."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base


class AssistanceEntry(Base):
    """A need for technical assistance, or an offer of it, from a participant or an observer."""

    __tablename__ = "assistance_entries"
    __table_args__ = (sa.Index("ix_assistance_entries_kind_status_topic", "kind", "status", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8), comment="need or offer")
    participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"), index=True)
    topic: Mapped[str] = mapped_column(sa.String(32), comment="a Topic value: matched on equality")
    region: Mapped[str] = mapped_column(
        sa.String(32), comment="where needed, or where offered (worldwide: anywhere)"
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    contact: Mapped[str] = mapped_column(
        sa.String(200), comment="who to contact: a person or office; not shown to the public"
    )
    starts_on: Mapped[date | None] = mapped_column(comment="from when it is needed or offered")
    ends_on: Mapped[date | None] = mapped_column(comment="until when it is needed or offered")
    status: Mapped[str] = mapped_column(sa.String(16), comment="open, matched, in progress, closed")
    matched_with: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assistance_entries.id"), comment="the offer (of a need) or need (of an offer)"
    )
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    updated_at: Mapped[datetime]
