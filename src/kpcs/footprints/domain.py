"""The footprint comparison, as pure functions (no database, no clock).

A *footprint* is the profile of the rough diamonds a production zone yields (KP-DOMAIN §2.9:
"the distinct physical characteristics profile of rough diamonds from a given location, used
to check stated origin against reference samples"; 2018 communiqué §46: the Working Group of
Diamond Experts compares each CAR export with its zone's footprint). kpcs keeps four parts of
it: the size distribution (share of the carats in each sieve class), the colour shares, the
quality shares, and the price in US$ per carat.

A shipment's *assortment* (declared on its export dossier) reduces to the same four parts, and
:func:`compare` measures how far it lies from the footprint of the zone it claims:

- each distribution is compared with the **Hellinger distance**
  ``H(p, q) = sqrt(1 - sum_i sqrt(p_i q_i))``: it lies in [0, 1], is symmetric, is 0 for the
  same distribution and 1 for distributions with no class in common, and (unlike
  Kullback-Leibler) stays finite when the shipment has stones in a class the footprint has
  none of — exactly the case a laundered parcel produces;
- the price is compared as ``min(1, |ln(a / b)| / ln 3)``: the log ratio treats "twice as
  dear" and "half as dear" alike, and a shipment three times (or a third of) the zone's $/ct
  counts as wholly different;
- the **distance** is the mean of the four, so it too lies in [0, 1].

The thresholds (:data:`CONSISTENT_UP_TO`, :data:`MIN_SHIPMENT_STONES`,
:data:`MIN_FOOTPRINT_STONES`) come from sampling noise: a shipment of n stones drawn from its
own zone has an expected squared Hellinger distance of about (k - 1) / 8n on a distribution
of k classes; with 50 stones that is about 0.13 on the eight sieve classes, 0.11 on the six
colours and 0.07 on the three qualities, and a ±20 % price difference adds 0.17, a mean near
0.12. Diamonds from another zone typically differ by 0.3 or more on each part. So a distance up
to 0.2 reads "consistent", above it "unusual for this zone"; under 50 stones in the shipment
(or 200 behind the footprint) the noise alone may exceed the threshold, and the verdict is
"not comparable: too few stones". The verdict is advice to the Diamond Expert Team, who look
at the parcels themselves; it never decides a dossier.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

SIEVE_CLASSES: dict[str, str] = {
    "-7": "below sieve 7 (melee, under about 0.03 ct a stone)",
    "+7-11": "sieves 7 to 11 (about 0.03 to 0.07 ct a stone)",
    "+11": "sieve 11 to 2 grainers (about 0.07 to 0.5 ct a stone)",
    "2-4gr": "2 to 4 grainers (0.5 to 1 ct a stone)",
    "1-2ct": "1 to 2 ct a stone",
    "2-5ct": "2 to 5 ct a stone",
    "5-10.8ct": "5 to 10.8 ct a stone",
    "+10.8ct": "specials, 10.8 ct a stone and more",
}
"""The size classes of a footprint and an assortment, smallest first (sieve sizes for the
smalls, grainers and carats for the larger goods, 10.8 ct and over for the specials)."""

COLOURS: dict[str, str] = {
    "white": "white (colourless)",
    "off-white": "off-white (light cape)",
    "yellow": "yellow (cape)",
    "brown": "brown",
    "grey": "grey to black",
    "fancy": "fancy colours (pink, blue, green, …)",
}
"""The colour groups of a footprint and an assortment."""

QUALITIES: dict[str, str] = {
    "gem": "gem (cuttable, few inclusions)",
    "near-gem": "near-gem",
    "industrial": "industrial (boart)",
}
"""The quality groups of a footprint and an assortment."""

SHARE_TOLERANCE = 0.01
"""How far from 1 the shares of a distribution may add up (rounding of percentages)."""

PRICE_SCALE = math.log(3)
"""A $/ct ratio of 3 (or 1/3) makes the price part of the distance 1."""

CONSISTENT_UP_TO = 0.2
"""A distance up to this reads "consistent"; above it, "unusual for this zone"."""

MIN_SHIPMENT_STONES = 50
"""Fewer stones in the shipment: not comparable (sampling noise exceeds the threshold)."""

MIN_FOOTPRINT_STONES = 200
"""Fewer stones behind the footprint: not comparable either."""

PARTS = ("sizes", "colours", "qualities", "price")
"""The parts of the distance, in the order they are reported."""


class Verdict(StrEnum):
    """The plain reading of a shipment against its zone's footprint."""

    CONSISTENT = "consistent"
    UNUSUAL = "unusual for this zone"
    TOO_FEW_STONES = "not comparable: too few stones"
    NO_FOOTPRINT = "no footprint for this zone yet"
    NO_ASSORTMENT = "no assortment declared"


