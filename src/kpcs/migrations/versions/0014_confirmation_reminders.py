"""reminders to confirm an import

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "confirmation_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "sent_by", sa.String(length=120), nullable=False, comment="the actor, as the audit log names it"
        ),
        sa.Column("route", sa.String(length=32), nullable=False),
        sa.Column(
            "message_id",
            sa.String(length=36),
            nullable=True,
            comment="the exchange message that carried it (sent or received)",
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_confirmation_reminders_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confirmation_reminders")),
    )
    op.create_index(
        "ix_confirmation_reminders_certificate",
        "confirmation_reminders",
        ["certificate_id", "sent_at"],
        unique=False,
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_confirmation_reminders_certificate", table_name="confirmation_reminders")
    op.drop_table("confirmation_reminders")
