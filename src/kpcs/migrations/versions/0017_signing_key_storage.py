"""say where each signing key's private half lives (a file or a PKCS#11 token)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 12:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision: every existing key is a file key."""
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "storage",
                sa.Enum("file", "pkcs11", name="keystorage", native_enum=False, length=32),
                server_default="file",
                nullable=False,
                comment="where the private half lives: a key file, or a PKCS#11 token",
            )
        )
        batch_op.add_column(
            sa.Column(
                "hsm_label",
                sa.String(length=64),
                nullable=True,
                comment="CKA_LABEL of the key pair on the PKCS#11 token (storage pkcs11 only)",
            )
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_column("hsm_label")
        batch_op.drop_column("storage")
