"""Certificate counts that do not fit the trade.

A KP certificate travels with every shipment, so both sides count the same certificates
for the same shipments, and a flow's carats per certificate (its usual parcel) does not
change overnight. Tests, one finding per pair:

* **the mirror**, per code and quarter: both sides' average parcel (carats per
  certificate) must agree, since a shipment booked a quarter later moves its carats and its
  certificate together; and per pair over the year, the two counts, after allowing for the
  certificates of shipments in transit at the ends (as the carats are);
* **carats per certificate** of a flow, in a quarter against the flow's other quarters and
  over the year against its previous years, net of all flows' move: a count that splits
  shipments, or is not a count of certificates at all. A quarter of many shipments has a
  steadier average parcel than one of few, so each move is weighed by √(certificates);
* **rows** with carats and no certificate (every shipment travels with one), or the reverse.

Pairs whose carats already disagree are left to the mirror-gap question.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from kpcs.statistics.analysis.anomalies.figures import Figures, flow_years, pair_quarters, period_of
from kpcs.statistics.analysis.anomalies.findings import Anomaly, anomaly, at_least_medium, ct, severity, times
from kpcs.statistics.analysis.anomalies.mirror import residual
from kpcs.statistics.analysis.anomalies.stats import median, robust_centre_spread
from kpcs.statistics.analysis.anomalies.thresholds import Thresholds


@dataclass
class _Pair:
    mirror: list[tuple[str | None, int | None, float, float]] = field(default_factory=list)
    # (hs or None for all codes, qi or None for the year, exporter's count, importer's count)
    parcels: list[tuple[str, str, int | None, float, float, float]] = field(default_factory=list)
    # (flow, hs, qi or None for the year, carats per certificate, usual, count)


def find_certificate_counts(
    f: Figures, t: Thresholds, *, skip: set[frozenset[str]] | None = None
) -> list[Anomaly]:
    """Certificate counts that do not match the mirror, the flow's parcels or the rows."""
    skip = skip or set()
    pairs: dict[tuple[str, str], _Pair] = defaultdict(_Pair)
    _mirror_year(f, t, pairs)
    _mirror_quarters(f, t, pairs)
    _parcels_quarters(f, t, pairs)
    _parcels_year(f, t, pairs)
    out = [
        _finding(f.year, e, i, p, t)
        for (e, i), p in sorted(pairs.items())
        if frozenset((e, i)) not in skip and (p.mirror or p.parcels)
    ]
    return out + _rows(f, t)


def _allowed(t: Thresholds, a: float, b: float) -> float:
    return max(t.certificate_mirror_floor, t.certificate_mirror_share * max(a, b))


def _mirror_year(f: Figures, t: Thresholds, pairs: dict[tuple[str, str], _Pair]) -> None:
    s = t.transit_share
    for (e, i), rows in pair_quarters(f).group_by(["exporter", "importer"], maintain_order=True):
        g = rows.to_dict(as_series=False)
        kept = [k for k in range(1, 5) if g["xr"][k] and g["mr"][k]]
        xn, mn = sum(g["xn"][k] for k in kept), sum(g["mn"][k] for k in kept)
        if not kept or sum(g["xc"][k] for k in kept) <= 0 or sum(g["mc"][k] for k in kept) <= 0:
            continue
        low = s * sum((g["xn"][k - 1] if g["xr"][k - 1] else g["xn"][k]) for k in kept if k - 1 not in kept)
        high = s * sum(g["xn"][k] for k in kept if k + 1 not in kept)
        if abs(residual(xn - mn, low, high)) > _allowed(t, xn, mn):
            pairs[(e, i)].mirror.append((None, None, xn, mn))


