"""Certificate counts that do not fit the trade.

Three tests, one finding per pair:

* **the mirror**: the exporter's count of certificates for a pair and year against the
  importer's, over the quarters both reported, after allowing for the certificates of
  shipments in transit at the ends (as the carats are); pairs whose carats already do not
  match are left to that question;
* **carats per certificate** of a flow (reporter, flow, partner, HS code) against its own
  previous years, net of all flows' move that year (parcels do not change size overnight;
  a count that does not count certificates does);
* **rows** with carats and no certificate (every shipment travels with one), or the reverse.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import polars as pl

from kpcs.statistics.anomalies.figures import Figures, flow_years, pair_quarters, period_of
from kpcs.statistics.anomalies.findings import Anomaly, anomaly, at_least_medium, ct, severity, times
from kpcs.statistics.anomalies.mirror import residual
from kpcs.statistics.anomalies.thresholds import Thresholds
from kpcs.statistics.anomalies.unit_values import robust_centre_spread


@dataclass
class _Pair:
    mirror: tuple[float, float, float, float, float] | None = None  # xn, mn, residual, xc, mc
    per_certificate: dict[str, tuple[float, float, float, int]] = field(default_factory=dict)
    # flow -> (carats per certificate now, usual, z, years)


def find_certificate_counts(
    f: Figures, t: Thresholds, *, skip: set[frozenset[str]] | None = None
) -> list[Anomaly]:
    """Certificate counts that do not match the mirror, the flow's parcels or the rows."""
    skip = skip or set()
    pairs: dict[tuple[str, str], _Pair] = defaultdict(_Pair)
    _mirror(f, t, pairs, skip)
    _per_certificate(f, t, pairs)
    out = []
    for (e, i), p in sorted(pairs.items()):
        if frozenset((e, i)) in skip or (p.mirror is None and not p.per_certificate):
            continue
        out.append(_finding(f.year, e, i, p, t))
    out += _rows(f, t)
    return out


def _mirror(
    f: Figures, t: Thresholds, pairs: dict[tuple[str, str], _Pair], skip: set[frozenset[str]]
) -> None:
    s = t.transit_share
    for (e, i), rows in pair_quarters(f).group_by(["exporter", "importer"], maintain_order=True):
        if frozenset((e, i)) in skip:
            continue
        g = rows.to_dict(as_series=False)
        kept = [k for k in range(1, 5) if g["xr"][k] and g["mr"][k]]
        if not kept:
            continue
        xn, mn = sum(g["xn"][k] for k in kept), sum(g["mn"][k] for k in kept)
        xc, mc = sum(g["xc"][k] for k in kept), sum(g["mc"][k] for k in kept)
        if xc <= 0 or mc <= 0:
            continue
        low = s * sum((g["xn"][k - 1] if g["xr"][k - 1] else g["xn"][k]) for k in kept if k - 1 not in kept)
        high = s * sum(g["xn"][k] for k in kept if k + 1 not in kept)
        r = residual(xn - mn, low, high)
        allowed = max(t.certificate_mirror_floor, t.certificate_mirror_share * max(xn, mn))
        if abs(r) > allowed:
            pairs[(e, i)].mirror = (xn, mn, r, xc, mc)


def _per_certificate(f: Figures, t: Thresholds, pairs: dict[tuple[str, str], _Pair]) -> None:
    years = flow_years(f).filter((pl.col("c") > 0) & (pl.col("n") >= t.certificate_min_count))
    past: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    now: dict[tuple[str, str, str, str], float] = {}
    for who, flow, partner, hs, y, c, _v, n in years.iter_rows():
        key = (who, flow, partner, hs)
        if y < f.year:
            past[key].append(math.log(c / n))
        else:
            now[key] = math.log(c / n)
    moves = []
    for key, value in now.items():
        if past.get(key):
            history = sorted(past[key])
            moves.append((key, value - history[len(history) // 2], history[len(history) // 2], len(history)))
    centre, spread = robust_centre_spread([d for _, d, _, _ in moves])
    if len(moves) < 5:
        centre, spread = 0.0, 0.0
    fence = max(t.certificate_history_log, t.certificate_history_z * spread)
    for (who, flow, partner, _hs), d, base, n in moves:
        if abs(d - centre) > fence:
            e, i = (who, partner) if flow == "export" else (partner, who)
            z = (d - centre) / spread if spread else math.inf
            kept = pairs[(e, i)].per_certificate.get(flow)
            if kept is None or abs(z) > abs(kept[2]):
                pairs[(e, i)].per_certificate[flow] = (math.exp(base + d), math.exp(base + centre), z, n)


def _finding(year: int, e: str, i: str, p: _Pair, t: Thresholds) -> Anomaly:
    parts = []
    side = (
        max(p.per_certificate, key=lambda k: abs(p.per_certificate[k][2])) if p.per_certificate else "export"
    )
    who, other = (e, i) if side == "export" else (i, e)
    reported = reference = deviation = None
    ratio = 0.0
    if p.mirror is not None:
        xn, mn, r, xc, mc = p.mirror
        allowed = max(t.certificate_mirror_floor, t.certificate_mirror_share * max(xn, mn))
        parts.append(
            f"{e} counted {xn:.0f} certificates for its {year} exports to {i} ({ct(xc)}) "
            f"and {i} {mn:.0f} for the same imports ({ct(mc)}); beyond shipments in transit, "
            f"{abs(r):.0f} do not match "
            f"(allowed: {allowed:.0f})"
        )
        reported, reference = (xn, mn) if side == "export" else (mn, xn)
        deviation, ratio = r, abs(r) / allowed
    for flow, (cpc, usual, z, n) in sorted(p.per_certificate.items()):
        parts.append(
            f"{e if flow == 'export' else i}'s {flow}s averaged {cpc:,.1f} ct per certificate against "
            f"{usual:,.1f} in its previous {n} year{'s' if n != 1 else ''} (moved with all flows that year): "
            f"{times(math.log(cpc / usual))}, robust z {z:+.1f}"
        )
        if reported is None:
            reported, reference, deviation = cpc, usual, math.log(cpc / usual)
            ratio = abs(deviation) / t.certificate_history_log
    what = (
        "The certificate counts do not fit the goods: " + "; ".join(parts) + ". Check the certificate "
        "registers of both authorities for certificates issued but not used or confirmed, counted twice, "
        "or a count that is not the number of certificates."
    )
    return anomaly(
        "certificate_count",
        who,
        other,
        str(year),
        None,
        reported,
        reference,
        deviation,
        severity(ratio, 0.0, t),
        what,
    )


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
