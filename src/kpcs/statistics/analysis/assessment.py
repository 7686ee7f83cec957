"""Statistical assessment of a proposed export: how its value per carat and its size
compare with the exporter's own history, with other exporters of the same goods, and with
what the country of origin produces.

Pure domain code: the proposal and frames of past figures in, a short report out. Robust
statistics throughout (medians and the median absolute deviation, on the logarithm of
$/carat, since prices spread multiplicatively), so one odd quarter does not move the
yardstick. The report is for a person (an export dossier, a monitoring review): each check
says what was compared, against what, and what it means.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

Z_LOOK_CLOSER = 2.0
"""Robust z (on ln $/ct) beyond which a check asks for a closer look."""

Z_UNUSUAL = 3.5
"""Robust z beyond which a check calls the proposal unusual."""

MIN_POINTS = 4
"""Figures a yardstick needs before it judges anything (fewer: the check only informs)."""

MIN_LOG_MAD = 0.10
"""Floor on the spread of ln $/ct (about ±10 %): a yardstick of near-identical prices
would otherwise call any change extreme."""

LEVELS = ("ordinary", "look closer", "unusual", "not enough history")


@dataclass(frozen=True)
class Proposal:
    """A proposed export, as a dossier describes it."""

    exporter: str
    carats: float
    value_usd: float
    hs_code: str
    origin: str

    @property
    def usd_per_carat(self) -> float:
        """Value per carat of the shipment."""
        return self.value_usd / self.carats


@dataclass(frozen=True)
class Check:
    """One comparison: the proposal's figure against a yardstick from past figures."""

    name: str
    measure: str
    proposed: float
    median: float | None
    low: float | None
    high: float | None
    points: int
    z: float | None
    level: str
    explanation: str


@dataclass(frozen=True)
class Assessment:
    """The report: the proposal, each check, and the most serious level among them."""

    proposal: dict[str, Any]
    level: str
    checks: list[Check] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON and templates."""
        return {"proposal": self.proposal, "level": self.level, "checks": [asdict(c) for c in self.checks]}


def _level(z: float | None, points: int) -> str:
    if z is None or points < MIN_POINTS:
        return "not enough history"
    if abs(z) > Z_UNUSUAL:
        return "unusual"
    if abs(z) > Z_LOOK_CLOSER:
        return "look closer"
    return "ordinary"


def _yardstick(name: str, measure: str, proposed: float, values: list[float], what: str, unit: str) -> Check:
    """Compare ``proposed`` with ``values`` on the log scale: median, range of ±2 robust
    deviations, robust z; ``what`` names the yardstick in the explanation."""
    values = [v for v in values if v > 0 and math.isfinite(v)]
    if not values:
        return Check(
            name,
            measure,
            round(proposed, 2),
            None,
            None,
            None,
            0,
            None,
            "not enough history",
            f"There are no figures for {what} to compare with.",
        )
    logs = [math.log(v) for v in values]
    centre = statistics.median(logs)
    spread = max(1.4826 * statistics.median(abs(x - centre) for x in logs), MIN_LOG_MAD)
    z = (math.log(proposed) - centre) / spread
    level = _level(z, len(values))
    median, low, high = math.exp(centre), math.exp(centre - 2 * spread), math.exp(centre + 2 * spread)
    ratio = proposed / median
    side = "above" if ratio >= 1 else "below"
    words = (
        f"{_fmt(proposed, unit)} against a median of {_fmt(median, unit)} for {what} "
        f"({len(values)} figures; usual range {_fmt(low, unit)} to {_fmt(high, unit)}): "
        f"{abs(ratio - 1) * 100:.0f} % {side} the median."
    )
    if level == "not enough history":
        words += f" Too few figures to judge (at least {MIN_POINTS} are needed)."
    elif level != "ordinary" and measure == "usd_per_carat":
        words += (
            " So far below the usual, ask whether the goods are undervalued or mis-sorted."
            if ratio < 1
            else " So far above the usual, ask whether the goods are overvalued or of another assortment."
        )
    elif level != "ordinary":
        words += " A shipment of unusual size for this exporter: check that it is one consignment."
    figures = (round(proposed, 2), round(median, 2), round(low, 2), round(high, 2), len(values), round(z, 2))
    return Check(name, measure, *figures, level, words)


def _fmt(value: float, unit: str) -> str:
    return f"US${value:,.2f}/ct" if unit == "$/ct" else f"{value:,.2f} ct"


def assess_export(
    proposal: Proposal, exports: pl.DataFrame, production: pl.DataFrame, names: dict[str, str] | None = None
) -> Assessment:
    """Assess ``proposal`` against past ``exports`` (participant, period, hs_code, carats,
    value_usd, certificates: one row per exporter, period and HS code) and ``production``
    (participant, year, carats, value_usd: annual totals)."""
    names = names or {}
    p = proposal
    same_code = exports.filter((pl.col("hs_code") == p.hs_code) & (pl.col("carats") > 0))
    own = same_code.filter(pl.col("participant") == p.exporter)
    own_uv = (own["value_usd"] / own["carats"]).to_list()
    peers = (
        same_code.filter(pl.col("participant") != p.exporter)
        .group_by("participant")
        .agg(pl.col("value_usd").sum() / pl.col("carats").sum())
    )
    peer_uv = peers[peers.columns[1]].to_list()
    who = names.get(p.exporter, p.exporter)
    checks = [
        _yardstick(
            "own history",
            "usd_per_carat",
            p.usd_per_carat,
            own_uv,
            f"{who}'s exports of {p.hs_code}, quarter by quarter",
            "$/ct",
        ),
        _yardstick(
            "other exporters",
            "usd_per_carat",
            p.usd_per_carat,
            peer_uv,
            f"other participants' exports of {p.hs_code} (one figure per exporter)",
            "$/ct",
        ),
    ]
    if p.origin != "mixed":
        made = production.filter((pl.col("participant") == p.origin) & (pl.col("carats") > 0))
        made = made.filter(pl.col("value_usd").is_not_null())
        origin_uv = (made["value_usd"] / made["carats"]).to_list()
        checks.append(
            _yardstick(
                "country of origin",
                "usd_per_carat",
                p.usd_per_carat,
                origin_uv,
                f"the production of {names.get(p.origin, p.origin)}, year by year",
                "$/ct",
            )
        )
    with_counts = own.filter(pl.col("certificates") > 0)
    sizes = (with_counts["carats"] / with_counts["certificates"]).to_list()
    checks.append(
        _yardstick(
            "shipment size",
            "carats",
            p.carats,
            sizes,
            f"{who}'s average shipment of {p.hs_code} per certificate, quarter by quarter",
            "ct",
        )
    )
    judged = [c.level for c in checks if c.level != "not enough history"]
    level = max(judged, key=LEVELS.index) if judged else "not enough history"
    return Assessment(
        proposal=asdict(p) | {"usd_per_carat": round(p.usd_per_carat, 2)}, level=level, checks=checks
    )
