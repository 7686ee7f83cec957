"""certificate warnings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 18:01:24.273520
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "warnings",
                sa.JSON(),
                server_default=sa.text("'[]'"),
                nullable=False,
                comment="[{type, message}] from the expert checks at issue (they never block)",
            )
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("warnings")
