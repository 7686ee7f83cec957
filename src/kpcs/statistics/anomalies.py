"""Anomalies for the Working Group on Statistics' Data Anomaly Questionnaire (DAQ).

Pure domain code: trade and production figures in, a sorted list of :class:`Anomaly` out.
Each detector is one function whose arithmetic is SQL run by DuckDB over the Polars frames
(:func:`kpcs.statistics.engine.run`); Python only turns the flagged rows into sentences.
Methods and default thresholds follow the published practice collected in ``ANALYSIS.md``
("A starting set of checks for rough diamonds"), cited per threshold.

Inputs (the figures in force, every year available: history is the yardstick):

* ``trade``: participant, period (``YYYY-Qn``), flow (export | import), partner, hs_code,
  carats, value_usd, certificates. Exports name the destination, imports the origin.
* ``production``: participant, period (``YYYY-H1``/``H2``), mining_type, carats, value_usd.

Conventions: the mirror checks work per pair (exporter, importer) summed over HS codes, so
that a parcel booked under 7102.21 by one side and 7102.31 by the other is not a gap. The
importer's value is CIF: it is divided by ``cif_fob_factor`` before any comparison. The
participant of an anomaly is the one asked to answer: the side that reported nothing for
an orphan or lost flow, otherwise the exporter (whose certificates the figures rest on).

Severity: high when the measure is ``severity_high_factor`` (3) times its threshold or
``severity_high_usd`` ($25 M) is at stake, medium from 1.5 times or $5 M, low otherwise; a
flow reported by one side only and goods without a certificate are at least medium; a
missing submission is high when the whole year of that kind is missing, else medium.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import polars as pl

from kpcs.statistics.engine import run

TYPES = ("mirror_gap", "unit_value", "production_export", "certificate_count", "sudden_change",
         "missing_submission")  # fmt: skip
"""The six kinds of anomaly, in the order the DAQ lists them."""


def _limits(low: float, high: float = math.inf) -> dict[str, float]:
    return {"low": low, "high": high}


@dataclass(frozen=True)
class Thresholds:
    """Every tunable figure of the detectors, with the published default it starts from:
    flat int/float fields, so that the statistics role can send any of them as query
    parameters or a JSON body (:meth:`from_mapping`); each is checked against a sane range."""

    cif_fob_factor: float = field(default=1.06, metadata=_limits(1.0, 1.5))
    """Importers value CIF, exporters FOB; imports are divided by this before comparing.
    IMF DOTS uses 1.06; rough diamonds fly, freight and insurance are tiny (ANALYSIS §2)."""
    mirror_carat_di: float = field(default=0.05, metadata=_limits(0.0, 1.0))
    """Mirror carats: flag |DI_c| = |X−M|/(X+M) above this (starting set, "Mirror carat gap")."""
    mirror_carat_floor: float = field(default=10_000.0, metadata=_limits(0.0))
    """…and only when the unexplained carats exceed this many (starting set: 10 000 ct)."""
    mirror_value_di: float = field(default=0.10, metadata=_limits(0.0, 1.0))
    """Mirror value (imports at FOB): flag |DI_v| above this (starting set, "Mirror value gap")."""
    mirror_value_floor: float = field(default=1_000_000.0, metadata=_limits(0.0))
    """…and only when the unexplained USD exceed this (starting set: $1 M; Atlas: $25 M for all
    goods, far too coarse for one HS heading)."""
    transit_share: float = field(default=0.5, metadata=_limits(0.0, 1.0))
    """Largest share of a quarter's exports that can still be in the air at its end and be
    booked by the importer in the next quarter (or year): 10–25 % of shipments usually
    leave in a quarter's last week, and a link with a few big parcels can have half of a
    quarter in transit. Gaps up to that are timing, not errors (starting set, "Timing";
    ITC/WITS list time lag among the causes of asymmetry)."""
    unit_value_z: float = field(default=3.5, metadata=_limits(0.0))
    """Robust z of ln($/ct) (median, MAD × 1.4826) above which a $/ct is abnormal; 3.5 is
    the usual robust-z fence, a little wider than the starting set's 3 because a link's
    assortment varies (ANALYSIS §4, "$/ct vs own history")."""
    unit_value_min_log: float = field(default=0.25, metadata=_limits(0.0))
    """Never flag a $/ct within exp(±this) of its own history (±28 %), however steady the
    history: parcels of one code differ that much (Pak–Zdanowicz interquartile spirit)."""
    unit_value_mirror_log: float = field(default=0.20, metadata=_limits(0.0))
    """Mirror $/ct: flag |ln(uv_X/uv_M_FOB)| (centred on the code's median) above this
    (±22 %): the CIF allowance is a few percent, the rest is a valuation disagreement."""
    unit_value_mirror_carat_di: float = field(default=0.10, metadata=_limits(0.0, 1.0))
    """The mirror $/ct comparison is made only where the two sides' carats agree within this
    DI: otherwise they describe different parcels and the gap is the mirror check's."""
    unit_value_floor: float = field(default=1_000_000.0, metadata=_limits(0.0))
    """Flows below this value (declared, or at the reference $/ct) are not tested: small
    flows have noisy $/ct (Atlas drops flows below $1 M from its CIF regression)."""
    history_years: int = field(default=5, metadata=_limits(1, 50))
    """Years of history used as the norm (own history, ANALYSIS "Hub mark-up": own 5-yr range)."""
    min_history_years: int = field(default=3, metadata=_limits(1, 50))
    """History needed before a figure is judged against it (fewer years: no test)."""
    min_log_mad: float = field(default=0.10, metadata=_limits(0.0))
    """Lower bound of the scaled MAD of a log history, so that a very steady history does not
    turn a 10 % move into an extreme z."""
    production_tolerance: float = field(default=0.10, metadata=_limits(0.0))
    """Exports may exceed production + imports by this share before it is flagged (stocks,
    timing of sales); ANALYSIS "Production vs exports"."""
    production_floor: float = field(default=10_000.0, metadata=_limits(0.0))
    """…and by at least this many carats."""
    stock_drawdown_share: float = field(default=0.05, metadata=_limits(0.0))
    """Two years running of negative implied stock change (production + imports − exports),
    together beyond this share of the two years' supply, are flagged ("stock change < 0 for
    ≥ 2 years")."""
    certificate_mirror_floor: int = field(default=2, metadata=_limits(0, 1_000_000))
    """Certificates: the exporter's and importer's counts for a pair-year may differ by this
    many (after allowing for shipments in transit) …"""
    certificate_mirror_share: float = field(default=0.10, metadata=_limits(0.0, 1.0))
    """… or by this share of the larger count, whichever is more (starting set,
    "Certificates": KPC count vs number of shipments in the mirror)."""
    certificate_z: float = field(default=3.5, metadata=_limits(0.0))
    """Robust z of ln(carats per certificate) of a link against its own history (starting
    set "Certificates": carats per certificate vs history, robust z > 3)."""
    certificate_min_log: float = field(default=0.70, metadata=_limits(0.0))
    """…and carats per certificate at least exp(±this) (×2, "absurd") away from its history
    median: parcels legitimately grow or shrink by half with the trade."""
    certificate_min_count: int = field(default=4, metadata=_limits(1, 1_000_000))
    """A link-year needs this many certificates before its carats per certificate are judged."""
    sudden_change_share: float = field(default=0.50, metadata=_limits(0.0, 10.0))
    """Year total vs the median of previous years: flag a change beyond ±this (DAQ practice,
    starting set "Period-to-period": > ±50 %)."""
    sudden_floor_carats: float = field(default=100_000.0, metadata=_limits(0.0))
    """…and only when the change exceeds this many carats (size floor: KP gives no number) …"""
    sudden_floor_usd: float = field(default=10_000_000.0, metadata=_limits(0.0))
    """… or this many USD."""
    sudden_quarter_factor: float = field(default=3.0, metadata=_limits(1.0))
    """A quarter against the same quarter of previous years (median) is flagged only when it
    moves by more than this factor either way: quarters swing ±30 % with the seasons and
    single parcels (starting set "Period-to-period": "vs last period … above size floor")."""
    severity_medium_factor: float = field(default=1.5, metadata=_limits(1.0))
    """Severity: medium when the measure is this many times its threshold …"""
    severity_high_factor: float = field(default=3.0, metadata=_limits(1.0))
    """… high at this many times."""
    severity_medium_usd: float = field(default=5_000_000.0, metadata=_limits(0.0))
    """Severity: at least medium when this much money is at stake …"""
    severity_high_usd: float = field(default=25_000_000.0, metadata=_limits(0.0))
    """… high from this much (Atlas's $25 M absolute gap)."""

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
        if self.min_history_years > self.history_years:
            raise ValueError("min_history_years: must not exceed history_years")

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


@dataclass(frozen=True)
class Anomaly:
    """One question for the DAQ: what looks wrong, about whom, against what, how far off."""

    type: str
    participant: str
    partner: str | None
    period: str | None
    hs_code: str | None
    reported: float | None
    reference: float | None
    deviation: float | None
    severity: str
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        """The anomaly as a plain dict with exactly the contract's keys."""
        return asdict(self)


def find_anomalies(
    trade: pl.DataFrame,
    production: pl.DataFrame,
    year: int,
    *,
    thresholds: Thresholds = Thresholds(),
    missing: list[tuple[str, str, str]] | None = None,
) -> list[Anomaly]:
    """Every anomaly of ``year`` (earlier years are history), sorted by type, participant,
    partner, period and HS code.

    Findings that a listed missing submission already explains are left out (the gap with
    a partner who did not submit, the "collapse" of a participant with a missing quarter, a
    producer's exports against half a year of production); a pair's certificate totals are
    not questioned again when the pair's carats themselves do not match (mirror_gap).
    """
    t, missing = thresholds, missing or []
    found = (
        find_mirror_gaps(trade, year, t)
        + find_unit_values(trade, year, t)
        + find_production_exports(trade, production, year, t)
        + find_certificate_counts(trade, year, t)
        + find_sudden_changes(trade, year, t)
        + find_missing_submissions(missing, year)
    )
    gaps = {frozenset((a.participant, a.partner)) for a in found if a.type == "mirror_gap"}
    silent = {(p, kind) for p, kind, period in missing if period.startswith(str(year))}

    def explained(a: Anomaly) -> bool:
        if a.type == "certificate_count" and a.period == str(year):
            return frozenset((a.participant, a.partner)) in gaps
        if a.type in ("mirror_gap", "sudden_change", "certificate_count"):
            return (a.participant, "trade") in silent or (a.partner, "trade") in silent
        return a.type == "production_export" and (a.participant, "production") in silent

    return sorted((a for a in found if not explained(a)), key=_order)


def _order(a: Anomaly) -> tuple[str, ...]:
    return (a.type, a.participant, a.partner or "", a.period or "", a.hs_code or "", a.explanation)


def _anomaly(
    kind: str, who: str, other: str | None, period: str, hs: str | None,
    reported: float | None, reference: float | None, deviation: float | None, severity: str, what: str,
) -> Anomaly:  # fmt: skip
    """An Anomaly with figures rounded for reading (cents; four decimals for measures)."""

    def fix(x: float | None, digits: int) -> float | None:
        return None if x is None or not math.isfinite(x) else round(x, digits)

    return Anomaly(kind, who, other, period, hs, fix(reported, 2), fix(reference, 2), fix(deviation, 4),
                   severity, what)  # fmt: skip


def _severity(ratio: float, usd: float, t: Thresholds) -> str:
    """Severity by how many times its threshold the measure is (``ratio``) or by the money
    at stake (``usd``), whichever is worse."""
    if ratio >= t.severity_high_factor or usd >= t.severity_high_usd:
        return "high"
    if ratio >= t.severity_medium_factor or usd >= t.severity_medium_usd:
        return "medium"
    return "low"


def _at_least_medium(severity: str) -> str:
    return "medium" if severity == "low" else severity


def _ct(x: float) -> str:
    return f"{x:,.0f} ct"


def _usd(x: float) -> str:
    return f"${x / 1e6:,.1f} M" if abs(x) >= 1e6 else f"${x:,.0f}"


# -- shared SQL -----------------------------------------------------------------------------

_BASE = """
base AS (
    SELECT participant, partner, flow, hs_code,
           CAST(left(period, 4) AS INTEGER) AS year, CAST(right(period, 1) AS INTEGER) AS q,
           coalesce(carats, 0) AS carats, coalesce(value_usd, 0) AS value_usd, certificates
    FROM trade
)"""
"""Trade rows with the period split; a null amount counts as nothing reported."""


def _num(value: float) -> str:
    """A threshold as an SQL literal (always a finite number: Thresholds checks)."""
    return repr(float(value))


def _residual(gap: str, low: str, high: str) -> str:
    """SQL: the part of ``gap`` (X − M) that shipments in transit cannot explain.

    M = X − T_end + T_start with 0 ≤ T ≤ transit_share × that quarter's exports, so
    X − M ∈ [−s·X(quarter before), s·X(last quarter)]; what lies outside is unexplained.
    """
    return f"({gap} - greatest(-({low}), least({high}, {gap})))"


def _moved(now: str, before: str, factor: float, floor: float) -> str:
    """SQL: ``now`` is more than ``factor`` times ``before`` (or less than 1/factor) and the
    difference exceeds ``floor``."""
    f = _num(factor)
    return f"(({now} > {before} * {f} OR {now} * {f} < {before}) AND abs({now} - {before}) > {_num(floor)})"


# -- 1. mirror gaps -------------------------------------------------------------------------


def find_mirror_gaps(trade: pl.DataFrame, year: int, t: Thresholds) -> list[Anomaly]:
    """A's exports to B against B's imports from A, for ``year`` and for each of its quarters.

    Carats: DI_c = (X − M)/(X + M); value: X against M / ``cif_fob_factor``. The gap tested
    is what remains after shipments in transit at the period's ends (``transit_share``), so
    a quarter-shift is never flagged, and a quarter is flagged only with its year (same
    direction). Both a relative and an absolute floor must be passed. Orphan (no export
    reported) and lost (no import reported) flows are gaps with one side at zero, unless
    the silent side reported no trade at all that year (a missing submission instead).
    A value gap whose carats agree is a $/ct disagreement: :func:`find_unit_values`.
    """
    s, y0, y4 = _num(t.transit_share), year * 4, year * 4 + 3
    sql = f"""
    WITH {_BASE},
    x AS (SELECT participant AS exporter, partner AS importer, year * 4 + q - 1 AS qi,
                 sum(carats) AS c, sum(value_usd) AS v
          FROM base WHERE flow = 'export' AND year BETWEEN {year - 1} AND {year} GROUP BY ALL),
    m AS (SELECT partner AS exporter, participant AS importer, year * 4 + q - 1 AS qi,
                 sum(carats) AS c, sum(value_usd) / {_num(t.cif_fob_factor)} AS v
          FROM base WHERE flow = 'import' AND year BETWEEN {year - 1} AND {year} GROUP BY ALL),
    pairs AS (SELECT exporter, importer FROM x WHERE qi >= {y0}
              UNION SELECT exporter, importer FROM m WHERE qi >= {y0}),
    -- every quarter of the year and the one before it, for every pair: the band's ends
    quarters AS (
        SELECT p.exporter, p.importer, r.qi, coalesce(x.c, 0) AS xc, coalesce(x.v, 0) AS xv,
               coalesce(m.c, 0) AS mc, coalesce(m.v, 0) AS mv,
               lag(coalesce(x.c, 0)) OVER w AS prev_xc, lag(coalesce(x.v, 0)) OVER w AS prev_xv
        FROM pairs p CROSS JOIN range({y0 - 1}, {y4 + 1}) AS r(qi)
        LEFT JOIN x ON x.exporter = p.exporter AND x.importer = p.importer AND x.qi = r.qi
        LEFT JOIN m ON m.exporter = p.exporter AND m.importer = p.importer AND m.qi = r.qi
        WINDOW w AS (PARTITION BY p.exporter, p.importer ORDER BY r.qi)),
    annual AS (
        SELECT exporter, importer, sum(xc) AS xc, sum(mc) AS mc, sum(xv) AS xv, sum(mv) AS mv,
               sum(xc) FILTER (qi = {y4}) AS end_c, sum(xv) FILTER (qi = {y4}) AS end_v,
               sum(prev_xc) FILTER (qi = {y0}) AS start_c, sum(prev_xv) FILTER (qi = {y0}) AS start_v
        FROM quarters WHERE qi >= {y0} GROUP BY ALL),
    scored AS (
        SELECT 'Y' AS level, NULL::INTEGER AS qi, exporter, importer, xc, mc, xv, mv,
               {_residual("xc - mc", f"{s} * start_c", f"{s} * end_c")} AS rc,
               {_residual("xv - mv", f"{s} * start_v", f"{s} * end_v")} AS rv
        FROM annual
        UNION ALL
        SELECT 'Q', qi, exporter, importer, xc, mc, xv, mv,
               {_residual("xc - mc", f"{s} * prev_xc", f"{s} * xc")},
               {_residual("xv - mv", f"{s} * prev_xv", f"{s} * xv")}
        FROM quarters WHERE qi >= {y0}),
    reporters AS (SELECT DISTINCT participant FROM base WHERE year = {year}),
    flagged AS (
        SELECT *,
               xc + mc > 0 AND abs(rc) / (xc + mc) > {_num(t.mirror_carat_di)}
                   AND abs(rc) > {_num(t.mirror_carat_floor)} AS carat_gap,
               xv + mv > 0 AND abs(rv) / (xv + mv) > {_num(t.mirror_value_di)}
                   AND abs(rv) > {_num(t.mirror_value_floor)}
                   AND NOT (xc > 0 AND mc > 0
                            AND abs(xc - mc) / (xc + mc) <= {_num(t.unit_value_mirror_carat_di)}) AS value_gap
        FROM scored
        -- a side that reported nothing at all this year owes a submission, not an answer
        WHERE (mc > 0 OR importer IN (SELECT participant FROM reporters))
          AND (xc > 0 OR exporter IN (SELECT participant FROM reporters)))
    SELECT q.level, q.qi, q.exporter, q.importer, q.xc, q.mc, q.xv, q.mv, q.rc, q.rv, q.carat_gap
    FROM flagged q
    LEFT JOIN flagged a ON a.level = 'Y' AND a.exporter = q.exporter AND a.importer = q.importer
    WHERE (q.carat_gap OR q.value_gap)
      AND (q.level = 'Y'
           OR ((a.carat_gap OR a.value_gap) AND a.xc > 0 AND a.mc > 0
               AND ((q.carat_gap AND sign(q.rc) = sign(a.rc)) OR (q.value_gap AND sign(q.rv) = sign(a.rv)))))
    ORDER BY q.exporter, q.importer, q.level DESC, q.qi
    """
    out = []
    for level, qi, e, i, xc, mc, xv, mv, rc, rv, carat_gap in run(sql, trade=trade).iter_rows():
        period = str(year) if level == "Y" else f"{qi // 4}-Q{qi % 4 + 1}"
        di_c, di_v = rc / (xc + mc) if xc + mc else 0.0, rv / (xv + mv) if xv + mv else 0.0
        # the figures shown are carats when the carats disagree, else (a value gap) USD
        x, m, deviation, limit = (
            (xc, mc, di_c, t.mirror_carat_di) if carat_gap else (xv, mv, di_v, t.mirror_value_di)
        )
        severity = _severity(abs(deviation) / limit if limit else math.inf, abs(rv), t)
        if level == "Y" and mc == 0:  # lost: the importer is asked whether the goods arrived
            who, other, reported, reference = i, e, 0.0, x
            what = (
                f"{e} reported exporting {_ct(xc)} ({_usd(xv)}) to {i} in {period}; {i} reported no "
                f"imports from {e} for {period} although it reported other trade. Check whether the "
                "goods arrived and under which origin or consignment country they were booked."
            )
        elif level == "Y" and xc == 0:  # orphan: the named exporter is asked whether it shipped
            who, other, reported, reference = e, i, 0.0, m
            what = (
                f"{i} reported importing {_ct(mc)} ({_usd(mv)} at FOB) from {e} in {period}; {e} "
                f"reported no exports to {i} for {period} although it reported other trade. Check "
                f"whether {e} issued certificates for these goods or the origin is misattributed."
            )
        else:
            who, other, reported, reference = e, i, x, m
            what = (
                f"{e} reported exporting {_ct(xc)} ({_usd(xv)} FOB) to {i} in {period}; {i} reported "
                f"importing {_ct(mc)} ({_usd(mv)} after removing the "
                f"{(t.cif_fob_factor - 1) * 100:.0f} % CIF allowance). Beyond what shipments in transit "
                f"at the period's ends explain, {_ct(abs(rc))} and {_usd(abs(rv))} are unexplained "
                f"(discrepancy index (X−M)/(X+M): carats {di_c:+.2f}, value {di_v:+.2f}). Check the "
                "certificates of the period on both sides for missing, duplicated or mistyped lines."
            )
        if level == "Y" and (mc == 0 or xc == 0):  # a whole flow on one side only is never small
            severity = _at_least_medium(severity)
        out.append(
            _anomaly("mirror_gap", who, other, period, None, reported, reference, deviation, severity, what)
        )
    return out


# -- 2. unit values -------------------------------------------------------------------------

_MIN_PARTNERS = 3
"""Partners an exporter's history for a code must span to be the yardstick of a link that
has no history of its own (a spread across partners needs several of them); exporters a
code's market move must span to be taken out."""


def find_unit_values(trade: pl.DataFrame, year: int, t: Thresholds) -> list[Anomaly]:
    """$/ct of each exporter's exports per (partner, HS code) of ``year`` far from the norm.

    Two robust tests on ln($/ct), the scale on which $7 and $500 a carat compare:
    (a) against the exporter's own history for that code over the last ``history_years``
    (median, MAD × 1.4826 of its material flows): the same partner's if that link has
    ``min_history_years`` of history (a link has its own assortment), else all partners'.
    A hub re-exporting at its usual mark-up is so measured against itself, never against
    producers. The history median is moved by the market's change for the code this year
    (the median change of all material flows), so a year of rising prices is not an
    anomaly of every exporter. (b) Against the mirror: the importer's $/ct for the same
    flow at FOB, where the carats agree, centred on the median of all pairs of that code
    and year, fenced at max(z × spread, ``unit_value_mirror_log``). Flows below
    ``unit_value_floor`` (declared, or at the reference $/ct) are not tested.
    The deviation is ln(reported/reference $/ct); the explanation gives the robust z.
    """
    h0, floor = year - t.history_years, _num(t.unit_value_floor)
    sql = f"""
    WITH {_BASE},
    xl AS (SELECT participant AS exporter, partner AS importer, hs_code, year,
                  sum(carats) AS c, sum(value_usd) AS v
           FROM base WHERE flow = 'export' AND year BETWEEN {h0} AND {year} GROUP BY ALL
           HAVING sum(carats) > 0 AND sum(value_usd) > 0),
    ml AS (SELECT partner AS exporter, participant AS importer, hs_code,
                  sum(carats) AS mc, sum(value_usd) / {_num(t.cif_fob_factor)} AS mv
           FROM base WHERE flow = 'import' AND year = {year} GROUP BY ALL
           HAVING sum(carats) > 0 AND sum(value_usd) > 0),
    past AS (SELECT * FROM xl WHERE year < {year} AND v >= {floor}),
    hist_link AS (SELECT exporter, importer, hs_code, median(ln(v / c)) AS med, mad(ln(v / c)) AS mad,
                         count(*) AS years, 'to ' || importer AS basis
                  FROM past GROUP BY ALL HAVING count(*) >= {t.min_history_years}),
    hist_code AS (SELECT exporter, hs_code, median(ln(v / c)) AS med, mad(ln(v / c)) AS mad,
                         count(DISTINCT year) AS years, 'to all partners' AS basis
                  FROM past GROUP BY ALL
                  HAVING count(DISTINCT year) >= {t.min_history_years}
                     AND count(DISTINCT importer) >= {_MIN_PARTNERS}),
    cur AS (SELECT x.exporter, x.importer, x.hs_code, x.c, x.v, ln(x.v / x.c) AS luv, m.mc, m.mv,
                   CASE WHEN abs(x.c - m.mc) / (x.c + m.mc) <= {_num(t.unit_value_mirror_carat_di)}
                        THEN ln(x.v / x.c) - ln(m.mv / m.mc) END AS r
            FROM xl x LEFT JOIN ml m USING (exporter, importer, hs_code) WHERE x.year = {year}),
    -- the link's own history where it has enough years, else the exporter's for that code
    normed AS (
        SELECT cur.*, coalesce(l.med, h.med) AS med, coalesce(l.years, h.years) AS years,
               coalesce(l.basis, h.basis) AS basis,
               greatest(1.4826 * coalesce(l.mad, h.mad), {_num(t.min_log_mad)}) AS spread
        FROM cur LEFT JOIN hist_link l USING (exporter, importer, hs_code)
                 LEFT JOIN hist_code h USING (exporter, hs_code)),
    -- the market's move this year for the code: the median material flow's change (none
    -- when too few exporters make the market: one exporter's move is not the market's)
    market AS (SELECT hs_code, CASE WHEN count(DISTINCT exporter) >= {_MIN_PARTNERS}
                                    THEN median(luv - med) ELSE 0 END AS mkt
               FROM normed WHERE med IS NOT NULL AND v >= {floor} GROUP BY ALL),
    mirror AS (SELECT hs_code, median(r) AS med_r, 1.4826 * mad(r) AS spread_r FROM cur
               WHERE r IS NOT NULL AND greatest(v, mv) >= {floor} GROUP BY ALL),
    scored AS (
        SELECT normed.*, med + mkt AS expected, (luv - med - mkt) / spread AS z_h,
               r - med_r AS dr, (r - med_r) / greatest(spread_r, 1e-9) AS z_m,
               greatest(spread_r * {_num(t.unit_value_z)}, {_num(t.unit_value_mirror_log)}) AS fence_m
        FROM normed LEFT JOIN market USING (hs_code) LEFT JOIN mirror USING (hs_code)),
    flagged AS (
        SELECT *,
               coalesce(abs(z_h) > {_num(t.unit_value_z)}
                        AND abs(luv - expected) > {_num(t.unit_value_min_log)}
                        AND greatest(v, c * exp(expected)) >= {floor}, false) AS by_history,
               coalesce(abs(dr) > fence_m AND greatest(v, mv) >= {floor}, false) AS by_mirror
        FROM scored)
    SELECT exporter, importer, hs_code, c, v, mc, mv, expected, years, basis, z_h, dr, z_m,
           by_history, by_mirror
    FROM flagged WHERE by_history OR by_mirror ORDER BY exporter, importer, hs_code
    """
    out = []
    for row in run(sql, trade=trade).iter_rows(named=True):
        e, i, hs, c, v, mc, mv = (row[k] for k in ("exporter", "importer", "hs_code", "c", "v", "mc", "mv"))
        uv, parts = v / c, []
        if row["by_mirror"]:
            parts.append(
                f"{i} reported the same {_ct(mc)} at {_usd(mv)} at FOB, i.e. ${mv / mc:,.2f}/ct "
                f"(log ratio {row['dr']:+.2f} net of the usual gap between the two sides, "
                f"robust z {row['z_m']:+.1f})"
            )
        if row["by_history"]:
            parts.append(
                f"{e}'s own {hs} exports {row['basis']} in the previous {row['years']} years, moved "
                f"with this year's market for {hs}, would be ${math.exp(row['expected']):,.2f}/ct "
                f"(robust z {row['z_h']:+.1f})"
            )
        # the mirror is the sharper yardstick: the same parcels, valued by the other side
        reference = mv / mc if row["by_mirror"] else math.exp(row["expected"])
        deviation = math.log(uv / reference)
        stake = abs(c * reference - v)
        limit = t.unit_value_mirror_log if row["by_mirror"] else t.unit_value_min_log
        what = (
            f"{e} declared {_ct(c)} of {hs} exported to {i} in {year} at {_usd(v)}, i.e. ${uv:,.2f}/ct, "
            f"which is {'low' if deviation < 0 else 'high'}: " + "; ".join(parts) + f". About "
            f"{_usd(stake)} of value is in question (deviation = ln(reported/reference $/ct)). Check "
            "the valuation on the certificates and the assortment shipped; a mistyped carat or "
            "value figure looks the same."
        )
        severity = _severity(abs(deviation) / limit if limit else math.inf, stake, t)
        out.append(_anomaly("unit_value", e, i, str(year), hs, uv, reference, deviation, severity, what))
    return out


# -- 3. production against exports ---------------------------------------------------------


def find_production_exports(
    trade: pl.DataFrame, production: pl.DataFrame, year: int, t: Thresholds
) -> list[Anomaly]:
    """Producers (participants with production in ``year``) exporting more than they have.

    Supply = production + imports of the year. Flagged when exports exceed it by more than
    ``production_tolerance`` and ``production_floor`` carats, or when the implied stock
    change (supply − exports) was negative this year and the year before and the two
    years' drawdown exceeds ``stock_drawdown_share`` of their supply. Deviation: exports
    over supply, minus one.
    """
    sql = f"""
    WITH {_BASE},
    prod AS (SELECT participant, CAST(left(period, 4) AS INTEGER) AS year, sum(coalesce(carats, 0)) AS p
             FROM production GROUP BY ALL),
    tr AS (SELECT participant, year, coalesce(sum(carats) FILTER (flow = 'import'), 0) AS imp,
                  coalesce(sum(carats) FILTER (flow = 'export'), 0) AS exp
           FROM base WHERE year BETWEEN {year - 1} AND {year} GROUP BY ALL),
    bal AS (SELECT participant, year, p, coalesce(imp, 0) AS imp, coalesce(exp, 0) AS exp,
                   p + coalesce(imp, 0) - coalesce(exp, 0) AS stock
            FROM prod LEFT JOIN tr USING (participant, year) WHERE year BETWEEN {year - 1} AND {year}),
    two AS (SELECT c.participant, c.p, c.imp, c.exp, c.stock, b.stock AS prev_stock,
                   c.p + c.imp + b.p + b.imp AS supply2
            FROM bal c LEFT JOIN bal b ON b.participant = c.participant AND b.year = {year - 1}
            WHERE c.year = {year})
    SELECT participant, p, imp, exp, stock, prev_stock, supply2,
           exp - (p + imp) > {_num(t.production_tolerance)} * (p + imp)
               AND exp - (p + imp) > {_num(t.production_floor)} AS over,
           coalesce(stock < 0 AND prev_stock < 0
               AND -(stock + prev_stock) > {_num(t.stock_drawdown_share)} * supply2
               AND -(stock + prev_stock) > {_num(t.production_floor)}, false) AS drawdown
    FROM two WHERE over OR drawdown ORDER BY participant
    """
    out = []
    for code, p, imp, exp, stock, prev_stock, supply2, over, _ in run(
        sql, trade=trade, production=production
    ).iter_rows():
        supply = p + imp
        excess = (exp - supply) / supply if supply else math.inf
        if over:
            what = (
                f"{code} exported {_ct(exp)} in {year}, more than it produced ({_ct(p)}) and imported "
                f"({_ct(imp)}) together: {_ct(exp - supply)} ({excess:+.0%}) beyond its supply, "
                f"over the {t.production_tolerance:.0%} allowed for stock. Check the production "
                "return (a missing mine or half-year?) and whether exports include re-exports of "
                "goods not recorded as imports."
            )
            ratio = excess / t.production_tolerance if t.production_tolerance else math.inf
        else:
            drawn = -(stock + prev_stock)
            share = drawn / max(supply2, 1.0)
            what = (
                f"{code}'s implied stock (production + imports − exports) fell in both {year - 1} "
                f"and {year}, by {_ct(drawn)} together, {share:.0%} of the two years' supply. Check "
                "that the stock it sells from was declared, and the production returns."
            )
            ratio = share / t.stock_drawdown_share if t.stock_drawdown_share else math.inf
        severity = _severity(ratio, 0.0, t)
        out.append(
            _anomaly("production_export", code, None, str(year), None, exp, supply, excess, severity, what)
        )
    return out


# -- 4. certificate counts ------------------------------------------------------------------


def find_certificate_counts(trade: pl.DataFrame, year: int, t: Thresholds) -> list[Anomaly]:
    """Certificate counts that do not fit the goods.

    (a) Mirror: the exporter's count for a pair-year against the importer's, after allowing
    for the certificates of shipments in transit at the year's ends (``transit_share`` of
    the exporter's fourth-quarter certificates, this year's and last year's); flagged beyond
    max(``certificate_mirror_floor``, ``certificate_mirror_share`` × the larger count).
    (b) Rows (a quarter, partner and code) with no certificate but carats, or the reverse.
    (c) Carats per certificate of a link-year (participant, flow, partner, HS code: parcels
    of industrial and of gem goods differ by orders of magnitude) against the link's own
    history (robust z on the log). Value per certificate is not tested: it moves with $/ct,
    which :func:`find_unit_values` judges.
    """
    h0, s = year - t.history_years, _num(t.transit_share)
    # one shape for the three tests: test, participant, partner, period, hs_code, reported,
    # reference, deviation, and two figures for the explanation (a, b)
    sql = f"""
    WITH {_BASE},
    pair AS (SELECT CASE flow WHEN 'export' THEN participant ELSE partner END AS exporter,
                    CASE flow WHEN 'export' THEN partner ELSE participant END AS importer,
                    sum(carats) FILTER (flow = 'export' AND year = {year}) AS xc,
                    sum(carats) FILTER (flow = 'import' AND year = {year}) AS mc,
                    sum(certificates) FILTER (flow = 'export' AND year = {year}) AS xn,
                    sum(certificates) FILTER (flow = 'import' AND year = {year}) AS mn,
                    coalesce(sum(certificates) FILTER (flow = 'export' AND year = {year} AND q = 4), 0)
                        AS end_n,
                    coalesce(sum(certificates) FILTER (flow = 'export' AND year = {year - 1} AND q = 4), 0)
                        AS start_n
             FROM base WHERE year BETWEEN {year - 1} AND {year} GROUP BY ALL),
    mirror AS (SELECT 'mirror' AS test, exporter, importer, NULL AS period, NULL AS hs_code,
                      xn::DOUBLE AS reported, mn::DOUBLE AS reference,
                      {_residual("(xn - mn)", f"{s} * start_n", f"{s} * end_n")} AS deviation,
                      xc AS a, mc AS b
               FROM pair WHERE xc > 0 AND mc > 0 AND xn IS NOT NULL AND mn IS NOT NULL),
    lines AS (SELECT 'row-' || flow, participant, partner, year || '-Q' || q, hs_code, certificates::DOUBLE,
                     carats, NULL::DOUBLE, carats, value_usd
              FROM base WHERE year = {year}
                AND ((certificates = 0 AND carats > 0) OR (certificates > 0 AND carats = 0))),
    link AS (SELECT participant, flow, partner, hs_code, year, sum(carats) AS c, sum(certificates) AS n
             FROM base WHERE year BETWEEN {h0} AND {year} GROUP BY ALL
             HAVING sum(carats) > 0 AND sum(certificates) >= {t.certificate_min_count}),
    hist AS (SELECT participant, flow, partner, hs_code, median(ln(c / n)) AS med, mad(ln(c / n)) AS mad,
                    count(*) AS years
             FROM link WHERE year < {year} GROUP BY ALL HAVING count(*) >= {t.min_history_years}),
    per_cert AS (SELECT 'history-' || flow AS test, participant, partner, NULL AS period, hs_code,
                        c / n AS reported, exp(med) AS reference,
                        (ln(c / n) - med) / greatest(1.4826 * mad, {_num(t.min_log_mad)}) AS deviation,
                        c AS a, years::DOUBLE AS b
                 FROM link JOIN hist USING (participant, flow, partner, hs_code) WHERE year = {year})
    SELECT * FROM mirror
    WHERE abs(deviation) > greatest({t.certificate_mirror_floor},
                                    {_num(t.certificate_mirror_share)} * greatest(reported, reference))
    UNION ALL SELECT * FROM lines
    UNION ALL SELECT * FROM per_cert
    WHERE abs(deviation) > {_num(t.certificate_z)}
      AND abs(ln(reported / reference)) > {_num(t.certificate_min_log)}
    ORDER BY ALL
    """
    out = []
    for test, code, partner, period, hs, reported, reference, deviation, a, b in run(
        sql, trade=trade
    ).iter_rows():
        if test.startswith("row-"):
            words = "exports to" if test == "row-export" else "imports from"
            what = (
                f"{code} reported {_ct(reference)} of {hs} in {words} {partner} in {period} without "
                "any certificate. Every shipment of rough diamonds travels with a KP certificate: "
                "check the certificate count on the return."
                if reported == 0
                else f"{code} reported {reported:.0f} certificates for {hs} in {words} {partner} in "
                f"{period} but no carats. Check the carats on the return."
            )
            sev = _at_least_medium(_severity(0.0, b, t)) if reported == 0 else "medium"
            out.append(
                _anomaly("certificate_count", code, partner, period, hs, reported, reference, None, sev, what)
            )
            continue
        if test == "mirror":
            allowed = max(t.certificate_mirror_floor, t.certificate_mirror_share * max(reported, reference))
            what = (
                f"{code} reported {reported:.0f} certificates for its {year} exports to {partner} "
                f"({_ct(a)}); {partner} reported {reference:.0f} for the same imports ({_ct(b)}). "
                f"Beyond shipments in transit, {abs(deviation):.0f} certificates do not match "
                f"(allowed: {allowed:.0f}). Check the certificate registers of both authorities "
                "for certificates issued but not confirmed, or counted twice."
            )
            ratio = abs(deviation) / allowed if allowed else math.inf
        else:
            flow = test.removeprefix("history-")
            what = (
                f"{code}'s {flow}s of {hs} {'to' if flow == 'export' else 'from'} {partner} in {year} "
                f"averaged {reported:,.0f} ct per certificate against a median of {reference:,.0f} "
                f"over the previous {b:.0f} years (robust z {deviation:+.1f}). Check for shipments "
                "split over many certificates or a count that is not the number of certificates."
            )
            ratio = abs(deviation) / t.certificate_z if t.certificate_z else math.inf
        sev = _severity(ratio, 0.0, t)
        out.append(
            _anomaly(
                "certificate_count", code, partner, str(year), hs, reported, reference, deviation, sev, what
            )
        )
    return out


# -- 5. sudden changes ----------------------------------------------------------------------


def find_sudden_changes(trade: pl.DataFrame, year: int, t: Thresholds) -> list[Anomaly]:
    """A participant's total exports or imports far from the median of its previous years.

    The DAQ's "significant increases/decreases": the year's carats or value beyond
    ±``sudden_change_share`` of the median of the last ``history_years`` (at least
    ``min_history_years`` of them) and beyond the size floor. A quarter is compared with
    the same quarter of previous years (median; never with the previous quarter: seasons),
    and flagged only when carats and value both moved by more than ``sudden_quarter_factor``
    and the floors, when the move survives merging the quarter with a neighbour (else a
    parcel was booked a quarter early or late), and when the year is not flagged already.
    Deviation: reported / reference − 1.
    """
    share, h0, fq = _num(t.sudden_change_share), year - t.history_years, t.sudden_quarter_factor
    sql = f"""
    WITH {_BASE},
    tot AS (SELECT participant, flow, year, sum(carats) AS c, sum(value_usd) AS v
            FROM base WHERE year BETWEEN {h0} AND {year} GROUP BY ALL),
    hist AS (SELECT participant, flow, median(c) AS hc, median(v) AS hv, count(*) AS years
             FROM tot WHERE year < {year} GROUP BY ALL HAVING count(*) >= {t.min_history_years}),
    yearly AS (
        SELECT 'Y' AS level, participant, flow, NULL::INTEGER AS q, c, v, hc, hv, years,
               (c > hc * (1 + {share}) OR c < hc * (1 - {share}))
                   AND abs(c - hc) > {_num(t.sudden_floor_carats)} AS by_c,
               (v > hv * (1 + {share}) OR v < hv * (1 - {share}))
                   AND abs(v - hv) > {_num(t.sudden_floor_usd)} AS by_v
        FROM tot JOIN hist USING (participant, flow) WHERE year = {year}),
    pf AS (SELECT DISTINCT participant, flow FROM base WHERE year BETWEEN {h0} AND {year}),
    qsum AS (SELECT participant, flow, year * 4 + q - 1 AS qi, sum(carats) AS c, sum(value_usd) AS v
             FROM base WHERE year BETWEEN {h0 - 1} AND {year} GROUP BY ALL),
    qwin AS (SELECT pf.participant, pf.flow, r.qi, r.qi // 4 AS year, r.qi % 4 + 1 AS q,
                    coalesce(c, 0) AS c, coalesce(v, 0) AS v,
                    coalesce(c, 0) + lag(coalesce(c, 0)) OVER w AS cp,
                    coalesce(c, 0) + lead(coalesce(c, 0)) OVER w AS cn
             FROM pf CROSS JOIN range({(h0 - 1) * 4}, {year * 4 + 4}) AS r(qi)
             LEFT JOIN qsum USING (participant, flow, qi)
             WINDOW w AS (PARTITION BY pf.participant, pf.flow ORDER BY r.qi)),
    -- the same quarter of previous years: medians, so one odd quarter last year is no yardstick
    qhist AS (SELECT participant, flow, q, median(c) AS hc, median(v) AS hv, median(cp) AS hcp,
                     median(cn) AS hcn, count(*) AS years
              FROM qwin WHERE year BETWEEN {h0} AND {year - 1} AND (c > 0 OR v > 0)
              GROUP BY ALL HAVING count(*) >= {t.min_history_years}),
    quarterly AS (
        SELECT 'Q' AS level, participant, flow, q, c, v, hc, hv, years, true AS by_c, true AS by_v
        FROM qwin n JOIN qhist USING (participant, flow, q)
        WHERE n.year = {year}
          AND {_moved("c", "hc", fq, t.sudden_floor_carats)} AND {_moved("v", "hv", fq, t.sudden_floor_usd)}
          AND ({_moved("cp", "hcp", fq, t.sudden_floor_carats)}
               OR (n.qi < {year * 4 + 3} AND {_moved("cn", "hcn", fq, t.sudden_floor_carats)}))
          AND NOT EXISTS (SELECT 1 FROM yearly y WHERE y.participant = n.participant
                          AND y.flow = n.flow AND (y.by_c OR y.by_v)))
    SELECT * FROM yearly WHERE by_c OR by_v
    UNION ALL SELECT * FROM quarterly
    ORDER BY participant, flow, level DESC, q
    """
    out = []
    for level, code, flow, q, c, v, hc, hv, years, by_c, _ in run(sql, trade=trade).iter_rows():
        period = str(year) if level == "Y" else f"{year}-Q{q}"
        against = (
            "the median of its previous" if level == "Y" else "the median of the same quarter in its previous"
        )
        reported, reference = (c, hc) if by_c else (v, hv)
        deviation = reported / reference - 1 if reference else math.inf
        what = (
            f"{code}'s total {flow}s in {period} were {_ct(c)} worth {_usd(v)}, against {against} "
            f"{years} years ({_ct(hc)}, {_usd(hv)}): {'carats' if by_c else 'value'} {deviation:+.0%} "
            "(deviation = reported/reference − 1). Check that the return is complete (every partner "
            "and quarter) and ask what changed (a mine, a sanction, a new market)."
        )
        limit = t.sudden_change_share if level == "Y" else t.sudden_quarter_factor - 1
        sev = _severity(abs(deviation) / limit if limit else math.inf, abs(v - hv), t)
        out.append(
            _anomaly("sudden_change", code, None, period, None, reported, reference, deviation, sev, what)
        )
    return out


# -- 6. missing submissions -----------------------------------------------------------------


def find_missing_submissions(missing: list[tuple[str, str, str]], year: int) -> list[Anomaly]:
    """One anomaly per unmet obligation of ``year`` (participant, "trade" | "production",
    period), as the compliance calendar found them: high when the participant owes the
    whole year of that kind, medium for a single period."""
    periods = {"trade": 4, "production": 2}
    mine = [(p, kind, period) for p, kind, period in missing if period.startswith(str(year))]
    out = []
    for p, kind, period in mine:
        if kind not in periods:
            raise ValueError(f"missing: kind {kind!r} is neither trade nor production")
        whole = sum(1 for q, k, _ in mine if (q, k) == (p, kind)) >= periods[kind]
        what = (
            f"{p} has not submitted its {kind} statistics for {period}"
            + (f" (nor for any other period of {year})" if whole else "")
            + ". Mirror comparisons with its partners cannot be made until it does; ask for the "
            "submission (Annex III: due two months after the period)."
        )
        severity = "high" if whole else "medium"
        out.append(_anomaly("missing_submission", p, None, period, None, None, None, None, severity, what))
    return out
