"""The inputs, shaped once for every detector.

Trade is the template's rows (participant, period ``YYYY-Qn``, flow, partner, hs_code,
carats, value_usd, certificates); production likewise (period ``YYYY-H1``/``H2``). A
participant *reported* a quarter when it has any trade row for it (the template asks for a
row even for a quarter without trade), and a half-year of production likewise: a mirror
comparison is made only for quarters both sides reported, so a return that is missing or
late is a missing submission, never a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

QUARTER = pl.col("period").str.slice(6, 1).cast(pl.Int32, strict=False)
YEAR = pl.col("period").str.slice(0, 4).cast(pl.Int32, strict=False)


@dataclass(frozen=True)
class Figures:
    """The review year and its history, as the detectors read them."""

    year: int
    first_year: int
    trade: pl.DataFrame
    """participant, flow, partner, hs_code, year, qi (year × 4 + quarter − 1), carats,
    value_usd, certificates (floats; a missing amount is 0)."""
    production: pl.DataFrame
    """participant, year, half (1 or 2), mining_type, carats, value_usd."""
    reported: frozenset[tuple[str, int]]
    """(participant, qi) of every quarter a participant reported trade for."""
    produced: frozenset[tuple[str, int, int]]
    """(participant, year, half) of every half-year with production figures."""
    missing: tuple[tuple[str, str, str], ...]
    """(participant, "trade" | "production", period) owed for the review year and not there."""

    def has_reported(self, participant: str, qi: int) -> bool:
        """True if ``participant`` reported trade for quarter ``qi`` (and it is not listed missing)."""
        return (participant, qi) in self.reported


def quarter_index(year: int, quarter: int) -> int:
    """A quarter as one increasing number (``2025-Q1`` is 2025 × 4)."""
    return year * 4 + quarter - 1


def period_of(qi: int) -> str:
    """``2025-Q3`` for its quarter index."""
    return f"{qi // 4}-Q{qi % 4 + 1}"


def shape(
    trade: pl.DataFrame,
    production: pl.DataFrame,
    year: int,
    *,
    history_years: int,
    missing: list[tuple[str, str, str]] | None = None,
) -> Figures:
    """The figures of ``year`` and up to ``history_years`` before it."""
    first = year - history_years
    missing_t = tuple(m for m in (missing or []) if m[2].startswith(str(year)))
    absent_trade = {(p, period) for p, kind, period in missing_t if kind == "trade"}
    t = (
        trade.with_columns(year=YEAR, q=QUARTER)
        .filter(pl.col("year").is_between(first, year))
        .select(
            "participant",
            "flow",
            "partner",
            "hs_code",
            "year",
            (pl.col("year") * 4 + pl.col("q") - 1).alias("qi"),
            pl.col("carats").cast(pl.Float64).fill_null(0.0),
            pl.col("value_usd").cast(pl.Float64).fill_null(0.0),
            pl.col("certificates").cast(pl.Float64).fill_null(0.0),
        )
    )
    reported = {
        (p, qi)
        for p, qi in t.select("participant", "qi").unique().iter_rows()
        if (p, period_of(qi)) not in absent_trade
    }
    p = (
        production.with_columns(year=YEAR, half=pl.col("period").str.slice(6, 1).cast(pl.Int32, strict=False))
        .filter(pl.col("year").is_between(first, year))
        .group_by("participant", "year", "half", "mining_type")
        .agg(
            pl.col("carats").cast(pl.Float64).fill_null(0.0).sum(),
            pl.col("value_usd").cast(pl.Float64).fill_null(0.0).sum(),
        )
        .sort("participant", "year", "half", "mining_type")
    )
    produced = {(code, y, h) for code, y, h, *_ in p.select("participant", "year", "half").iter_rows()}
    return Figures(
        year=year,
        first_year=first,
        trade=t,
        production=p,
        reported=frozenset(reported),
        produced=frozenset(produced),
        missing=missing_t,
    )


def pair_quarters(f: Figures, *, by_hs: bool = False) -> pl.DataFrame:
    """Every pair (exporter, importer[, hs_code]) traded in the review year, on a dense grid
    of quarters from the last of the year before to the last of the review year: the
    exporter's figures (xc, xv, xn), the importer's (mc, mv at CIF, mn), and whether each
    side reported the quarter (xr, mr)."""
    keys = ["exporter", "importer", *(["hs_code"] if by_hs else [])]
    first_qi, last_qi = quarter_index(f.year - 1, 4), quarter_index(f.year, 4)
    window = f.trade.filter(pl.col("qi").is_between(first_qi, last_qi))
    x = (
        window.filter(pl.col("flow") == "export")
        .rename({"participant": "exporter", "partner": "importer"})
        .group_by(*keys, "qi")
        .agg(xc=pl.col("carats").sum(), xv=pl.col("value_usd").sum(), xn=pl.col("certificates").sum())
    )
    m = (
        window.filter(pl.col("flow") == "import")
        .rename({"participant": "importer", "partner": "exporter"})
        .group_by(*keys, "qi")
        .agg(mc=pl.col("carats").sum(), mv=pl.col("value_usd").sum(), mn=pl.col("certificates").sum())
    )
    y0 = quarter_index(f.year, 1)
    pairs = (
        pl.concat([x.filter(pl.col("qi") >= y0).select(keys), m.filter(pl.col("qi") >= y0).select(keys)])
        .unique()
        .filter(pl.col("exporter") != pl.col("importer"))
    )
    grid = pairs.join(pl.DataFrame({"qi": list(range(first_qi, last_qi + 1))}), how="cross")
    dense = (
        grid.join(x, on=[*keys, "qi"], how="left")
        .join(m, on=[*keys, "qi"], how="left")
        .with_columns(pl.col(c).fill_null(0.0) for c in ("xc", "xv", "xn", "mc", "mv", "mn"))
    )
    reported = pl.DataFrame(
        sorted(f.reported), schema={"who": pl.String, "qi": pl.Int32}, orient="row"
    ).with_columns(pl.lit(True).alias("r"))
    dense = (
        dense.join(reported.rename({"who": "exporter", "r": "xr"}), on=["exporter", "qi"], how="left")
        .join(reported.rename({"who": "importer", "r": "mr"}), on=["importer", "qi"], how="left")
        .with_columns(pl.col("xr").fill_null(False), pl.col("mr").fill_null(False))
    )
    return dense.sort(*keys, "qi")


def flow_years(f: Figures) -> pl.DataFrame:
    """Each reporter's flow (participant, flow, partner, hs_code) per year: carats, value
    (imports at CIF), certificates and how many quarters it covers."""
    return (
        f.trade.group_by("participant", "flow", "partner", "hs_code", "year")
        .agg(
            c=pl.col("carats").sum(),
            v=pl.col("value_usd").sum(),
            n=pl.col("certificates").sum(),
        )
        .sort("participant", "flow", "partner", "hs_code", "year")
    )
