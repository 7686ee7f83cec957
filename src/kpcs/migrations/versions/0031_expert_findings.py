"""the Diamond Expert Team's findings on the warnings of the expert checks (issue 20, item 5)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kpcs.db import UTCDateTime

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "expert_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "photo-match",
                "valuation",
                "footprint",
                name="kind",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
            comment="photo-match, valuation or footprint",
        ),
        sa.Column(
            "warning_id",
            sa.Integer(),
            nullable=False,
            comment="photo_matches.id, valuation_warnings.id, or the export dossier's id (footprint)",
        ),
        sa.Column(
            "certificate_number",
            sa.String(length=40),
            nullable=True,
            comment="the certificate the warning is on, if any (its timeline shows the finding)",
        ),
        sa.Column(
            "dossier_id", sa.Integer(), nullable=True, comment="the export dossier the warning is on, if any"
        ),
        sa.Column(
            "participant_code", sa.String(length=8), nullable=False, comment="the exporting participant"
        ),
        sa.Column(
            "conclusion",
            sa.Enum(
                "confirmed",
                "cleared",
                name="conclusion",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
            comment="confirmed or cleared",
        ),
        sa.Column("finding", sa.Text(), nullable=False, comment="what the experts found, in their words"),
        sa.Column(
            "figures",
            sa.JSON(),
            nullable=False,
            comment="the warning's key figures when it was closed (distance, ratio, what differs most)",
        ),
        sa.Column("raised_at", UTCDateTime(), nullable=False, comment="when the warning was raised"),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_findings")),
        sa.UniqueConstraint("kind", "warning_id", name="uq_expert_findings_kind_warning"),
    )
    op.create_index("ix_expert_findings_certificate", "expert_findings", ["certificate_number"], unique=False)
    op.create_index("ix_expert_findings_dossier", "expert_findings", ["dossier_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    op.drop_index("ix_expert_findings_dossier", table_name="expert_findings")
    op.drop_index("ix_expert_findings_certificate", table_name="expert_findings")
    op.drop_table("expert_findings")
