"""The experts' index of valuation warnings (issue 20): one row per flagged certificate line.

The warning itself lives with the certificate (``certificates.warnings``, as the API gives
it); this table repeats its figures in columns so that the Diamond Expert Team's list can
be filtered and paged in SQL. It is written in the issue's transaction, by the subscriber
:func:`kpcs.expertise.services.index_valuation_warnings`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base

__all__ = ["ValuationWarning"]


class ValuationWarning(Base):
    """An under- or over-valuation warning on one line of an issued certificate."""

    __tablename__ = "valuation_warnings"
    __table_args__ = (
        sa.UniqueConstraint("certificate_id", "line"),
        sa.Index("ix_valuation_warnings_issued_on", "issued_on"),
        sa.Index("ix_valuation_warnings_exporter_issued", "exporting_participant", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(comment="the certificate line, from 1")
    type: Mapped[str] = mapped_column(sa.String(16), comment="undervaluation or overvaluation")
    exporting_participant: Mapped[str] = mapped_column(sa.String(8))
    importing_participant: Mapped[str] = mapped_column(sa.String(8))
    issued_on: Mapped[date]
    hs_code: Mapped[str] = mapped_column(sa.String(7))
    origin: Mapped[str] = mapped_column(sa.String(5))
    usd_per_carat: Mapped[Decimal] = mapped_column(sa.Numeric(18, 2))
    reference_usd_per_carat: Mapped[Decimal] = mapped_column(sa.Numeric(18, 2))
    basis: Mapped[str] = mapped_column(
        sa.String(12), comment="origin, participant or published: where the reference came from"
    )
    certificates: Mapped[int] = mapped_column(comment="certificates behind the reference (0: published)")
    spread: Mapped[float] = mapped_column(sa.Float, comment="robust sd of ln($/ct) of the reference")
    distance: Mapped[float] = mapped_column(sa.Float, comment="ln(ratio) / spread")
    ratio: Mapped[float] = mapped_column(sa.Float, comment="the line's $/ct / the reference")
