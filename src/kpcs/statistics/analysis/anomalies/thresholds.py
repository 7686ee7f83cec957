"""The detectors' tunable figures, each with its default and why.

Every threshold is a flat number that the Working Group on Statistics may change (query
parameters for a trial run, or stored with who and why), checked against a sane range. The
defaults were chosen on the project's own synthetic world (``tests/factories/noisy_world``)
and are reported on an independently written one (``docs/anomaly-detection.md`` and the
``anomalies`` rows of ``docs/benchmarks.md``): they are not tuned to the data they are
judged on.

The two ideas behind most of them:

* **Timing and CIF are allowed for, not thresholded away.** A shipment leaving late in a
  quarter is booked by the importer in the next one; up to ``transit_share`` of a quarter's
  exports may be in the air at its end. A mirror comparison first removes what transit can
  explain, then judges what is left. Importers value CIF: imports are divided by
  ``cif_fob_factor`` before any comparison of values.
* **Yardsticks come from the data.** With two or three years of history a participant's own
  spread cannot be estimated, so a change is judged against how much *all* comparable
  series moved that year (the median move is the market's, the robust spread of the others
  is the normal noise): ``z`` thresholds are robust z-scores on that spread, with a floor
  (``min_*``) below which nothing is flagged however quiet the others were.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any


def _limits(low: float, high: float = math.inf) -> dict[str, float]:
    return {"low": low, "high": high}


@dataclass(frozen=True)
class Thresholds:
    """Every tunable figure of the detectors, with its default and what it means."""

    cif_fob_factor: float = field(default=1.06, metadata=_limits(1.0, 1.5))
    """Importers value CIF, exporters FOB; imports are divided by this before comparing
    values. IMF DOTS uses 1.06; rough diamonds fly, freight and insurance are tiny."""
    transit_share: float = field(default=0.4, metadata=_limits(0.0, 1.0))
    """Largest share of a quarter's exports that may still be in transit at its end and be
    booked by the importer in the next quarter. Real returns move up to a third of a
    quarter's flow this way; a little more leaves room for a link with a few big parcels
    (every tenth of a quarter allowed hides a gap of a fortieth of the year's flow)."""
    mirror_carat_di: float = field(default=0.05, metadata=_limits(0.0, 1.0))
    """Year: flag a pair when the carats that transit cannot explain exceed this share of
    both sides' carats, |X−M|/(X+M) (carats carry no CIF effect, so any real gap shows)."""
    mirror_code_di: float = field(default=0.12, metadata=_limits(0.0, 1.0))
    """Year, one HS code of a pair on its own (a code lost or doubled that the pair's other
    codes hide): the same test, wider, as a code holds fewer shipments than the pair."""
    mirror_value_di: float = field(default=0.12, metadata=_limits(0.0, 1.0))
    """Year: the same for values (imports at FOB); only tested where the carats disagree
    too: the same carats valued differently is a unit-value question."""
    mirror_quarter_di: float = field(default=0.20, metadata=_limits(0.0, 1.0))
    """Quarter: the same test on one quarter, for a gap the year dilutes (a quarter's
    figures lost or doubled); wider, since a quarter holds fewer shipments."""
    mirror_material_usd: float = field(default=25_000_000.0, metadata=_limits(0.0))
    """Year or quarter: flag a gap that transit cannot explain, whatever its share, when its
    carats are worth this much at the exporter's $/ct: at the biggest pairs (millions of
    carats a quarter) 3 % of the flow is a fortune (the same $25 M as a high severity)."""
    mirror_floor_carats: float = field(default=1_000.0, metadata=_limits(0.0))
    """Never flag a gap of fewer carats than this (tiny flows, where a single parcel or the
    rounding of a return is the whole gap) …"""
    mirror_floor_usd: float = field(default=250_000.0, metadata=_limits(0.0))
    """… nor a value gap of less than this."""
    carats_agree_di: float = field(default=0.05, metadata=_limits(0.0, 1.0))
    """Carats of the two sides 'agree' within this |X−M|/(X+M): then their values can be
    compared as two valuations of the same parcels (and their certificate counts as two
    counts of the same shipments)."""
    mirror_value_log: float = field(default=0.3, metadata=_limits(0.0))
    """Same carats, different values: flag a code's quarter (or year) whose two values differ
    by more than exp(±this) (±35 %) beyond the usual gap between the two sides …"""
    mirror_value_z: float = field(default=5.0, metadata=_limits(0.0))
    """… and by more than this many robust spreads of that gap over all pairs' quarters."""
    unit_value_floor_usd: float = field(default=500_000.0, metadata=_limits(0.0))
    """Flows below this value are not judged on their $/ct: a few parcels' assortment
    decides it (Atlas drops flows below $1 M from its CIF regression)."""
    unit_value_history_log: float = field(default=0.25, metadata=_limits(0.0))
    """Own history: flag a flow whose $/ct moved by more than exp(±this) (×1.28 or ×0.78)
    against its own previous years, beyond the market's move for the HS code …"""
    unit_value_history_z: float = field(default=3.0, metadata=_limits(0.0))
    """… and by more than this many robust spreads of all flows' moves that year."""
    unit_value_quarter_log: float = field(default=0.45, metadata=_limits(0.0))
    """A quarter: flag a flow's $/ct more than exp(±this) (×1.57 or ×0.64) from the same
    flow's other quarters (this year's and before), beyond the market's move that quarter …"""
    unit_value_quarter_z: float = field(default=4.0, metadata=_limits(0.0))
    """… and beyond this many robust spreads of all flows' quarters."""
    unit_value_market_log: float = field(default=1.10, metadata=_limits(0.0))
    """A flow with neither history nor mirror: flag a $/ct more than exp(±this) (×3) from
    the same reporter's other flows of the code, or the code's market when it has none."""
    certificate_mirror_floor: int = field(default=3, metadata=_limits(0, 1_000_000))
    """Certificates: the exporter's and the importer's counts for a pair and year may differ
    by this many (after allowing for shipments in transit) …"""
    certificate_mirror_share: float = field(default=0.15, metadata=_limits(0.0, 1.0))
    """… or by this share of the larger count, whichever is more."""
    certificate_history_log: float = field(default=0.55, metadata=_limits(0.0))
    """Carats per certificate of a flow: flag a move beyond exp(±this) (×2) against its own
    previous years and the other flows' moves …"""
    certificate_history_z: float = field(default=4.0, metadata=_limits(0.0))
    """… and beyond this many robust spreads of those moves."""
    certificate_min_count: int = field(default=4, metadata=_limits(1, 1_000_000))
    """A flow needs this many certificates a year before its carats per certificate are judged."""
    sudden_change_log: float = field(default=0.45, metadata=_limits(0.0))
    """A participant's exports, imports or production in the year against its previous
    years (same quarters or half-years): flag beyond exp(±this) (×1.57 or ×0.64) …"""
    sudden_change_z: float = field(default=3.5, metadata=_limits(0.0))
    """… and beyond this many robust spreads of all participants' moves that year (the
    median move is the market's and is taken out) …"""
    sudden_quarter_log: float = field(default=0.65, metadata=_limits(0.0))
    """One quarter against the same quarter of previous years: flag beyond exp(±this) (×1.9
    or ×0.52), beyond what seasons and shipments booked a quarter early or late move …"""
    sudden_quarter_z: float = field(default=1.0, metadata=_limits(0.0))
    """… and beyond this many robust spreads of all participants' moves that quarter (or
    half-year of production): in a quarter when everyone's figures swing, the fence widens
    with them (to twice the floor at most)."""
    sudden_production_log: float = field(default=0.4, metadata=_limits(0.0))
    """A half-year of production against the same half of previous years: flag beyond
    exp(±this) (×1.5 or ×0.67); mines are steadier than trade, so the fence is closer."""
    sudden_floor_carats: float = field(default=20_000.0, metadata=_limits(0.0))
    """… and by at least this many carats …"""
    sudden_floor_usd: float = field(default=5_000_000.0, metadata=_limits(0.0))
    """… or this many US$ (the DAQ asks about significant moves, not small traders' swings)."""
    production_tolerance: float = field(default=0.10, metadata=_limits(0.0))
    """Exports may exceed production and imports by this share (stock sold, timing of
    sales) before it is flagged …"""
    production_floor_carats: float = field(default=5_000.0, metadata=_limits(0.0))
    """… and by at least this many carats."""
    production_ratio_log: float = field(default=0.35, metadata=_limits(0.0))
    """A producer's net exports over production jumping by more than exp(this) (×1.42)
    against its own previous years (production collapsing while exports go on), while
    exports also exceed this year's production."""
    severity_medium_factor: float = field(default=1.5, metadata=_limits(1.0))
    """Severity: medium when the measure is this many times its threshold …"""
    severity_high_factor: float = field(default=3.0, metadata=_limits(1.0))
    """… high at this many times."""
    severity_medium_usd: float = field(default=5_000_000.0, metadata=_limits(0.0))
    """Severity: at least medium when this much money is at stake …"""
    severity_high_usd: float = field(default=25_000_000.0, metadata=_limits(0.0))
    """… high from this much (Atlas's $25 M absolute gap)."""
    history_years: int = field(default=5, metadata=_limits(1, 50))
    """Previous years read as history (fewer are used when fewer exist)."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            wanted = int if f.type in (int, "int") else float
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{f.name}: must be a number")
            if wanted is int and not isinstance(value, int):
                raise ValueError(f"{f.name}: must be a whole number")
            if not math.isfinite(value) or not f.metadata["low"] <= value <= f.metadata["high"]:
                raise ValueError(f"{f.name}: {value} is outside {f.metadata['low']}–{f.metadata['high']}")

    @classmethod
    def names(cls) -> frozenset[str]:
        """The names of every threshold."""
        return frozenset(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Thresholds:
        """Defaults overridden by ``values`` (numbers or numeric text, e.g. query parameters);
        an unknown name or a bad value raises ValueError naming the field."""
        known = {f.name: f for f in fields(cls)}
        chosen: dict[str, int | float] = {}
        for name, raw in values.items():
            if name not in known:
                raise ValueError(f"{name}: not a threshold (known: {', '.join(sorted(known))})")
            is_int = known[name].type in (int, "int")
            try:
                if isinstance(raw, bool):
                    raise TypeError
                number = float(raw)
                if is_int and number != int(number):
                    raise ValueError(f"{name}: must be a whole number")
                chosen[name] = int(number) if is_int else number
            except (TypeError, ValueError, OverflowError):
                raise ValueError(f"{name}: {raw!r} is not a {'whole ' if is_int else ''}number") from None
        return cls(**chosen)  # type: ignore[arg-type]
