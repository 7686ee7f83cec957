"""indexes for the statistics derived from certificates

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 09:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index("ix_certificates_issued_on", ["issued_on"], unique=False)
    with op.batch_alter_table("import_confirmations", schema=None) as batch_op:
        batch_op.create_index("ix_import_confirmations_received_on", ["received_on"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("import_confirmations", schema=None) as batch_op:
        batch_op.drop_index("ix_import_confirmations_received_on")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_certificates_issued_on")
