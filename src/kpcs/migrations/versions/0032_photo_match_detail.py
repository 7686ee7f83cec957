"""photo matches: the second look's measure of how much of the detail differs (issue 20)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("photo_matches") as batch:
        batch.add_column(
            sa.Column(
                "detail_difference",
                sa.Float(),
                nullable=True,
                comment="the aligned pictures' differing detail (0 the same); null if not looked at",
            )
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("photo_matches") as batch:
        batch.drop_column("detail_difference")
