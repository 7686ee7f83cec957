"""transparency log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 18:12:45.343334
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "log_nodes",
        sa.Column(
            "key", sa.BigInteger(), autoincrement=False, nullable=False, comment="(index << 6) | level"
        ),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column(
            "frontier",
            sa.LargeBinary(),
            nullable=False,
            comment="concatenated 32-byte hashes, largest subtree first",
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_log_state_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_state")),
    )
    op.create_table(
        "log_tree_heads",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False, comment="milliseconds since the Unix epoch"),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column(
            "signature",
            sa.Text(),
            nullable=False,
            comment="compact JWS over {tree_size, root_hash, timestamp}",
        ),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_log_tree_heads")),
    )
    op.create_table(
        "log_leaves",
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "leaf_hash", sa.LargeBinary(length=32), nullable=False, comment="SHA-256(0x00 || credential)"
        ),
        sa.Column(
            "certificate_id",
            sa.Integer(),
            nullable=False,
            comment="the certificate whose credential is the leaf",
        ),
        sa.Column("appended_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"], name=op.f("fk_log_leaves_certificate_id_certificates")
        ),
        sa.PrimaryKeyConstraint("index", name=op.f("pk_log_leaves")),
        sa.UniqueConstraint("certificate_id", name=op.f("uq_log_leaves_certificate_id")),
        sa.UniqueConstraint("leaf_hash", name=op.f("uq_log_leaves_leaf_hash")),
    )

    _start_the_log()


def _start_the_log() -> None:
    """Create the state row, and log every certificate issued before the log existed, in
    the order they were issued, so that no certificate is ever outside the log.

    The leaves written here are new ones, so they take the commitment line (a database
    that ran this revision before keeps the compact-JWS leaves it wrote then)."""
    from datetime import UTC, datetime

    from kpcs.translog import merkle
    from kpcs.translog.leaves import leaf_hash_of

    connection = op.get_bind()
    tree = merkle.CompactRange()
    leaves: list[dict[str, object]] = []
    nodes: list[dict[str, object]] = []
    now = datetime.now(UTC).replace(tzinfo=None) if connection.dialect.name == "sqlite" else datetime.now(UTC)
    for certificate_id, number, credential in connection.execute(
        sa.text("SELECT id, number, credential FROM certificates ORDER BY id")
    ):
        digest = leaf_hash_of(number, credential)
        leaves.append(
            {"index": tree.size, "leaf_hash": digest, "certificate_id": certificate_id, "appended_at": now}
        )
        # Leaf hashes live in log_leaves; log_nodes holds the completed subtrees above them.
        nodes += [{"key": (n.index << 6) | n.level, "hash": n.digest} for n in tree.append(digest)[1:]]
    leaf_table = sa.table(
        "log_leaves",
        sa.column("index"),
        sa.column("leaf_hash"),
        sa.column("certificate_id"),
        sa.column("appended_at"),
    )
    node_table = sa.table("log_nodes", sa.column("key"), sa.column("hash"))
    if leaves:
        op.bulk_insert(leaf_table, leaves)
        op.bulk_insert(node_table, nodes)
    state = sa.table("log_state", sa.column("id"), sa.column("size"), sa.column("frontier"))
    op.bulk_insert(state, [{"id": 1, "size": tree.size, "frontier": b"".join(tree.hashes)}])


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("log_leaves")
    op.drop_table("log_tree_heads")
    op.drop_table("log_state")
    op.drop_table("log_nodes")
