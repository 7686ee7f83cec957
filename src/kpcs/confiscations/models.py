"""Table of the register of confiscated and seized rough diamonds."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base

Carats = sa.Numeric(16, 2)
Money = sa.Numeric(18, 2)


class Confiscation(Base):
    """Rough diamonds a participant's authorities seized or confiscated, and what became of them."""

    __tablename__ = "confiscations"
    __table_args__ = (sa.Index("ix_confiscations_participant_seized_on", "participant", "seized_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    reference: Mapped[str | None] = mapped_column(sa.String(100), comment="the authority's own case number")
    seized_on: Mapped[date]
    carats: Mapped[Decimal] = mapped_column(Carats)
    value_usd: Mapped[Decimal] = mapped_column(Money, comment="as estimated by the authority")
    circumstances: Mapped[str] = mapped_column(sa.Text, comment="how the stones were found; never published")
    disposition: Mapped[str] = mapped_column(
        sa.String(16), comment="held, returned, forfeited, auctioned, destroyed"
    )
    disposition_on: Mapped[date | None] = mapped_column(comment="when the disposition took effect")
    disposition_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    updated_at: Mapped[datetime]
