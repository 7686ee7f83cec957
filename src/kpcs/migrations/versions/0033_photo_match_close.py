"""photo matches: the close look's share of differing blocks (issue 20)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("photo_matches") as batch:
        batch.add_column(
            sa.Column(
                "close_difference",
                sa.Float(),
                nullable=True,
                comment="the share of blocks with detail that differ, looked at closely; null if not",
            )
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("photo_matches") as batch:
        batch.drop_column("close_difference")