def _mirror_quarters(f: Figures, t: Thresholds, pairs: dict[tuple[str, str], _Pair]) -> None:
    """Per code and quarter, the two sides' average parcel (carats per certificate): a
    shipment booked a quarter later moves carats and certificate together and leaves it
    alone; one side counting differently does not."""
    cells = pair_quarters(f, by_hs=True).filter(
        (pl.col("qi") >= f.year * 4)
        & pl.col("xr")
        & pl.col("mr")
        & (pl.col("xc") > 0)
        & (pl.col("mc") > 0)
        & (pl.col("xn") > 0)
        & (pl.col("mn") > 0)
    )
    items = []
    for e, i, hs, qi, xc, mc, xn, mn in cells.select(
        "exporter", "importer", "hs_code", "qi", "xc", "mc", "xn", "mn"
    ).iter_rows():
        d = math.log((xc / xn) / (mc / mn))
        items.append(((e, "export", i, hs), qi, d, xn, min(xn, mn), mn))
    centre, spread = robust_centre_spread(d * math.sqrt(n) for _, _, d, _, n, _ in items)
    for (e, _, i, hs), qi, d, xn, n, mn in items:
        if (
            abs(d) > t.certificate_history_log
            and abs(d * math.sqrt(n) - centre) > t.certificate_history_z * spread
            and abs(xn - mn) > _allowed(t, xn, mn)
        ):
            pairs[(e, i)].mirror.append((hs, qi, xn, mn))


def _weighed_moves(
    items: list[tuple[tuple[str, str, str, str], int | None, float, float, float]], t: Thresholds
) -> list[tuple[tuple[str, str, str, str], int | None, float, float, float]]:
    """The items (key, qi, log move, usual carats per certificate, count) whose move, weighed
    by √count, is far beyond the others' and beyond the floor."""
    centre, spread = robust_centre_spread(d * math.sqrt(n) for _, _, d, _, n in items)
    fence = t.certificate_history_z * spread
    return [
        item
        for item in items
        if abs(item[2]) > t.certificate_history_log and abs(item[2] * math.sqrt(item[4]) - centre) > fence
    ]


def _parcels_quarters(f: Figures, t: Thresholds, pairs: dict[tuple[str, str], _Pair]) -> None:
    cells = (
        f.trade.filter((pl.col("carats") > 0) & (pl.col("certificates") > 0))
        .group_by("participant", "flow", "partner", "hs_code", "qi")
        .agg(c=pl.col("carats").sum(), n=pl.col("certificates").sum())
    )
    by_flow: dict[tuple[str, str, str, str], list[tuple[int, float, float]]] = defaultdict(list)
    for who, flow, partner, hs, qi, c, n in cells.iter_rows():
        by_flow[(who, flow, partner, hs)].append((qi, math.log(c / n), n))
    items: list[tuple[tuple[str, str, str, str], int | None, float, float, float]] = []
    for key, quarters in by_flow.items():
        for qi, lpc, n in quarters:
            others = [o for q, o, _ in quarters if q != qi]
            if qi >= f.year * 4 and len(others) >= 3 and n >= t.certificate_min_count:
                norm = median(others)
                items.append((key, qi, lpc - norm, math.exp(norm), n))
    for (who, flow, partner, hs), qi, d, usual, n in _weighed_moves(items, t):
        e, i = (who, partner) if flow == "export" else (partner, who)
        pairs[(e, i)].parcels.append((flow, hs, qi, usual * math.exp(d), usual, n))


def _parcels_year(f: Figures, t: Thresholds, pairs: dict[tuple[str, str], _Pair]) -> None:
    years = flow_years(f).filter((pl.col("c") > 0) & (pl.col("n") >= t.certificate_min_count))
    past: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    now: dict[tuple[str, str, str, str], tuple[float, float]] = {}
    for who, flow, partner, hs, y, c, _v, n in years.iter_rows():
        if y < f.year:
            past[(who, flow, partner, hs)].append(math.log(c / n))
        else:
            now[(who, flow, partner, hs)] = (math.log(c / n), n)
    items: list[tuple[tuple[str, str, str, str], int | None, float, float, float]] = [
        (key, None, lpc - median(past[key]), math.exp(median(past[key])), n)
        for key, (lpc, n) in now.items()
        if past.get(key)
    ]
    market = median(d for _, _, d, _, _ in items) if len(items) >= 5 else 0.0
    moved = [(key, qi, d - market, usual * math.exp(market), n) for key, qi, d, usual, n in items]
    for (who, flow, partner, hs), _, d, usual, n in _weighed_moves(moved, t):
        e, i = (who, partner) if flow == "export" else (partner, who)
        pairs[(e, i)].parcels.append((flow, hs, None, usual * math.exp(d), usual, n))


