"""Mirror gaps: what A reports exporting to B against what B reports importing from A.

Per pair (exporter, importer), summed over HS codes (a parcel booked under 7102.21 by one
side and 7102.31 by the other is no gap), over the quarters of the review year that both
sides reported. Carats carry no CIF effect; values are compared with imports divided by
``cif_fob_factor``.

Timing is allowed for before anything is judged. A shipment that leaves late in a quarter
is booked by the importer in the next one, so in a quarter the importer's figure M can be
below the exporter's X by up to ``transit_share`` × X (shipments still in the air) and
above it by up to ``transit_share`` × the quarter before's X (shipments that left then):
the *residual* gap is what lies outside that band. Over the year the band is set by the
quarters at the ends of the stretch both sides reported. A quarter shift therefore never
shows, however large, and a gap that does show is one no timing can explain.

The year is judged first; a quarter on its own only when the year does not show a gap
(a quarter's figures lost, doubled or booked twice, diluted by the other three).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kpcs.statistics.anomalies.figures import Figures, pair_quarters, period_of
from kpcs.statistics.anomalies.findings import Anomaly, anomaly, at_least_medium, ct, severity, usd
from kpcs.statistics.anomalies.thresholds import Thresholds


@dataclass(frozen=True)
class Gap:
    """The figures of one comparison (a year or a quarter) of a pair."""

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


@dataclass
class MirrorResult:
    """The findings, and the pairs they concern (so that other tests do not ask again)."""

    findings: list[Anomaly] = field(default_factory=list)
    pairs: set[frozenset[str]] = field(default_factory=set)


def find_mirror_gaps(f: Figures, t: Thresholds) -> MirrorResult:
    """Every pair whose carats (or, where carats disagree too, values) do not match beyond
    timing, for the review year or one of its quarters."""
    result = MirrorResult()
    grid = pair_quarters(f)
    s, cif = t.transit_share, t.cif_fob_factor
    for (exporter, importer), rows in grid.group_by(["exporter", "importer"], maintain_order=True):
        g = rows.to_dict(as_series=False)
        xc, mc, xv = g["xc"], g["mc"], g["xv"]
        mv = [v / cif for v in g["mv"]]
        both = [a and b for a, b in zip(g["xr"], g["mr"], strict=True)]
        # index 0 is the last quarter of the year before; 1..4 are the review year's
        kept = [k for k in range(1, 5) if both[k]]
        if not kept:
            continue

        carats, value = _year(xc, mc, g["xr"], kept, s), _year(xv, mv, g["xr"], kept, s)
        carats_gap = _shows(carats, t.mirror_carat_di, t.mirror_floor_carats)
        agree = abs(carats.x - carats.m) <= t.carats_agree_di * (carats.x + carats.m)
        value_gap = not agree and _shows(value, t.mirror_value_di, t.mirror_floor_usd)
        quarters: list[tuple[int, Gap, Gap]] = []
        for k in kept:
            # A quarter is a gap only when neither neighbour's figures take it back: every
            # two-quarter stretch around it that both sides reported shows it, the same way.
            # The review year's last quarter has no next one yet: the year test judges it.
            windows = [w for w in ([k - 1, k], [k, k + 1]) if all(0 <= j <= 4 and both[j] for j in w)]
            if k == 4 or not windows:
                continue
            tested = [_year(xc, mc, g["xr"], w, s) for w in windows]
            if all(_shows(gap, t.mirror_quarter_di, t.mirror_floor_carats) for gap in tested) and (
                len({gap.residual > 0 for gap in tested}) == 1
            ):
                worst = max(tested, key=lambda gap: abs(gap.index))
                quarters.append((g["qi"][k], worst, _year(xv, mv, g["xr"], windows[0], s)))
        if not (carats_gap or value_gap or quarters):
            continue
        result.pairs.add(frozenset((exporter, importer)))
        if carats_gap or value_gap:
            result.findings.append(
                _year_finding(f.year, exporter, importer, carats, value, carats_gap, quarters, len(kept), t)
            )
            continue
        for qi, qc, qv in quarters:
            result.findings.append(_quarter_finding(exporter, importer, qi, qc, qv, t))
    return result


def _before(k: int, xs: list[float], reported: list[bool]) -> float:
    """The exporter's figure for the quarter before ``k`` (its own when that one is unknown)."""
    return xs[k - 1] if reported[k - 1] else xs[k]


