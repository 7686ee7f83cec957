"""The footprint comparison as pure functions: the distance is a distance (symmetric, zero
for the same profile, in [0, 1]), the verdict grows with it, the thresholds are the stated
ones, and an assortment is refused with the field and reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpcs.footprints import domain
from kpcs.footprints.domain import Assortment, Lot, Profile, Verdict


def _shares(keys: list[str]) -> st.SearchStrategy[dict[str, float]]:
    """Distributions over ``keys``: non-negative weights, at least one positive, normalised."""
    weights = st.lists(st.integers(0, 100), min_size=len(keys), max_size=len(keys)).filter(any)
    return weights.map(lambda ws: {k: w / sum(ws) for k, w in zip(keys, ws, strict=True) if w})


profiles = st.builds(
    Profile,
    sizes=_shares(list(domain.SIEVE_CLASSES)),
    colours=_shares(list(domain.COLOURS)),
    qualities=_shares(list(domain.QUALITIES)),
    usd_per_carat=st.floats(1, 100_000, allow_nan=False),
    stones=st.integers(1, 100_000),
)

ZONE = Profile(
    sizes={"+11": 0.5, "2-4gr": 0.3, "1-2ct": 0.2},
    colours={"white": 0.6, "yellow": 0.3, "brown": 0.1},
    qualities={"gem": 0.5, "near-gem": 0.3, "industrial": 0.2},
    usd_per_carat=180.0,
    stones=5000,
)


@given(profiles, profiles)
def test_the_distance_is_symmetric_and_between_zero_and_one(a: Profile, b: Profile) -> None:
    assert domain.distance(a, b) == domain.distance(b, a)
    assert 0 <= domain.distance(a, b) <= 1


@given(profiles)
def test_the_distance_of_a_profile_to_itself_is_zero(a: Profile) -> None:
    assert domain.distance(a, a) == 0
    assert domain.compare(a, a).distance == 0


@given(st.floats(0, 1), st.floats(0, 1), st.integers(0, 1000), st.integers(0, 1000))
def test_the_verdict_never_gets_better_as_the_distance_grows(
    d1: float, d2: float, shipment_stones: int, footprint_stones: int
) -> None:
    """For the same stones, a larger distance never turns "unusual" into "consistent"."""
    near, far = sorted((d1, d2))
    rank = {Verdict.CONSISTENT: 0, Verdict.UNUSUAL: 1, Verdict.TOO_FEW_STONES: 2}
    first = domain.verdict_for(near, shipment_stones=shipment_stones, footprint_stones=footprint_stones)
    second = domain.verdict_for(far, shipment_stones=shipment_stones, footprint_stones=footprint_stones)
    if Verdict.TOO_FEW_STONES in (first, second):
        assert first == second == Verdict.TOO_FEW_STONES
    else:
        assert rank[first] <= rank[second]


@pytest.mark.parametrize(
    ("distance", "shipment", "footprint", "verdict"),
    [
        (0.0, 50, 200, Verdict.CONSISTENT),
        (0.2, 50, 200, Verdict.CONSISTENT),
        (0.2001, 50, 200, Verdict.UNUSUAL),
        (0.0, 49, 200, Verdict.TOO_FEW_STONES),
        (0.9, 50, 199, Verdict.TOO_FEW_STONES),
    ],
)
def test_the_thresholds_are_the_stated_ones(
    distance: float, shipment: int, footprint: int, verdict: Verdict
) -> None:
    assert domain.verdict_for(distance, shipment_stones=shipment, footprint_stones=footprint) is verdict


def test_hellinger_is_one_for_distributions_with_nothing_in_common() -> None:
    assert domain.hellinger({"-7": 1.0}, {"+10.8ct": 1.0}, list(domain.SIEVE_CLASSES)) == pytest.approx(1.0)


def test_the_price_part_treats_dearer_and_cheaper_alike_and_caps_at_three_times() -> None:
    assert domain.price_part(200, 100) == pytest.approx(domain.price_part(100, 200))
    assert domain.price_part(300, 100) == pytest.approx(1.0)
    assert domain.price_part(1000, 100) == 1.0


def test_a_shipment_like_its_zone_is_consistent_and_one_from_elsewhere_unusual() -> None:
    alike = Profile(
        sizes={"+11": 0.45, "2-4gr": 0.35, "1-2ct": 0.2},
        colours={"white": 0.55, "yellow": 0.35, "brown": 0.1},
        qualities={"gem": 0.45, "near-gem": 0.35, "industrial": 0.2},
        usd_per_carat=170.0,
        stones=120,
    )
    assert domain.compare(alike, ZONE).verdict is Verdict.CONSISTENT
    elsewhere = Profile(
        sizes={"-7": 0.6, "+7-11": 0.4},
        colours={"brown": 0.7, "grey": 0.3},
        qualities={"industrial": 0.9, "near-gem": 0.1},
        usd_per_carat=40.0,
        stones=400,
    )
    found = domain.compare(elsewhere, ZONE)
    assert found.verdict is Verdict.UNUSUAL and found.distance is not None and found.distance > 0.5
    assert found.parts["price"] == pytest.approx(1.0)


def test_what_differs_most_names_the_share_in_words() -> None:
    shipment = Profile(
        sizes={"+11": 0.5, "2-4gr": 0.3, "1-2ct": 0.2},
        colours={"white": 0.6, "yellow": 0.3, "brown": 0.1},
        qualities={"gem": 0.1, "near-gem": 0.2, "industrial": 0.7},
        usd_per_carat=180.0,
        stones=100,
    )
    assert domain.differs_most(shipment, ZONE) == (
        "quality industrial: 70% of the carats here, 20% in the zone's footprint"
    )
    dear = Profile(ZONE.sizes, ZONE.colours, ZONE.qualities, 900.0, 100)
    assert domain.differs_most(dear, ZONE).startswith("the price: US$ 900.00 per carat here")


def test_missing_sides_have_their_own_verdicts() -> None:
    assert domain.compare(None, ZONE).verdict is Verdict.NO_ASSORTMENT
    assert domain.compare(ZONE, None).verdict is Verdict.NO_FOOTPRINT


def test_a_footprint_pools_the_shipments_by_carats() -> None:
    small = Assortment({"+11": Lot(100, Decimal(10))}, {"white": 1.0}, {"gem": 1.0})
    large = Assortment({"2-4gr": Lot(60, Decimal(30))}, {"brown": 1.0}, {"industrial": 1.0})
    pooled = domain.pooled([(small, Decimal(1000)), (large, Decimal(3000))])
    assert pooled.sizes == {"+11": 0.25, "2-4gr": 0.75}
    assert pooled.colours == {"white": 0.25, "brown": 0.75}
    assert pooled.usd_per_carat == 100.0 and pooled.stones == 160
    with pytest.raises(ValueError, match="at least one"):
        domain.pooled([])


@pytest.mark.parametrize(
    ("assortment", "field", "words"),
    [
        (
            Assortment({"+12": Lot(1, Decimal(1))}, {"white": 1}, {"gem": 1}),
            "assortment.sieve_classes.+12",
            "not a sieve class",
        ),
        (
            Assortment({"+11": Lot(3, Decimal(0))}, {"white": 1}, {"gem": 1}),
            "assortment.sieve_classes.+11",
            "go together",
        ),
        (
            Assortment({"+11": Lot(3, Decimal(5))}, {"white": 1}, {"gem": 1}),
            "assortment.sieve_classes",
            "the dossier declares 10",
        ),
        (
            Assortment({"+11": Lot(3, Decimal(10))}, {"white": 0.5}, {"gem": 1}),
            "assortment.colours",
            "add up to 0.5",
        ),
        (
            Assortment({"+11": Lot(3, Decimal(10))}, {"white": 1}, {"pink": 1}),
            "assortment.qualities.pink",
            "not one of",
        ),
        (
            Assortment({"+11": Lot(3, Decimal(10))}, {"white": 1.5}, {"gem": 1}),
            "assortment.colours.white",
            "between 0 and 1",
        ),
    ],
)
def test_an_assortment_is_refused_naming_the_field(assortment: Assortment, field: str, words: str) -> None:
    problems = domain.assortment_problems(assortment, carats=Decimal(10))
    assert any(f == field and words in m for f, m in problems), problems


def test_a_right_assortment_has_no_problem() -> None:
    right = Assortment(
        {"+11": Lot(300, Decimal("6.5")), "2-4gr": Lot(5, Decimal("3.5"))},
        {"white": 0.7, "yellow": 0.3},
        {"gem": 1},
    )
    assert domain.assortment_problems(right, carats=Decimal(10)) == []
