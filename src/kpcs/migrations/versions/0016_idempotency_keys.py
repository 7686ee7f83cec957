"""idempotency keys of creating requests

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 12:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "principal",
            sa.String(length=120),
            nullable=False,
            comment="the caller's actor, e.g. 'token:kpcs_ab12'",
        ),
        sa.Column("key", sa.String(length=255), nullable=False, comment="the Idempotency-Key header as sent"),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column(
            "fingerprint",
            sa.String(length=64),
            nullable=True,
            comment="SHA-256 of method, path, query and body; set when the answer is stored",
        ),
        sa.Column(
            "status",
            sa.Integer(),
            nullable=True,
            comment="the first answer's HTTP status; null while running",
        ),
        sa.Column("response_headers", sa.JSON(), nullable=True, comment="content-type and location"),
        sa.Column("response_body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("principal", "key", name="uq_idempotency_keys_principal_key"),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_keys_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_keys_created_at")
    op.drop_table("idempotency_keys")
