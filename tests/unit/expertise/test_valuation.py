"""The valuation reference and its warnings (issue 20): pure functions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpcs.expertise import published
from kpcs.expertise.valuation import (
    MIN_CERTIFICATES,
    NARROWEST_FACTOR,
    OVERVALUATION,
    SPREAD_FLOOR,
    UNDERVALUATION,
    Basis,
    Line,
    Reference,
    Sample,
    centre_and_spread,
    choose_reference,
    judge,
    reference_from,
    valuation_warnings,
)

REFERENCE = Reference("7102.31", "BW", Basis.ORIGIN, 200.0, 0.5, 25)
spreads = st.floats(min_value=0.0, max_value=5.0)
unit_values = st.lists(st.floats(min_value=0.5, max_value=50_000), min_size=MIN_CERTIFICATES, max_size=60)


def test_no_reference_below_the_minimum_number_of_certificates() -> None:
    values = [200.0] * (MIN_CERTIFICATES - 1)
    assert reference_from(values, hs_code="7102.31", origin="BW", basis=Basis.ORIGIN) is None
    reference = reference_from([*values, 300.0], hs_code="7102.31", origin="BW", basis=Basis.ORIGIN)
    assert reference is not None
    assert (reference.usd_per_carat, reference.certificates) == (pytest.approx(200.0), MIN_CERTIFICATES)
    assert reference.spread == SPREAD_FLOOR  # all but one identical: no spread, the floor


def test_centre_and_spread_are_the_median_and_scaled_mad_of_the_logs() -> None:
    values = [math.exp(x) for x in (1.0, 2.0, 3.0, 4.0, 100.0)]  # one wild value moves neither much
    centre, spread = centre_and_spread(values)
    assert centre == pytest.approx(3.0)
    assert spread == pytest.approx(1.4826 * 1.0)


def test_the_narrowest_group_with_twenty_certificates_is_the_reference() -> None:
    stand_in = Reference("7102.31", "BW", Basis.PUBLISHED, 120.0, 1.0, 0, "table")
    from_bw = [Sample("BW", 100.0)] * 20
    from_ru = [Sample("RU", 400.0)] * 19
    chosen = choose_reference("7102.31", "BW", from_bw + from_ru, stand_in)
    assert chosen is not None and (chosen.basis, chosen.usd_per_carat) == (Basis.ORIGIN, pytest.approx(100.0))
    # Russian goods: 19 of their own, so the exporter's 39 certificates of the code
    chosen = choose_reference("7102.31", "RU", from_bw + from_ru, stand_in)
    assert chosen is not None and (chosen.basis, chosen.certificates) == (Basis.PARTICIPANT, 39)
    assert choose_reference("7102.31", "BW", from_ru, stand_in) is stand_in
    assert choose_reference("7102.31", "BW", from_ru, None) is None


@given(spreads)
def test_a_tenth_of_the_reference_is_always_flagged(spread: float) -> None:
    reference = Reference("7102.31", "BW", Basis.ORIGIN, 187.3, max(spread, SPREAD_FLOOR), 30)
    assert judge(18.73, reference).type == UNDERVALUATION
    assert judge(187.3 * 20, reference).type == OVERVALUATION


@given(spreads, st.floats(min_value=1 / NARROWEST_FACTOR * 1.0001, max_value=NARROWEST_FACTOR * 0.9999))
def test_within_a_factor_two_never_flagged(spread: float, ratio: float) -> None:
    reference = Reference("7102.31", "BW", Basis.ORIGIN, 187.3, max(spread, SPREAD_FLOOR), 30)
    assert judge(187.3 * ratio, reference).type is None


@given(unit_values, st.floats(min_value=0.5, max_value=50_000), st.floats(min_value=1e-3, max_value=1e3))
def test_scale_invariance(values: list[float], line: float, k: float) -> None:
    """Prices in another currency (every value times k): the same verdicts and distances."""
    one = reference_from(values, hs_code="7102.31", origin="BW", basis=Basis.ORIGIN)
    other = reference_from([v * k for v in values], hs_code="7102.31", origin="BW", basis=Basis.ORIGIN)
    assert one is not None and other is not None
    a, b = judge(line, one), judge(line * k, other)
    assert a.distance == pytest.approx(b.distance, rel=1e-6, abs=1e-6)
    if abs(abs(a.distance) - 3.0) > 1e-6 and abs(abs(a.distance) - 3.5) > 1e-6:
        assert a.type == b.type


@given(st.floats(min_value=0.05, max_value=3.0))
def test_farther_is_never_less_flagged(spread: float) -> None:
    """Monotone: if a value is flagged low, every lower value is flagged too."""
    reference = Reference("7102.31", "BW", Basis.ORIGIN, 100.0, spread, 30)
    verdicts = [judge(100.0 * math.exp(-x / 10), reference).type for x in range(0, 60)]
    first = verdicts.index(UNDERVALUATION)
    assert all(v == UNDERVALUATION for v in verdicts[first:])


def test_warnings_carry_the_reference_basis_and_distance() -> None:
    lines = [
        Line("7102.31", "BW", 100.0, 2_000.0),  # 20 $/ct: a tenth of 200
        Line("7102.31", "BW", 100.0, 25_000.0),  # 250 $/ct: ordinary
        Line("7102.31", "BW", 10.0, 200_000.0),  # 20,000 $/ct: a hundred times
        Line("7102.10", "BW", 1.0, 1.0),  # no reference for this code
    ]
    found = valuation_warnings(lines, {("7102.31", "BW"): REFERENCE})
    assert [(f.type, f.line) for f in found] == [(UNDERVALUATION, 1), (OVERVALUATION, 3)]
    low = found[0].as_json()
    assert low["reference_usd_per_carat"] == 200.0 and low["basis"] == "origin"
    assert low["ratio"] == pytest.approx(0.1) and low["distance"] == pytest.approx(
        math.log(0.1) / 0.5, abs=0.01
    )
    assert "0.10 × the reference of US$ 200.00/ct" in low["message"]
    assert "25 certificates of 7102.31 from BW" in low["message"]


def test_the_published_stand_in_is_production_dollars_per_carat() -> None:
    prices = published.production_prices()
    botswana = prices["BW"]
    assert len(botswana.years) == published.YEARS
    assert botswana.usd_per_carat == pytest.approx(botswana.value_usd / botswana.carats)
    assert 50 < botswana.usd_per_carat < 300 and prices["NA"].usd_per_carat > prices["CD"].usd_per_carat * 10
    reference = published.stand_in("7102.31", "BW")
    assert reference is not None and reference.basis is Basis.PUBLISHED and reference.certificates == 0
    assert "KP production of BW" in reference.source
    assert published.stand_in("7102.21", "BW") is None  # industrial goods: production says nothing
    assert published.stand_in("7102.31", "mixed") is None
    assert "OTHERS" not in prices
