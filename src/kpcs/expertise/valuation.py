"""Valuation checks: a certificate line's US$ per carat against a reference.

Pure functions. The reference for an exporting participant and HS code is the median
$/carat of its certificates of the last 12 months, once there are at least
:data:`MIN_CERTIFICATES` of them (CONTRACT.md); below that no reference stands in yet, so
no warning is given rather than a guess. Rough diamonds of one HS code vary widely in
quality, so only far-off values warn: the bounds are a factor of the median, not a
number of standard deviations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

MIN_CERTIFICATES = 20
UNDERVALUATION_FACTOR = Decimal("0.4")
"""A line below 40 % of the reference $/ct is flagged as possible undervaluation."""
OVERVALUATION_FACTOR = Decimal("2.5")
"""A line above 250 % of the reference $/ct is flagged as possible overvaluation."""


@dataclass(frozen=True)
class Reference:
    """The median $/ct of a participant's recent certificates for one HS code."""

    hs_code: str
    usd_per_carat: Decimal
    certificates: int


@dataclass(frozen=True)
class Finding:
    """A non-blocking finding (CONTRACT: ``{"type", "message"}``)."""

    type: str
    message: str


def reference_from(hs_code: str, unit_values: Sequence[tuple[int, Decimal]]) -> Reference | None:
    """The reference from ``(certificate id, $/ct)`` pairs, or ``None`` below the minimum."""
    certificates = len({certificate for certificate, _ in unit_values})
    if certificates < MIN_CERTIFICATES:
        return None
    value = Decimal(str(median(v for _, v in unit_values))).quantize(Decimal("0.01"))
    return Reference(hs_code=hs_code, usd_per_carat=value, certificates=certificates)


def valuation_warnings(
    lines: Iterable[tuple[str, Decimal, Decimal]], references: dict[str, Reference]
) -> list[Finding]:
    """Warnings for lines ``(hs_code, carats, value_usd)`` far from their references."""
    found: list[Finding] = []
    for index, (hs_code, carats, value) in enumerate(lines, start=1):
        reference = references.get(hs_code)
        if reference is None or carats <= 0:
            continue
        unit = (value / carats).quantize(Decimal("0.01"))
        median_value = reference.usd_per_carat
        where = f"line {index} ({hs_code}): US$ {unit:,}/ct against a median of US$ {median_value:,}/ct"
        basis = f"over the exporter's {reference.certificates} certificates of the last 12 months"
        if unit < reference.usd_per_carat * UNDERVALUATION_FACTOR:
            found.append(Finding("undervaluation", f"{where} {basis}: possible undervaluation"))
        elif unit > reference.usd_per_carat * OVERVALUATION_FACTOR:
            found.append(Finding("overvaluation", f"{where} {basis}: possible overvaluation"))
    return found
