"""notifications: the inbox, the e-mails to send, and users' e-mail addresses

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "key",
            sa.String(length=200),
            nullable=True,
            comment="what it is about, once: a second notify with it is ignored",
        ),
        sa.Column("role", sa.String(length=32), nullable=False, comment="the role that must act"),
        sa.Column(
            "participant",
            sa.String(length=8),
            nullable=True,
            comment="for that participant's holders of the role; none: scheme-wide",
        ),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False, comment="the page where it is acted on"),
        sa.Column("created_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("key", name=op.f("uq_notifications_key")),
    )
    op.create_index(
        "ix_notifications_recipient", "notifications", ["role", "participant", "created_at"], unique=False
    )
    op.create_table(
        "notification_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "sent", "failed", name="mailstate", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_notification_mails_notification_id_notifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_mails")),
    )
    op.create_index(
        "ix_notification_mails_due", "notification_mails", ["state", "next_attempt_at"], unique=False
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "email",
                sa.String(length=254),
                nullable=True,
                comment="where notifications are e-mailed; none: the inbox only",
            )
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
    op.drop_index("ix_notification_mails_due", table_name="notification_mails")
    op.drop_table("notification_mails")
    op.drop_index("ix_notifications_recipient", table_name="notifications")
    op.drop_table("notifications")
