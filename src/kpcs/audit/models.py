"""The audit table. Written in the same transaction as the change it records, so a
change without its record (or a record of a change that rolled back) cannot exist."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base


class AuditEvent(Base):
    """One state change: who (actor), when, what (tag and object), before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # "Who did what": one actor's events, and the list of actors the page offers,
        # read from the index rather than from rows that carry whole snapshots.
        sa.Index("ix_audit_events_actor", "actor"),
        sa.Index("ix_audit_events_object", "object_type", "object_id"),
        sa.Index("ix_audit_events_occurred_at", "occurred_at"),
        sa.Index("ix_audit_events_tag", "tag"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(
        sa.String(120), comment="'user:<name>', 'token:<prefix>', 'cli:<os user>', 'system'"
    )
    actor_participant: Mapped[str | None] = mapped_column(sa.String(8))
    tag: Mapped[str] = mapped_column(sa.String(80))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str] = mapped_column(sa.String(120))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
