"""photos: the window hashes kept on the photo, one value, not one row per window (issue 20)

Why: the search reads every candidate's hashes; at 100,000 photos that was hundreds of
candidates times 17 rows each. One value per photo is one row per candidate.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COMMENT = (
    "the 256-bit perceptual hashes of its stored windows, 32 bytes each, in the order of "
    "kpcs.photos.domain.STORED_WINDOWS: what the search compares a candidate by"
)
_HASH_BYTES = 32
_PHOTOS = sa.table("shipment_photos", sa.column("id", sa.Integer), sa.column("hashes", sa.LargeBinary))
_ROWS = sa.table(
    "photo_hashes", sa.column("photo_id", sa.Integer), sa.column("window", sa.Integer),
    sa.column("hash", sa.LargeBinary),
)  # fmt: skip
"""The two tables as this revision reads and writes them (not the models, which change later)."""


def upgrade() -> None:
    """Apply this revision: each photo's hashes joined in window order, then the rows dropped."""
    with op.batch_alter_table("shipment_photos") as batch:
        batch.add_column(sa.Column("hashes", sa.LargeBinary(), nullable=True, comment=_COMMENT))
    connection = op.get_bind()
    kept: dict[int, list[bytes]] = {}
    for photo_id, _, value in connection.execute(
        sa.select(_ROWS.c.photo_id, _ROWS.c.window, _ROWS.c.hash).order_by(_ROWS.c.photo_id, _ROWS.c.window)
    ):
        kept.setdefault(photo_id, []).append(bytes(value))
    for photo_id, values in kept.items():
        connection.execute(_PHOTOS.update().where(_PHOTOS.c.id == photo_id).values(hashes=b"".join(values)))
    # a photo without hashes (none can be: each was indexed as it was added) is never a candidate
    connection.execute(_PHOTOS.update().where(_PHOTOS.c.hashes.is_(None)).values(hashes=b""))
    with op.batch_alter_table("shipment_photos") as batch:
        batch.alter_column("hashes", existing_type=sa.LargeBinary(), nullable=False, comment=_COMMENT)
    op.drop_table("photo_hashes")


def downgrade() -> None:
    """Revert this revision: one row per window again."""
    op.create_table(
        "photo_hashes",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False, comment="index into STORED_WINDOWS"),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["shipment_photos.id"],
            name=op.f("fk_photo_hashes_photo_id_shipment_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("photo_id", "window", name=op.f("pk_photo_hashes")),
    )
    connection = op.get_bind()
    for photo_id, kept in connection.execute(sa.select(_PHOTOS.c.id, _PHOTOS.c.hashes)):
        values = [bytes(kept[at : at + _HASH_BYTES]) for at in range(0, len(kept), _HASH_BYTES)]
        if values:
            connection.execute(
                _ROWS.insert(), [{"photo_id": photo_id, "window": n, "hash": v} for n, v in enumerate(values)]
            )
    with op.batch_alter_table("shipment_photos") as batch:
        batch.drop_column("hashes")
