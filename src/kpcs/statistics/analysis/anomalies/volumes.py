"""Volumes: sudden changes of a participant's trade or production, and producers exporting
more than they produce.

**Sudden changes** (the DAQ's "significant increases/decreases"): a participant's total
exports, imports and production of the review year against its previous years, over the
same quarters (or half-years) in both, so that a return missing a quarter is a missing
submission and not a collapse, and the seasons cancel. The move is ln(this year / that
year), the median over the previous years (with two, their geometric mean). All
participants' moves that year give the yardstick: their median is the market's move
(taken out), their robust spread the normal noise. Flows of pairs already asked about (a
mirror gap, a valuation) are left out of both years, so that one wrong return does not
also read as the whole participant changing.

**Production against exports**: a producer's net exports (exports − imports) beyond its
production, more than stock and the timing of sales explain; or its net exports over
production jumping against its own history (production collapsing while exports go on).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import NamedTuple

import polars as pl

from kpcs.statistics.analysis.anomalies.figures import Figures
from kpcs.statistics.analysis.anomalies.findings import Anomaly, anomaly, ct, severity, times, usd
from kpcs.statistics.analysis.anomalies.stats import median, robust_centre_spread
from kpcs.statistics.analysis.anomalies.thresholds import Thresholds

Part = int | tuple[int, str]
"""A quarter (1–4) of trade, or a half-year and mining type of production."""
Totals = dict[int, dict[Part, tuple[float, float]]]
"""Carats and value by year and part."""


class _Move(NamedTuple):
    """How a series moved: ln(this year / previous years) of carats and value (medians over
    the previous years), this year's carats and value, the years and parts compared."""

    carats: float
    value: float
    now_carats: float
    now_value: float
    years: int
    parts: list[Part]


def _period(part: Part) -> int:
    """The quarter or half-year a part belongs to."""
    return part[0] if isinstance(part, tuple) else part


def _move(
    by_year: Totals, reported: dict[int, set[Part]], year: int, only: frozenset[int] | None = None
) -> _Move | None:
    """A series' move, over the parts (quarters, half-years) reported in both years
    (``only`` those of the quarters or half-years given)."""
    parts_now = {p for p in reported.get(year, set()) if only is None or _period(p) in only}
    if not parts_now:
        return None
    moves_c, moves_v, used = [], [], set[Part]()
    now_c = now_v = 0.0
    for past in sorted(y for y in reported if y < year):
        common = parts_now & reported[past]
        if not common:
            continue
        now, then = by_year.get(year, {}), by_year.get(past, {})
        c1 = sum(now.get(p, (0.0, 0.0))[0] for p in common)
        c0 = sum(then.get(p, (0.0, 0.0))[0] for p in common)
        # values only where both years have one (a return may leave an artisanal value blank)
        valued = [p for p in common if now.get(p, (0.0, 0.0))[1] > 0 and then.get(p, (0.0, 0.0))[1] > 0]
        v1, v0 = sum(now[p][1] for p in valued), sum(then[p][1] for p in valued)
        if c0 > 0 and c1 > 0:
            moves_c.append(math.log(c1 / c0))
        if v0 > 0 and v1 > 0:
            moves_v.append(math.log(v1 / v0))
        used |= common
        now_c, now_v = c1, v1
    if not (moves_c or moves_v):
        return None
    return _Move(
        median(moves_c), median(moves_v), now_c, now_v, len(moves_c or moves_v), sorted(used, key=str)
    )


