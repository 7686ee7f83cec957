"""photos: the grey copy the close look reads; matches: its count of differing blocks (issue 20)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("shipment_photos") as batch:
        batch.add_column(
            sa.Column(
                "grey_sha256",
                sa.String(length=64),
                nullable=True,
                comment="the photo in grey, at most 960 px a side (JPEG), which the close look reads; null "
                "for photos kept before it was (their file is read instead)",
            )
        )
    with op.batch_alter_table("photo_matches") as batch:
        batch.add_column(
            sa.Column(
                "close_blocks_differing",
                sa.Integer(),
                nullable=True,
                comment="how many blocks with detail differ, looked at closely (what decides); null if not",
            )
        )
        batch.add_column(
            sa.Column(
                "close_blocks_counted",
                sa.Integer(),
                nullable=True,
                comment="how many blocks have detail, looked at closely; null if not",
            )
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("photo_matches") as batch:
        batch.drop_column("close_blocks_counted")
        batch.drop_column("close_blocks_differing")
    with op.batch_alter_table("shipment_photos") as batch:
        batch.drop_column("grey_sha256")