class Source(StrEnum):
    """Where a footprint comes from."""

    EXPERTS = "experts"
    DOSSIERS = "dossiers"


@dataclass(frozen=True)
class Lot:
    """The stones of one sieve class in a shipment."""

    stones: int
    carats: Decimal


@dataclass(frozen=True)
class Assortment:
    """A shipment's assortment, as its export dossier declares it: stones and carats per sieve
    class, and the colour and quality shares of its carats."""

    sieve_classes: Mapping[str, Lot]
    colours: Mapping[str, float]
    qualities: Mapping[str, float]

    @property
    def stones(self) -> int:
        """How many stones the shipment holds."""
        return sum(lot.stones for lot in self.sieve_classes.values())

    @property
    def carats(self) -> Decimal:
        """The carats of all its sieve classes."""
        return sum((lot.carats for lot in self.sieve_classes.values()), Decimal(0))


@dataclass(frozen=True)
class Profile:
    """What a footprint and a shipment are compared on: the carat share of each sieve class,
    colour and quality, the $/ct, and how many stones it rests on."""

    sizes: Mapping[str, float]
    colours: Mapping[str, float]
    qualities: Mapping[str, float]
    usd_per_carat: float
    stones: int


@dataclass(frozen=True)
class FootprintCheck:
    """A shipment read against its zone's footprint."""

    verdict: Verdict
    distance: float | None = None
    parts: Mapping[str, float] = field(default_factory=dict)
    differs_most: str | None = None
    shipment_stones: int | None = None
    footprint_stones: int | None = None

    def as_json(self) -> dict[str, object]:
        """The check as the API shows it."""
        return {
            "verdict": self.verdict.value,
            "distance": self.distance,
            "parts": dict(self.parts),
            "differs_most": self.differs_most,
            "shipment_stones": self.shipment_stones,
            "footprint_stones": self.footprint_stones,
        }


# -- validation -------------------------------------------------------------------------------


def shares_problems(
    shares: Mapping[str, float], known: Mapping[str, str], *, field: str
) -> list[tuple[str, str]]:
    """What is wrong with a distribution of shares: (field, reason) pairs, empty when right.
    Shares are fractions of the carats (0.25 for a quarter) over known classes, adding up to 1."""
    problems: list[tuple[str, str]] = []
    for key, share in shares.items():
        if key not in known:
            problems.append((f"{field}.{key}", f"{key!r} is not one of {', '.join(known)}"))
        elif not (math.isfinite(share) and 0 <= share <= 1):
            problems.append((f"{field}.{key}", "a share is a fraction between 0 and 1 (0.25 for a quarter)"))
    if not problems:
        total = math.fsum(shares.values())
        if abs(total - 1) > SHARE_TOLERANCE:
            problems.append((field, f"the shares add up to {total:.3g}, not 1"))
    return problems


