"""RFC 9162 (Certificate Transparency v2) Merkle tree math: pure, no I/O.

Hashing follows RFC 9162 §2.1.1 and the contract: a leaf hash is
``SHA-256(0x00 || leaf)``, an interior node is ``SHA-256(0x01 || left || right)`` and
the empty tree's root is ``SHA-256("")``.

Storage addressing
    A node is named ``NodeId(level, index)``: level 0 holds leaf hashes and node
    ``(level, index)`` covers leaves ``[index * 2**level, (index + 1) * 2**level)``.
    A store keeps a node only once that range is complete, so a stored hash never
    changes. Every root, proof element and historical root is a right fold of at most
    ``log2(n)`` such nodes, and the ``*_nodes`` functions say which ones, so a store
    can fetch them in one query and hand the result back as a ``NodeGetter``.

Appending
    ``CompactRange`` keeps the roots of the perfect subtrees that make up the log (one
    per set bit of its size) and, for each appended leaf, returns the nodes that just
    became complete, for the store to keep. That costs one hash per leaf, amortised.

Verifying
    ``verify_inclusion`` and ``verify_consistency`` are the algorithms of RFC 9162
    §2.1.3.2 and §2.1.4.2, step for step. They return ``False`` and never raise, since
    whatever they are given may come from anyone.

Asking for a proof that cannot exist (a leaf past the end, a consistency proof back in
time) is a caller's bug, not a rule of the Scheme, so those raise ``ValueError``.
Services check the request first and raise ``kpcs.errors.InvalidInput`` themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "MemoryNodeStore",
    "NodeGetter",
    "NodeId",
    "ProofPlan",
    "StoredNode",
    "consistency_proof",
    "consistency_proof_nodes",
    "inclusion_proof",
    "inclusion_proof_nodes",
    "leaf_hash",
    "node_hash",
    "perfect_subtrees",
    "root_at",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Length in bytes of every hash in the tree (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the tree of size 0 (RFC 9162 §2.1.1: the hash of an empty string)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


# Dataclasses, not NamedTuples: a field called `index` would shadow tuple.index().
@dataclass(frozen=True, slots=True)
class NodeId:
    """Address of a perfect subtree: ``index``-th node of ``level`` (0 = leaves)."""

    level: int
    index: int

    @property
    def begin(self) -> int:
        """First leaf index the node covers."""
        return self.index << self.level

    @property
    def end(self) -> int:
        """One past the last leaf index the node covers."""
        return (self.index + 1) << self.level


# Not frozen: `append` builds about two per leaf, and a frozen dataclass costs four
# times as much to construct, which would double the cost of appending.
@dataclass(slots=True)
class StoredNode:
    """A node that has just become complete, with its hash, for the store to keep."""

    level: int
    index: int
    digest: bytes


NodeGetter: TypeAlias = Callable[[int, int], bytes]
"""Returns the stored hash of the complete node ``(level, index)``."""

ProofPlan: TypeAlias = list[tuple[NodeId, ...]]
"""One entry per proof element: the stored nodes whose right fold gives that element."""


def leaf_hash(leaf: bytes) -> bytes:
    """The RFC 9162 hash of one log entry: ``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(_LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The RFC 9162 hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH of RFC 9162 §2.1.1 over all of ``hashes``: O(n), for tests and audits."""
    if not hashes:
        return EMPTY_ROOT
    # Reduce level by level; an odd node out is carried up unchanged, which is exactly
    # the "largest power of two smaller than n" split of the RFC's recursion.
    level = list(hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def perfect_subtrees(size: int) -> list[NodeId]:
    """The complete subtrees that make up the first ``size`` leaves, largest first.

    These are the nodes ``root_at`` reads and the hashes a ``CompactRange`` holds.
    """
    _check_size(size)
    return _aligned_range(0, size)


def inclusion_proof_nodes(index: int, size: int) -> ProofPlan:
    """Which stored nodes make up the inclusion proof of leaf ``index`` at ``size``.

    Raises ``ValueError`` unless ``0 <= index < size``.
    """
    _check_size(size)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    return _path(NodeId(0, index), size)


def consistency_proof_nodes(first: int, second: int) -> ProofPlan:
    """Which stored nodes make up the consistency proof from ``first`` to ``second``.

    Follows SUBPROOF of RFC 9162 §2.1.4.1. Equal sizes give an empty proof. Raises
    ``ValueError`` if ``first > second``, or if ``first`` is 0 and ``second`` is not:
    the RFC defines no proof from the empty tree, and ``verify_consistency`` would
    reject any.
    """
    _check_size(first)
    _check_size(second)
    if first > second:
        raise ValueError(f"no consistency proof from size {first} back to size {second}")
    if first == second:
        return []
    if first == 0:
        raise ValueError("no consistency proof from the empty tree")
    # The proof is the inclusion path, in the tree of `second`, of the largest perfect
    # subtree ending at `first`, preceded by that subtree's own hash unless it is the
    # whole first tree (first a power of two): the verifier already holds that as
    # first_root.
    level = (first & -first).bit_length() - 1
    node = NodeId(level, (first >> level) - 1)
    plan: ProofPlan = [] if node.index == 0 else [(node,)]
    return plan + _path(node, second)


def root_at(size: int, get_node: NodeGetter) -> bytes:
    """The root of the first ``size`` leaves, from one stored node per set bit of ``size``."""
    nodes = perfect_subtrees(size)
    if not nodes:
        return EMPTY_ROOT
    return _fold_right([get_node(node.level, node.index) for node in nodes])


def inclusion_proof(index: int, size: int, get_node: NodeGetter) -> list[bytes]:
    """The RFC 9162 inclusion proof (PATH) of leaf ``index`` in the tree of ``size``.

    Ordered from the leaf up, as §2.1.3.1 defines it. Raises ``ValueError`` unless
    ``0 <= index < size``.
    """
    return _fetch(inclusion_proof_nodes(index, size), get_node)


def consistency_proof(first: int, second: int, get_node: NodeGetter) -> list[bytes]:
    """The RFC 9162 consistency proof (PROOF) between tree sizes ``first`` and ``second``.

    See ``consistency_proof_nodes`` for the sizes it accepts.
    """
    return _fetch(consistency_proof_nodes(first, second), get_node)


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Whether ``proof`` shows ``leaf_hash`` at ``index`` in the tree of ``size`` and ``root``.

    RFC 9162 §2.1.3.2, plus a length check on every hash so that malformed input (an
    empty leaf hash against an empty root, say) cannot pass by accident.
    """
    if not 0 <= index < size:
        return False
    if not _all_hashes(leaf_hash, root, *proof):
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree of ``second`` leaves extends the one of ``first``.

    RFC 9162 §2.1.4.2 for ``0 < first < second``. The RFC leaves the other sizes open;
    here, as in the transparency-dev test vectors: equal sizes need an empty proof and
    equal roots (for size 0, both the empty root); ``first > second`` fails; and
    ``first == 0 < second`` fails, because every tree extends the empty one, so a
    "valid" answer would vouch for nothing about ``second_root``.
    """
    if not 0 <= first <= second:
        return False
    if first == second:
        if proof or first_root != second_root:
            return False
        return first > 0 or first_root == EMPTY_ROOT
    if first == 0 or not proof or not _all_hashes(*proof):
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


class CompactRange:
    """The frontier of an append-only tree: one root per perfect subtree of the log.

    Holds ``popcount(size)`` hashes, never more than ``log2(size) + 1``. ``append``
    hashes once per leaf on average and returns the nodes that became complete.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        """Resume at ``size`` from the roots of ``perfect_subtrees(size)``, in order."""
        _check_size(size)
        if len(hashes) != size.bit_count() or not _all_hashes(*hashes):
            raise ValueError(f"a tree of size {size} needs {size.bit_count()} hashes of {HASH_SIZE} bytes")
        self._size = size
        self._hashes = list(hashes)

    @classmethod
    def from_store(cls, size: int, get_node: NodeGetter) -> CompactRange:
        """Resume at ``size`` by reading its perfect subtrees from the store."""
        return cls(size, [get_node(node.level, node.index) for node in perfect_subtrees(size)])

    @property
    def size(self) -> int:
        """How many leaves have been appended."""
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """The roots of ``perfect_subtrees(self.size)``, largest subtree first."""
        return list(self._hashes)

    def append(self, leaf_hash: bytes) -> list[StoredNode]:
        """Add one leaf hash; return the leaf and every node it completes, lowest first."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf_hash)}")
        index, level, digest = self._size, 0, leaf_hash
        completed = [StoredNode(0, index, digest)]
        # While the new node is a right child its left sibling is the last frontier
        # hash; merging them completes the parent. This runs once per trailing 1 bit
        # of the old size, which averages to one hash per append.
        while index & 1:
            digest = node_hash(self._hashes.pop(), digest)
            level, index = level + 1, index >> 1
            completed.append(StoredNode(level, index, digest))
        self._hashes.append(digest)
        self._size += 1
        return completed

    def root(self) -> bytes:
        """The current tree head: the RFC 9162 root of all leaves appended so far."""
        return _fold_right(self._hashes) if self._hashes else EMPTY_ROOT


class MemoryNodeStore:
    """A dict of complete nodes, for tests and benchmarks; ``get`` is a ``NodeGetter``."""

    def __init__(self) -> None:
        self._nodes: dict[tuple[int, int], bytes] = {}

    def __len__(self) -> int:
        return len(self._nodes)

    def put(self, nodes: Iterable[StoredNode]) -> None:
        """Keep ``nodes``, as returned by ``CompactRange.append``."""
        for node in nodes:
            self._nodes[node.level, node.index] = node.digest

    def get(self, level: int, index: int) -> bytes:
        """The hash of the complete node ``(level, index)``; ``KeyError`` if absent."""
        return self._nodes[level, index]


def _check_size(size: int) -> None:
    if size < 0:
        raise ValueError(f"a tree size cannot be negative: {size}")


def _all_hashes(*values: bytes) -> bool:
    return all(len(value) == HASH_SIZE for value in values)


def _aligned_range(begin: int, end: int) -> list[NodeId]:
    """The perfect subtrees covering ``[begin, end)``, largest first.

    ``begin`` must be a multiple of the largest power of two not above ``end - begin``
    (true for 0, and for the right sibling of a node on a proof path); then each set
    bit of the length is one aligned subtree.
    """
    nodes = []
    count = end - begin
    for level in reversed(range(count.bit_length())):
        if count >> level & 1:
            nodes.append(NodeId(level, begin >> level))
            begin += 1 << level
    return nodes


def _path(node: NodeId, size: int) -> ProofPlan:
    """The siblings of ``node`` and of each of its ancestors in the tree of ``size``.

    A left sibling is always complete. A right sibling may reach past ``size``: then
    it is the node RFC 9162 builds from the leaves that exist, so the proof carries
    the fold of the perfect subtrees covering them. A sibling that starts at or past
    ``size`` does not exist: RFC 9162 promotes the lone child, so that level adds
    nothing.
    """
    plan: ProofPlan = []
    level, index = node.level, node.index
    while index or (1 << level) < size:
        sibling = NodeId(level, index ^ 1)
        if sibling.end <= size:
            plan.append((sibling,))
        elif sibling.begin < size:
            plan.append(tuple(_aligned_range(sibling.begin, size)))
        level, index = level + 1, index >> 1
    return plan


def _fetch(plan: ProofPlan, get_node: NodeGetter) -> list[bytes]:
    return [_fold_right([get_node(node.level, node.index) for node in group]) for group in plan]


def _fold_right(hashes: Sequence[bytes]) -> bytes:
    """MTH of adjacent perfect subtrees given largest first: fold from the right."""
    digest = hashes[-1]
    for left in reversed(hashes[:-1]):
        digest = node_hash(left, digest)
    return digest
