"""Mirror gaps: what A reports exporting to B against what B reports importing from A.

Over the quarters of the review year that both sides reported, per pair (all HS codes
together, so that a parcel booked under 7102.21 by one side and 7102.31 by the other is
no gap) and per pair and HS code (so that a code lost by one side shows even when the
pair's other codes hide it). Carats carry no CIF effect; values are compared with imports
divided by ``cif_fob_factor``.

**Carats.** Timing is allowed for before anything is judged. A shipment that leaves late
in a quarter is booked by the importer in the next one, so in a quarter the importer's
figure M can be below the exporter's X by up to ``transit_share`` × X (shipments still in
the air) and above it by up to ``transit_share`` × the quarter before's X: the *residual*
gap is what lies outside that band. Over the year the band is set by the quarters at the
ends of the stretch both sides reported; a quarter is judged over two-quarter stretches
with each neighbour, so that a shift from one quarter into the next cancels.

**Values.** Where both sides' carats for a code and quarter agree, they describe the same
shipments, and their values (imports at FOB) are two valuations of the same parcels: the
log ratio, net of the usual gap between the two sides over all pairs, is judged per
quarter and over the year.

One finding per pair: its carats if they disagree anywhere, else its values, naming the
codes and quarters where the gap sits.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from kpcs.statistics.analysis.anomalies.figures import Figures, pair_quarters, period_of
from kpcs.statistics.analysis.anomalies.findings import (
    Anomaly,
    anomaly,
    at_least_medium,
    ct,
    per_ct,
    severity,
    times,
    usd,
)
from kpcs.statistics.analysis.anomalies.stats import robust_centre_spread
from kpcs.statistics.analysis.anomalies.thresholds import Thresholds


@dataclass(frozen=True)
class Gap:
    """The figures of one comparison (a year, a quarter, or two) of a pair."""

    x: float
    m: float
    residual: float

    @property
    def index(self) -> float:
        """The residual as a share of both sides: (X − M)/(X + M), net of timing."""
        return self.residual / (self.x + self.m) if self.x + self.m else 0.0


def residual(gap: float, low: float, high: float) -> float:
    """The part of ``gap`` (X − M) outside the band [−``low``, ``high``] that shipments in
    transit can explain."""
    return gap - max(-low, min(high, gap))


@dataclass(frozen=True)
class _Issue:
    """Where a pair's figures disagree: the year or a quarter, all codes or one."""

    measure: str  # "carats" or "value"
    hs: str | None
    qi: int | None  # None for the year
    carats: Gap
    value: Gap
    measure_index: float  # the discrepancy index (carats) or the log ratio net of the usual gap (value)


@dataclass
class MirrorResult:
    """The findings, and the pairs they concern (so that other tests do not ask again):
    ``carats`` where the goods themselves do not match, ``values`` where only their values do."""

    findings: list[Anomaly] = field(default_factory=list)
    carats: set[frozenset[str]] = field(default_factory=set)
    values: set[frozenset[str]] = field(default_factory=set)


def find_mirror_gaps(f: Figures, t: Thresholds) -> MirrorResult:
    """Every pair whose carats, or values for the same carats, do not match beyond timing
    and CIF, over the review year or in one of its quarters."""
    issues: dict[tuple[str, str], list[_Issue]] = defaultdict(list)
    kept_quarters: dict[tuple[str, str], int] = {}
    for (e, i), rows in pair_quarters(f).group_by(["exporter", "importer"], maintain_order=True):
        g = rows.to_dict(as_series=False)
        issues[(e, i)] += _carat_issues(g, None, t)
        kept_quarters[(e, i)] = sum(1 for k in range(1, 5) if g["xr"][k] and g["mr"][k])
    by_code = pair_quarters(f, by_hs=True)
    for (e, i, hs), rows in by_code.group_by(["exporter", "importer", "hs_code"], maintain_order=True):
        issues[(e, i)] += _carat_issues(rows.to_dict(as_series=False), str(hs), t)
    for key, found in _value_issues(by_code, f.year, t).items():
        issues[key] += found
    result = MirrorResult()
    for (e, i), found in sorted(issues.items()):
        if not found:
            continue
        pair = frozenset((e, i))
        (result.carats if any(x.measure == "carats" for x in found) else result.values).add(pair)
        result.findings.append(_finding(f.year, e, i, found, kept_quarters.get((e, i), 4), t))
    return result


def _before(k: int, xs: list[float], reported: list[bool]) -> float:
    """The exporter's figure for the quarter before ``k`` (its own when that one is unknown)."""
    return xs[k - 1] if k > 0 and reported[k - 1] else xs[k]


def _stretch(xs: list[float], ms: list[float], reported: list[bool], kept: list[int], s: float) -> Gap:
    """The gap over the ``kept`` quarters (a year, or two quarters), with the transit band
    set by the stretch's ends."""
    x, m = sum(xs[k] for k in kept), sum(ms[k] for k in kept)
    low = s * sum(_before(k, xs, reported) for k in kept if k - 1 not in kept)
    high = s * sum(xs[k] for k in kept if k + 1 not in kept)
    return Gap(x, m, residual(x - m, low, high))


