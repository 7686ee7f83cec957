"""The table of idempotency keys and the answers they stand for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base


class IdempotencyKey(Base):
    """A caller's ``Idempotency-Key`` and the first answer given for it.

    The unique constraint on (principal, key) is what stops two concurrent retries from both
    creating: only one of them can claim the key. A row without ``status`` is a request
    still running (or one whose worker died: it expires with the others).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        sa.UniqueConstraint("principal", "key", name="uq_idempotency_keys_principal_key"),
        sa.Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(
        sa.String(120), comment="the caller's actor, e.g. 'token:kpcs_ab12'"
    )
    key: Mapped[str] = mapped_column(sa.String(255), comment="the Idempotency-Key header as sent")
    method: Mapped[str] = mapped_column(sa.String(8))
    path: Mapped[str] = mapped_column(sa.String(500))
    fingerprint: Mapped[str | None] = mapped_column(
        sa.String(64), comment="SHA-256 of method, path, query and body; set when the answer is stored"
    )
    status: Mapped[int | None] = mapped_column(comment="the first answer's HTTP status; null while running")
    response_headers: Mapped[dict[str, Any] | None] = mapped_column(comment="content-type and location")
    response_body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime]
