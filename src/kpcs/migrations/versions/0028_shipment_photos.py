"""shipment photos: the photos, their window hashes, the band index, the matches; warnings
on export dossiers

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "shipment_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_number", sa.String(length=32), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column(
            "sha256", sa.String(length=64), nullable=False, comment="the re-encoded file, photos/<sha256>"
        ),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=False, comment="photos/<sha256> too"),
        sa.Column("media_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.String(length=120), nullable=False),
        sa.CheckConstraint(
            "(certificate_number IS NULL) <> (dossier_id IS NULL)",
            name=op.f("ck_shipment_photos_one_shipment"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_number"],
            ["certificates.number"],
            name=op.f("fk_shipment_photos_certificate_number_certificates"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["export_dossiers.id"],
            name=op.f("fk_shipment_photos_dossier_id_export_dossiers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_photos")),
    )
    op.create_index("ix_shipment_photos_certificate", "shipment_photos", ["certificate_number"], unique=False)
    op.create_index("ix_shipment_photos_dossier", "shipment_photos", ["dossier_id"], unique=False)
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
    op.create_table(
        "photo_bands",
        sa.Column("key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["shipment_photos.id"],
            name=op.f("fk_photo_bands_photo_id_shipment_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "photo_id", name=op.f("pk_photo_bands")),
    )
    op.create_table(
        "photo_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("earlier_photo_id", sa.Integer(), nullable=False),
        sa.Column(
            "distance",
            sa.Integer(),
            nullable=False,
            comment="bits of 256 that differ, at the nearest windows",
        ),
        sa.Column("found_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["earlier_photo_id"],
            ["shipment_photos.id"],
            name=op.f("fk_photo_matches_earlier_photo_id_shipment_photos"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["shipment_photos.id"],
            name=op.f("fk_photo_matches_photo_id_shipment_photos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_matches")),
        sa.UniqueConstraint(
            "photo_id", "earlier_photo_id", name=op.f("uq_photo_matches_photo_id_earlier_photo_id")
        ),
    )
    op.create_index("ix_photo_matches_earlier", "photo_matches", ["earlier_photo_id"], unique=False)
    with op.batch_alter_table("export_dossiers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "warnings",
                sa.JSON(),
                server_default=sa.text("'[]'"),
                nullable=False,
                comment="[{type, message, ...}] from the expert checks, e.g. a re-used photo (kpcs.photos)",
            )
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("export_dossiers", schema=None) as batch_op:
        batch_op.drop_column("warnings")
    op.drop_index("ix_photo_matches_earlier", table_name="photo_matches")
    op.drop_table("photo_matches")
    op.drop_table("photo_bands")
    op.drop_table("photo_hashes")
    op.drop_index("ix_shipment_photos_dossier", table_name="shipment_photos")
    op.drop_index("ix_shipment_photos_certificate", table_name="shipment_photos")
    op.drop_table("shipment_photos")
