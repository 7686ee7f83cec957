"""Unit values: a flow's $/ct far from its norm, the most diamond-specific test.

Everything is done on ln($/ct), the scale on which $7 and $500 a carat compare, per flow
(reporter, flow, partner, HS code), over material flows. Yardsticks:

* **the flow's own history over the year**: this year's $/ct against the flow's previous
  years (their median), less the market's move for the code (the median move of all
  flows), judged against how much all flows moved that year (robust spread): a hub that
  always marks up is measured against itself, never against producers. An average over
  many shipments is steadier than over a few, so each move is weighed by √(certificates);
* **the flow's own quarters**: a quarter's $/ct against the same flow's other quarters,
  this year's and before (their median), less the market's move that quarter, judged
  against the spread of all flows' quarters: a parcel valued at a fifth, or four times,
  what the flow's certificates usually carry shows even when both sides copied it;
* **the code's market**, for a flow with no history: the same reporter's other flows of
  the code that year, or, when it has none, every reporter's.

When both sides report the same wrong value the mirror cannot tell; when only one does,
the mirror check (``mirror.py``) asks about the two values, and this one about the side
whose valuation moved against its own history. One finding per pair and HS code, naming
the side whose figures moved (the exporter when both did) and the partner's $/ct.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from kpcs.statistics.analysis.anomalies.figures import Figures, flow_years, period_of
from kpcs.statistics.analysis.anomalies.findings import Anomaly, anomaly, ct, per_ct, severity, times, usd
from kpcs.statistics.analysis.anomalies.stats import median, robust_centre_spread
from kpcs.statistics.analysis.anomalies.thresholds import Thresholds

FlowKey = tuple[str, str, str, str]
"""(reporter, flow, partner, HS code)."""


@dataclass
class _Evidence:
    """What the yardsticks say about one side's flow."""

    year: tuple[float, float, int] | None = None  # deviation, reference $/ct, previous years
    quarters: list[tuple[int, float, float, float, float]] = field(default_factory=list)
    # (qi, deviation, reference $/ct, carats, value)
    market: tuple[float, float, str] | None = None  # deviation, reference $/ct, basis


def find_unit_values(f: Figures, t: Thresholds, *, skip: set[frozenset[str]] | None = None) -> list[Anomaly]:
    """Flows whose $/ct lies far from their own history, their other quarters or the code's
    market; pairs in ``skip`` (a carat gap already asks about them) are left to that question."""
    skip = skip or set()
    cif = t.cif_fob_factor
    years = flow_years(f).with_columns(
        v=pl.when(pl.col("flow") == "import").then(pl.col("v") / cif).otherwise(pl.col("v"))
    )
    now = {
        (r[0], r[1], r[2], r[3]): (r[5], r[6])
        for r in years.filter((pl.col("year") == f.year) & (pl.col("c") > 0) & (pl.col("v") > 0)).iter_rows()
    }
    shipments = {
        (r[0], r[1], r[2], r[3]): max(float(r[7]), 1.0)
        for r in years.filter(pl.col("year") == f.year).iter_rows()
    }
    evidence: dict[FlowKey, _Evidence] = defaultdict(_Evidence)
    _history(years, now, shipments, f.year, t, evidence)
    _quarters(f, t, evidence)
    _market(now, t, evidence)
    cases: dict[tuple[str, str, str], dict[str, FlowKey]] = defaultdict(dict)
    for key in evidence:
        who, flow, partner, hs = key
        e, i = (who, partner) if flow == "export" else (partner, who)
        cases[(e, i, hs)][flow] = key
    out = []
    for (e, i, _hs), sides in sorted(cases.items()):
        if frozenset((e, i)) in skip:
            continue
        # the side whose own figures moved most is asked; the exporter when both moved alike
        key = max(sides.values(), key=lambda k: (_strength(evidence[k]), k[1] == "export"))
        out.append(_finding(f.year, key, evidence[key], now, t, both=len(sides) == 2))
    return out


