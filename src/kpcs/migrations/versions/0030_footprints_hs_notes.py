"""footprints of production zones; a dossier's declared assortment; a certificate line's
classification note

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kpcs.db import UTCDateTime

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "zone_footprints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_code", sa.String(length=8), nullable=False),
        sa.Column(
            "zone",
            sa.String(length=200),
            nullable=False,
            comment="as the participant's compliant zones name it",
        ),
        sa.Column("sizes", sa.JSON(), nullable=False, comment="{sieve class: share of the carats}"),
        sa.Column("colours", sa.JSON(), nullable=False, comment="{colour: share of the carats}"),
        sa.Column("qualities", sa.JSON(), nullable=False, comment="{quality: share of the carats}"),
        sa.Column("usd_per_carat", sa.Numeric(18, 2), nullable=False),
        sa.Column("stones", sa.Integer(), nullable=False, comment="how many stones the footprint rests on"),
        sa.Column(
            "source",
            sa.Enum(
                "experts", "dossiers", name="source", native_enum=False, create_constraint=False, length=32
            ),
            nullable=False,
            comment="experts (entered) or dossiers (computed)",
        ),
        sa.Column(
            "dossier_ids",
            sa.JSON(),
            nullable=False,
            comment="the approved dossiers it was computed from ([] when entered by the experts)",
        ),
        sa.Column(
            "as_of",
            sa.Date(),
            nullable=False,
            comment="the day the footprint describes the zone's production",
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.CheckConstraint("stones > 0", name=op.f("ck_zone_footprints_positive_stones")),
        sa.CheckConstraint("usd_per_carat > 0", name=op.f("ck_zone_footprints_positive_price")),
        sa.ForeignKeyConstraint(
            ["participant_code"],
            ["participants.code"],
            name=op.f("fk_zone_footprints_participant_code_participants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_footprints")),
    )
    op.create_index(
        op.f("ix_zone_footprints_participant_zone"),
        "zone_footprints",
        ["participant_code", "zone", "id"],
        unique=False,
    )
    # Plain ADD COLUMN (no batch copy of the table on SQLite: certificate_lines carries the
    # statistics triggers of 0010, which a table copy would lose).
    op.add_column(
        "export_dossiers",
        sa.Column(
            "assortment",
            sa.JSON(),
            nullable=True,
            comment="declared assortment: {sieve_classes: {class: {stones, carats}}, colours, qualities}",
        ),
    )
    op.add_column(
        "certificate_lines",
        sa.Column(
            "classification_note",
            sa.Text(),
            nullable=True,
            comment="why the line has its HS code (e.g. a 7102.31/7102.39 question); not signed",
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_column("certificate_lines", "classification_note")
    op.drop_column("export_dossiers", "assortment")
    op.drop_index("ix_zone_footprints_participant_zone", table_name="zone_footprints")
    op.drop_table("zone_footprints")
