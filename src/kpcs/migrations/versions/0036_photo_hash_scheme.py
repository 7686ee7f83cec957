"""photos: which windows and hashing their hashes were made with, so that `kpcs db upgrade`
re-hashes the older ones (issue 20)

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: every photo kept so far was hashed the first way (1)."""
    with op.batch_alter_table("shipment_photos") as batch:
        batch.add_column(
            sa.Column(
                "hashed_as",
                sa.Integer(),
                nullable=False,
                server_default="1",
                comment="the scheme its hashes and band keys were made with "
                "(kpcs.photos.domain.HASH_SCHEME); "
                "kpcs db upgrade re-hashes older ones, which the search leaves aside until then",
            )
        )


def downgrade() -> None:
    """Revert this revision (hashes made the newer way stay: a downgraded search finds less)."""
    with op.batch_alter_table("shipment_photos") as batch:
        batch.drop_column("hashed_as")