def _strength(ev: _Evidence) -> float:
    return (
        max(
            [abs(ev.year[0])] if ev.year else [0.0],
            default=0.0,
        )
        + max((abs(q[1]) for q in ev.quarters), default=0.0)
        + (abs(ev.market[0]) if ev.market else 0.0)
    )


def _history(
    years: pl.DataFrame,
    now: dict[FlowKey, tuple[float, float]],
    shipments: dict[FlowKey, float],
    year: int,
    t: Thresholds,
    evidence: dict[FlowKey, _Evidence],
) -> None:
    past: dict[FlowKey, list[float]] = defaultdict(list)
    for r in years.filter(
        (pl.col("year") < year) & (pl.col("c") > 0) & (pl.col("v") >= t.unit_value_floor_usd)
    ).iter_rows():
        past[(r[0], r[1], r[2], r[3])].append(math.log(r[6] / r[5]))
    moves: dict[str, list[tuple[FlowKey, float, float, int]]] = defaultdict(list)
    for key, (c, v) in now.items():
        if v >= t.unit_value_floor_usd and past.get(key):
            base = median(past[key])
            moves[key[3]].append((key, math.log(v / c) - base, base, len(past[key])))
    for items in moves.values():
        # A year of many shipments has a steadier average $/ct than one of a few: each move
        # is judged weighed by √(certificates), against the others' weighed moves.
        market = median(d for _, d, _, _ in items) if len(items) >= 5 else 0.0
        weigh = {key: math.sqrt(shipments.get(key, 1.0)) for key, _, _, _ in items}
        centre, spread = robust_centre_spread((d - market) * weigh[key] for key, d, _, _ in items)
        for key, d, base, n in items:
            net = d - market
            if abs(net) > t.unit_value_history_log and abs(net * weigh[key] - centre) > (
                t.unit_value_history_z * spread
            ):
                evidence[key].year = (net, math.exp(base + market), n)


def _quarters(f: Figures, t: Thresholds, evidence: dict[FlowKey, _Evidence]) -> None:
    """Each flow's quarters of the review year against its other quarters."""
    cif = t.cif_fob_factor
    cells = (
        f.trade.filter((pl.col("carats") > 0) & (pl.col("value_usd") > 0))
        .group_by("participant", "flow", "partner", "hs_code", "qi")
        .agg(c=pl.col("carats").sum(), v=pl.col("value_usd").sum(), n=pl.col("certificates").sum())
        .with_columns(v=pl.when(pl.col("flow") == "import").then(pl.col("v") / cif).otherwise(pl.col("v")))
    )
    floor = t.unit_value_floor_usd / 4  # a quarter's share of the yearly floor
    by_flow: dict[FlowKey, list[tuple[int, float, float, float, float]]] = defaultdict(list)
    for who, flow, partner, hs, qi, c, v, n in cells.iter_rows():
        if v >= floor:
            by_flow[(who, flow, partner, hs)].append((qi, math.log(v / c), c, v, max(n, 1.0)))
    first = f.year * 4
    deviations: list[tuple[FlowKey, int, float, float, float, float, float]] = []
    for key, quarters in by_flow.items():
        for qi, luv, c, v, n in quarters:
            if qi < first:
                continue
            others = [other for q, other, _, _, _ in quarters if q != qi]
            if len(others) >= 3:
                norm = median(others)
                deviations.append((key, qi, luv - norm, norm, c, v, n))
    market = {qi: median(d for _, q, d, *_ in deviations if q == qi) for qi in {x[1] for x in deviations}}
    # weighed by √(certificates), as over the year
    centre, spread = robust_centre_spread((d - market[qi]) * math.sqrt(n) for _, qi, d, *_, n in deviations)
    for key, qi, d, norm, c, v, n in deviations:
        net = d - market[qi]
        if abs(net) > t.unit_value_quarter_log and abs(net * math.sqrt(n) - centre) > (
            t.unit_value_quarter_z * spread
        ):
            evidence[key].quarters.append((qi, net, math.exp(norm + market[qi]), c, v))


