"""Unit values: a flow's $/ct far from its norm, the most diamond-specific test.

Everything is done on ln($/ct), the scale on which $7 and $500 a carat compare, per flow
(reporter, flow, partner, HS code) and year, over flows of material value. Three yardsticks:

* **the partner's mirror**: the exporter's $/ct against the importer's for the same flow
  (at FOB), where both sides' carats agree, so that both describe the same parcels. The
  usual gap between the two sides (the median over all pairs that year) is taken out, and
  what remains is judged against the spread of all pairs' gaps;
* **the flow's own history**: this year's $/ct against the flow's previous years (their
  median), less the market's move for the HS code (the median move of all flows), judged
  against how much all flows moved that year (robust spread): a hub that always marks up
  is measured against itself, never against producers;
* **the HS code's market**, for a flow with neither: the same reporter's other flows of the
  code that year, or, when it has none, every reporter's.

One finding per pair and HS code, naming the side whose own history moved (the one that
changed its valuation), else the exporter, with every yardstick that fired.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import polars as pl

from kpcs.statistics.anomalies.figures import Figures, flow_years
from kpcs.statistics.anomalies.findings import Anomaly, anomaly, per_ct, severity, times, usd
from kpcs.statistics.anomalies.thresholds import Thresholds

MAD_SCALE = 1.4826
"""Median absolute deviation × this estimates a normal standard deviation."""


def robust_centre_spread(values: list[float]) -> tuple[float, float]:
    """Median and scaled MAD of ``values`` (0, 0 when there are none)."""
    if not values:
        return 0.0, 0.0
    ordered = sorted(values)
    centre = _median(ordered)
    spread = MAD_SCALE * _median(sorted(abs(v - centre) for v in ordered))
    return centre, spread


def _median(ordered: list[float]) -> float:
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


@dataclass(frozen=True)
class _Flow:
    participant: str
    flow: str
    partner: str
    hs_code: str
    carats: float
    value: float  # FOB for imports too

    @property
    def luv(self) -> float:
        return math.log(self.value / self.carats)


@dataclass
class _Case:
    """What the yardsticks say about one pair and HS code."""

    exporter: str
    importer: str
    hs_code: str
    export: _Flow | None = None
    mirror: tuple[float, float, float] | None = None  # deviation, reference $/ct, robust z
    history: dict[str, tuple[float, float, float, int]] | None = None  # side -> deviation, ref, z, years
    market: tuple[float, float, str] | None = None  # deviation, reference $/ct, basis


def find_unit_values(f: Figures, t: Thresholds, *, skip: set[frozenset[str]] | None = None) -> list[Anomaly]:
    """Flows whose $/ct lies far from the partner's mirror, their own history or the code's
    market; pairs in ``skip`` (a carat gap already asks about them) are left to that question."""
    skip = skip or set()
    years = flow_years(f).with_columns(
        v=pl.when(pl.col("flow") == "import").then(pl.col("v") / t.cif_fob_factor).otherwise(pl.col("v"))
    )
    current = {
        (r["participant"], r["flow"], r["partner"], r["hs_code"]): _Flow(
            r["participant"], r["flow"], r["partner"], r["hs_code"], r["c"], r["v"]
        )
        for r in years.filter((pl.col("year") == f.year) & (pl.col("c") > 0) & (pl.col("v") > 0)).iter_rows(
            named=True
        )
    }
    cases: dict[tuple[str, str, str], _Case] = {}

    def case(flow: _Flow) -> _Case:
        e, i = (flow.participant, flow.partner) if flow.flow == "export" else (flow.partner, flow.participant)
        return cases.setdefault((e, i, flow.hs_code), _Case(e, i, flow.hs_code))

    material = {k: fl for k, fl in current.items() if fl.value >= t.unit_value_floor_usd}
    _mirror(current, t, case)
    _history(years, material, f.year, t, case)
    _market(current, material, t, case)
    out = []
    for key in sorted(cases):
        c = cases[key]
        if frozenset((c.exporter, c.importer)) in skip:
            continue
        finding = _finding(c, current, f.year, t)
        if finding is not None:
            out.append(finding)
    return out


def _mirror(current: dict[tuple[str, str, str, str], _Flow], t: Thresholds, case: object) -> None:
    gaps: list[tuple[_Flow, _Flow, float]] = []
    for (who, flow, partner, hs), x in current.items():
        if flow != "export":
            continue
        m = current.get((partner, "import", who, hs))
        if m is None or max(x.value, m.value) < t.unit_value_floor_usd:
            continue
        if abs(x.carats - m.carats) > t.carats_agree_di * (x.carats + m.carats):
            continue  # different parcels: the carats are the mirror check's question
        gaps.append((x, m, x.luv - m.luv))
    centre, spread = robust_centre_spread([d for _, _, d in gaps])
    fence = max(t.unit_value_mirror_log, t.unit_value_mirror_z * spread)
    for x, m, d in gaps:
        if abs(d - centre) > fence:
            z = (d - centre) / spread if spread else math.inf
            case(x).mirror = (d - centre, m.value / m.carats, z)  # type: ignore[operator]


def _history(
    years: pl.DataFrame,
    material: dict[tuple[str, str, str, str], _Flow],
    year: int,
    t: Thresholds,
    case: object,
) -> None:
    past: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for r in years.filter(
        (pl.col("year") < year) & (pl.col("c") > 0) & (pl.col("v") >= t.unit_value_floor_usd)
    ).iter_rows(named=True):
        past[(r["participant"], r["flow"], r["partner"], r["hs_code"])].append(math.log(r["v"] / r["c"]))
    moves: dict[str, list[tuple[tuple[str, str, str, str], float, float, int]]] = defaultdict(list)
    for key, fl in material.items():
        history = sorted(past.get(key, []))
        if history:
            base = _median(history)
            moves[fl.hs_code].append((key, fl.luv - base, base, len(history)))
    for items in moves.values():
        market, spread = robust_centre_spread([d for _, d, _, _ in items])
        if len(items) < 5:
            market, spread = 0.0, 0.0  # too few flows to say what the market did
        fence = max(t.unit_value_history_log, t.unit_value_history_z * spread)
        for key, d, base, n in items:
            if abs(d - market) > fence:
                fl = material[key]
                z = (d - market) / spread if spread else math.inf
                c = case(fl)  # type: ignore[operator]
                c.history = (c.history or {}) | {fl.flow: (d - market, math.exp(base + market), z, n)}


def _market(
    current: dict[tuple[str, str, str, str], _Flow],
    material: dict[tuple[str, str, str, str], _Flow],
    t: Thresholds,
    case: object,
) -> None:
    by_reporter: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    by_code: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (who, flow, _partner, hs), fl in material.items():
        by_reporter[(who, flow, hs)].append(fl.luv)
        by_code[(flow, hs)].append(fl.luv)
    for key, fl in material.items():
        who, flow, partner, hs = key
        c: _Case = case(fl)  # type: ignore[operator]
        if c.mirror is not None or c.history is not None:
            continue
        mirror_key = (partner, "import" if flow == "export" else "export", who, hs)
        if mirror_key in current:
            continue  # the mirror can judge it (or found nothing to say)
        others = list(by_reporter[(who, flow, hs)])
        others.remove(fl.luv)
        if len(others) >= 2:
            basis, norm = f"{who}'s other {hs} {flow}s", _median(sorted(others))
        else:
            market = list(by_code[(flow, hs)])
            market.remove(fl.luv)
            if len(market) < 5:
                continue
            basis, norm = f"every reporter's {hs} {flow}s", _median(sorted(market))
        if abs(fl.luv - norm) > t.unit_value_market_log:
            c.market = (fl.luv - norm, math.exp(norm), basis)


def _finding(
    c: _Case, current: dict[tuple[str, str, str, str], _Flow], year: int, t: Thresholds
) -> Anomaly | None:
    if c.mirror is None and c.history is None and c.market is None:
        return None
    x = current.get((c.exporter, "export", c.importer, c.hs_code))
    m = current.get((c.importer, "import", c.exporter, c.hs_code))
    history = c.history or {}
    # The side whose own valuation moved is the one to ask; else the exporter, whose
    # certificates carry the declared value.
    side = max(history, key=lambda k: abs(history[k][0])) if history else "export"
    fl = x if side == "export" else m
    if fl is None:
        fl = x or m
    assert fl is not None
    who, other = (c.exporter, c.importer) if fl.flow == "export" else (c.importer, c.exporter)
    uv = fl.value / fl.carats
    parts, deviations = [], []
    if c.mirror is not None:
        d, ref, z = c.mirror
        other_side = m if fl.flow == "export" else x
        ref = other_side.value / other_side.carats if other_side else ref
        parts.append(
            f"the other side reported the same carats at {per_ct(ref)} (at FOB); net of the usual gap "
            f"between the two sides that is {times(d if fl.flow == 'export' else -d)} (robust z {z:+.1f})"
        )
        deviations.append((abs(d), math.log(uv / ref), ref, t.unit_value_mirror_log))
    if fl.flow in history:
        d, ref, z, n = history[fl.flow]
        parts.append(
            f"its own {c.hs_code} {fl.flow}s {'to' if fl.flow == 'export' else 'from'} {other} "
            "in the previous "
            f"{n} year{'s' if n != 1 else ''}, moved with this year's market for the code, would be "
            f"{per_ct(ref)}: {times(d)} (robust z {z:+.1f} against all flows' moves)"
        )
        deviations.append((abs(d), d, ref, t.unit_value_history_log))
    if c.market is not None:
        d, ref, basis = c.market
        parts.append(f"{basis} that year stand at {per_ct(ref)}: {times(d)}")
        deviations.append((abs(d), d, ref, t.unit_value_market_log))
    if not parts:  # only the other side's history moved: it is the one to ask
        return None
    _, deviation, reference, limit = max(deviations)
    stake = abs(fl.carats * reference - fl.value)
    what = (
        f"{who} reported {fl.carats:,.0f} ct of {c.hs_code} "
        f"{'exported to' if fl.flow == 'export' else 'imported from'} "
        f"{other} in {year} at {usd(fl.value)}{' (FOB)' if fl.flow == 'import' else ''}, i.e. {per_ct(uv)}, "
        f"which is {'low' if deviation < 0 else 'high'}: " + "; ".join(parts) + f". About {usd(stake)} of "
        "value is in question (deviation = ln(reported/reference $/ct)). Check the valuation on the "
        "certificates and the assortment shipped; a mistyped carat or value figure looks the same."
    )
    level = severity(abs(deviation) / limit if limit else math.inf, stake, t)
    return anomaly("unit_value", who, other, str(year), c.hs_code, uv, reference, deviation, level, what)
