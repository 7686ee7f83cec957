"""The assessment of a proposed export through the API, the page and the CLI, over five
years of submitted exports (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth, certificate_body

URL = "/api/v1/statistics/export-assessments"
PRICES = {"BW": 150.0, "ZA": 120.0, "RU": 110.0, "AO": 300.0, "CD": 30.0, "NA": 500.0}


def _submit_history(client: TestClient, token: str) -> None:
    lines = ["participant,period,flow,partner,hs_code,carats,value_usd,certificates"]
    for code, price in PRICES.items():
        for q in range(16):
            carats = 10_000 + 500 * q
            value = carats * price * (1 + 0.08 * math.sin(q * 1.7 + len(code)))
            lines.append(f"{code},{2021 + q // 4}-Q{q % 4 + 1},export,EU,7102.31,{carats:.2f},{value:.2f},20")
    done = client.post(
        "/api/v1/statistics/submissions", files={"file": ("t.csv", "\n".join(lines))}, headers=auth(token)
    )
    assert done.status_code == 201, done.text


def test_assessing_through_the_api_the_page_and_the_cli(client: TestClient, make_token, cli) -> None:  # type: ignore[no-untyped-def]
    _submit_history(client, make_token(Role.STATISTICS))
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    usual = {"exporter": "BW", "carats": 600, "value_usd": 90_000, "hs_code": "7102.31", "origin": "BW"}
    report = client.post(URL, json=usual, headers=botswana)
    assert report.status_code == 200, report.text
    checks = {c["name"]: c for c in report.json()["checks"]}
    assert report.json()["level"] in ("ordinary", "not enough history")
    assert checks["own history"]["level"] == "ordinary" and checks["own history"]["points"] == 16
    assert checks["other exporters"]["points"] == 5

    cheap = client.post(URL, json={**usual, "value_usd": 600 * 40}, headers=botswana).json()
    own = next(c for c in cheap["checks"] if c["name"] == "own history")
    assert cheap["level"] == "unusual" and own["level"] == "unusual" and "undervalued" in own["explanation"]

    wrong = client.post(URL, json={**usual, "exporter": "XX", "hs_code": "7102.39", "origin": "QQ"},
                        headers=auth(make_token(Role.STATISTICS)))  # fmt: skip
    assert wrong.status_code == 422
    named = wrong.text
    assert all(field in named for field in ("exporter", "hs_code", "origin"))
    assert client.post(URL, json={**usual, "carats": 0}, headers=botswana).status_code == 422
    india = auth(make_token(Role.AUTHORITY, "IN"))
    assert client.post(URL, json=usual, headers=india).status_code == 403
    assert client.post(URL, json=usual).status_code == 401

    page = client.get("/statistics/assess", params=usual, headers=botswana)
    assert page.status_code == 200 and 'data-check="own history" data-level="ordinary"' in page.text
    empty = client.get("/statistics/assess", headers=botswana)
    assert empty.status_code == 200 and 'id="assessment"' not in empty.text and 'value="BW"' in empty.text
    bad = client.get("/statistics/assess", params={**usual, "carats": "many"}, headers=botswana)
    assert bad.status_code == 422 and 'data-field="carats"' in bad.text
    assert "<strong>Carats</strong>:" in bad.text  # named as the form labels it

    printed = cli("statistics", "assess", "--exporter", "BW", "--carats", "600", "--value", "24000",
                  "--hs-code", "7102.31", "--origin", "BW", "--json")  # fmt: skip
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == cheap


def test_a_participant_that_only_issues_in_kpcs_is_assessed_on_its_certificates(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, clock
) -> None:
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    today = clock.at
    for month in (2, 5, 8, 11):  # one certificate a quarter of 2024, nothing reported
        clock.at = datetime(2024, month, 1, 9, 0, tzinfo=UTC)
        assert (
            client.post("/api/v1/certificates", json=certificate_body(), headers=botswana).status_code == 201
        )
    clock.at = today
    # certificate_body(): 1,520.35 ct of 7102.31 for US$310,250 (US$204.07/ct) on each.
    usual = {
        "exporter": "BW",
        "carats": 1500,
        "value_usd": 1500 * 204.07,
        "hs_code": "7102.31",
        "origin": "BW",
    }
    report = client.post(URL, json=usual, headers=botswana).json()
    own = next(c for c in report["checks"] if c["name"] == "own history")
    assert own["points"] == 4 and own["median"] == pytest.approx(204.07, abs=0.01)
    assert own["level"] == "ordinary"
