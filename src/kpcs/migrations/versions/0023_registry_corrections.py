"""registry corrections: date bounds, country notes and special regimes of participants

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 14:37:34

The corrected facts themselves (Greenland in the EU's countries, Chinese Taipei, Côte
d'Ivoire's export-only ban, the Marange regime, the admission dates that are bounds) are
data: ``kpcs db upgrade`` loads them from the registry data file after this revision, and
the loader brings an existing database in line with the file (idempotent).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "participant_regimes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_code", sa.String(length=8), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("supervised_exports", name="regimekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "area", sa.String(length=200), nullable=False, comment="the mining area or zone the regime covers"
        ),
        sa.Column("starts_on", sa.Date(), nullable=True, comment="null when no source gives the start"),
        sa.Column("ends_on", sa.Date(), nullable=True, comment="null while in force or when not sourced"),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("unsourced", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_code"],
            ["participants.code"],
            name=op.f("fk_participant_regimes_participant_code_participants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_regimes")),
        sa.UniqueConstraint(
            "participant_code", "kind", "area", name=op.f("uq_participant_regimes_participant_code_kind_area")
        ),
    )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "country_notes",
                sa.JSON(),
                server_default=sa.text("'[]'"),
                nullable=False,
                comment="[{country, note, sources}]: why a country is among `countries`, where it is "
                "not self-evident (Greenland takes part through the EU)",
            )
        )
    with op.batch_alter_table("participant_status_changes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "date_bound",
                sa.Enum("not_later_than", name="datebound", native_enum=False, length=32),
                nullable=True,
                comment="set when effective_on is only a bound (no source gives the day)",
            )
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("participant_status_changes", schema=None) as batch_op:
        batch_op.drop_column("date_bound")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("country_notes")
    op.drop_table("participant_regimes")