def _shows(gap: Gap, share: float, floor: float, price: float, material_usd: float) -> bool:
    """True if the residual is a large enough share of the flow, or worth ``material_usd``
    at ``price`` $/ct whatever its share (at the biggest pairs a few percent is a fortune)."""
    if gap.x + gap.m <= 0 or abs(gap.residual) <= floor:
        return False
    return abs(gap.index) > share or abs(gap.residual) * price >= material_usd


def _carat_issues(g: dict[str, list[object]], hs: str | None, t: Thresholds) -> list[_Issue]:
    """The carat gaps of one series (a pair, or a pair and code), for the year and its
    quarters. Index 0 of the lists is the last quarter of the year before."""
    s, cif = t.transit_share, t.cif_fob_factor
    xc, mc, xv = [float(v) for v in g["xc"]], [float(v) for v in g["mc"]], [float(v) for v in g["xv"]]  # type: ignore[arg-type]
    mv = [float(v) / cif for v in g["mv"]]  # type: ignore[arg-type]
    xr = [bool(v) for v in g["xr"]]
    both = [a and bool(b) for a, b in zip(xr, g["mr"], strict=True)]
    kept = [k for k in range(1, 5) if both[k]]
    if not kept:
        return []
    found = []
    carats = _stretch(xc, mc, xr, kept, s)
    price = sum(xv[k] for k in kept) / carats.x if carats.x else 0.0
    money = t.mirror_material_usd

    def shows(gap: Gap, share: float) -> bool:
        return _shows(gap, share, t.mirror_floor_carats, price, money)

    # One code on its own holds fewer shipments, so a late one moves more of it: wider.
    share = t.mirror_carat_di if hs is None else t.mirror_code_di
    if shows(carats, share):
        found.append(_Issue("carats", hs, None, carats, _stretch(xv, mv, xr, kept, s), carats.index))
    for k in kept:
        # The quarter must show the gap beyond its own transit band, and every two-quarter
        # stretch around it that both sides reported must still show half of it, the same
        # way (a shift into or from a neighbour cancels there); the review year's last
        # quarter has no next one yet: the year's test judges it.
        windows = [w for w in ([k - 1, k], [k, k + 1]) if all(0 <= j <= 4 and both[j] for j in w)]
        if k == 4 or not windows:
            continue
        alone = _stretch(xc, mc, xr, [k], s)
        if not shows(alone, t.mirror_quarter_di):
            continue
        tested = [_stretch(xc, mc, xr, w, s) for w in windows]
        if all(
            shows(gap, t.mirror_quarter_di / 2) and (gap.residual > 0) == (alone.residual > 0)
            for gap in tested
        ):
            qi = int(g["qi"][k])  # type: ignore[call-overload]
            found.append(_Issue("carats", hs, qi, alone, _stretch(xv, mv, xr, [k], s), alone.index))
    return found


def _value_issues(by_code: pl.DataFrame, year: int, t: Thresholds) -> dict[tuple[str, str], list[_Issue]]:
    """Quarters (and years) where both sides' $/ct for a code disagree: the same goods
    valued differently. $/ct, not values, so that shipments booked a quarter apart (whose
    carats differ, not their price) are still compared."""
    cif = t.cif_fob_factor
    cells = by_code.filter(
        (pl.col("qi") >= year * 4)
        & pl.col("xr")
        & pl.col("mr")
        & (pl.col("xc") > 0)
        & (pl.col("mc") > 0)
        & (pl.col("xv") > 0)
        & (pl.col("mv") > 0)
    ).with_columns(fob=pl.col("mv") / cif)
    if cells.height == 0:
        return {}
    rows = list(cells.iter_rows(named=True))
    logs = [math.log((r["xv"] / r["xc"]) / (r["fob"] / r["mc"])) for r in rows]
    centre, spread = robust_centre_spread(
        d for d, r in zip(logs, rows, strict=True) if max(r["xv"], r["fob"]) >= t.mirror_floor_usd
    )
    fence = max(t.mirror_value_log, t.mirror_value_z * spread)
    found: dict[tuple[str, str], list[_Issue]] = defaultdict(list)
    sums: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for r, d in zip(rows, logs, strict=True):
        key = (r["exporter"], r["importer"], r["hs_code"])
        acc = sums[key]
        acc[0], acc[1], acc[2], acc[3] = (
            acc[0] + r["xc"],
            acc[1] + r["mc"],
            acc[2] + r["xv"],
            acc[3] + r["fob"],
        )
        at_stake = abs(r["xv"] - r["mc"] * r["xv"] / r["xc"] * math.exp(-d))
        if abs(d - centre) > fence and at_stake > t.mirror_floor_usd:
            value = Gap(r["xv"] / r["xc"], r["fob"] / r["mc"], at_stake)
            found[key[:2]].append(
                _Issue("value", key[2], r["qi"], Gap(r["xc"], r["mc"], 0.0), value, d - centre)
            )
    for (e, i, hs), (xc, mc, xv, mv) in sums.items():
        d = math.log((xv / xc) / (mv / mc)) - centre
        at_stake = abs(xv - xc * mv / mc)
        if (
            abs(d) > fence
            and at_stake > t.mirror_floor_usd
            and not any(issue.hs == hs for issue in found.get((e, i), []))
        ):
            found[(e, i)].append(
                _Issue("value", hs, None, Gap(xc, mc, 0.0), Gap(xv / xc, mv / mc, at_stake), d)
            )
    return found


