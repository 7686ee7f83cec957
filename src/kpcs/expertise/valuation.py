"""Valuation checks: a certificate line's US$ per carat against a reference.

Pure functions (no database, clock or file): :mod:`kpcs.expertise.services` reads the
exporter's recent certificates and :mod:`kpcs.expertise.published` the stand-in table.

The reference (CONTRACT.md, issue 20): the median $/carat of the exporting participant's
certificates of the 12 months before the issue date, once there are at least
:data:`MIN_CERTIFICATES`; the narrowest such group is used first --

1. ``origin``: the exporter's certificates of this HS code *and this origin*;
2. ``participant``: the exporter's certificates of this HS code, whatever the origin;
3. ``published``: below 20 certificates, the published $/ct of the origin's production
   (:mod:`kpcs.expertise.published`) stands in, with a nominal spread that is wide on purpose.

Rough diamonds of one HS code vary enormously in quality (run-of-mine against sorted
goods, a few big stones in a small parcel), and their $/ct is close to lognormal, so all
statistics are taken on ``ln($/ct)``: the centre is the median and the spread the median
absolute deviation scaled to a standard deviation (1.4826 · MAD), both robust to the very
shipments we look for. A line's *distance* is ``ln(its $/ct ÷ reference) / spread`` and
its *ratio* ``its $/ct ÷ reference``.

A line warns when its distance passes :data:`UNDER_DISTANCE` (below) or
:data:`OVER_DISTANCE` (above) spreads, with the bound on the ratio kept between two
limits whatever the spread: never within a factor :data:`NARROWEST_FACTOR` of the
reference (a group of near-identical shipments must not flag a modest move), always at a
tenth of the reference (:data:`WIDEST_FACTOR`: a group whose spread is very wide must not
swallow a shipment declared at a tenth) and at :data:`WIDEST_OVER_FACTOR` times it. The
constants were chosen on the synthetic history of
``tests/factories/valuation_tuning.py``; docs/valuation.md tells how.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import median
from typing import Any

MIN_CERTIFICATES = 20
"""Certificates of a group before its own median is the reference (CONTRACT.md)."""
WINDOW_DAYS = 365
"""The rolling window: certificates issued in the 365 days before the issue date."""
UNDER_DISTANCE = 3.0
"""Spreads below the reference from which a line is a possible undervaluation."""
OVER_DISTANCE = 3.5
"""Spreads above the reference from which a line is a possible overvaluation (the upper
tail of real parcels is longer: one exceptional stone lifts a parcel's $/ct)."""
NARROWEST_FACTOR = 2.0
"""Never flagged within this factor of the reference, however narrow the group."""
WIDEST_FACTOR = 10.0
"""Always flagged at a tenth of the reference, however wide the group."""
WIDEST_OVER_FACTOR = 20.0
"""Always flagged at 20 times the reference, however wide the group (the upper bound is
wider than the lower: nothing asks for every tenfold over-declaration, and a wide group's
upper tail holds real sorted parcels of big stones)."""
SPREAD_FLOOR = 0.05
"""The least spread (ln units) used to divide by: identical shipments give a MAD of 0."""
PUBLISHED_SPREAD = 1.0
"""The nominal spread of the published stand-in (ln units, a factor of e): production
figures say nothing about one exporter's parcels, so only gross departures warn."""
MAD_TO_SD = 1.4826
"""Scales a median absolute deviation to a standard deviation for normal data."""
_TOLERANCE = 1e-9
"""Rounding slack on the log ratio: a value declared at exactly a tenth is flagged."""

UNDERVALUATION = "undervaluation"
OVERVALUATION = "overvaluation"


class Basis(StrEnum):
    """Which certificates (or table) the reference was taken from, narrowest first."""

    ORIGIN = "origin"
    PARTICIPANT = "participant"
    PUBLISHED = "published"


@dataclass(frozen=True)
class Reference:
    """The reference $/ct for one HS code (and origin), with its spread and basis."""

    hs_code: str
    origin: str | None
    basis: Basis
    usd_per_carat: float
    spread: float
    """Robust standard deviation of ln($/ct) (1.4826 · MAD), at least :data:`SPREAD_FLOOR`."""
    certificates: int
    """How many certificates it was taken from (0 for the published stand-in)."""
    source: str = ""
    """For the published stand-in, what figures it comes from."""


@dataclass(frozen=True)
class Sample:
    """One earlier certificate's lines of one HS code and origin: its $/ct."""

    origin: str
    usd_per_carat: float


@dataclass(frozen=True)
class Verdict:
    """A line against its reference: ``type`` is ``None`` when nothing is wrong."""

    ratio: float
    distance: float
    type: str | None


@dataclass(frozen=True)
class Line:
    """A certificate line as the checks need it."""

    hs_code: str
    origin: str
    carats: float
    value_usd: float


@dataclass(frozen=True)
class Finding:
    """A non-blocking warning (CONTRACT: ``{"type", "message"}``, and the figures behind it)."""

    type: str
    message: str
    line: int
    hs_code: str
    origin: str
    usd_per_carat: float
    reference: Reference
    ratio: float
    distance: float

    def as_json(self) -> dict[str, Any]:
        """The warning as stored with the certificate and given in the API (the contract's
        two fields, then the figures, added to it)."""
        return {
            "type": self.type,
            "message": self.message,
            "line": self.line,
            "hs_code": self.hs_code,
            "origin": self.origin,
            "usd_per_carat": round(self.usd_per_carat, 2),
            "reference_usd_per_carat": round(self.reference.usd_per_carat, 2),
            "basis": self.reference.basis.value,
            "certificates": self.reference.certificates,
            "spread": round(self.reference.spread, 4),
            "distance": round(self.distance, 2),
            "ratio": round(self.ratio, 4),
        }


def centre_and_spread(unit_values: Sequence[float]) -> tuple[float, float]:
    """The median of ``ln($/ct)`` and its robust spread (1.4826 · MAD, floored)."""
    logs = [math.log(v) for v in unit_values]
    centre = median(logs)
    mad = median(abs(x - centre) for x in logs)
    return centre, max(MAD_TO_SD * mad, SPREAD_FLOOR)


def reference_from(
    unit_values: Sequence[float], *, hs_code: str, origin: str | None, basis: Basis
) -> Reference | None:
    """The reference from earlier certificates' $/ct (one value per certificate), or ``None``
    below :data:`MIN_CERTIFICATES`. Values that are not positive are left out."""
    values = [v for v in unit_values if v > 0 and math.isfinite(v)]
    if len(values) < MIN_CERTIFICATES:
        return None
    centre, spread = centre_and_spread(values)
    return Reference(hs_code, origin, basis, math.exp(centre), spread, len(values))


def choose_reference(
    hs_code: str, origin: str, samples: Sequence[Sample], stand_in: Reference | None
) -> Reference | None:
    """The narrowest reference there is for a line: the exporter's certificates of this HS
    code and origin, else of this HS code, else the published stand-in (or ``None``)."""
    same_origin = [s.usd_per_carat for s in samples if s.origin == origin]
    found = reference_from(same_origin, hs_code=hs_code, origin=origin, basis=Basis.ORIGIN)
    if found is None:
        every = [s.usd_per_carat for s in samples]
        found = reference_from(every, hs_code=hs_code, origin=None, basis=Basis.PARTICIPANT)
    return found if found is not None else stand_in


@dataclass(frozen=True)
class Thresholds:
    """When a line warns (the defaults are the module's constants; the tuning bench varies them)."""

    under_distance: float = UNDER_DISTANCE
    over_distance: float = OVER_DISTANCE
    narrowest_factor: float = NARROWEST_FACTOR
    widest_factor: float = WIDEST_FACTOR
    widest_over_factor: float = WIDEST_OVER_FACTOR

    def bounds(self, spread: float) -> tuple[float, float]:
        """How far below and above the reference (ln units) a line may go before it warns."""
        narrowest = math.log(self.narrowest_factor)
        under = min(max(self.under_distance * spread, narrowest), math.log(self.widest_factor))
        over = min(max(self.over_distance * spread, narrowest), math.log(self.widest_over_factor))
        return under, over


DEFAULT = Thresholds()


def judge(usd_per_carat: float, reference: Reference, thresholds: Thresholds = DEFAULT) -> Verdict:
    """A line's ratio and distance to ``reference``, and the warning it deserves, if any."""
    log_ratio = math.log(usd_per_carat / reference.usd_per_carat)
    under, over = thresholds.bounds(reference.spread)
    kind = None
    if log_ratio <= -under + _TOLERANCE:
        kind = UNDERVALUATION
    elif log_ratio >= over - _TOLERANCE:
        kind = OVERVALUATION
    return Verdict(math.exp(log_ratio), log_ratio / reference.spread, kind)


def describe(reference: Reference) -> str:
    """Where a reference comes from, in words."""
    if reference.basis is Basis.PUBLISHED:
        return f"the published stand-in ({reference.source})"
    origin = f" from {reference.origin}" if reference.basis is Basis.ORIGIN else ""
    return (
        f"the median of the exporter's {reference.certificates} certificates of {reference.hs_code}"
        f"{origin} in the 12 months before issue"
    )


def valuation_warnings(lines: Iterable[Line], references: dict[tuple[str, str], Reference]) -> list[Finding]:
    """Warnings for the lines far from their references (keyed by ``(hs_code, origin)``)."""
    found: list[Finding] = []
    for index, line in enumerate(lines, start=1):
        reference = references.get((line.hs_code, line.origin))
        if reference is None or line.carats <= 0 or line.value_usd <= 0:
            continue
        unit = line.value_usd / line.carats
        verdict = judge(unit, reference)
        if verdict.type is None:
            continue
        direction = "below" if verdict.distance < 0 else "above"
        message = (
            f"line {index} ({line.hs_code}, origin {line.origin}): US$ {unit:,.2f}/ct is "
            f"{verdict.ratio:.2f} × the reference of US$ {reference.usd_per_carat:,.2f}/ct, "
            f"{abs(verdict.distance):.1f} spreads {direction} it ({describe(reference)}): "
            f"possible {verdict.type}"
        )
        found.append(
            Finding(
                verdict.type,
                message,
                index,
                line.hs_code,
                line.origin,
                unit,
                reference,
                verdict.ratio,
                verdict.distance,
            )
        )
    return found
