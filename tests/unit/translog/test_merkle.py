"""RFC 9162 Merkle tree math, checked against outside vectors and an RFC-literal reference.

The expected values in this file are not computed by ``kpcs``. They come from
transparency-dev/merkle (https://github.com/transparency-dev/merkle, Apache-2.0,
Copyright Google LLC), as follows, each file at the commit named:

* ``LEAF_INPUTS``, ``NODE_HASHES``, ``ROOT_HASHES``, ``COMPACT_TREES``:
  ``testonly/constants.go`` @ 582a6ad190b6848f1d26f8bf08ddef29955d9db1.
* ``INCLUSION_PROOFS``, ``CONSISTENCY_PROOFS``: ``proof/verify_test.go``
  @ 02194e9afb6c1d95b5381350007963aa70fff472 (``inclusionProofs``, ``consistencyProofs``),
  plus the extra rows of ``TestRefInclusionProof`` in ``testonly/reference_test.go``
  @ 141d627eab770a7e9a2514f46a8b6338e6d90874.
* ``INCLUSION_NODES``, ``CONSISTENCY_NODES``: the node IDs of ``TestInclusion`` and
  ``TestConsistency`` in ``proof/proof_test.go`` @ 02a3e2029520f515596d5238c54fb0ac9e19bff4.
* ``tests/data/merkle/transparency-dev-testdata.json``: the 196 probes of
  ``testdata/inclusion`` and ``testdata/consistency``. Each case names its own source
  path and commit (see the README beside it).

A tree that is consistent with itself but not with RFC 9162 passes every test written
against itself, so the outside vectors come first. The property tests then compare
with ``_rfc_*``: the RFC's recursive definitions, written out as plainly as possible.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpcs.translog.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    MemoryNodeStore,
    NodeId,
    consistency_proof,
    consistency_proof_nodes,
    inclusion_proof,
    inclusion_proof_nodes,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    root_at,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

h = bytes.fromhex

# --- testonly/constants.go @ 582a6ad190b6848f1d26f8bf08ddef29955d9db1 -------------------

LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]

# NODE_HASHES[level][index]: every complete subtree of the tree of LEAF_INPUTS.
NODE_HASHES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [
        h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
    ],
]

# ROOT_HASHES[size] for size 0..8 (RootHashes() with EmptyRootHash() first).
ROOT_HASHES = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

_nh = NODE_HASHES
# COMPACT_TREES[size]: the compact.Tree hashes after `size` appends, largest first.
COMPACT_TREES: list[list[bytes]] = [
    [],
    [_nh[0][0]],
    [_nh[1][0]],
    [_nh[1][0], _nh[0][2]],
    [_nh[2][0]],
    [_nh[2][0], _nh[0][4]],
    [_nh[2][0], _nh[1][2]],
    [_nh[2][0], _nh[1][2], _nh[0][6]],
    [_nh[3][0]],
]

# --- proof/verify_test.go @ 02194e9afb6c1d95b5381350007963aa70fff472 --------------------
# (leaf index, tree size, proof). Upstream counts leaves from 1 here; we count from 0.
# The last three rows are the extra ones of TestRefInclusionProof in
# testonly/reference_test.go @ 141d627eab770a7e9a2514f46a8b6338e6d90874.
INCLUSION_PROOFS: list[tuple[int, int, list[bytes]]] = [
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (0, 2, [h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7")]),
    (1, 2, [h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")]),
]

# (first size, second size, proof)
CONSISTENCY_PROOFS: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

# --- proof/proof_test.go @ 02a3e2029520f515596d5238c54fb0ac9e19bff4 ---------------------
# Which stored nodes each proof reads, as upstream lists them: node IDs (level, index),
# and `rehash` = (begin, end) marks the slice of IDs that are hashed together into one
# proof element (the right sibling that reaches past the tree size). Upstream lists that
# slice from the lowest node up; we fold from the largest down, hence `_as_plan`.
Ids = list[tuple[int, int]]
INCLUSION_NODES: list[tuple[int, int, Ids, tuple[int, int] | None]] = [
    # (size, index, ids, rehash)
    (1, 0, [], None),
    (2, 0, [(0, 1)], None),
    (2, 1, [(0, 0)], None),
    (3, 1, [(0, 0), (0, 2)], None),
    (7, 0, [(0, 1), (1, 1), (0, 6), (1, 2)], (2, 4)),
    (7, 1, [(0, 0), (1, 1), (0, 6), (1, 2)], (2, 4)),
    (7, 2, [(0, 3), (1, 0), (0, 6), (1, 2)], (2, 4)),
    (7, 3, [(0, 2), (1, 0), (0, 6), (1, 2)], (2, 4)),
    (7, 4, [(0, 5), (0, 6), (2, 0)], None),
    (7, 5, [(0, 4), (0, 6), (2, 0)], None),
    (7, 6, [(1, 2), (2, 0)], None),
    (4, 2, [(0, 3), (1, 0)], None),
    (5, 3, [(0, 2), (1, 0), (0, 4)], None),
    (6, 3, [(0, 2), (1, 0), (1, 2)], None),
    (6, 4, [(0, 5), (2, 0)], None),
    (15, 10, [(0, 11), (1, 4), (0, 14), (1, 6), (3, 0)], (2, 4)),
    (31, 24, [(0, 25), (1, 13), (0, 30), (1, 14), (3, 2), (4, 0)], (2, 4)),
    (95, 81, [(0, 80), (1, 41), (2, 21), (0, 94), (1, 46), (2, 22), (4, 4), (6, 0)], (3, 6)),
]
INCLUSION_NODE_ERRORS = [(0, 0), (0, 1), (1, 2), (0, 3), (7, 8)]  # (size, index)

CONSISTENCY_NODES: list[tuple[int, int, Ids, tuple[int, int] | None]] = [
    # (size1, size2, ids, rehash)
    (1, 2, [(0, 1)], None),
    (1, 4, [(0, 1), (1, 1)], None),
    (1, 6, [(0, 1), (1, 1), (1, 2)], None),
    (2, 3, [(0, 2)], None),
    (2, 8, [(1, 1), (2, 1)], None),
    (3, 7, [(0, 2), (0, 3), (1, 0), (0, 6), (1, 2)], (3, 5)),
    (4, 7, [(0, 6), (1, 2)], (0, 2)),
    (5, 7, [(0, 4), (0, 5), (0, 6), (2, 0)], None),
    (6, 7, [(1, 2), (0, 6), (2, 0)], None),
    (7, 8, [(0, 6), (0, 7), (1, 2), (2, 0)], None),
    (1, 1, [], None),
    (2, 2, [], None),
    (3, 3, [], None),
    (4, 4, [], None),
    (5, 5, [], None),
    (7, 7, [], None),
    (8, 8, [], None),
    (2, 4, [(1, 1)], None),
    (3, 5, [(0, 2), (0, 3), (1, 0), (0, 4)], None),
    (3, 6, [(0, 2), (0, 3), (1, 0), (1, 2)], None),
    (4, 6, [(1, 2)], None),
    (1, 7, [(0, 1), (1, 1), (0, 6), (1, 2)], (2, 4)),
    (10, 15, [(1, 4), (1, 5), (0, 14), (1, 6), (3, 0)], (2, 4)),
    (24, 31, [(3, 2), (0, 30), (1, 14), (2, 6), (4, 0)], (1, 4)),
    (81, 95, [(0, 80), (0, 81), (1, 41), (2, 21), (0, 94), (1, 46), (2, 22), (4, 4), (6, 0)], (4, 7)),
]
CONSISTENCY_NODE_ERRORS = [(5, 0), (9, 8)]  # (size1, size2)

TESTDATA = Path(__file__).parents[2] / "data" / "merkle" / "transparency-dev-testdata.json"


# --- helpers --------------------------------------------------------------------------


def _as_plan(ids: Ids, rehash: tuple[int, int] | None) -> list[tuple[NodeId, ...]]:
    nodes = [NodeId(level, index) for level, index in ids]
    if rehash is None:
        return [(node,) for node in nodes]
    begin, end = rehash
    return [(n,) for n in nodes[:begin]] + [tuple(reversed(nodes[begin:end]))] + [(n,) for n in nodes[end:]]


def _store_for(hashes: list[bytes]) -> MemoryNodeStore:
    """A store filled by appending ``hashes``, the way the log itself fills one."""
    store, tree = MemoryNodeStore(), CompactRange()
    for digest in hashes:
        store.put(tree.append(digest))
    return store


def _leaf_hashes(count: int, seed: bytes = b"") -> list[bytes]:
    return [leaf_hash(seed + i.to_bytes(4, "big")) for i in range(count)]


def _flip(value: bytes, position: int, mask: int = 0x01) -> bytes:
    return value[:position] + bytes([value[position] ^ mask]) + value[position + 1 :]


def _shape(index: int, size: int) -> tuple[bool, ...]:
    """For each element of the inclusion proof: is that sibling left of the leaf?"""
    return tuple(group[0].end <= index for group in inclusion_proof_nodes(index, size))


# RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, transcribed: MTH, PATH and SUBPROOF.
def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _rfc_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + _rfc_mth(d[:k]) + _rfc_mth(d[k:])).digest()


def _rfc_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*_rfc_path(m, d[:k]), _rfc_mth(d[k:])]
    return [*_rfc_path(m - k, d[k:]), _rfc_mth(d[:k])]


def _rfc_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [_rfc_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*_rfc_subproof(m, d[:k], b), _rfc_mth(d[k:])]
    return [*_rfc_subproof(m - k, d[k:], False), _rfc_mth(d[:k])]


# --- 1. transparency-dev vectors ------------------------------------------------------


def test_empty_root_is_sha256_of_nothing() -> None:
    assert ROOT_HASHES[0] == EMPTY_ROOT
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert root_at(0, MemoryNodeStore().get) == EMPTY_ROOT
    assert CompactRange().root() == EMPTY_ROOT


def test_leaf_and_node_hashes_match_vectors() -> None:
    assert [leaf_hash(leaf) for leaf in LEAF_INPUTS] == NODE_HASHES[0]
    for below, row in itertools.pairwise(NODE_HASHES):
        assert [node_hash(left, right) for left, right in zip(below[::2], below[1::2], strict=True)] == row


@pytest.mark.parametrize("size", range(len(ROOT_HASHES)))
def test_roots_match_vectors(size: int) -> None:
    hashes = [leaf_hash(leaf) for leaf in LEAF_INPUTS]
    store = _store_for(hashes)
    assert root_from_leaf_hashes(hashes[:size]) == ROOT_HASHES[size]
    assert _rfc_mth(hashes[:size]) == ROOT_HASHES[size]
    assert root_at(size, store.get) == ROOT_HASHES[size]


def test_compact_range_matches_compact_trees_and_node_hashes() -> None:
    tree, emitted = CompactRange(), {}
    assert tree.hashes == COMPACT_TREES[0]
    for size, leaf in enumerate(LEAF_INPUTS, start=1):
        for node in tree.append(leaf_hash(leaf)):
            emitted[node.level, node.index] = node.digest
        assert tree.size == size
        assert tree.hashes == COMPACT_TREES[size]
        assert tree.root() == ROOT_HASHES[size]
    expected = {(level, i): d for level, row in enumerate(NODE_HASHES) for i, d in enumerate(row)}
    assert emitted == expected


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_PROOFS)
def test_inclusion_proofs_match_vectors(index: int, size: int, expected: list[bytes]) -> None:
    hashes = [leaf_hash(leaf) for leaf in LEAF_INPUTS]
    proof = inclusion_proof(index, size, _store_for(hashes).get)
    assert proof == expected
    assert verify_inclusion(hashes[index], index, size, proof, ROOT_HASHES[size])


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY_PROOFS)
def test_consistency_proofs_match_vectors(first: int, second: int, expected: list[bytes]) -> None:
    proof = consistency_proof(first, second, _store_for([leaf_hash(x) for x in LEAF_INPUTS]).get)
    assert proof == expected
    assert verify_consistency(first, second, ROOT_HASHES[first], ROOT_HASHES[second], proof)


@pytest.mark.parametrize(("size", "index", "ids", "rehash"), INCLUSION_NODES)
def test_inclusion_reads_the_nodes_upstream_reads(
    size: int, index: int, ids: Ids, rehash: tuple[int, int] | None
) -> None:
    assert inclusion_proof_nodes(index, size) == _as_plan(ids, rehash)


@pytest.mark.parametrize(("size", "index"), INCLUSION_NODE_ERRORS)
def test_inclusion_of_a_missing_leaf_is_refused(size: int, index: int) -> None:
    with pytest.raises(ValueError):
        inclusion_proof_nodes(index, size)


@pytest.mark.parametrize(("first", "second", "ids", "rehash"), CONSISTENCY_NODES)
def test_consistency_reads_the_nodes_upstream_reads(
    first: int, second: int, ids: Ids, rehash: tuple[int, int] | None
) -> None:
    assert consistency_proof_nodes(first, second) == _as_plan(ids, rehash)


@pytest.mark.parametrize(("first", "second"), [*CONSISTENCY_NODE_ERRORS, (0, 1), (0, 8)])
def test_consistency_back_in_time_or_from_empty_is_refused(first: int, second: int) -> None:
    with pytest.raises(ValueError):
        consistency_proof_nodes(first, second)


def _testdata() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(TESTDATA.read_text())["cases"]
    return cases


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(probe: dict[str, Any]) -> list[bytes]:
    return [_b64(p) for p in probe["proof"] or []]  # Go writes a nil proof as null


def test_testdata_is_complete() -> None:
    # Guard against a vacuous pass: all 196 upstream probes are here, 12 of them valid.
    cases = _testdata()
    assert len(cases) == 196
    assert len({case["case"] for case in cases}) == 196
    assert sum(not case["probe"]["wantErr"] for case in cases) == 12


@pytest.mark.parametrize("case", _testdata(), ids=lambda case: case["case"])
def test_testdata_probe(case: dict[str, Any]) -> None:
    probe = case["probe"]
    if case["kind"] == "inclusion":
        # Older copies of some probes spell the field leafIndex.
        index = probe["leafIdx"] if "leafIdx" in probe else probe["leafIndex"]
        accepted = verify_inclusion(
            _b64(probe["leafHash"]), index, probe["treeSize"], _proof(probe), _b64(probe["root"])
        )
    else:
        accepted = verify_consistency(
            probe["size1"], probe["size2"], _b64(probe["root1"]), _b64(probe["root2"]), _proof(probe)
        )
    assert accepted is not probe["wantErr"]


@pytest.mark.parametrize(
    "case",
    [c for c in _testdata() if c["case"].split("/")[1].isdigit() and not c["probe"]["wantErr"]],
    ids=lambda case: case["case"],
)
def test_testdata_happy_paths_are_the_proofs_we_generate(case: dict[str, Any]) -> None:
    # The numbered directories are proofs in the tree of LEAF_INPUTS.
    probe, store = case["probe"], _store_for([leaf_hash(leaf) for leaf in LEAF_INPUTS])
    if case["kind"] == "inclusion":
        assert inclusion_proof(probe["leafIdx"], probe["treeSize"], store.get) == _proof(probe)
    else:
        assert consistency_proof(probe["size1"], probe["size2"], store.get) == _proof(probe)


# --- 2. properties: proofs from stored subtrees verify, and tampering is caught -------


@settings(deadline=None)
@given(st.data(), st.integers(1, 300), st.binary(max_size=4))
def test_inclusion_proofs_verify_and_tampering_fails(data: st.DataObject, size: int, seed: bytes) -> None:
    hashes = _leaf_hashes(2 * size + 2, seed)
    store = _store_for(hashes)
    index = data.draw(st.integers(0, size - 1), label="index")
    root = root_from_leaf_hashes(hashes[:size])
    proof = inclusion_proof(index, size, store.get)

    assert proof == _rfc_path(index, hashes[:size])
    assert verify_inclusion(hashes[index], index, size, proof, root)

    for i, element in enumerate(proof):
        for position in range(HASH_SIZE):
            mask = data.draw(st.integers(1, 255), label="mask")
            tampered = [*proof[:i], _flip(element, position, mask), *proof[i + 1 :]]
            assert not verify_inclusion(hashes[index], index, size, tampered, root)
    if proof:
        assert not verify_inclusion(hashes[index], index, size, proof[:-1], root)
    assert not verify_inclusion(hashes[index], index, size, [*proof, root], root)
    assert not verify_inclusion(hashes[index], index, size, [root, *proof], root)

    for other in range(size + 2):
        if other != index:
            assert not verify_inclusion(hashes[index], other, size, proof, root)
    assert not verify_inclusion(hashes[index + 1], index, size, proof, root)

    for wrong_root in (EMPTY_ROOT, root_at(size + 1, store.get), _flip(root, 0)):
        assert not verify_inclusion(hashes[index], index, size, proof, wrong_root)

    for other in range(index + 1, 2 * size + 2):
        if other == size:
            continue
        # Against the real head of another size, the proof never passes.
        assert not verify_inclusion(hashes[index], index, other, proof, root_at(other, store.get))
        # Against this size's root it passes exactly when the other size gives the
        # proof the same shape (same length, same left/right siblings): RFC 9162's
        # check cannot tell those sizes apart, which is why a proof is only ever
        # checked against a signed tree head, whose signature binds size and root.
        assert verify_inclusion(hashes[index], index, other, proof, root) is (
            _shape(index, other) == _shape(index, size)
        )


@settings(deadline=None)
@given(st.data(), st.integers(1, 300), st.binary(max_size=4))
def test_consistency_proofs_verify_and_tampering_fails(data: st.DataObject, second: int, seed: bytes) -> None:
    hashes = _leaf_hashes(2 * second + 2, seed)
    store = _store_for(hashes)
    first = data.draw(st.integers(1, second), label="first")
    roots = [root_at(size, store.get) for size in range(len(hashes) + 1)]
    first_root = root_from_leaf_hashes(hashes[:first])
    second_root = root_from_leaf_hashes(hashes[:second])
    proof = consistency_proof(first, second, store.get)

    assert proof == _rfc_subproof(first, hashes[:second], True)
    assert verify_consistency(first, second, first_root, second_root, proof)
    if first == second:
        assert proof == []
        assert not verify_consistency(first, second, first_root, second_root, [first_root])
        return

    for i, element in enumerate(proof):
        for position in range(HASH_SIZE):
            mask = data.draw(st.integers(1, 255), label="mask")
            tampered = [*proof[:i], _flip(element, position, mask), *proof[i + 1 :]]
            assert not verify_consistency(first, second, first_root, second_root, tampered)
    assert not verify_consistency(first, second, first_root, second_root, [])
    assert not verify_consistency(first, second, first_root, second_root, proof[:-1])
    assert not verify_consistency(first, second, first_root, second_root, [*proof, second_root])
    assert not verify_consistency(first, second, first_root, second_root, [first_root, *proof])

    assert not verify_consistency(first, second, second_root, first_root, proof)
    assert not verify_consistency(first, second, _flip(first_root, 0), second_root, proof)
    assert not verify_consistency(first, second, first_root, _flip(second_root, 31), proof)
    assert not verify_consistency(second, first, second_root, first_root, proof)
    assert not verify_consistency(0, second, EMPTY_ROOT, second_root, proof)

    # Other sizes, with the real roots of those sizes: only their own proof passes.
    for other in range(1, second):
        if other != first:
            expected = consistency_proof(other, second, store.get) == proof
            assert verify_consistency(other, second, roots[other], second_root, proof) is expected
    for other in range(first + 1, len(hashes) + 1):
        if other != second:
            expected = consistency_proof(first, other, store.get) == proof
            assert verify_consistency(first, other, first_root, roots[other], proof) is expected


@given(
    st.integers(-2, 40),
    st.integers(-2, 40),
    st.lists(st.binary(max_size=40), max_size=8),
    st.binary(max_size=40),
    st.binary(max_size=40),
)
def test_verifiers_never_raise_on_garbage(a: int, b: int, proof: list[bytes], x: bytes, y: bytes) -> None:
    assert verify_inclusion(x, a, b, proof, y) in (True, False)
    assert verify_consistency(a, b, x, y, proof) in (True, False)


def test_edge_sizes_follow_the_vectors_semantics() -> None:
    root = ROOT_HASHES[3]
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 0, root, root, [])  # the empty tree has one root
    assert verify_consistency(3, 3, root, root, [])
    assert not verify_consistency(3, 3, root, root, [root])
    assert not verify_consistency(0, 3, EMPTY_ROOT, root, [])  # proves nothing
    assert not verify_consistency(4, 3, root, root, [])
    assert not verify_inclusion(leaf_hash(b""), 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(leaf_hash(b""), -1, 1, [], leaf_hash(b""))


# --- 3. the appender ------------------------------------------------------------------


@given(st.lists(st.binary(max_size=16), max_size=130))
def test_compact_range_root_after_every_append(leaves: list[bytes]) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    tree = CompactRange()
    for size, digest in enumerate(hashes, start=1):
        tree.append(digest)
        assert tree.root() == root_from_leaf_hashes(hashes[:size]) == _rfc_mth(hashes[:size])
        assert len(tree.hashes) == size.bit_count()


@settings(deadline=None)  # 70 leaves: every proof of every size, past 200 ms on a loaded machine
@given(st.integers(0, 70), st.binary(max_size=4))
def test_compact_range_emits_exactly_the_complete_subtrees_proofs_need(count: int, seed: bytes) -> None:
    hashes = _leaf_hashes(count, seed)
    tree, emitted = CompactRange(), {}
    for digest in hashes:
        for node in tree.append(digest):
            node_id = NodeId(node.level, node.index)
            assert node_id not in emitted  # a stored node never changes
            emitted[node_id] = node.digest

    complete = {NodeId(level, i) for level in range(count.bit_length()) for i in range(count >> level)}
    assert set(emitted) == complete
    for node_id, digest in emitted.items():
        assert digest == root_from_leaf_hashes(hashes[node_id.begin : node_id.end])

    # Everything any proof or head up to this size reads was emitted, and nothing more.
    needed: set[NodeId] = set()
    for size in range(1, count + 1):
        needed.update(perfect_subtrees(size))
        for index in range(size):
            needed.update(node for group in inclusion_proof_nodes(index, size) for node in group)
        for first in range(1, size + 1):
            needed.update(node for group in consistency_proof_nodes(first, size) for node in group)
    assert needed == complete


def test_proofs_read_logarithmically_many_nodes() -> None:
    # No real tree: a getter that counts. Shows the lookup bound at a million leaves.
    reads: list[tuple[int, int]] = []

    def counting_get(level: int, index: int) -> bytes:
        reads.append((level, index))
        return hashlib.sha256(f"{level}/{index}".encode()).digest()

    size = 1_000_000
    bound = 2 * size.bit_length()
    for index in (0, 1, 524_287, 524_288, 999_998, size - 1):
        reads.clear()
        proof = inclusion_proof(index, size, counting_get)
        assert len(reads) <= bound and len(proof) <= size.bit_length()
    for first in (1, 2, 3, 1000, 524_288, 999_999):
        reads.clear()
        consistency_proof(first, size, counting_get)
        assert len(reads) <= bound + 1
    reads.clear()
    root_at(size, counting_get)
    assert len(reads) == size.bit_count()


def test_compact_range_resumes_from_store() -> None:
    hashes = _leaf_hashes(37)
    store, tree = MemoryNodeStore(), CompactRange()
    for digest in hashes[:21]:
        store.put(tree.append(digest))
    resumed = CompactRange.from_store(21, store.get)
    assert resumed.hashes == tree.hashes and resumed.size == 21
    for digest in hashes[21:]:
        store.put(resumed.append(digest))
    assert resumed.root() == root_from_leaf_hashes(hashes) == root_at(37, store.get)


def test_compact_range_rejects_bad_state() -> None:
    with pytest.raises(ValueError):
        CompactRange(3, [EMPTY_ROOT])  # size 3 needs two hashes
    with pytest.raises(ValueError):
        CompactRange(1, [b"short"])
    with pytest.raises(ValueError):
        CompactRange(-1)
    with pytest.raises(ValueError):
        CompactRange().append(b"not a hash")
    with pytest.raises(KeyError):
        MemoryNodeStore().get(0, 0)
