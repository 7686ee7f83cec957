"""Reconciliation at certificate level through the API, the page and the CLI: certificates
never confirmed, confirmed with other amounts, imports reported beyond the certificates
received (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth, certificate_body

URL = "/api/v1/statistics/reconciliation"
CARATS, VALUE = 1720.35, 315250.50  # one certificate_body(): two lines


def _trade(client: TestClient, headers: dict[str, str], *rows: str) -> None:
    content = "participant,period,flow,partner,hs_code,carats,value_usd,certificates\n" + "\n".join(rows)
    done = client.post("/api/v1/statistics/submissions", files={"file": ("t.csv", content)}, headers=headers)
    assert done.status_code == 201, done.text


def _world(client: TestClient, make_token, clock) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """BW issues five certificates to the EU in 2025-Q1 (one cancelled); the EU confirms one
    as certified, one with fewer carats, leaves one unconfirmed past 60 days and one recent;
    it reports more imports from BW than it received, and imports from ZA (not in kpcs)."""
    bw, eu = auth(make_token(Role.AUTHORITY, "BW")), auth(make_token(Role.AUTHORITY, "EU"))
    clock.at = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    numbers = [
        client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()["number"]
        for _ in range(4)
    ]
    client.post(
        f"/api/v1/certificates/{numbers[3]}/cancellation", json={"reason": "printing_error"}, headers=bw
    )
    clock.at = datetime(2025, 3, 15, 9, 0, tzinfo=UTC)
    recent = client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()["number"]
    clock.at = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
    confirm = "/api/v1/certificates/{}/import-confirmation"
    assert (
        client.post(confirm.format(numbers[0]), json={"received_on": "2025-01-20"}, headers=eu).status_code
        == 200
    )
    short = {"received_on": "2025-02-01", "carats_received": 1700.00, "value_usd_received": VALUE}
    assert client.post(confirm.format(numbers[1]), json=short, headers=eu).status_code == 200
    _trade(client, eu, "EU,2025-Q1,import,BW,7102.31,5000.00,1000000.00,3",
           "EU,2025-Q1,import,ZA,7102.31,800.00,90000.00,1")  # fmt: skip
    return {"numbers": numbers, "recent": recent, "bw": bw, "eu": eu}


def test_the_three_findings_per_pair_and_quarter(client: TestClient, make_token, clock) -> None:  # type: ignore[no-untyped-def]
    w = _world(client, make_token, clock)
    numbers = w["numbers"]
    assert isinstance(numbers, list)
    wgs = auth(make_token(Role.STATISTICS))
    answer = client.get(URL, params={"year": 2025}, headers=wgs)
    assert answer.status_code == 200, answer.text
    pairs = {(p["exporter"], p["importer"], p["period"]): p for p in answer.json()["pairs"]}
    assert set(pairs) == {("BW", "EU", "2025-Q1")}  # ZA issues no certificates in kpcs
    p = pairs[("BW", "EU", "2025-Q1")]
    assert (p["issued"], p["confirmed"], p["unconfirmed"], p["awaiting"], p["differing"]) == (4, 2, 1, 1, 1)
    assert p["issued_carats"] == round(4 * CARATS, 2) and p["unconfirmed_carats"] == CARATS
    assert p["differing_carats"] == round(1700.00 - CARATS, 2) and p["differing_value_usd"] == 0
    assert p["received"] == 2 and p["received_carats"] == round(CARATS + 1700.00, 2)
    assert p["reported_carats"] == 5000.0 and p["reported_certificates"] == 3
    assert p["unmatched_carats"] == round(5000.0 - CARATS - 1700.0, 2)
    assert p["unmatched_value_usd"] == round(1000000.0 - 2 * VALUE, 2)
    assert p["findings"] == 3
    details = {d["number"]: d for d in answer.json()["details"]}
    assert set(details) == {numbers[1], numbers[2]}
    assert details[numbers[2]]["finding"] == "unconfirmed" and details[numbers[2]]["days_unconfirmed"] == 69
    assert details[numbers[1]]["finding"] == "differs" and details[numbers[1]]["carats_received"] == 1700.0

    # An authority sees the pairs it is in, and only those.
    assert client.get(URL, params={"year": 2025}, headers=w["bw"]).json()["pairs"] == answer.json()["pairs"]
    india = auth(make_token(Role.AUTHORITY, "IN"))
    assert client.get(URL, params={"year": 2025}, headers=india).json() == {
        "year": 2025,
        "pairs": [],
        "details": [],
    }
    assert client.get(URL, params={"year": 2025, "participant": "BW"}, headers=india).status_code == 403
    assert client.get(URL, params={"year": 2025}).status_code == 401
    assert client.get(URL, params={"year": 1990}, headers=wgs).status_code == 422
    other = client.get(URL, params={"year": 2025, "participant": "EU", "partner": "IN"}, headers=wgs).json()
    assert other["pairs"] == [] and other["details"] == []

    # The recent certificate arrives as certified: no longer awaited, and it covers more of
    # the imports the EU reported. The expired one stays unconfirmed: it can no longer be.
    confirmed = client.post(
        f"/api/v1/certificates/{w['recent']}/import-confirmation", json={"received_on": "2025-03-19"},
        headers=w["eu"],
    )  # fmt: skip
    assert confirmed.status_code == 200
    late = client.post(
        f"/api/v1/certificates/{numbers[2]}/import-confirmation", json={"received_on": "2025-03-19"},
        headers=w["eu"],
    )  # fmt: skip
    assert late.status_code == 422
    again = client.get(URL, params={"year": 2025}, headers=wgs).json()["pairs"][0]
    assert (again["awaiting"], again["confirmed"], again["unconfirmed"], again["findings"]) == (0, 3, 1, 3)
    assert again["received_carats"] == round(p["received_carats"] + CARATS, 2) > again["reported_carats"]
    assert again["unmatched_carats"] == 0 and again["unmatched_value_usd"] == round(1000000.0 - 3 * VALUE, 2)


def test_the_page_the_csv_and_the_cli(client: TestClient, make_token, clock, cli) -> None:  # type: ignore[no-untyped-def]
    w = _world(client, make_token, clock)
    numbers = w["numbers"]
    assert isinstance(numbers, list)
    wgs = auth(make_token(Role.STATISTICS))
    pair = {"year": 2025, "participant": "BW", "partner": "EU"}
    page = client.get("/statistics/reconciliation", params=pair, headers=wgs)
    assert page.status_code == 200
    assert 'data-exporter="BW" data-importer="EU" data-period="2025-Q1" data-findings="3"' in page.text
    assert f'data-number="{numbers[2]}" data-finding="unconfirmed"' in page.text
    assert f'data-number="{w["recent"]}"' not in page.text  # within its 60 days
    as_csv = client.get("/statistics/reconciliation", params={"year": 2025, "format": "csv"}, headers=wgs)
    pairs_csv = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [(r["exporter"], r["importer"], r["period"], r["findings"]) for r in pairs_csv] == [
        ("BW", "EU", "2025-Q1", "3")
    ]
    details_csv = client.get(
        "/statistics/reconciliation", params={"year": 2025, "format": "details"}, headers=wgs
    )
    assert details_csv.headers["content-type"].startswith("text/csv") and numbers[1] in details_csv.text
    anonymous = client.get("/statistics/reconciliation", follow_redirects=False)
    assert anonymous.status_code == 303 and "sign-in" in anonymous.headers["location"]

    listed = cli("statistics", "reconcile", "--year", "2025", "--json")
    assert listed.exit_code == 0, listed.output
    api = client.get(URL, params={"year": 2025}, headers=wgs).json()
    assert json.loads(listed.output) == [p for p in api["pairs"] if p["findings"]]
    certificates = cli("statistics", "reconcile", "--year", "2025", "--details", "--json")
    assert [d["number"] for d in json.loads(certificates.output)] == [d["number"] for d in api["details"]]
    table = cli("statistics", "reconcile", "--year", "2025", "--details")
    assert table.exit_code == 0 and "2 certificate(s) that do not reconcile in 2025" in table.output
    clock.at += timedelta(days=1)
    table = cli("statistics", "reconcile", "--year", "2025")
    assert table.exit_code == 0 and "3 finding(s) in 2025" in table.output


def test_the_page_lists_the_most_findings_first_and_says_when_it_stops(
    client: TestClient, make_token, clock, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A year of a whole world has thousands of pair-quarters: the page lists the ones with
    the most findings (and the first certificates behind them) and says how many it left
    to the CSV."""
    from kpcs.web.routes import analysis

    w = _world(client, make_token, clock)
    clock.at = datetime(2025, 1, 10, 9, 0, tzinfo=UTC)
    india = certificate_body(importing_country="IN")
    assert client.post("/api/v1/certificates", json=india, headers=w["bw"]).status_code == 201
    clock.at = datetime(2025, 3, 20, 9, 0, tzinfo=UTC)
    wgs = auth(make_token(Role.STATISTICS))
    whole = client.get("/statistics/reconciliation", params={"year": 2025}, headers=wgs).text
    assert whole.index('data-importer="EU"') < whole.index('data-importer="IN"')  # 3 findings, then 1
    assert 'id="pairs-shown"' not in whole

    monkeypatch.setattr(analysis, "PAGE_PAIRS", 1)
    monkeypatch.setattr(analysis, "PAGE_CERTIFICATES", 1)
    cut = client.get("/statistics/reconciliation", params={"year": 2025}, headers=wgs).text
    assert 'data-importer="EU"' in cut and 'data-importer="IN"' not in cut
    assert "The 1 pair-quarters with the most findings are listed, of 2" in cut
    assert "<strong>4</strong> findings over 2 pair-quarters" in cut  # the totals count every pair
    mine = client.get("/statistics/reconciliation", params={"year": 2025, "participant": "BW"}, headers=wgs)
    assert mine.text.count("data-finding=") == 1
    assert "The first 1 of 3 certificates are listed" in mine.text
    everything = client.get("/statistics/reconciliation", params={"year": 2025, "format": "csv"}, headers=wgs)
    assert len(list(csv.DictReader(io.StringIO(everything.text)))) == 2  # the CSV keeps every pair
