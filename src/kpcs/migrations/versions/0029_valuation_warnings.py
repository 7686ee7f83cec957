"""the experts' index of valuation warnings (issue 20)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "valuation_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False, comment="the certificate line, from 1"),
        sa.Column("type", sa.String(length=16), nullable=False, comment="undervaluation or overvaluation"),
        sa.Column("exporting_participant", sa.String(length=8), nullable=False),
        sa.Column("importing_participant", sa.String(length=8), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("hs_code", sa.String(length=7), nullable=False),
        sa.Column("origin", sa.String(length=5), nullable=False),
        sa.Column("usd_per_carat", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("reference_usd_per_carat", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column(
            "basis",
            sa.String(length=12),
            nullable=False,
            comment="origin, participant or published: where the reference came from",
        ),
        sa.Column(
            "certificates",
            sa.Integer(),
            nullable=False,
            comment="certificates behind the reference (0: published)",
        ),
        sa.Column("spread", sa.Float(), nullable=False, comment="robust sd of ln($/ct) of the reference"),
        sa.Column("distance", sa.Float(), nullable=False, comment="ln(ratio) / spread"),
        sa.Column("ratio", sa.Float(), nullable=False, comment="the line's $/ct / the reference"),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_valuation_warnings_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_valuation_warnings")),
        sa.UniqueConstraint("certificate_id", "line", name=op.f("uq_valuation_warnings_certificate_id_line")),
    )
    with op.batch_alter_table("valuation_warnings", schema=None) as batch_op:
        batch_op.create_index("ix_valuation_warnings_issued_on", ["issued_on"], unique=False)
        batch_op.create_index(
            "ix_valuation_warnings_exporter_issued", ["exporting_participant", "issued_on"], unique=False
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("valuation_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_valuation_warnings_exporter_issued")
        batch_op.drop_index("ix_valuation_warnings_issued_on")
    op.drop_table("valuation_warnings")
