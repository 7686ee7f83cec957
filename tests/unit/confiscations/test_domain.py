"""The register's rules: amounts bounded and in hundredths, dates in order, dispositions that
run one way, and the published figures: every case counted in its year, carats and value
summed exactly, withheld for a year of too few cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpcs.confiscations.domain import (
    MAX_CARATS,
    MIN_CASES_PUBLISHED,
    Case,
    Disposition,
    public_figures,
    refuse_amount,
    refuse_dates,
    refuse_disposition,
)

TODAY = date(2025, 3, 3)


@pytest.mark.parametrize(
    ("value", "positive", "wrong"),
    [
        (Decimal("0.01"), True, None),
        (Decimal("0"), True, "must be more than 0"),
        (Decimal("0"), False, None),
        (Decimal("-0.01"), False, "must not be negative"),
        (MAX_CARATS, True, None),
        (MAX_CARATS + Decimal("0.01"), True, "must be at most 10,000,000"),
        (Decimal("1.005"), True, "at most two decimal places"),
        (Decimal("NaN"), True, "must be a number"),
        (Decimal("Infinity"), True, "must be a number"),
    ],
)
def test_amounts(value: Decimal, positive: bool, wrong: str | None) -> None:
    assert refuse_amount(value, maximum=MAX_CARATS, positive=positive) == wrong


@pytest.mark.parametrize(
    ("seized", "disposed", "wrong"),
    [
        (date(2024, 1, 1), None, None),
        (date(2024, 1, 1), date(2024, 1, 1), None),
        (date(2025, 3, 4), None, ("seized_on", "must not be in the future")),
        (date(1999, 12, 31), None, ("seized_on", "must not be before 2000-01-01")),
        (date(2024, 1, 2), date(2024, 1, 1), ("disposition_on", "must not be before the seizure")),
        (date(2024, 1, 2), date(2025, 3, 4), ("disposition_on", "must not be in the future")),
    ],
)
def test_dates(seized: date, disposed: date | None, wrong: tuple[str, str] | None) -> None:
    assert refuse_dates(seized, disposed, TODAY) == wrong


def test_dispositions_run_one_way() -> None:
    assert refuse_disposition(Disposition.HELD, Disposition.FORFEITED) is None
    assert refuse_disposition(Disposition.FORFEITED, Disposition.AUCTIONED) is None
    assert refuse_disposition(Disposition.FORFEITED, Disposition.RETURNED) == (
        "diamonds that are forfeited can be auctioned, destroyed, not returned"
    )
    for final in (Disposition.RETURNED, Disposition.AUCTIONED, Disposition.DESTROYED):
        for new in Disposition:
            assert (
                refuse_disposition(final, new)
                == f"the diamonds were {final.value}: nothing more can happen to them"
            )
    assert refuse_disposition(Disposition.HELD, Disposition.HELD) is not None


cases = st.builds(
    Case,
    year=st.integers(min_value=2003, max_value=2008),
    carats=st.decimals(min_value=Decimal("0.01"), max_value=MAX_CARATS, places=2),
    value_usd=st.decimals(min_value=Decimal(0), max_value=Decimal("1e9"), places=2),
    disposition=st.sampled_from(list(Disposition)),
)


@given(st.lists(cases, max_size=30))
def test_public_figures_count_every_case_and_withhold_thin_years(found: list[Case]) -> None:
    figures = public_figures(found)
    assert [f.year for f in figures] == sorted({c.year for c in found}, reverse=True)
    for f in figures:
        year = [c for c in found if c.year == f.year]
        assert f.cases == len(year) == sum(f.dispositions.values())
        assert f.dispositions == {
            d.value: n for d in Disposition if (n := sum(c.disposition is d for c in year))
        }
        if len(year) < MIN_CASES_PUBLISHED:
            assert f.withheld and f.carats is None and f.value_usd is None
        else:
            assert f.carats == sum(c.carats for c in year) and f.value_usd == sum(c.value_usd for c in year)
