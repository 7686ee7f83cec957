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
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from kpcs.translog import merkle
from kpcs.translog.models import LEVEL_BITS, LogLeaf, LogNode, LogState, node_key


@dataclass(frozen=True)
class Appended:
    """What an append did: the indexes given to the new leaves, the new size and root."""

    first_index: int
    size: int
    root: bytes


def _split(frontier: bytes) -> list[bytes]:
    return [frontier[i : i + merkle.HASH_SIZE] for i in range(0, len(frontier), merkle.HASH_SIZE)]


_STATE: sa.Table = LogState.__table__  # type: ignore[assignment]
# Built once: an append is on the path of every issue.
_ADVANCE = (
    sa.update(_STATE)
    .where(_STATE.c.id == 1)
    .values(size=_STATE.c.size + sa.bindparam("count", type_=sa.BigInteger))
    .returning(_STATE.c.size, _STATE.c.frontier)
)


def append(session: Session, leaves: Sequence[tuple[bytes, int]], *, at: datetime) -> Appended:
    """Append ``(leaf hash, certificate id)`` pairs, in the caller's transaction.

    Call it last before committing: from its first statement until the commit, no other
    transaction can append. Leaf hashes are stored once, in ``log_leaves``; ``log_nodes``
    holds the completed subtrees above them.
    """
    if not leaves:
        raise ValueError("nothing to append")
    connection = session.connection()
    row = connection.execute(_ADVANCE, {"count": len(leaves)}).one()
    new_size, frontier = row
    old_size = new_size - len(leaves)
    tree = merkle.CompactRange(old_size, _split(frontier))
    nodes: list[tuple[int, bytes]] = []
    for leaf_hash, _certificate in leaves:
        nodes += [(node_key(n.level, n.index), n.digest) for n in tree.append(leaf_hash)[1:]]
    frontier = b"".join(tree.hashes)
    if connection.dialect.name == "postgresql":
        _write_postgresql(connection, old_size, leaves, nodes, frontier, at)
    else:
        _write_sqlite(connection, old_size, leaves, nodes, frontier, at)
    return Appended(first_index=old_size, size=tree.size, root=tree.root())


# Rows go to the driver as plain values: at a batch of thousands of leaves, the ORM's
# per-row bookkeeping costs more than the database's own work. On PostgreSQL the whole
# write is one statement, so the append lock is held for two round trips and the commit.
_WRITE_POSTGRESQL = """
WITH leaves AS (
    INSERT INTO log_leaves ("index", leaf_hash, certificate_id, appended_at)
    SELECT %(first)s + t.n - 1, t.hash, t.certificate, %(at)s
    FROM unnest(%(hashes)s::bytea[], %(certificates)s::bigint[]) WITH ORDINALITY AS t(hash, certificate, n)
), nodes AS (
    INSERT INTO log_nodes (key, hash)
    SELECT * FROM unnest(%(keys)s::bigint[], %(node_hashes)s::bytea[])
)
UPDATE log_state SET frontier = %(frontier)s WHERE id = 1
"""


def _write_postgresql(
    connection: sa.Connection,
    first: int,
    leaves: Sequence[tuple[bytes, int]],
    nodes: list[tuple[int, bytes]],
    frontier: bytes,
    at: datetime,
) -> None:
    connection.exec_driver_sql(
        _WRITE_POSTGRESQL,
        {
            "first": first,
            "at": at,
            "hashes": [leaf_hash for leaf_hash, _ in leaves],
            "certificates": [certificate for _, certificate in leaves],
            "keys": [key for key, _ in nodes],
            "node_hashes": [digest for _, digest in nodes],
            "frontier": frontier,
        },
    )


def _write_sqlite(
    connection: sa.Connection,
    first: int,
    leaves: Sequence[tuple[bytes, int]],
    nodes: list[tuple[int, bytes]],
    frontier: bytes,
    at: datetime,
) -> None:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    connection.exec_driver_sql(
        'INSERT INTO log_leaves ("index", leaf_hash, certificate_id, appended_at) VALUES (?, ?, ?, ?)',
        [
            (first + offset, leaf_hash, certificate, stamp)
            for offset, (leaf_hash, certificate) in enumerate(leaves)
        ],
    )
    if nodes:
        connection.exec_driver_sql("INSERT INTO log_nodes (key, hash) VALUES (?, ?)", nodes)
    connection.exec_driver_sql("UPDATE log_state SET frontier = ? WHERE id = 1", (frontier,))


def size(session: Session) -> int:
    """How many leaves the log holds (as this transaction sees it)."""
    return int(session.scalar(sa.select(LogState.size).where(LogState.id == 1)) or 0)


# One round trip for any proof or root: leaf hashes and subtree hashes share the key space
# (a leaf is node (0, index), key index << LEVEL_BITS), and each side is a single-column
# lookup that both databases answer from the primary key. PostgreSQL gets the keys as two
# arrays, so the statement text never changes and the driver prepares it once: planning
# would otherwise cost as much as running it.
_LOOKUP = {
    "in": sa.union_all(
        sa.select((LogLeaf.index * (1 << LEVEL_BITS)).label("key"), LogLeaf.leaf_hash.label("hash")).where(
            LogLeaf.index.in_(sa.bindparam("leaves", expanding=True))
        ),
        sa.select(LogNode.key, LogNode.hash).where(LogNode.key.in_(sa.bindparam("nodes", expanding=True))),
    ),
    "array": sa.union_all(
        sa.select((LogLeaf.index * (1 << LEVEL_BITS)).label("key"), LogLeaf.leaf_hash.label("hash")).where(
            LogLeaf.index == sa.any_(sa.bindparam("leaves", type_=postgresql.ARRAY(sa.BigInteger)))
        ),
        sa.select(LogNode.key, LogNode.hash).where(
            LogNode.key == sa.any_(sa.bindparam("nodes", type_=postgresql.ARRAY(sa.BigInteger)))
        ),
    ),
}
_LOOKUP_FORM = {"postgresql": "array"}


def nodes(session: Session, wanted: Iterable[merkle.NodeId]) -> dict[tuple[int, int], bytes]:
    """The stored hashes of ``wanted`` nodes (level 0: the leaf hashes), in one query."""
    keys = sorted({(node.level, node.index) for node in wanted})
    if not keys:
        return {}
    params = {
        "leaves": [index for level, index in keys if level == 0],
        "nodes": [node_key(level, index) for level, index in keys if level > 0],
    }
    mask = (1 << LEVEL_BITS) - 1
    connection = session.connection()
    lookup = _LOOKUP[_LOOKUP_FORM.get(connection.dialect.name, "in")]
    found = {(key & mask, key >> LEVEL_BITS): digest for key, digest in connection.execute(lookup, params)}
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