def assortment_problems(assortment: Assortment, *, carats: Decimal) -> list[tuple[str, str]]:
    """What is wrong with a dossier's assortment, as (field, reason) pairs: known sieve classes,
    stones and carats together, the dossier's carats in all, and shares adding up to 1."""
    problems: list[tuple[str, str]] = []
    where = "assortment.sieve_classes"
    for key, lot in assortment.sieve_classes.items():
        if key not in SIEVE_CLASSES:
            problems.append(
                (f"{where}.{key}", f"{key!r} is not a sieve class: use {', '.join(SIEVE_CLASSES)}")
            )
        elif lot.stones < 0 or lot.carats < 0:
            problems.append((f"{where}.{key}", "stones and carats cannot be negative"))
        elif (lot.stones == 0) != (lot.carats == 0):
            problems.append((f"{where}.{key}", "stones and carats go together: both zero or both positive"))
    if not problems:
        if assortment.stones == 0:
            problems.append((where, "the assortment has no stones"))
        elif assortment.carats != carats:
            problems.append(
                (where, f"the sieve classes hold {assortment.carats} ct; the dossier declares {carats} ct")
            )
    problems += shares_problems(assortment.colours, COLOURS, field="assortment.colours")
    problems += shares_problems(assortment.qualities, QUALITIES, field="assortment.qualities")
    return problems


# -- profiles ---------------------------------------------------------------------------------


def profile_of(assortment: Assortment, *, value_usd: Decimal) -> Profile:
    """The shipment's profile: carat shares per sieve class, its shares, its $/ct."""
    total = assortment.carats
    return Profile(
        sizes={key: float(lot.carats / total) for key, lot in assortment.sieve_classes.items()},
        colours=dict(assortment.colours),
        qualities=dict(assortment.qualities),
        usd_per_carat=float(value_usd / total),
        stones=assortment.stones,
    )


def pooled(shipments: Sequence[tuple[Assortment, Decimal]]) -> Profile:
    """A footprint computed from shipments of the zone, each (assortment, value in US$): their
    carats pooled per sieve class, colour and quality shares weighted by each shipment's
    carats, the $/ct of the total. ``shipments`` must not be empty."""
    if not shipments:
        raise ValueError("a footprint is computed from at least one shipment")
    carats = sum((assortment.carats for assortment, _ in shipments), Decimal(0))
    value = sum((value for _, value in shipments), Decimal(0))
    sizes: dict[str, Decimal] = {}
    colours: dict[str, float] = {}
    qualities: dict[str, float] = {}
    for assortment, _ in shipments:
        weight = float(assortment.carats / carats)
        for key, lot in assortment.sieve_classes.items():
            sizes[key] = sizes.get(key, Decimal(0)) + lot.carats
        for key, share in assortment.colours.items():
            colours[key] = colours.get(key, 0.0) + share * weight
        for key, share in assortment.qualities.items():
            qualities[key] = qualities.get(key, 0.0) + share * weight
    return Profile(
        sizes={key: round(float(c / carats), 6) for key, c in sizes.items()},
        colours={key: round(share, 6) for key, share in colours.items()},
        qualities={key: round(share, 6) for key, share in qualities.items()},
        usd_per_carat=round(float(value / carats), 2),
        stones=sum(assortment.stones for assortment, _ in shipments),
    )


# -- the comparison ---------------------------------------------------------------------------


def _normalised(shares: Mapping[str, float], keys: Sequence[str]) -> list[float]:
    total = math.fsum(max(0.0, shares.get(key, 0.0)) for key in keys)
    if total <= 0:
        return [0.0 for _ in keys]
    return [max(0.0, shares.get(key, 0.0)) / total for key in keys]


def hellinger(p: Mapping[str, float], q: Mapping[str, float], order: Sequence[str]) -> float:
    """The Hellinger distance of two distributions over the classes ``order`` (each normalised
    to add up to 1 first; an empty one is wholly unlike anything)."""
    keys = [*order, *sorted((set(p) | set(q)) - set(order))]
    a, b = _normalised(p, keys), _normalised(q, keys)
    if not any(a) or not any(b):
        return 1.0 if any(a) or any(b) else 0.0
    affinity = math.fsum(math.sqrt(x * y) for x, y in zip(a, b, strict=True))
    return math.sqrt(max(0.0, 1.0 - affinity))


