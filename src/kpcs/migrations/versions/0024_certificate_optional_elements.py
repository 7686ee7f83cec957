"""certificate optional elements: container and seals, transit, quality, departure from origin;
the return slip's HS codes and seals

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-14 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: nullable columns only, so existing rows need no rewrite."""
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "container",
                sa.JSON(none_as_null=True),
                nullable=True,
                comment="{description, seal_numbers, transparent_security_bags, number_on_container}: "
                "the tamper-resistant container (Section IV(c); Annex I, C)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "transit_participants",
                sa.JSON(none_as_null=True),
                nullable=True,
                comment="participant codes the shipment transits, unopened (Section III(d))",
            )
        )
        batch_op.add_column(
            sa.Column(
                "quality_characteristics",
                sa.Text(),
                nullable=True,
                comment="quality characteristics of the rough diamonds (Annex I, B)",
            )
        )
        batch_op.add_column(
            sa.Column(
                "additional_information",
                sa.Text(),
                nullable=True,
                comment="additional data printed on the certificate (Annex I, B)",
            )
        )
    with op.batch_alter_table("certificate_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "departed_origin_on",
                sa.Date(),
                nullable=True,
                comment="the day the diamonds left their origin, as the exporter states it (origin rule)",
            )
        )
    with op.batch_alter_table("import_confirmations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "hs_codes_received",
                sa.JSON(none_as_null=True),
                nullable=True,
                comment="the HS codes received (the return slip, Annex I, B); NULL: not reported",
            )
        )
        batch_op.add_column(
            sa.Column(
                "seals",
                sa.JSON(none_as_null=True),
                nullable=True,
                comment="[{number, intact}] the seals as found; NULL: not reported",
            )
        )


def downgrade() -> None:
    """Undo this revision.

    Plain ``DROP COLUMN`` (SQLite 3.35 and later have it), not a batch that copies each table:
    the statistics triggers of 0010 name these tables, and SQLite refuses to rename a copy
    into place under them.
    """
    op.drop_column("import_confirmations", "seals")
    op.drop_column("import_confirmations", "hs_codes_received")
    op.drop_column("certificate_lines", "departed_origin_on")
    op.drop_column("certificates", "additional_information")
    op.drop_column("certificates", "quality_characteristics")
    op.drop_column("certificates", "transit_participants")
    op.drop_column("certificates", "container")
