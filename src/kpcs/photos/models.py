"""Tables of shipment photos: the photos themselves (files under ``KPCS_DATA_DIR/photos``)
with their window hashes, the band index the search looks up, and the matches found."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base


class ShipmentPhoto(Base):
    """A photo of a shipment's parcels, attached to a certificate or to an export dossier."""

    __tablename__ = "shipment_photos"
    __table_args__ = (
        sa.CheckConstraint("(certificate_number IS NULL) <> (dossier_id IS NULL)", name="one_shipment"),
        sa.Index("ix_shipment_photos_certificate", "certificate_number"),
        sa.Index("ix_shipment_photos_dossier", "dossier_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_number: Mapped[str | None] = mapped_column(
        sa.ForeignKey("certificates.number", ondelete="RESTRICT")
    )
    dossier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("export_dossiers.id", ondelete="RESTRICT"))
    sha256: Mapped[str] = mapped_column(sa.String(64), comment="the re-encoded file, photos/<sha256>")
    thumbnail_sha256: Mapped[str] = mapped_column(sa.String(64), comment="photos/<sha256> too")
    grey_sha256: Mapped[str | None] = mapped_column(
        sa.String(64),
        comment="the photo in grey, at most 960 px a side (JPEG), which the close look reads; null for "
        "photos kept before it was (their file is read instead)",
    )
    hashes: Mapped[bytes] = mapped_column(
        sa.LargeBinary,
        comment="the 256-bit perceptual hashes of its stored windows, 32 bytes each, in the order of "
        "kpcs.photos.domain.STORED_WINDOWS: what the search compares a candidate by",
    )
    hashed_as: Mapped[int] = mapped_column(
        server_default="1",
        comment="the scheme its hashes and band keys were made with "
        "(kpcs.photos.domain.HASH_SCHEME); "
        "kpcs db upgrade re-hashes older ones, which the search leaves aside until then",
    )
    media_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[str] = mapped_column(sa.String(120))


class PhotoBand(Base):
    """One index key of a photo: a row of one of its window hashes, with the row's number
    (``row << 16 | bits``). The search looks up the new photo's keys here, never scanning."""

    __tablename__ = "photo_bands"

    key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    photo_id: Mapped[int] = mapped_column(
        sa.ForeignKey("shipment_photos.id", ondelete="CASCADE"), primary_key=True
    )


class PhotoMatch(Base):
    """An earlier photo of another shipment found to look like a new one, at ``distance`` (the
    hashes), ``detail_difference`` (the second look) and ``close_blocks_differing`` of
    ``close_blocks_counted`` (the close look, ``close_difference`` their share);
    a look is null when the earlier file it reads was missing."""

    __tablename__ = "photo_matches"
    __table_args__ = (
        sa.UniqueConstraint("photo_id", "earlier_photo_id"),
        sa.Index("ix_photo_matches_earlier", "earlier_photo_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(sa.ForeignKey("shipment_photos.id", ondelete="CASCADE"))
    earlier_photo_id: Mapped[int] = mapped_column(sa.ForeignKey("shipment_photos.id", ondelete="CASCADE"))
    distance: Mapped[int] = mapped_column(comment="bits of 256 that differ, at the nearest windows")
    detail_difference: Mapped[float | None] = mapped_column(
        sa.Float, comment="the aligned pictures' differing detail (0 the same); null if not looked at"
    )
    close_difference: Mapped[float | None] = mapped_column(
        sa.Float, comment="the share of blocks with detail that differ, looked at closely; null if not"
    )
    close_blocks_differing: Mapped[int | None] = mapped_column(
        comment="how many blocks with detail differ, looked at closely (what decides); null if not"
    )
    close_blocks_counted: Mapped[int | None] = mapped_column(
        comment="how many blocks have detail, looked at closely; null if not"
    )
    found_at: Mapped[datetime]
