"""The KP's published statistics, reproduced exactly from the data kpcs ships: the world
totals of 2022 and 2023 through the API and the pages, every year's figure against the
shipped rows, partial years and disagreements said as such, and a load that is idempotent
(SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kpcs.audit.models import AuditEvent
from kpcs.statistics.models import PublishedProduction, PublishedWorldTotal
from kpcs.statistics.public.published import PRODUCTION_FILE, WORLD_TOTALS_FILE

WORLD_COLUMNS = {"production_carats": "production_carats", "production_value_usd": "production_value_usd"}


def shipped_rows() -> dict[int, list[dict[str, str]]]:
    """The production rows of the file kpcs ships, by year (OTHERS included)."""
    by_year: dict[int, list[dict[str, str]]] = defaultdict(list)
    with PRODUCTION_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_year[int(row["year"])].append(row)
    return by_year


def shipped_world_totals() -> dict[int, dict[str, str]]:
    with WORLD_TOTALS_FILE.open(newline="", encoding="utf-8") as handle:
        return {int(r["year"]): r for r in csv.DictReader(handle)}


def _sum(rows: list[dict[str, str]], column: str) -> Decimal | None:
    known = [Decimal(r[column]) for r in rows if r[column]]
    return sum(known, Decimal(0)) if known else None


def world_by_year(client: TestClient) -> dict[int, dict[str, Any]]:
    response = client.get("/api/v1/statistics/world")
    assert response.status_code == 200
    return {r["year"]: r for r in response.json()}


def test_the_published_world_totals_of_2022_and_2023(client: TestClient) -> None:
    world = world_by_year(client)
    for year, carats_mct, value_bn, digits in ((2022, 121.47, 16.285, 3), (2023, 111.52, 12.72, 2)):
        row = world[year]
        # To the source's rounding: 121.47 Mct and $16.285 bn; 111.52 Mct and $12.72 bn.
        assert round(row["production_carats"] / 1e6, 2) == carats_mct
        assert round(row["production_value_usd"] / 1e9, digits) == value_bn
        assert row["partial"] is False and row["producers_listed"] == 11
        assert row["basis"]["production_carats"] == row["basis"]["production_value_usd"] == "participants"
        rows = shipped_rows()[year]
        assert Decimal(str(row["production_carats"])) == _sum(rows, "carats")
        assert Decimal(str(row["production_value_usd"])) == _sum(rows, "value_usd")
        # The Annual Global Summary adds up to the same, with the unnamed producers as one row.
        summary = client.get("/api/v1/statistics/summary", params={"year": year}).json()
        assert summary["totals"]["production_carats"] == row["production_carats"]
        assert summary["totals"]["production_value_usd"] == row["production_value_usd"]
        assert summary["rows"][-1]["participant"] == "OTHERS" and summary["world"]["partial"] is False
    assert world[2022]["production_carats"] == 121_470_000 and world[2022]["production_value_usd"] == 16_285e6
    assert world[2023]["production_carats"] == 111_523_000 and world[2023]["production_value_usd"] == 12_724e6

    page = client.get("/statistics/world")
    assert page.status_code == 200
    row_2022 = page.text.split('<tr data-year="2022"')[1].split("</tr>")[0]
    assert "121,470,000" in row_2022 and "16,285,000,000" in row_2022 and "partial" not in row_2022
    row_2023 = page.text.split('<tr data-year="2023"')[1].split("</tr>")[0]
    assert "111,523,000" in row_2023 and "12,724,000,000" in row_2023
    sources_2022 = page.text.split('id="sources-2022"')[1].split("</section>")[0]
    assert "(121.47 Mct)" in sources_2022 and "($16.285 bn)" in sources_2022
    assert "(111.52 Mct)" in page.text.split('id="sources-2023"')[1].split("</section>")[0]
    summary_page = client.get("/statistics", params={"year": 2022}).text
    totals = summary_page.split('id="totals"')[1].split("</tr>")[0]
    assert "World total" in totals and "121,470,000" in totals and "16,285,000,000" in totals
    assert "Others (producers not named by the source)" in summary_page


def test_every_years_figure_is_the_sum_of_its_shipped_rows_or_the_published_total(client: TestClient) -> None:
    world = world_by_year(client)
    rows, totals = shipped_rows(), shipped_world_totals()
    # The world trend goes back to 2006: every year with a shipped figure.
    assert sorted(world) == sorted(set(rows) | set(totals)) and min(world) == 2006 and max(world) == 2024
    for year, row in world.items():
        listed = rows.get(year, [])
        complete = any(r["participant"] == "OTHERS" for r in listed)
        assert row["partial"] is not complete, year
        assert row["producers_listed"] == sum(1 for r in listed if r["participant"] != "OTHERS")
        for measure, column in (("production_carats", "carats"), ("production_value_usd", "value_usd")):
            shown = None if row[measure] is None else Decimal(str(row[measure]))
            published = totals.get(year, {}).get(measure) or None
            if complete and all(r[column] for r in listed):
                assert row["basis"][measure] == "participants" and shown == _sum(listed, column), (
                    year,
                    measure,
                )
            elif published:
                assert row["basis"][measure] == "published_total", (year, measure)
                assert shown == Decimal(published), (year, measure)
                assert row["source"][measure] == [s.strip() for s in totals[year]["source_url"].split(" ; ")]
            else:
                assert row["basis"][measure] == "listed" and shown == _sum(listed, column), (year, measure)
        for measure, column in (
            ("export_value_usd", "exports_value_usd"),
            ("import_value_usd", "imports_value_usd"),
        ):
            published = totals.get(year, {}).get(column) or None
            if published:
                assert (
                    Decimal(str(row[measure])) == Decimal(published)
                    and row["basis"][measure] == "published_total"
                )
    # 2013: one producer listed and no published world total: a partial sum, said so.
    assert world[2013]["basis"]["production_carats"] == "listed" and world[2013]["partial"] is True
    assert world[2019]["basis"]["production_value_usd"] == "published_total"


def test_partial_years_and_disagreements_are_said(client: TestClient) -> None:
    world = world_by_year(client)
    assert world[2006]["partial"] is True and world[2006]["producers_listed"] == 6
    assert world[2006]["producers_expected"] == 22
    assert world[2006]["production_carats"] == 175_538_127  # the published world total, not 6 producers' sum
    assert world[2006]["listed_production_carats"] == 139_890_451.3
    others_2022 = {(d["measure"], d["value"]): d for d in world[2022]["disagreements"]}
    assert others_2022[("production_carats", 119_960_000)]["source"].startswith("RIA Novosti")
    assert others_2022[("production_carats", 119_960_000)]["used"] == 121_470_000
    assert ("production_carats", 121_471_000) in others_2022  # the published table's own total
    assert ("production_value_usd", 16_020_000_000) in others_2022
    # 2019: the revised series of the participants (138.26 Mct), the first release named beside it.
    first_release = {(d["measure"], d["value"]) for d in world[2019]["disagreements"]}
    assert ("production_carats", 130_340_000) in first_release and world[2019]["production_carats"] > 138e6

    page = client.get("/statistics/world").text
    row_2006 = page.split('<tr data-year="2006"')[1].split("</tr>")[0]
    assert "partial: 6 of ~22 producers listed" in row_2006 and "175,538,127" in row_2006
    assert "(w)" in row_2006  # the published world total, marked as such
    row_2013 = page.split('<tr data-year="2013"')[1].split("</tr>")[0]
    assert "partial: 1 of ~22 producers listed" in row_2013 and "(partial)" in row_2013
    sources_2022 = page.split('id="sources-2022"')[1].split("</section>")[0]
    assert "121,470,000" in sources_2022 and "119,960,000" in sources_2022 and "RIA Novosti" in sources_2022
    assert "121,471,000" in sources_2022 and "naturaldiamonds.com" in sources_2022
    summary_2006 = client.get("/statistics", params={"year": 2006}).text
    totals = summary_2006.split('id="totals"')[1].split("</tr>")[0]
    assert "partial: 6 of ~22 producers listed" in totals and "World total" not in totals
    published = summary_2006.split('id="published-total"')[1].split("</tr>")[0]
    assert "World total, as published" in published and "175,538,127" in published

    download = client.get("/statistics/world", params={"format": "csv"})
    table = {int(r["year"]): r for r in csv.DictReader(io.StringIO(download.text))}
    assert float(table[2022]["production_carats"]) == 121_470_000
    assert table[2006]["partial"] == "True" and table[2006]["production_carats_basis"] == "published_total"
    assert "119960000 (RIA Novosti" in table[2022]["disagreements"]


def test_the_unnamed_remainder_is_no_participant(client: TestClient) -> None:
    cases = client.get("/api/v1/statistics/compliance", params={"year": 2023}).json()
    assert "OTHERS" not in {c["participant"] for c in cases}
    assert client.get("/statistics/participants/OTHERS").status_code == 404


def _snapshot(session: Session) -> list[tuple[Any, ...]]:
    production = session.execute(
        sa.select(
            PublishedProduction.year,
            PublishedProduction.participant,
            PublishedProduction.carats,
            PublishedProduction.value_usd,
            PublishedProduction.source,
            PublishedProduction.note,
            PublishedProduction.loaded_at,
        ).order_by(PublishedProduction.year, PublishedProduction.participant)
    )
    totals = session.execute(sa.select(PublishedWorldTotal).order_by(PublishedWorldTotal.year)).scalars()
    return [tuple(r) for r in production] + [
        (t.year, t.production_carats, t.production_value_usd, t.source, t.note, t.disagreements, t.loaded_at)
        for t in totals
    ]


def test_loading_twice_gives_the_same_rows(cli, session_factory: sessionmaker[Session]) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as session:
        before = _snapshot(session)
        loads = session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.tag == "statistics:published-loaded")
        )
    assert len(before) == 138 + 18 and loads == 1  # loaded once when the database was built
    for _ in range(2):
        result = cli("db", "upgrade")
        assert result.exit_code == 0, result.output
        assert "0 production row(s) and 0 world total(s) loaded or updated" in result.output
    with session_factory() as session:
        assert _snapshot(session) == before
        assert (
            session.scalar(sa.select(sa.func.count()).where(AuditEvent.tag == "statistics:published-loaded"))
            == loads
        )
