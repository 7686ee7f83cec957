"""The findings of the Diamond Expert Team, one per closed warning of the expert checks.

One table for the three kinds, keyed by ``(kind, warning_id)``, rather than columns on each
warning's table: a footprint warning has no row of its own (its verdict is computed against
the zone's current footprint, and may change when the footprint does), the warning tables are
written by other use cases (issuing, photo upload) that need not know of findings, and one
unique key is what makes "closed once" hold when two experts submit at the same moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base
from kpcs.workbench.domain import Conclusion, Kind

__all__ = ["ExpertFinding"]


class ExpertFinding(Base):
    """The experts' finding on one warning, which closes it."""

    __tablename__ = "expert_findings"
    __table_args__ = (
        sa.UniqueConstraint("kind", "warning_id", name="uq_expert_findings_kind_warning"),
        sa.Index("ix_expert_findings_certificate", "certificate_number"),
        sa.Index("ix_expert_findings_dossier", "dossier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Kind] = mapped_column(comment="photo-match, valuation or footprint")
    warning_id: Mapped[int] = mapped_column(
        comment="photo_matches.id, valuation_warnings.id, or the export dossier's id (footprint)"
    )
    certificate_number: Mapped[str | None] = mapped_column(
        sa.String(40), comment="the certificate the warning is on, if any (its timeline shows the finding)"
    )
    dossier_id: Mapped[int | None] = mapped_column(comment="the export dossier the warning is on, if any")
    participant_code: Mapped[str] = mapped_column(sa.String(8), comment="the exporting participant")
    conclusion: Mapped[Conclusion] = mapped_column(comment="confirmed or cleared")
    finding: Mapped[str] = mapped_column(sa.Text, comment="what the experts found, in their words")
    figures: Mapped[dict[str, Any]] = mapped_column(
        comment="the warning's key figures when it was closed (distance, ratio, what differs most)"
    )
    raised_at: Mapped[datetime] = mapped_column(comment="when the warning was raised")
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(120))
