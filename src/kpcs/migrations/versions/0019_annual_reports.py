"""annual reports: one per participant and year, with parts A and B, the WGM's feedback and the response

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 13:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "annual_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False, comment="the calendar year reported on"),
        sa.Column(
            "status", sa.String(length=10), nullable=False, comment="draft, submitted, assessed, responded"
        ),
        sa.Column(
            "part_a",
            sa.JSON(),
            nullable=False,
            comment="standing information per section, carried over from the previous report",
        ),
        sa.Column("part_b", sa.JSON(), nullable=False, comment="the year's changes per section"),
        sa.Column(
            "figures",
            sa.JSON(),
            nullable=True,
            comment="what kpcs knew of the year when the report was submitted; NULL while a draft",
        ),
        sa.Column("feedback", sa.JSON(), nullable=True, comment="the WGM's feedback per section"),
        sa.Column("assessment_note", sa.Text(), nullable=True, comment="the WGM's overall conclusion"),
        sa.Column("response", sa.Text(), nullable=True, comment="the participant's response to the feedback"),
        sa.Column("created_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("submitted_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=120), nullable=True),
        sa.Column("assessed_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("assessed_by", sa.String(length=120), nullable=True),
        sa.Column("responded_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant"], ["participants.code"], name=op.f("fk_annual_reports_participant_participants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_reports")),
        sa.UniqueConstraint("participant", "year", name=op.f("uq_annual_reports_participant_year")),
    )
    op.create_index("ix_annual_reports_year_status", "annual_reports", ["year", "status"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_annual_reports_year_status", table_name="annual_reports")
    op.drop_table("annual_reports")