def _market(
    now: dict[FlowKey, tuple[float, float]], t: Thresholds, evidence: dict[FlowKey, _Evidence]
) -> None:
    by_reporter: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    by_code: dict[tuple[str, str], list[float]] = defaultdict(list)
    material = {k: math.log(v / c) for k, (c, v) in now.items() if v >= t.unit_value_floor_usd}
    for (who, flow, _partner, hs), luv in material.items():
        by_reporter[(who, flow, hs)].append(luv)
        by_code[(flow, hs)].append(luv)
    for key, luv in material.items():
        who, flow, partner, hs = key
        if key in evidence:
            continue
        mirror = (partner, "import" if flow == "export" else "export", who, hs)
        if mirror in now:
            continue  # the mirror check compares the two sides
        others = list(by_reporter[(who, flow, hs)])
        others.remove(luv)
        if len(others) >= 2:
            basis, norm = f"{who}'s other {hs} {flow}s", median(others)
        else:
            market = list(by_code[(flow, hs)])
            market.remove(luv)
            if len(market) < 5:
                continue
            basis, norm = f"every reporter's {hs} {flow}s", median(market)
        if abs(luv - norm) > t.unit_value_market_log:
            evidence[key].market = (luv - norm, math.exp(norm), basis)


def _finding(
    year: int,
    key: FlowKey,
    ev: _Evidence,
    now: dict[FlowKey, tuple[float, float]],
    t: Thresholds,
    *,
    both: bool,
) -> Anomaly:
    who, flow, other, hs = key
    c, v = now.get(key, (0.0, 0.0))
    mirror = now.get((other, "import" if flow == "export" else "export", who, hs))
    to_from = "to" if flow == "export" else "from"
    parts: list[str] = []
    measures: list[tuple[float, float, float, float, float, float, str]] = []
    # (|deviation|, deviation, reported $/ct, reference $/ct, carats, value, period)
    if ev.year is not None:
        d, ref, n = ev.year
        parts.append(
            f"over {year} its {hs} {flow}s {to_from} {other} averaged {per_ct(v / c)} against "
            f"{per_ct(ref)} in its previous {n} year{'s' if n != 1 else ''} moved with the market for "
            f"the code: {times(d)}"
        )
        measures.append((abs(d) / t.unit_value_history_log, d, v / c, ref, c, v, str(year)))
    for qi, d, ref, qc, qv in sorted(ev.quarters):
        parts.append(
            f"in {period_of(qi)} {ct(qc)} {to_from} {other} were valued at {per_ct(qv / qc)} against "
            f"{per_ct(ref)} in the flow's other quarters moved with the market: {times(d)}"
        )
        measures.append((abs(d) / t.unit_value_quarter_log, d, qv / qc, ref, qc, qv, period_of(qi)))
    if ev.market is not None:
        d, ref, basis = ev.market
        parts.append(f"over {year} its {per_ct(v / c)} stands {times(d)} from {basis} ({per_ct(ref)})")
        measures.append((abs(d) / t.unit_value_market_log, d, v / c, ref, c, v, str(year)))
    # the strongest yardstick heads the finding: its period, its figures
    ratio, deviation, reported, reference, qc, qv, period = max(measures)
    stake = abs(qc * reference - qv)
    seen = ""
    if mirror is not None and mirror[0] > 0:
        seen = f" {other} reported {per_ct(mirror[1] / mirror[0])} (at FOB) for the year" + (
            ", the same valuation: both sides carry the certificates' value." if both else "."
        )
    what = (
        f"{who}'s {hs} {flow}s {to_from} {other} are valued {'low' if deviation < 0 else 'high'}: "
        + "; ".join(parts)
        + f".{seen} About {usd(stake)} of value is in question (deviation = ln(reported/reference $/ct)). "
        "Check the valuation on the certificates and the assortment shipped; a mistyped carat or value "
        "figure looks the same."
    )
    return anomaly("unit_value", who, other, period, hs, reported, reference, deviation,
                   severity(ratio, stake, t), what)  # fmt: skip
