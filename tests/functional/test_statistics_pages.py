"""The public statistics: Annual Global Summary, a participant's history, the world trend,
with the KP's published production loaded by `kpcs db upgrade` (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.statistics.submissions.services import PUBLISHED_PRODUCTION
from tests.conftest import auth


def published_total(year: int) -> float:
    """The carats of the producers listed for ``year`` (the unnamed ones as OTHERS) in the
    data file kpcs ships."""
    with PUBLISHED_PRODUCTION.open() as handle:
        return sum(
            float(r["carats"]) for r in csv.DictReader(handle) if r["year"] == str(year) and r["carats"]
        )


def test_annual_global_summary_from_published_and_submitted_figures(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    summary = client.get("/api/v1/statistics/summary", params={"year": 2022}).json()
    by_code = {r["participant"]: r for r in summary["rows"]}
    assert (
        by_code["RU"]["production_carats"] == 41_924_000 and by_code["RU"]["production_source"] == "published"
    )
    assert by_code["BW"]["production_usd_per_carat"] == round(4_700_000_000 / 24_510_000, 2)
    assert round(summary["totals"]["production_carats"]) == published_total(2022)
    # A submission replaces the published figure for its participant and year, and adds trade.
    statistics = auth(make_token(Role.STATISTICS))
    production = (
        "participant,period,mining_type,carats,value_usd\n"
        "BW,2022-H1,LSM,12000000,2300000000\nBW,2022-H2,LSM,12500000,2400000000\n"
    )
    trade = (
        "participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"
        "BW,2022-Q1,export,EU,7102.31,1000,200000,4\nBW,2022-Q3,export,AE,7102.21,500,50000,2\n"
    )
    for text in (production, trade):
        assert (
            client.post(
                "/api/v1/statistics/submissions", files={"file": ("f.csv", text.encode())}, headers=statistics
            ).status_code
            == 201
        )
    botswana = {
        r["participant"]: r
        for r in client.get("/api/v1/statistics/summary", params={"year": 2022}).json()["rows"]
    }["BW"]
    assert botswana["production_carats"] == 24_500_000 and botswana["production_source"] == "submitted"
    assert botswana["export_carats"] == 1500 and botswana["export_certificates"] == 6
    assert botswana["export_usd_per_carat"] == round(250000 / 1500, 2)
    page = client.get("/statistics", params={"year": 2022})
    assert page.status_code == 200 and "Annual Global Summary, 2022" in page.text
    assert "Russia" in page.text and "41,924,000" in page.text and "naturaldiamonds.com" in page.text
    download = client.get("/statistics", params={"year": 2022, "format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {r["participant"] for r in rows} >= {"RU", "BW", "CA"} and rows[0].keys() >= {
        "production_usd_per_carat"
    }


def test_participant_and_world_pages(client: TestClient) -> None:
    history = client.get("/api/v1/statistics/participants/BW").json()
    assert [r["year"] for r in history] == [2006, 2007, 2009, 2010, 2011, 2013, 2014, *range(2016, 2025)]
    page = client.get("/statistics/participants/BW")
    assert (
        page.status_code == 200
        and 'id="chart-volume"' in page.text
        and "/static/vendor/chart-4.6.1.umd.min.js" in page.text
    )
    assert client.get("/static/vendor/chart-4.6.1.umd.min.js").status_code == 200
    assert client.get("/statistics/participants/XX").status_code == 404
    world = client.get("/api/v1/statistics/world").json()
    assert world[0]["year"] == 2006 and world[-1]["year"] == 2024
    assert round(next(r for r in world if r["year"] == 2023)["production_carats"]) == published_total(2023)
    csv_text = client.get("/statistics/world", params={"format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("year,production_carats")
