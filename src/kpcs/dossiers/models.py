"""Tables of export dossiers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base
from kpcs.dossiers.domain import DossierStatus

Carats = sa.Numeric(16, 2)
Money = sa.Numeric(18, 2)


class ExportDossier(Base):
    """One proposed export shipment of a restricted participant, and what was made of it."""

    __tablename__ = "export_dossiers"
    __table_args__ = (
        sa.Index("ix_export_dossiers_participant_submitted", "participant_code", "submitted_at"),
        sa.Index("ix_export_dossiers_status", "status"),
        sa.CheckConstraint("carats > 0", name="positive_carats"),
        sa.CheckConstraint("value_usd > 0", name="positive_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_code: Mapped[str] = mapped_column(sa.ForeignKey("participants.code", ondelete="RESTRICT"))
    exporting_country: Mapped[str] = mapped_column(sa.String(2))
    zone: Mapped[str] = mapped_column(sa.String(200), comment="a compliant zone in force at submission")
    carats: Mapped[Decimal] = mapped_column(Carats)
    value_usd: Mapped[Decimal] = mapped_column(Money)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON(), comment="[{hs_code, origin, carats, value_usd}] as strings; [] when not given"
    )
    parcel_count: Mapped[int | None]
    parcels: Mapped[list[str]] = mapped_column(comment="the parcel list, one description each")
    notes: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DossierStatus]
    submitted_at: Mapped[datetime]
    submitted_by: Mapped[str] = mapped_column(sa.String(120))
    clock_started_at: Mapped[datetime] = mapped_column(
        comment="when the week began: submission, or the answer to a request for more information"
    )
    expert_assessment: Mapped[dict[str, Any] | None] = mapped_column(
        sa.JSON(), comment="Diamond Expert Team: conclusion, notes, by, at"
    )
    statistics_assessment: Mapped[dict[str, Any] | None] = mapped_column(
        sa.JSON(), comment="statistics working group: conclusion, notes, report, by, at"
    )
    decision: Mapped[dict[str, Any] | None] = mapped_column(
        sa.JSON(), comment="Monitoring Team's latest decision: decision, reason, by, at"
    )
    decided_at: Mapped[datetime | None]
    assortment: Mapped[dict[str, Any] | None] = mapped_column(
        sa.JSON(),
        comment="declared assortment: {sieve_classes: {class: {stones, carats}}, colours, qualities}",
    )
    certificate_number: Mapped[str | None] = mapped_column(
        sa.String(40), unique=True, comment="the one certificate issued on this dossier"
    )
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON,
        server_default=sa.text("'[]'"),
        default=list,
        comment="[{type, message, ...}] from the expert checks, e.g. a re-used photo (kpcs.photos)",
    )