class _Series:
    """Every participant's exports, imports and production by partner, year and part."""

    def __init__(self, f: Figures, exclude: set[frozenset[str]]) -> None:
        self.by_partner: dict[tuple[str, str], dict[str, Totals]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(dict))
        )
        self.reported: dict[tuple[str, str], dict[int, set[Part]]] = defaultdict(lambda: defaultdict(set))
        quarterly = (
            f.trade.with_columns(q=pl.col("qi") % 4 + 1)
            .group_by("participant", "flow", "partner", "year", "q")
            .agg(c=pl.col("carats").sum(), v=pl.col("value_usd").sum())
        )
        for who, flow, partner, y, q, c, v in quarterly.iter_rows():
            if frozenset((who, partner)) not in exclude:
                self.by_partner[(who, flow)][partner][y][q] = (c, v)
        for who, qi in f.reported:
            for flow in ("export", "import"):
                if (who, flow) in self.by_partner:
                    self.reported[(who, flow)][qi // 4].add(qi % 4 + 1)
        for who, y, half, kind, c, v in f.production.iter_rows():
            self.by_partner[(who, "production")][""][y][(half, kind)] = (c, v)
            self.reported[(who, "production")][y].add((half, kind))

    def move(
        self,
        key: tuple[str, str],
        year: int,
        without: frozenset[str] = frozenset(),
        only: frozenset[int] | None = None,
    ) -> _Move | None:
        """The series' move, leaving out the partners ``without`` (``only`` some periods)."""
        summed: Totals = defaultdict(dict)
        for partner, by_year in self.by_partner[key].items():
            if partner in without:
                continue
            for y, parts in by_year.items():
                for part, (c, v) in parts.items():
                    c0, v0 = summed[y].get(part, (0.0, 0.0))
                    summed[y][part] = (c0 + c, v0 + v)
        return _move(summed, self.reported[key], year, only)

    def partners(self, key: tuple[str, str]) -> set[str]:
        """Whom the series trades with."""
        return set(self.by_partner[key]) - {""}


_Shown = tuple[int, float, float, float, float]
"""Which measure (0 carats, 1 value), its move net of the market, now, before, the fence."""
Yard = dict[int, tuple[float, float]]
"""Per measure (0 carats, 1 value): the market's move and the fence beyond it."""


def _judge(m: _Move, yard: Yard, t: Thresholds, *, share: float = 1.0) -> _Shown | None:
    """The move, if carats and value both moved beyond ``share`` of their fences the same
    way (a move in carats alone is a change of assortment; in value alone, of prices) and
    beyond the size floor."""
    shown: _Shown | None = None
    signs = set()
    for index, move, now, floor in ((0, m.carats, m.now_carats, t.sudden_floor_carats),
                                    (1, m.value, m.now_value, t.sudden_floor_usd)):  # fmt: skip
        if index == 1 and now <= 0:
            continue  # no values to compare (an artisanal return may leave them blank)
        centre, fence = yard[index]
        d = move - centre
        before = now / math.exp(move) if now else 0.0
        if abs(d) <= fence * share:
            return None
        signs.add(d > 0)
        if abs(now - before) > floor and (shown is None or abs(d) > abs(shown[1])):
            shown = (index, d, now, before, fence)
    return shown if len(signs) == 1 else None


def _yards(moves: dict[tuple[str, str], _Move], floor: float, z: float) -> dict[str, Yard]:
    """Per kind of series, the market's move and the fence, from all series' moves.

    The fence is z robust spreads, between ``floor`` and twice it: a few dozen participants
    (a dozen producers) make a small sample, and a year with several real changes among
    them must not widen the fence until it hides them all."""
    yards: dict[str, Yard] = {}
    for kind in ("export", "import", "production"):
        yards[kind] = {}
        for index in (0, 1):
            material = [
                (m.carats, m.value)[index]
                for (_, k), m in moves.items()
                if k == kind and (m.now_carats, m.now_value)[index] > 0
            ]
            centre, spread = robust_centre_spread(material)
            yards[kind][index] = (centre, min(max(floor, z * spread), 2 * floor))
    return yards


def find_sudden_changes(
    f: Figures,
    t: Thresholds,
    *,
    exclude: set[frozenset[str]] | None = None,
    asked: set[str] | None = None,
) -> list[Anomaly]:
    """Participants whose exports, imports or production moved far beyond everyone's move,
    over the year or in one quarter (half-year for production) against the same quarter of
    previous years.

    ``exclude``: pairs left out of the totals (already asked about); ``asked``: producers
    whose production is already questioned against their exports. A participant whose move
    disappears without the one partner that itself moved suddenly is that partner's echo
    (a hub buying less because a mine closed), and is not asked. A quarter's fence is never
    closer than ``sudden_quarter_log``, beyond what shipments booked a quarter early or late
    (up to ``transit_share`` of it) can move.
    """
    series = _Series(f, exclude or set())
    keys = [k for k in sorted(series.by_partner) if not (k[1] == "production" and k[0] in (asked or set()))]
    year_moves = {k: m for k in keys if (m := series.move(k, f.year)) is not None}
    year_yards = _yards(year_moves, t.sudden_change_log, t.sudden_change_z)
    part_moves: dict[tuple[str, str, int], _Move] = {}
    for key in keys:
        for part in (1, 2) if key[1] == "production" else (1, 2, 3, 4):
            if (m := series.move(key, f.year, only=frozenset({part}))) is not None:
                part_moves[(*key, part)] = m
    part_yards = {
        part: _yards(
            {(w, k): m for (w, k, p), m in part_moves.items() if p == part},
            t.sudden_quarter_log,
            t.sudden_quarter_z,
        )
        for part in (1, 2, 3, 4)
    }
    for part in (1, 2):  # half-years of production: steadier than a quarter's trade
        part_yards[part]["production"] = _yards(
            {(w, k): m for (w, k, p), m in part_moves.items() if p == part and k == "production"},
            t.sudden_production_log,
            t.sudden_quarter_z,
        )["production"]
    flagged: dict[tuple[str, str], tuple[_Shown, _Move, list[int]]] = {}
    for key, m in year_moves.items():
        if (shown := _judge(m, year_yards[key[1]], t)) is not None:
            flagged[key] = (shown, m, [])
    for (who, kind, part), m in sorted(part_moves.items()):
        if (who, kind) in flagged and not flagged[(who, kind)][2]:
            continue  # the year already asks
        shown = _judge(m, part_yards[part][kind], t)
        if shown is None:
            continue
        held = flagged.get((who, kind))
        if held is None or abs(shown[1]) > abs(held[0][1]):
            flagged[(who, kind)] = (shown, m, [*(held[2] if held else []), part])
        else:
            held[2].append(part)
    moved = {who for who, _ in flagged}
    echoes: dict[tuple[str, str], set[str]] = {}
    for (who, kind), (_shown, _m, parts) in flagged.items():
        yard = year_yards[kind] if not parts else part_yards[parts[0]][kind]
        only = None if not parts else frozenset({parts[0]})
        echoes[(who, kind)] = {
            partner
            for partner in series.partners((who, kind)) & (moved - {who})
            if (rest := series.move((who, kind), f.year, frozenset({partner}), only)) is None
            or _judge(rest, yard, t) is None
        }
    out = []
    for (who, kind), (shown, m, parts) in flagged.items():
        # An echo of a partner that is not an echo of it in turn: when two explain each
        # other (a buyer's collapse is most of its own imports and a little of its
        # supplier's exports), both are kept.
        if any(
            not any(who in echoes[(partner, k)] for k in ("export", "import") if (partner, k) in echoes)
            for partner in echoes[(who, kind)]
        ):
            continue
        out.append(_sudden(f.year, who, kind, shown, m, sorted(parts), t))
    return out


def _sudden(
    year: int, who: str, kind: str, shown: _Shown, m: _Move, flagged_parts: list[int], t: Thresholds
) -> Anomaly:
    index, d, now, before, fence = shown
    c, v, mc, mv, years, parts = m.now_carats, m.now_value, m.carats, m.value, m.years, m.parts
    unit = "half-years" if kind == "production" else "quarters"
    label = "H" if kind == "production" else "Q"
    periods = sorted({_period(p) for p in parts})
    whole = len(periods) == (2 if kind == "production" else 4)
    span = ("the whole year" if whole else f"{unit} " + ", ".join(str(p) for p in periods)) + f" of {year}"
    if flagged_parts:
        span = f"{year}-{label}{flagged_parts[0]}"
        unit = "quarter" if kind != "production" else "half-year"
    words = {"export": "exports", "import": "imports", "production": "production"}[kind]
    what = (
        f"{who}'s {words} over {span} were {ct(c)} worth {usd(v)}: carats {times(mc)} and value "
        f"{times(mv)} against the same {unit} of its previous {years} year{'s' if years != 1 else ''}. "
        f"Net of the move of all participants' {words} that {'year' if not flagged_parts else unit}, "
        f"the {'carats' if index == 0 else 'value'} "
        f"moved {times(d)}, beyond the {times(fence)} that ordinary years show. Check that the return is "
        "complete (every partner and period) and ask what changed: a mine, a sanction, a new market."
    )
    stake = abs(v - v / math.exp(mv)) if mv else 0.0
    level = severity(abs(d) / t.sudden_change_log if t.sudden_change_log else math.inf, stake, t)
    period = f"{year}-{label}{flagged_parts[0]}" if len(flagged_parts) == 1 else str(year)
    if len(flagged_parts) > 1:
        what += " Also in " + ", ".join(f"{year}-{label}{p}" for p in flagged_parts[1:]) + "."
    return anomaly("sudden_change", who, None, period, None, now, before, d, level, what)


def find_production_exports(f: Figures, t: Thresholds) -> list[Anomaly]:
    """Producers whose net exports exceed their production (this year, or against their
    own history), over years with every quarter and half-year reported."""
    complete_trade: dict[str, set[int]] = defaultdict(set)
    for who, qi in f.reported:
        complete_trade[who].add(qi)
    trade = (
        f.trade.group_by("participant", "year")
        .agg(
            x=pl.col("carats").filter(pl.col("flow") == "export").sum(),
            m=pl.col("carats").filter(pl.col("flow") == "import").sum(),
        )
        .rows()
    )
    flows = {(who, y): (x, m) for who, y, x, m in trade}
    production: dict[tuple[str, int], float] = defaultdict(float)
    for who, y, _half, _kind, c, _v in f.production.iter_rows():
        production[(who, y)] += c

    def complete(who: str, y: int) -> bool:
        quarters = all(y * 4 + q in complete_trade[who] for q in range(4))
        return quarters and all((who, y, h) in f.produced for h in (1, 2))

    out = []
    for who in sorted({w for w, y in production if y == f.year}):
        p = production[(who, f.year)]
        if not complete(who, f.year) or p <= 0:
            continue
        x, m = flows.get((who, f.year), (0.0, 0.0))
        net = x - m
        excess = net - p
        history = [
            (flows.get((who, y), (0.0, 0.0))[0] - flows.get((who, y), (0.0, 0.0))[1]) / production[(who, y)]
            for y in range(f.first_year, f.year)
            if complete(who, y) and production[(who, y)] > 0
        ]
        if excess > t.production_tolerance * p and excess > t.production_floor_carats:
            ratio = excess / p / t.production_tolerance if t.production_tolerance else math.inf
            what = (
                f"{who} exported {ct(x)} and imported {ct(m)} in {f.year}: its net exports, {ct(net)}, "
                f"exceed its production of {ct(p)} by {ct(excess)} ({excess / p:+.0%}), beyond the "
                f"{t.production_tolerance:.0%} that stock and the timing of sales explain. Check the "
                "production return (a mine or a half-year left out?) and whether exports include "
                "re-exports of goods not recorded as imports."
            )
            out.append(
                anomaly(
                    "production_export",
                    who,
                    None,
                    str(f.year),
                    None,
                    net,
                    p,
                    excess / p,
                    severity(ratio, 0.0, t),
                    what,
                )
            )
            continue
        if not history or net <= p * (1 - t.production_tolerance):
            continue
        usual = sorted(history)[len(history) // 2]
        if usual <= 0:
            continue
        jump = math.log(max(net / p, 1e-9) / usual)
        if jump > t.production_ratio_log and net - usual * p > t.production_floor_carats:
            what = (
                f"{who}'s net exports were {net / p:.0%} of its production in {f.year} ({ct(net)} against "
                f"{ct(p)}), against {usual:.0%} in its previous years: production fell (or was "
                f"under-reported) while exports went on ({times(jump)}). Check the production return "
                "and the stock the exports came from."
            )
            out.append(
                anomaly(
                    "production_export",
                    who,
                    None,
                    str(f.year),
                    None,
                    net,
                    usual * p,
                    jump,
                    severity(jump / t.production_ratio_log, 0.0, t),
                    what,
                )
            )
    return out
