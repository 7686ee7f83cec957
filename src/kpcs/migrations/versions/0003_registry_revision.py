"""registry revision counter

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 17:06:17.736502
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "registry_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_registry_revision_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_revision")),
    )
    # The one row every process reads; starting at 1 marks any existing registry as new.
    op.execute("INSERT INTO registry_revision (id, revision) VALUES (1, 1)")


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("registry_revision")
