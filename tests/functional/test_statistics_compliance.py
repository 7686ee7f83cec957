"""Statistical compliance through the API, the CLI and the page (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth

HEADER = "participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"


def test_missing_late_and_escalations(client: TestClient, cli, make_token, clock) -> None:  # type: ignore[no-untyped-def]
    # The test clock stands on 2025-03-03: 2024's Q4 trade (due 2025-02-28) is 3 days overdue.
    statistics = make_token(Role.STATISTICS)
    done = client.post(
        "/api/v1/statistics/submissions",
        files={"file": ("t.csv", (HEADER + "BW,2024-Q4,export,EU,7102.31,10,100,1\n").encode())},
        headers=auth(statistics),
    )
    assert done.status_code == 201
    cases = client.get("/api/v1/statistics/compliance", params={"year": 2024, "participant": "BW"}).json()
    by_period = {(c["kind"], c["period"]): c for c in cases}
    assert by_period[("trade", "2024-Q4")]["standing"] == "late"  # submitted today, 3 days after the deadline
    assert by_period[("trade", "2024-Q4")]["days_late"] == 3
    assert by_period[("trade", "2024-Q1")]["standing"] == "missing"
    assert by_period[("production", "2024-H2")]["standing"] == "missing"
    assert by_period[("trade", "2024-Q1")]["days_late"] == (clock.today() - date(2024, 5, 31)).days
    step = {
        "participant": "BW",
        "kind": "trade",
        "period": "2024-Q1",
        "step": "reminder",
        "taken_on": "2024-06-15",
    }
    assert (
        client.post(
            "/api/v1/statistics/escalations", json=step, headers=auth(make_token(Role.AUTHORITY, "BW"))
        ).status_code
        == 403
    )
    recorded = client.post(
        "/api/v1/statistics/escalations", json=step | {"note": "e-mail of 15 June"}, headers=auth(statistics)
    )
    assert recorded.status_code == 201, recorded.text
    wrong = client.post(
        "/api/v1/statistics/escalations", json=step | {"step": "scolding"}, headers=auth(statistics)
    )
    assert wrong.status_code == 422 and "reminder" in wrong.text
    wrong_period = client.post(
        "/api/v1/statistics/escalations", json=step | {"period": "2024-H1"}, headers=auth(statistics)
    )
    assert wrong_period.status_code == 422
    letter = cli(
        "statistics",
        "escalate",
        "--participant",
        "BW",
        "--period",
        "2024-Q1",
        "--step",
        "chair-letter",
        "--taken-on",
        "2024-09-01",
    )
    assert letter.exit_code == 0, letter.output
    report = cli("statistics", "compliance", "--year", "2024", "--participant", "BW", "--json")
    assert report.exit_code == 0
    listed = {(c["kind"], c["period"]): c for c in json.loads(report.output)}
    assert [s["step"] for s in listed[("trade", "2024-Q1")]["steps"]] == ["reminder", "chair-letter"]
    assert ("trade", "2024-Q4") in listed  # late cases are listed too
    page = client.get("/statistics/compliance", params={"year": 2024})
    assert page.status_code == 200
    assert (
        "letter from the KP Chair" in page.text
        and "reminder by the WGS chair (e-mail of 15 June)" in page.text
    )
