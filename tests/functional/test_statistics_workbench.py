"""The anomaly workbench (``/statistics/anomalies``) over a realistic year submitted as any
participant would (an independently written generator, real participant codes): the findings
first by severity, the missing returns apart, filters, pages and the CSV, questionnaires
drawn up from the findings picked, and thresholds stored by earlier versions (SQLite and
PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.statistics.anomalies import FINDING_TYPES, Anomaly
from kpcs.statistics.models import AnomalyThresholds
from tests.conftest import auth
from tests.factories.independent_world import generate

PAGE = "/statistics/anomalies"
API = "/api/v1/statistics/anomalies"
YEAR = 2024
HTMX = {"HX-Request": "true"}
_ROW = re.compile(
    r'<tr data-type="(?P<type>[^"]*)" data-participant="(?P<participant>[^"]*)" '
    r'data-partner="(?P<partner>[^"]*)" data-period="(?P<period>[^"]*)" data-severity="(?P<severity>[^"]*)">'
)
_MISSING = re.compile(
    r'<li data-participant="(?P<participant>[^"]*)" data-kind="(?P<kind>[^"]*)">(?P<text>.*?)</li>'
)


@pytest.fixture
def year(client: TestClient, make_token) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A realistic year (2024, two years of history) submitted through the API, and its
    anomalies as the contract's API gives them."""
    world = generate(1, year=YEAR)
    statistics = make_token(Role.STATISTICS)
    for name, content in (("trade.csv", world.trade_csv()), ("production.csv", world.production_csv())):
        done = client.post(
            "/api/v1/statistics/submissions",
            files={"file": (name, content.encode())},
            headers=auth(statistics),
        )
        assert done.status_code == 201, done.text[:500]
    found = [Anomaly(**a) for a in client.get(API, params={"year": YEAR}, headers=auth(statistics)).json()]
    findings = [a for a in found if a.type in FINDING_TYPES]
    # The year has something of every kind for the filters to choose from.
    assert {a.type for a in findings} == set(FINDING_TYPES) and len(findings) >= 10
    assert len({a.severity for a in findings}) >= 2
    return {"token": statistics, "headers": auth(statistics), "anomalies": found, "findings": findings}


def test_thresholds_stored_by_an_earlier_version_are_ignored(
    client: TestClient, session_factory, year
) -> None:  # type: ignore[no-untyped-def]
    headers = year["headers"]
    with session_factory() as session:
        session.add(
            AnomalyThresholds(
                values={"mirror_ratio": 2.5, "unit_value_z": 4, "mirror_value_di": 0.2, "cif_fob_factor": 7},
                note="before the detectors were rewritten",
                set_at=datetime(2024, 6, 1, tzinfo=UTC),
                set_by="user:wgs",
            )
        )
        session.commit()
    page = client.get(PAGE, params={"year": YEAR}, headers=headers)
    assert page.status_code == 200
    ignored = page.text[page.text.index('id="thresholds-ignored"') :]
    for name in ("mirror_ratio", "unit_value_z", "cif_fob_factor"):
        assert f"<code>{name}</code>" in ignored
    assert "no longer a threshold" in ignored and "4 stored values ignored" not in page.text
    assert "3 stored values ignored" in page.text
    assert client.get(API, params={"year": YEAR}, headers=headers).status_code == 200
    listed = client.get("/api/v1/statistics/anomaly-thresholds", headers=headers).json()
    by_name = {t["name"]: t["value"] for t in listed["thresholds"]}
    assert by_name["mirror_value_di"] == 0.2 and by_name["cif_fob_factor"] == 1.06
    assert set(listed["set"]["ignored"]) == {"mirror_ratio", "unit_value_z", "cif_fob_factor"}
    # Saving the thresholds again keeps what is usable and drops the rest.
    put = client.put("/api/v1/statistics/anomaly-thresholds", json={"values": {"transit_share": 0.3}},
                     headers=headers)  # fmt: skip
    assert put.status_code == 200
    listed = client.get("/api/v1/statistics/anomaly-thresholds", headers=headers).json()
    assert listed["set"]["changed"] == {"mirror_value_di": 0.2, "transit_share": 0.3}
    assert listed["set"]["ignored"] == {}
    assert 'id="thresholds-ignored"' not in client.get(PAGE, params={"year": YEAR}, headers=headers).text
