"""The annual statistical country analysis through the API, the page, the PDF and the CLI,
over a noisy world submitted as participants would (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth
from tests.factories.noisy_world import make_world, submit_world
from tests.pdf import page_texts

URL = "/api/v1/statistics/analyses"


@pytest.fixture
def world(client: TestClient, make_token, session_factory) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    planted = make_world(seed=4)
    statistics = make_token(Role.STATISTICS)
    codes = submit_world(client, statistics, session_factory, planted)
    exporters = sorted(
        {codes[p] for p in planted.trade.filter(planted.trade["flow"] == "export")["participant"]}
    )
    return {"year": planted.year, "statistics": statistics, "codes": codes, "code": exporters[0]}


def test_the_analysis_agrees_with_the_published_figures(client: TestClient, world, make_token) -> None:  # type: ignore[no-untyped-def]
    year, code, wgs = world["year"], world["code"], auth(world["statistics"])
    answer = client.get(f"{URL}/{code}", params={"year": year}, headers=wgs)
    assert answer.status_code == 200, answer.text
    a = answer.json()
    summary = {
        r["participant"]: r
        for r in client.get("/api/v1/statistics/summary", params={"year": year}).json()["rows"]
    }
    own = summary[code]
    headline = {(h["flow"], h["measure"]): h for h in a["headline"]}
    assert headline[("Exports", "carats")]["year"] == pytest.approx(own["export_carats"])
    assert headline[("Imports", "US$")]["year"] == pytest.approx(own["import_value_usd"])
    assert headline[("Exports", "US$/carat")]["year"] == pytest.approx(own["export_usd_per_carat"])
    history = {r["year"]: r for r in client.get(f"/api/v1/statistics/participants/{code}").json()}
    assert [h["year"] for h in a["history"]] == list(range(year - 9, year + 1))
    for h in a["history"]:
        assert h["export_carats"] == pytest.approx(history.get(h["year"], {}).get("export_carats"))

    # Partners and mirror figures, against the reported trade read independently.
    trade = client.get("/api/v1/statistics/trade", params={"year": year}).json()
    sums: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in trade:
        sums[(r["participant"], r["flow"], r["partner"])][0] += r["carats"]
        sums[(r["participant"], r["flow"], r["partner"])][1] += r["value_usd"]
    exports = a["partners"]["export"]
    assert exports and [r["value_usd"] for r in exports] == sorted(
        (r["value_usd"] for r in exports), reverse=True
    )
    for r in exports:
        assert r["value_usd"] == pytest.approx(sums[(code, "export", r["partner"])][1], abs=0.01)
        mirror = sums.get((r["partner"], "import", code))
        if mirror is None:
            assert r["mirror_value_usd"] is None
        else:
            assert r["mirror_value_usd"] == pytest.approx(mirror[1] / 1.06, abs=0.01)
            assert r["mirror_carats"] == pytest.approx(mirror[0], abs=0.01)

    found = client.get(
        "/api/v1/statistics/anomalies", params={"year": year, "participant": code}, headers=wgs
    ).json()
    assert a["anomalies"] == [x for x in found if x["participant"] == code]
    assert a["questionnaire"] is None

    # Once a questionnaire is sent, the analysis says where it stands.
    if a["anomalies"]:
        q = client.post(
            "/api/v1/statistics/questionnaires", json={"year": year, "participant": code}, headers=wgs
        )
        client.post(f"/api/v1/statistics/questionnaires/{q.json()['id']}/send", json={}, headers=wgs)
        again = client.get(f"{URL}/{code}", params={"year": year}, headers=wgs).json()
        assert again["questionnaire"]["status"] == "sent"
        assert again["questionnaire"]["question_count"] == q.json()["question_count"]

    own_authority = auth(make_token(Role.AUTHORITY, code))
    assert client.get(f"{URL}/{code}", params={"year": year}, headers=own_authority).status_code == 200
    other = next(c for c in world["codes"].values() if c != code)
    assert client.get(f"{URL}/{other}", params={"year": year}, headers=own_authority).status_code == 403
    assert client.get(f"{URL}/{code}", params={"year": year}).status_code == 401
    assert client.get(f"{URL}/XX", params={"year": year}, headers=wgs).status_code == 404


def test_the_page_the_pdf_and_the_cli(client: TestClient, world, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    year, code, wgs = world["year"], world["code"], auth(world["statistics"])
    listing = client.get("/statistics/analyses", params={"year": year}, headers=wgs)
    assert listing.status_code == 200 and f'href="/statistics/analyses/{code}?year={year}"' in listing.text
    page = client.get(f"/statistics/analyses/{code}", params={"year": year}, headers=wgs)
    assert page.status_code == 200
    charts = re.findall(
        r'<figure class="chart" id="chart-([a-z-]+)"><figcaption>.*?</figcaption><svg', page.text
    )
    assert charts == ["trade", "unit-values", "balance", "partners", "mirror"] and "<?xml" not in page.text
    assert 'id="headline"' in page.text
    assert 'data-flow="Exports" data-measure="carats"' in page.text

    pdf = client.get(f"/statistics/analyses/{code}/pdf", params={"year": year}, headers=wgs)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page_texts(pdf.content))
    name = client.get(f"{URL}/{code}", params={"year": year}, headers=wgs).json()["name"]
    for expected in (f"Annual statistical analysis of {name} ({code}) for {year}", "Headline figures",
                     "Production and trade over time", "Main partners", "Mirror comparison", "Certificates",
                     "Data Anomaly Questionnaire"):  # fmt: skip
        assert expected in text, expected

    out = tmp_path / "analyses"
    other = sorted(world["codes"].values())[1]
    made = cli("statistics", "analyses", "--year", str(year), "--out", str(out), "--participant", code,
               "--participant", other.lower())  # fmt: skip
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"kp-analysis-{year}-{code}.pdf", f"kp-analysis-{year}-{other}.pdf"])  # fmt: skip
    assert "2 analyses of" in made.output
    assert page_texts((out / f"kp-analysis-{year}-{code}.pdf").read_bytes())[0].startswith(
        "Kimberley Process"
    )
    wrong = cli("statistics", "analyses", "--year", str(year), "--out", str(out), "--participant", "XX")
    assert wrong.exit_code != 0 and "XX" in wrong.output