def price_part(here: float, there: float) -> float:
    """How different two prices per carat are, in [0, 1]: |ln(here / there)| / ln 3, capped."""
    if here <= 0 or there <= 0:
        return 1.0
    return min(1.0, abs(math.log(here / there)) / PRICE_SCALE)


def parts(shipment: Profile, footprint: Profile) -> dict[str, float]:
    """The four parts of the distance, each in [0, 1]."""
    return {
        "sizes": hellinger(shipment.sizes, footprint.sizes, list(SIEVE_CLASSES)),
        "colours": hellinger(shipment.colours, footprint.colours, list(COLOURS)),
        "qualities": hellinger(shipment.qualities, footprint.qualities, list(QUALITIES)),
        "price": price_part(shipment.usd_per_carat, footprint.usd_per_carat),
    }


def distance(shipment: Profile, footprint: Profile) -> float:
    """The mean of the four parts: 0 for the same profile, 1 for nothing in common."""
    found = parts(shipment, footprint)
    return round(math.fsum(found.values()) / len(found), 4)


def verdict_for(distance_: float, *, shipment_stones: int, footprint_stones: int) -> Verdict:
    """The plain verdict: too few stones on either side, else consistent up to the threshold."""
    if shipment_stones < MIN_SHIPMENT_STONES or footprint_stones < MIN_FOOTPRINT_STONES:
        return Verdict.TOO_FEW_STONES
    return Verdict.CONSISTENT if distance_ <= CONSISTENT_UP_TO else Verdict.UNUSUAL


_KINDS: tuple[tuple[str, str, Mapping[str, str]], ...] = (
    ("sizes", "sieve class", SIEVE_CLASSES),
    ("colours", "colour", COLOURS),
    ("qualities", "quality", QUALITIES),
)


def differs_most(shipment: Profile, footprint: Profile) -> str:
    """In words, the share that differs most between shipment and footprint, or the price
    when the price part is the largest part of the distance."""
    found = parts(shipment, footprint)
    if found["price"] > max(found["sizes"], found["colours"], found["qualities"]):
        return (
            f"the price: US$ {shipment.usd_per_carat:,.2f} per carat here, "
            f"US$ {footprint.usd_per_carat:,.2f} in the zone's footprint"
        )
    best: tuple[float, str] = (-1.0, "")
    for attribute, noun, known in _KINDS:
        mine: Mapping[str, float] = getattr(shipment, attribute)
        theirs: Mapping[str, float] = getattr(footprint, attribute)
        keys = [*known, *sorted((set(mine) | set(theirs)) - set(known))]
        a, b = _normalised(mine, keys), _normalised(theirs, keys)
        for key, here, there in zip(keys, a, b, strict=True):
            gap = abs(here - there)
            if gap > best[0]:
                words = f"{noun} {key}: {here:.0%} of the carats here, {there:.0%} in the zone's footprint"
                best = (gap, words)
    return best[1]


def compare(shipment: Profile | None, footprint: Profile | None) -> FootprintCheck:
    """A shipment's profile read against its zone's footprint (either may be missing)."""
    if shipment is None:
        return FootprintCheck(Verdict.NO_ASSORTMENT)
    if footprint is None:
        return FootprintCheck(Verdict.NO_FOOTPRINT, shipment_stones=shipment.stones)
    found = parts(shipment, footprint)
    distance_ = distance(shipment, footprint)
    return FootprintCheck(
        verdict=verdict_for(distance_, shipment_stones=shipment.stones, footprint_stones=footprint.stones),
        distance=distance_,
        parts={key: round(value, 4) for key, value in found.items()},
        differs_most=differs_most(shipment, footprint),
        shipment_stones=shipment.stones,
        footprint_stones=footprint.stones,
    )
