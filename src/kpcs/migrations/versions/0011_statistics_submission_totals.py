"""each submission's figures summed per flow

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 11:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "statistics_submission_totals",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=10), nullable=False, comment="export, import or production"),
        sa.Column("carats", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("value_usd", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("certificates", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["statistics_submissions.id"],
            name=op.f("fk_statistics_submission_totals_submission_id_statistics_submissions"),
        ),
        sa.PrimaryKeyConstraint("submission_id", "flow", name=op.f("pk_statistics_submission_totals")),
    )
    # The submissions already stored.
    op.execute(
        "INSERT INTO statistics_submission_totals (submission_id, flow, carats, value_usd, certificates)"
        " SELECT submission_id, flow, sum(carats), sum(value_usd), sum(certificates)"
        " FROM statistics_trade GROUP BY submission_id, flow"
    )
    op.execute(
        "INSERT INTO statistics_submission_totals (submission_id, flow, carats, value_usd, certificates)"
        " SELECT submission_id, 'production', sum(carats), sum(value_usd), NULL"
        " FROM statistics_production GROUP BY submission_id"
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("statistics_submission_totals")