def _year(xs: list[float], ms: list[float], reported: list[bool], kept: list[int], s: float) -> Gap:
    """The gap over the ``kept`` quarters (a year, or a stretch of two), with the transit
    band set by the stretch's ends."""
    x, m = sum(xs[k] for k in kept), sum(ms[k] for k in kept)
    low = s * sum(_before(k, xs, reported) for k in kept if k - 1 not in kept)
    high = s * sum(xs[k] for k in kept if k + 1 not in kept)
    return Gap(x, m, residual(x - m, low, high))


def _shows(gap: Gap, share: float, floor: float) -> bool:
    return gap.x + gap.m > 0 and abs(gap.index) > share and abs(gap.residual) > floor


def _year_finding(
    year: int,
    exporter: str,
    importer: str,
    carats: Gap,
    value: Gap,
    by_carats: bool,
    quarters: list[tuple[int, Gap, Gap]],
    reported: int,
    t: Thresholds,
) -> Anomaly:
    period = str(year)
    covered = "the year" if reported == 4 else f"the {reported} quarters both reported"
    shown, limit = (carats, t.mirror_carat_di) if by_carats else (value, t.mirror_value_di)
    level = severity(abs(shown.index) / limit if limit else float("inf"), abs(value.residual), t)
    where = (
        " The gap sits in " + ", ".join(period_of(qi) for qi, _, _ in quarters) + "."
        if quarters and len(quarters) < reported
        else ""
    )
    if carats.m == 0 and carats.x > 0:
        who, other, reported_, reference = importer, exporter, 0.0, carats.x
        what = (
            f"{exporter} reported exporting {ct(carats.x)} ({usd(value.x)}) to {importer} over {covered} "
            f"of {year}; {importer} reported no imports from {exporter} for them, although it reported "
            "its trade. Check whether the goods arrived and under which origin or consignment they "
            "were booked."
        )
        level = at_least_medium(level)
    elif carats.x == 0 and carats.m > 0:
        who, other, reported_, reference = exporter, importer, 0.0, carats.m
        what = (
            f"{importer} reported importing {ct(carats.m)} ({usd(value.m)} at FOB) from {exporter} over "
            f"{covered} of {year}; {exporter} reported no exports to {importer} for them, although it "
            f"reported its trade. Check whether {exporter} issued certificates for these goods or the "
            "origin is misattributed."
        )
        level = at_least_medium(level)
    else:
        who, other = exporter, importer
        reported_, reference = (carats.x, carats.m) if by_carats else (value.x, value.m)
        what = (
            f"{exporter} reported exporting {ct(carats.x)} ({usd(value.x)} FOB) to {importer} over "
            f"{covered} of {year}; {importer} reported importing {ct(carats.m)} ({usd(value.m)} after "
            f"removing the {(t.cif_fob_factor - 1) * 100:.0f} % CIF allowance). Beyond what shipments "
            f"in transit at the ends explain, {ct(abs(carats.residual))} and {usd(abs(value.residual))} "
            f"are unexplained (discrepancy index (X−M)/(X+M) net of timing: carats {carats.index:+.2f}, "
            f"value {value.index:+.2f}).{where} Check the certificates of the period on both sides for "
            "missing, duplicated or mistyped lines."
        )
    return anomaly("mirror_gap", who, other, period, None, reported_, reference, shown.index, level, what)


def _quarter_finding(
    exporter: str, importer: str, qi: int, carats: Gap, value: Gap, t: Thresholds
) -> Anomaly:
    period = period_of(qi)
    level = severity(abs(carats.index) / t.mirror_quarter_di, abs(value.residual), t)
    what = (
        f"Over {period} and a neighbouring quarter {exporter} reported exporting {ct(carats.x)} "
        f"({usd(value.x)} FOB) to {importer}; {importer} reported importing {ct(carats.m)} "
        f"({usd(value.m)} at FOB). Shipments in transit explain up to {t.transit_share:.0%} of a "
        f"quarter at either end, and a shift between the two quarters cancels; "
        f"{ct(abs(carats.residual))} remain unexplained (discrepancy index net of timing "
        f"{carats.index:+.2f}) with either neighbour, although the year as a whole stays within "
        f"bounds. Check {period}'s certificates on both sides: lines lost, doubled or booked twice."
    )
    return anomaly(
        "mirror_gap", exporter, importer, period, None, carats.x, carats.m, carats.index, level, what
    )
