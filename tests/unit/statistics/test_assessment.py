"""The assessment of a proposed export against history, peers and the origin's production."""

from __future__ import annotations

import math

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from kpcs.statistics.analysis.assessment import MIN_POINTS, Proposal, assess_export

SCHEMA = {"participant": pl.String, "period": pl.String, "hs_code": pl.String, "carats": pl.Float64,
          "value_usd": pl.Float64, "certificates": pl.Int64}  # fmt: skip
PRODUCTION = pl.DataFrame(
    [("BW", y, 20e6, 20e6 * 150) for y in range(2019, 2025)],
    schema={"participant": pl.String, "year": pl.Int64, "carats": pl.Float64, "value_usd": pl.Float64},
    orient="row",
)


def _exports(uv: dict[str, float], quarters: int = 16) -> pl.DataFrame:
    rows = []
    for code, price in uv.items():
        for q in range(quarters):
            swing = 1 + 0.08 * math.sin(q * 1.7 + len(code))  # ±8 %, like seasons and assortments
            carats = 10_000 + 500 * q
            rows.append(
                (code, f"{2021 + q // 4}-Q{q % 4 + 1}", "7102.31", carats, carats * price * swing, 20)
            )
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


EXPORTS = _exports({"BW": 150.0, "ZA": 120.0, "RU": 110.0, "AO": 300.0, "CD": 30.0, "NA": 500.0})


def _check(report: dict[str, object], name: str) -> dict[str, object]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return next(c for c in checks if c["name"] == name)


def test_an_ordinary_shipment_and_an_undervalued_one() -> None:
    usual = assess_export(Proposal("BW", 600.0, 600.0 * 150, "7102.31", "BW"), EXPORTS, PRODUCTION).as_dict()
    assert usual["level"] == "ordinary"
    assert {c["name"] for c in usual["checks"]} == {
        "own history", "other exporters", "country of origin", "shipment size"}  # fmt: skip
    own = _check(usual, "own history")
    assert own["points"] == 16 and abs(own["median"] - 150) < 10 and abs(own["z"]) < 1

    cheap = assess_export(Proposal("BW", 600.0, 600.0 * 40, "7102.31", "BW"), EXPORTS, PRODUCTION).as_dict()
    assert cheap["level"] == "unusual"
    assert _check(cheap, "own history")["level"] == "unusual"
    assert "undervalued" in _check(cheap, "own history")["explanation"]
    assert _check(cheap, "country of origin")["level"] == "unusual"
    dear = assess_export(Proposal("BW", 600.0, 600.0 * 900, "7102.31", "BW"), EXPORTS, PRODUCTION).as_dict()
    assert "overvalued" in _check(dear, "own history")["explanation"]


def test_without_history_nothing_is_judged() -> None:
    report = assess_export(Proposal("SL", 10.0, 5000.0, "7102.10", "mixed"), EXPORTS, PRODUCTION).as_dict()
    assert report["level"] == "not enough history"
    assert "country of origin" not in {c["name"] for c in report["checks"]}
    few = _exports({"SL": 200.0}, quarters=MIN_POINTS - 1)
    report = assess_export(Proposal("SL", 10.0, 10.0, "7102.31", "SL"), few, PRODUCTION).as_dict()
    assert _check(report, "own history")["level"] == "not enough history"
    assert "Too few figures" in _check(report, "own history")["explanation"]


@given(st.floats(0.02, 50.0))
def test_the_further_from_the_median_the_more_serious(factor: float) -> None:
    report = assess_export(Proposal("BW", 600.0, 600.0 * 150 * factor, "7102.31", "BW"), EXPORTS, PRODUCTION)
    own = _check(report.as_dict(), "own history")
    assert own["z"] is not None and (own["z"] > 0) == (own["proposed"] > own["median"])
    order = ["ordinary", "look closer", "unusual"]
    nearer = assess_export(Proposal("BW", 600.0, 600.0 * 150 * math.sqrt(factor), "7102.31", "BW"), EXPORTS,
                           PRODUCTION)  # fmt: skip
    assert order.index(_check(nearer.as_dict(), "own history")["level"]) <= order.index(own["level"])
