"""anomaly thresholds set by the Working Group on Statistics

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 12:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "statistics_anomaly_thresholds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "values",
            sa.JSON(),
            nullable=False,
            comment="{name: value} differing from the defaults in kpcs.statistics.analysis.anomalies",
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("set_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_anomaly_thresholds")),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("statistics_anomaly_thresholds")
