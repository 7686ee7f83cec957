"""The re-used-photo search's arithmetic: hashes split into index bands and back, the
Hamming distance, and the hashes themselves on generated parcel photos (copies near,
other parcels far)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpcs.photos import domain
from tests.factories import photo_tuning

hashes = st.binary(min_size=domain.HASH_BYTES, max_size=domain.HASH_BYTES)


@given(hashes)
def test_a_hash_split_into_bands_merges_back(value: bytes) -> None:
    bands = domain.split_bands(value)
    assert len(bands) == domain.HASH_SIDE and all(0 <= b < 1 << domain.BAND_BITS for b in bands)
    assert domain.merge_bands(bands) == value


@given(hashes, hashes, hashes)
def test_the_distance_is_a_metric(a: bytes, b: bytes, c: bytes) -> None:
    assert domain.distance(a, b) == domain.distance(b, a)
    assert (domain.distance(a, b) == 0) is (a == b)
    assert domain.distance(a, c) <= domain.distance(a, b) + domain.distance(b, c)
    assert 0 <= domain.distance(a, b) <= domain.HASH_BITS


@given(hashes, st.sets(st.integers(0, domain.HASH_BITS - 1), max_size=domain.BANDS - 1))
def test_a_hash_within_fewer_flips_than_bands_shares_an_index_key(value: bytes, flips: set[int]) -> None:
    """The pigeonhole principle: fewer flipped bits than indexed bands leave a band whole."""
    number = int.from_bytes(value, "big")
    for bit in flips:
        number ^= 1 << bit
    near = number.to_bytes(domain.HASH_BYTES, "big")
    assert domain.distance(value, near) == len(flips)
    indexed_flips = [bit for bit in flips if bit >= domain.HASH_BITS - domain.BANDS * domain.BAND_BITS]
    shared = domain.band_keys(value) & domain.band_keys(near)
    assert len(shared) >= domain.BANDS - len(indexed_flips)
    assert shared


def test_malformed_hashes_and_bands_are_refused() -> None:
    with pytest.raises(ValueError):
        domain.split_bands(b"short")
    with pytest.raises(ValueError):
        domain.merge_bands((1 << 16,) + (0,) * 15)


def _found(query: tuple[bytes, ...], stored: tuple[bytes, ...]) -> bool:
    """As the search decides: enough shared index keys, then near enough."""
    keys = set().union(*(domain.band_keys(h) for h in query))
    shared = keys & set().union(*(domain.band_keys(h) for h in stored))
    return len(shared) >= domain.MIN_BAND_HITS and domain.nearest(query, stored) <= domain.MATCH_DISTANCE


def test_copies_are_found_and_other_parcels_are_not() -> None:
    """The issue's figures in small: at least 95 % of the copies found, no other parcel."""
    originals = list(photo_tuning.originals(11, 6))
    stored = [domain.fingerprint(o).stored for o in originals]
    found = [
        _found(domain.fingerprint(copy).query, stored[index])
        for index, original in enumerate(originals)
        for copy in photo_tuning.variants(original, index).values()
    ]
    assert sum(found) >= 0.95 * len(found)
    for other in photo_tuning.unrelated(11, 6):
        query = domain.fingerprint(other).query
        assert not any(_found(query, s) for s in stored)


@given(
    st.lists(st.binary(min_size=domain.HASH_BYTES, max_size=domain.HASH_BYTES), min_size=1, max_size=4),
    st.lists(
        st.lists(st.binary(min_size=domain.HASH_BYTES, max_size=domain.HASH_BYTES), min_size=1, max_size=5),
        max_size=6,
    ),
)
def test_the_vectorised_distances_agree_with_the_plain_ones(
    query: list[bytes], candidates: list[list[bytes]]
) -> None:
    measured = domain.distances(tuple(query), [tuple(c) for c in candidates])
    assert list(measured) == [min(domain.distance(q, s) for q in query for s in c) for c in candidates]
