"""Table of production zones' footprints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base
from kpcs.footprints.domain import Source


class ZoneFootprint(Base):
    """One footprint of a participant's production zone, as the Diamond Expert Team entered it
    or as kpcs computed it from the zone's approved dossiers. A zone keeps every footprint it
    was given; the newest is the one shipments are compared with."""

    __tablename__ = "zone_footprints"
    __table_args__ = (
        sa.Index("ix_zone_footprints_participant_zone", "participant_code", "zone", "id"),
        sa.CheckConstraint("usd_per_carat > 0", name="positive_price"),
        sa.CheckConstraint("stones > 0", name="positive_stones"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_code: Mapped[str] = mapped_column(sa.ForeignKey("participants.code", ondelete="RESTRICT"))
    zone: Mapped[str] = mapped_column(sa.String(200), comment="as the participant's compliant zones name it")
    sizes: Mapped[dict[str, Any]] = mapped_column(comment="{sieve class: share of the carats}")
    colours: Mapped[dict[str, Any]] = mapped_column(comment="{colour: share of the carats}")
    qualities: Mapped[dict[str, Any]] = mapped_column(comment="{quality: share of the carats}")
    usd_per_carat: Mapped[Decimal] = mapped_column(sa.Numeric(18, 2))
    stones: Mapped[int] = mapped_column(comment="how many stones the footprint rests on")
    source: Mapped[Source] = mapped_column(comment="experts (entered) or dossiers (computed)")
    dossier_ids: Mapped[list[str]] = mapped_column(
        comment="the approved dossiers it was computed from ([] when entered by the experts)"
    )
    as_of: Mapped[date] = mapped_column(comment="the day the footprint describes the zone's production")
    notes: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(120))