def _finding(year: int, e: str, i: str, p: _Pair, t: Thresholds) -> Anomaly:
    parts: list[str] = []
    quarters: set[int | None] = set()
    ratios: list[tuple[float, float, float, float]] = []  # (ratio, reported, reference, deviation)
    for hs, qi, xn, mn in sorted(p.mirror, key=str):
        where = f"{hs} in {period_of(qi)}" if hs and qi is not None else f"its {year} exports"
        parts.append(
            f"{e} counted {xn:.0f} certificates for {where} to {i} and {i} {mn:.0f} for the same goods"
        )
        quarters.add(qi)
        allowed = _allowed(t, xn, mn)
        ratios.append((abs(xn - mn) / allowed, xn, mn, xn - mn))
    for flow, hs, qi, cpc, usual, n in sorted(p.parcels, key=str):
        reporter = e if flow == "export" else i
        when = period_of(qi) if qi is not None else str(year)
        parts.append(
            f"{reporter}'s {hs} {flow}s in {when} averaged {cpc:,.0f} ct per certificate over {n:.0f} "
            f"certificates against a usual {usual:,.0f}: {times(math.log(cpc / usual))}"
        )
        quarters.add(qi)
        d = math.log(cpc / usual)
        ratios.append((abs(d) / t.certificate_history_log, cpc, usual, d))
    sides = {flow for flow, *_ in p.parcels}
    who, other = (i, e) if sides == {"import"} else (e, i)
    ratio, reported, reference, deviation = max(ratios)
    period = period_of(next(iter(quarters))) if len(quarters) == 1 and None not in quarters else str(year)  # type: ignore[arg-type]
    what = (
        "The certificate counts do not fit the goods: " + "; ".join(parts) + ". Every shipment travels "
        "with one certificate, which both authorities count: check their registers for shipments split "
        "over several certificates, certificates issued but not used or confirmed, counted twice, or a "
        "count that is not the number of certificates."
    )
    return anomaly("certificate_count", who, other, period, None, reported, reference, deviation,
                   severity(ratio, 0.0, t), what)  # fmt: skip


def _rows(f: Figures, t: Thresholds) -> list[Anomaly]:
    rows = (
        f.trade.filter(
            (pl.col("year") == f.year)
            & (
                ((pl.col("certificates") == 0) & (pl.col("carats") > 0))
                | ((pl.col("certificates") > 0) & (pl.col("carats") == 0))
            )
        )
        .sort("participant", "partner", "qi", "hs_code", "flow")
        .iter_rows(named=True)
    )
    out = []
    for r in rows:
        words = "exports to" if r["flow"] == "export" else "imports from"
        period = period_of(r["qi"])
        if r["certificates"] == 0:
            what = (
                f"{r['participant']} reported {ct(r['carats'])} of {r['hs_code']} in {words} "
                f"{r['partner']} in {period} without any certificate. Every shipment of rough "
                "diamonds travels with a KP certificate: check the certificate count on the return."
            )
            level = at_least_medium(severity(0.0, r["value_usd"], t))
        else:
            what = (
                f"{r['participant']} reported {r['certificates']:.0f} certificates for {r['hs_code']} in "
                f"{words} {r['partner']} in {period} but no carats. Check the carats on the return."
            )
            level = "medium"
        out.append(
            anomaly(
                "certificate_count",
                r["participant"],
                r["partner"],
                period,
                r["hs_code"],
                r["certificates"],
                None,
                None,
                level,
                what,
            )
        )
    return out
