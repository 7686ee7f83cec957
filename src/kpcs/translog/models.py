"""Tables of the transparency log: leaves, complete-subtree nodes, the append state and
the signed tree heads. Rows are only ever added (the log is append-only), except the
single state row that records the size and the frontier."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base

Hash = sa.LargeBinary(32)


class LogLeaf(Base):
    """One entry of the log: a certificate, by the hash of its leaf (see kpcs.translog.leaves)."""

    __tablename__ = "log_leaves"

    index: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    # The leaf is the commitment line now, the credential in entries of the log's first form
    # (kpcs.translog.leaves); the database comment keeps its first wording (no migration for it).
    leaf_hash: Mapped[bytes] = mapped_column(Hash, unique=True, comment="SHA-256(0x00 || credential)")
    certificate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("certificates.id"), unique=True, comment="the certificate whose credential is the leaf"
    )
    appended_at: Mapped[datetime]


LEVEL_BITS = 6
"""A node's key packs ``(index << LEVEL_BITS) | level``; a tree of 2**63 leaves has 64 levels."""


def node_key(level: int, index: int) -> int:
    """The single-column key of node ``(level, index)``."""
    return (index << LEVEL_BITS) | level


class LogNode(Base):
    """The hash of a complete subtree above the leaves: node ``(level, index)``, level 1 and
    up, covers leaves ``[index * 2**level, (index + 1) * 2**level)``; level 0 (the leaf
    hashes) is ``log_leaves``. Never changes once stored.

    Keyed by one integer rather than the pair, so that the nodes of a proof are one
    ``key IN (...)`` lookup that both databases plan in microseconds.
    """

    __tablename__ = "log_nodes"

    key: Mapped[int] = mapped_column(
        sa.BigInteger, primary_key=True, autoincrement=False, comment="(index << 6) | level"
    )
    hash: Mapped[bytes] = mapped_column(Hash)


class LogState(Base):
    """The single row that serialises appends: the size and the frontier (the roots of the
    perfect subtrees that make up the log, one per set bit of the size)."""

    __tablename__ = "log_state"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    frontier: Mapped[bytes] = mapped_column(
        sa.LargeBinary, comment="concatenated 32-byte hashes, largest subtree first"
    )


class TreeHead(Base):
    """A signed tree head: the log's key vouches that the first ``tree_size`` leaves hash to
    ``root_hash``. Every head ever signed is kept, so any two can be checked for consistency."""

    __tablename__ = "log_tree_heads"

    tree_size: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(Hash)
    timestamp: Mapped[int] = mapped_column(sa.BigInteger, comment="milliseconds since the Unix epoch")
    kid: Mapped[str] = mapped_column(sa.String(64))
    signature: Mapped[str] = mapped_column(
        sa.Text, comment="compact JWS over {tree_size, root_hash, timestamp}"
    )
