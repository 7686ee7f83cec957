"""technical assistance needs and offers; the register of confiscated rough diamonds

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "assistance_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False, comment="need or offer"),
        sa.Column("participant", sa.String(length=8), nullable=False),
        sa.Column(
            "topic", sa.String(length=32), nullable=False, comment="a Topic value: matched on equality"
        ),
        sa.Column(
            "region",
            sa.String(length=32),
            nullable=False,
            comment="where needed, or where offered (worldwide: anywhere)",
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "contact",
            sa.String(length=200),
            nullable=False,
            comment="who to contact: a person or office; not shown to the public",
        ),
        sa.Column("starts_on", sa.Date(), nullable=True, comment="from when it is needed or offered"),
        sa.Column("ends_on", sa.Date(), nullable=True, comment="until when it is needed or offered"),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="open, matched, in progress, closed"
        ),
        sa.Column(
            "matched_with",
            sa.Integer(),
            nullable=True,
            comment="the offer (of a need) or need (of an offer)",
        ),
        sa.Column("created_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["matched_with"],
            ["assistance_entries.id"],
            name=op.f("fk_assistance_entries_matched_with_assistance_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["participant"],
            ["participants.code"],
            name=op.f("fk_assistance_entries_participant_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assistance_entries")),
    )
    with op.batch_alter_table("assistance_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assistance_entries_kind_status_topic", ["kind", "status", "topic"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assistance_entries_participant"), ["participant"], unique=False)

    op.create_table(
        "confiscations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(length=8), nullable=False),
        sa.Column(
            "reference", sa.String(length=100), nullable=True, comment="the authority's own case number"
        ),
        sa.Column("seized_on", sa.Date(), nullable=False),
        sa.Column("carats", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column(
            "value_usd",
            sa.Numeric(precision=18, scale=2),
            nullable=False,
            comment="as estimated by the authority",
        ),
        sa.Column(
            "circumstances", sa.Text(), nullable=False, comment="how the stones were found; never published"
        ),
        sa.Column(
            "disposition",
            sa.String(length=16),
            nullable=False,
            comment="held, returned, forfeited, auctioned, destroyed",
        ),
        sa.Column("disposition_on", sa.Date(), nullable=True, comment="when the disposition took effect"),
        sa.Column("disposition_note", sa.Text(), nullable=True),
        sa.Column("created_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant"], ["participants.code"], name=op.f("fk_confiscations_participant_participants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_confiscations")),
    )
    with op.batch_alter_table("confiscations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_confiscations_participant_seized_on", ["participant", "seized_on"], unique=False
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("confiscations", schema=None) as batch_op:
        batch_op.drop_index("ix_confiscations_participant_seized_on")
    op.drop_table("confiscations")
    with op.batch_alter_table("assistance_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assistance_entries_participant"))
        batch_op.drop_index("ix_assistance_entries_kind_status_topic")
    op.drop_table("assistance_entries")
