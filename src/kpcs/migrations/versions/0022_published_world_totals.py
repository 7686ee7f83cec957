"""published statistics: world totals by year, OTHERS rows, figures not published, notes

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 14:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "statistics_published_world_totals",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("production_carats", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("production_value_usd", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("export_carats", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("export_value_usd", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("import_carats", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("import_value_usd", sa.Numeric(precision=20, scale=2), nullable=True),
        sa.Column("export_certificates", sa.Integer(), nullable=True),
        sa.Column("import_certificates", sa.Integer(), nullable=True),
        sa.Column(
            "source", sa.Text(), nullable=False, comment="where the figures come from (URLs, ' ; ' between)"
        ),
        sa.Column("note", sa.Text(), nullable=True, comment="what each source printed"),
        sa.Column(
            "disagreements",
            sa.JSON(),
            nullable=False,
            comment="other sources' figures: [{measure, value, source, note}]",
        ),
        sa.Column("loaded_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_statistics_published_world_totals")),
    )
    # A published row may give the value without the carats (or the reverse), and a row
    # OTHERS gives the remainder of the producers a source did not name.
    with op.batch_alter_table("statistics_published_production", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sa.Text(), nullable=True, comment="what the source printed, disagreements")
        )
        batch_op.alter_column(
            "carats",
            existing_type=sa.Numeric(precision=18, scale=2),
            nullable=True,
            comment="NULL where it was not published",
        )
        batch_op.alter_column(
            "participant",
            existing_type=sa.String(length=8),
            existing_nullable=False,
            comment="a participant code, or OTHERS",
        )


def downgrade() -> None:
    """Undo this revision (published rows without carats cannot be kept and are removed)."""
    op.execute("DELETE FROM statistics_published_production WHERE carats IS NULL")
    with op.batch_alter_table("statistics_published_production", schema=None) as batch_op:
        batch_op.alter_column(
            "participant", existing_type=sa.String(length=8), existing_nullable=False, comment=None
        )
        batch_op.alter_column(
            "carats", existing_type=sa.Numeric(precision=18, scale=2), nullable=False, comment=None
        )
        batch_op.drop_column("note")
    op.drop_table("statistics_published_world_totals")
