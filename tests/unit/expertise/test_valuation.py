"""Valuation warnings: far-off $/carat against the exporter's recent median."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kpcs.expertise.valuation import MIN_CERTIFICATES, Reference, reference_from, valuation_warnings

REFERENCE = {"7102.31": Reference("7102.31", Decimal("200.00"), 25)}


def test_no_reference_below_the_minimum_number_of_certificates() -> None:
    values = [(n, Decimal(200)) for n in range(MIN_CERTIFICATES - 1)]
    assert reference_from("7102.31", values) is None
    values.append((999, Decimal(300)))
    reference = reference_from("7102.31", values)
    assert (
        reference is not None
        and reference.usd_per_carat == Decimal("200.00")
        and reference.certificates == 20
    )


def test_reference_counts_certificates_not_lines() -> None:
    assert reference_from("7102.31", [(1, Decimal(100))] * 30) is None


def test_under_and_over_valuation() -> None:
    lines = [
        ("7102.31", Decimal("100.00"), Decimal("7999.00")),  # 79.99 $/ct: below 40 % of 200
        ("7102.31", Decimal("100.00"), Decimal("8000.00")),  # exactly 40 %: not flagged
        ("7102.31", Decimal("100.00"), Decimal("50001.00")),  # above 250 %
        ("7102.10", Decimal("1.00"), Decimal("1.00")),  # no reference for this code
    ]
    found = valuation_warnings(lines, REFERENCE)
    assert [(w.type, w.message.split(":")[0]) for w in found] == [
        ("undervaluation", "line 1 (7102.31)"),
        ("overvaluation", "line 3 (7102.31)"),
    ]
    assert "US$ 79.99/ct against a median of US$ 200.00/ct" in found[0].message


@given(st.decimals(min_value=Decimal("80"), max_value=Decimal("500"), places=2))
def test_values_within_the_band_are_not_flagged(unit: Decimal) -> None:
    assert valuation_warnings([("7102.31", Decimal("10.00"), unit * 10)], REFERENCE) == []
