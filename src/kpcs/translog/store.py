"""The log in the database: appending in the caller's transaction, and reading the nodes
that any root or proof needs in one query.

Appends are serialised by the single ``log_state`` row: the first statement of an append
is an UPDATE of that row, which locks it (PostgreSQL) or takes the write lock (SQLite)
until the caller's transaction ends. An append costs O(log n): the frontier travels in
the state row, and only the nodes that become complete are written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.translog import merkle
from kpcs.translog.models import LogLeaf, LogNode, LogState


@dataclass(frozen=True)
class Appended:
    """What an append did: the indexes given to the new leaves, the new size and root."""

    first_index: int
    size: int
    root: bytes


def _split(frontier: bytes) -> list[bytes]:
    return [frontier[i : i + merkle.HASH_SIZE] for i in range(0, len(frontier), merkle.HASH_SIZE)]


def append(session: Session, leaves: Sequence[tuple[bytes, int]], *, at: datetime) -> Appended:
    """Append ``(leaf hash, certificate id)`` pairs, in the caller's transaction.

    Call it last before committing: from its first statement until the commit, no other
    transaction can append.
    """
    if not leaves:
        raise ValueError("nothing to append")
    connection = session.connection()
    row = connection.execute(
        sa.update(LogState)
        .where(LogState.id == 1)
        .values(size=LogState.size + len(leaves))
        .returning(LogState.size, LogState.frontier)
    ).one()
    new_size, frontier = row
    old_size = new_size - len(leaves)
    tree = merkle.CompactRange(old_size, _split(frontier))
    nodes: list[dict[str, object]] = []
    for leaf_hash, _certificate in leaves:
        nodes += [{"level": n.level, "index": n.index, "hash": n.digest} for n in tree.append(leaf_hash)]
    connection.execute(
        sa.insert(LogLeaf),
        [
            {
                "index": old_size + offset,
                "leaf_hash": leaf_hash,
                "certificate_id": certificate,
                "appended_at": at,
            }
            for offset, (leaf_hash, certificate) in enumerate(leaves)
        ],
    )
    connection.execute(sa.insert(LogNode), nodes)
    connection.execute(sa.update(LogState).where(LogState.id == 1).values(frontier=b"".join(tree.hashes)))
    return Appended(first_index=old_size, size=tree.size, root=tree.root())


def size(session: Session) -> int:
    """How many leaves the log holds (as this transaction sees it)."""
    return int(session.scalar(sa.select(LogState.size).where(LogState.id == 1)) or 0)


def nodes(session: Session, wanted: Iterable[merkle.NodeId]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of ``wanted`` nodes, in one query."""
    keys = sorted({(node.level, node.index) for node in wanted})
    if not keys:
        return {}
    rows = session.execute(
        sa.select(LogNode.level, LogNode.index, LogNode.hash).where(
            sa.tuple_(LogNode.level, LogNode.index).in_(keys)
        )
    )
    found = {(level, index): digest for level, index, digest in rows}
    missing = [key for key in keys if key not in found]
    if missing:
        raise LookupError(f"the log is missing nodes {missing[:5]}: its storage is damaged")
    return found


def _getter(found: dict[tuple[int, int], bytes]) -> merkle.NodeGetter:
    return lambda level, index: found[(level, index)]


def root_at(session: Session, tree_size: int) -> bytes:
    """The root of the first ``tree_size`` leaves (one query)."""
    found = nodes(session, merkle.perfect_subtrees(tree_size))
    return merkle.root_at(tree_size, _getter(found))


def inclusion_proof(session: Session, index: int, tree_size: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of ``tree_size`` (one query)."""
    plan = merkle.inclusion_proof_nodes(index, tree_size)
    found = nodes(session, (node for element in plan for node in element))
    return merkle.inclusion_proof(index, tree_size, _getter(found))


def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
    """The consistency proof between two sizes (one query)."""
    plan = merkle.consistency_proof_nodes(first, second)
    found = nodes(session, (node for element in plan for node in element))
    return merkle.consistency_proof(first, second, _getter(found))


def leaf_index(session: Session, leaf_hash: bytes) -> int | None:
    """The index of the leaf with this hash, if the log holds it."""
    return session.scalar(sa.select(LogLeaf.index).where(LogLeaf.leaf_hash == leaf_hash))