def _finding(year: int, e: str, i: str, issues: list[_Issue], reported: int, t: Thresholds) -> Anomaly:
    carats = [x for x in issues if x.measure == "carats"]
    chosen = carats or issues
    # the most aggregated issue heads the finding: the pair's year, a code's year, a quarter
    head = min(chosen, key=lambda x: (x.qi is not None, x.hs is not None, -abs(x.measure_index)))
    quarters = sorted({x.qi for x in chosen if x.qi is not None})
    codes = sorted({x.hs for x in chosen if x.hs is not None})
    one_quarter = head.qi is not None and len(quarters) == 1
    period = period_of(head.qi) if one_quarter and head.qi is not None else str(year)
    where = []
    if quarters and (head.qi is None or len(quarters) > 1):
        where.append("in " + ", ".join(period_of(q) for q in quarters))
    if codes and (head.hs is None or len(codes) > 1):
        where.append("for " + ", ".join(codes))
    sits = f" The gap sits {' '.join(where)}." if where else ""
    hs_code = head.hs if len(codes) == 1 else None
    span = (
        f"{period_of(head.qi)} and a neighbouring quarter"
        if head.qi is not None and head.measure == "carats"
        else period_of(head.qi)
        if head.qi is not None
        else ("the year" if reported == 4 else f"the {reported} quarters both reported") + f" of {year}"
    )
    what_goods = f"{head.hs} " if head.hs else ""
    c, v = head.carats, head.value
    stake = abs(v.residual)
    who, other = e, i
    if head.measure == "value":
        reported_, reference, deviation = v.x, v.m, head.measure_index
        level = severity(abs(deviation) / t.mirror_value_log, stake, t)
        what = (
            f"For {what_goods}goods over {span}, {e} declared {per_ct(v.x)} FOB on {ct(c.x)} and {i} "
            f"{per_ct(v.m)} on {ct(c.m)} (after removing the {(t.cif_fob_factor - 1) * 100:.0f} % CIF "
            f"allowance): net of the usual gap between the two sides, {i}'s valuation differs by "
            f"{times(-deviation)}, about {usd(stake)} of value.{sits} The same goods valued differently: "
            "check the values on the certificates and on the two returns."
        )
    elif c.m == 0 and c.x > 0:
        who, other, reported_, reference, deviation = i, e, 0.0, c.x, c.index
        level = at_least_medium(severity(abs(deviation) / t.mirror_carat_di, stake, t))
        what = (
            f"{e} reported exporting {ct(c.x)} of {what_goods}goods ({usd(v.x)}) to {i} over {span}; {i} "
            f"reported no such imports from {e}, although it reported its trade.{sits} Check whether the "
            "goods arrived and under which origin, consignment or HS code they were booked."
        )
    elif c.x == 0 and c.m > 0:
        reported_, reference, deviation = 0.0, c.m, c.index
        level = at_least_medium(severity(abs(deviation) / t.mirror_carat_di, stake, t))
        what = (
            f"{i} reported importing {ct(c.m)} of {what_goods}goods ({usd(v.m)} at FOB) from {e} over "
            f"{span}; {e} reported no such exports to {i}, although it reported its trade.{sits} Check "
            f"whether {e} issued certificates for these goods or the origin is misattributed."
        )
    else:
        reported_, reference, deviation = c.x, c.m, c.index
        limit = t.mirror_carat_di if head.qi is None else t.mirror_quarter_di
        level = severity(abs(deviation) / limit, stake, t)
        what = (
            f"{e} reported exporting {ct(c.x)} of {what_goods}goods ({usd(v.x)} FOB) to {i} over {span}; "
            f"{i} reported importing {ct(c.m)} ({usd(v.m)} after removing the "
            f"{(t.cif_fob_factor - 1) * 100:.0f} % CIF allowance). Beyond what shipments in transit "
            f"explain (up to {t.transit_share:.0%} of a quarter at either end), {ct(abs(c.residual))} are "
            f"unexplained (discrepancy index (X−M)/(X+M) net of timing {c.index:+.2f}).{sits} Check the "
            "certificates of the period on both sides for missing, duplicated or mistyped lines."
        )
    return anomaly("mirror_gap", who, other, period, hs_code, reported_, reference, deviation, level, what)
