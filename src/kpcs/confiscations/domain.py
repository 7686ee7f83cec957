"""The register of confiscated and seized rough diamonds, free of I/O: what becomes of a
seized parcel (its disposition), the bounds of its carats and value, and the figures that
may be published.

The WGDE surveyed the participants' procedures for forfeiture and confiscation (2014
communiqué §24, 2016 §26) and will update its survey (2021 §38), where the plenary also gave
how to deal with confiscated diamonds to a new subgroup under the WGAAP. A case names a
participant and how the stones were found: that stays with the participant's authority and
the working groups. What is published is the scheme-wide total per year (cases, carats,
value and how many of each disposition), with the carats and value of a year of fewer than
:data:`MIN_CASES_PUBLISHED` cases left out, so that a single case cannot be read off them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Disposition(StrEnum):
    """What has become of the seized diamonds."""

    HELD = "held"  # seized, pending a decision (a court case, an investigation)
    RETURNED = "returned"  # given back to their owner
    FORFEITED = "forfeited"  # forfeited to the state, not yet sold or destroyed
    AUCTIONED = "auctioned"  # sold by the state, by auction or tender
    DESTROYED = "destroyed"  # destroyed (or otherwise put beyond trade)


NEXT: dict[Disposition, frozenset[Disposition]] = {
    Disposition.HELD: frozenset(
        {Disposition.RETURNED, Disposition.FORFEITED, Disposition.AUCTIONED, Disposition.DESTROYED}
    ),
    Disposition.FORFEITED: frozenset({Disposition.AUCTIONED, Disposition.DESTROYED}),
    Disposition.RETURNED: frozenset(),
    Disposition.AUCTIONED: frozenset(),
    Disposition.DESTROYED: frozenset(),
}
"""The dispositions a case may move to from each: stones returned, sold or destroyed are gone."""

FINAL = frozenset(d for d, following in NEXT.items() if not following)
"""Dispositions after which nothing more happens to the stones."""


def refuse_disposition(current: Disposition, new: Disposition) -> str | None:
    """Why a case cannot move from ``current`` to ``new`` (``None``: it can)."""
    if new in NEXT[current]:
        return None
    if current in FINAL:
        return f"the diamonds were {current.value}: nothing more can happen to them"
    allowed = ", ".join(sorted(d.value for d in NEXT[current]))
    return f"diamonds that are {current.value} can be {allowed}, not {new.value}"


MAX_CARATS = Decimal("10000000")
"""The most carats one case may hold: ten million (about a tenth of a year's world production)."""

MAX_VALUE_USD = Decimal("10000000000")
"""The highest value one case may have: ten billion dollars."""

FIRST_DAY = date(2000, 1, 1)
"""No seizure recorded here is older (the Scheme started in 2003; earlier cases of its
preparation may be entered)."""


def refuse_amount(value: Decimal, *, maximum: Decimal, positive: bool) -> str | None:
    """Why ``value`` cannot be a case's carats or value (``None``: it can): not a finite
    number, negative (or zero, when ``positive``), above ``maximum``, or finer than a
    hundredth."""
    if not value.is_finite():
        return "must be a number"
    if value < 0 or (positive and value == 0):
        return "must be more than 0" if positive else "must not be negative"
    if value > maximum:
        return f"must be at most {maximum:,}"
    if value != value.quantize(Decimal("0.01")):
        return "at most two decimal places"
    return None


def refuse_dates(seized_on: date, disposed_on: date | None, today: date) -> tuple[str, str] | None:
    """The field and reason why a case's dates are impossible (``None``: they are fine)."""
    if seized_on > today:
        return "seized_on", "must not be in the future"
    if seized_on < FIRST_DAY:
        return "seized_on", f"must not be before {FIRST_DAY.isoformat()}"
    if disposed_on is not None and disposed_on > today:
        return "disposition_on", "must not be in the future"
    if disposed_on is not None and disposed_on < seized_on:
        return "disposition_on", "must not be before the seizure"
    return None


MIN_CASES_PUBLISHED = 3
"""A year's carats and value are published only when that year holds at least this many
cases (a common threshold of statistical disclosure control)."""


@dataclass(frozen=True)
class Case:
    """What the public figures count of one case."""

    year: int
    carats: Decimal
    value_usd: Decimal
    disposition: Disposition


@dataclass(frozen=True)
class YearFigures:
    """One year's published figures: carats and value are ``None`` when withheld."""

    year: int
    cases: int
    carats: Decimal | None
    value_usd: Decimal | None
    dispositions: dict[str, int] = field(default_factory=dict)

    @property
    def withheld(self) -> bool:
        """True if the carats and value are left out (too few cases)."""
        return self.carats is None


def public_figures(cases: Iterable[Case], *, min_cases: int = MIN_CASES_PUBLISHED) -> list[YearFigures]:
    """The scheme-wide figures per year, newest first: the number of cases, how many of each
    disposition, and the carats and value where the year holds at least ``min_cases``."""
    years: dict[int, list[Case]] = {}
    for case in cases:
        years.setdefault(case.year, []).append(case)
    figures = []
    for year in sorted(years, reverse=True):
        found = years[year]
        shown = len(found) >= min_cases
        figures.append(
            YearFigures(
                year=year,
                cases=len(found),
                carats=sum((c.carats for c in found), Decimal(0)) if shown else None,
                value_usd=sum((c.value_usd for c in found), Decimal(0)) if shown else None,
                dispositions={
                    d.value: n for d in Disposition if (n := sum(c.disposition is d for c in found))
                },
            )
        )
    return figures
