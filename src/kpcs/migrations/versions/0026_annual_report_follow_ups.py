"""annual reports: the follow-up of peer-review recommendations each report gives

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("annual_reports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "follow_ups",
                sa.JSON(),
                nullable=True,
                comment="[{recommendation, follow_up, note}] reported on peer-review recommendations; "
                "NULL: none",
            )
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("annual_reports", schema=None) as batch_op:
        batch_op.drop_column("follow_ups")
