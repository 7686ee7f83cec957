"""export dossiers of the restricted regime

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 13:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kpcs.db import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "export_dossiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_code", sa.String(length=8), nullable=False),
        sa.Column("exporting_country", sa.String(length=2), nullable=False),
        sa.Column(
            "zone", sa.String(length=200), nullable=False, comment="a compliant zone in force at submission"
        ),
        sa.Column("carats", sa.Numeric(16, 2), nullable=False),
        sa.Column("value_usd", sa.Numeric(18, 2), nullable=False),
        sa.Column(
            "lines",
            sa.JSON(),
            nullable=False,
            comment="[{hs_code, origin, carats, value_usd}] as strings; [] when not given",
        ),
        sa.Column("parcel_count", sa.Integer(), nullable=True),
        sa.Column("parcels", sa.JSON(), nullable=False, comment="the parcel list, one description each"),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "more-information",
                "approved",
                "rejected",
                name="dossierstatus",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column(
            "clock_started_at",
            UTCDateTime(),
            nullable=False,
            comment="when the week began: submission, or the answer to a request for more information",
        ),
        sa.Column(
            "expert_assessment",
            sa.JSON(),
            nullable=True,
            comment="Diamond Expert Team: conclusion, notes, by, at",
        ),
        sa.Column(
            "statistics_assessment",
            sa.JSON(),
            nullable=True,
            comment="statistics working group: conclusion, notes, report, by, at",
        ),
        sa.Column(
            "decision",
            sa.JSON(),
            nullable=True,
            comment="Monitoring Team's latest decision: decision, reason, by, at",
        ),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column(
            "certificate_number",
            sa.String(length=40),
            nullable=True,
            comment="the one certificate issued on this dossier",
        ),
        sa.CheckConstraint("carats > 0", name=op.f("ck_export_dossiers_positive_carats")),
        sa.CheckConstraint("value_usd > 0", name=op.f("ck_export_dossiers_positive_value")),
        sa.ForeignKeyConstraint(
            ["participant_code"],
            ["participants.code"],
            name=op.f("fk_export_dossiers_participant_code_participants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_dossiers")),
        sa.UniqueConstraint("certificate_number", name=op.f("uq_export_dossiers_certificate_number")),
    )
    op.create_index(
        op.f("ix_export_dossiers_participant_submitted"),
        "export_dossiers",
        ["participant_code", "submitted_at"],
        unique=False,
    )
    op.create_index(op.f("ix_export_dossiers_status"), "export_dossiers", ["status"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_export_dossiers_status", table_name="export_dossiers")
    op.drop_index("ix_export_dossiers_participant_submitted", table_name="export_dossiers")
    op.drop_table("export_dossiers")
