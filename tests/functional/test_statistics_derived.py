"""Trade derived from certificates, beside the reported figures (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth, certificate_body

HEADER = "participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"


def test_derived_exports_and_imports_beside_reported(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    numbers = []
    for _ in range(3):
        issued = client.post("/api/v1/certificates", json=certificate_body(), headers=botswana)
        assert issued.status_code == 201
        numbers.append(issued.json()["number"])
    cancelled = client.post(
        f"/api/v1/certificates/{numbers[2]}/cancellation", json={"reason": "printing_error"}, headers=botswana
    )
    assert cancelled.status_code == 200
    eu = auth(make_token(Role.AUTHORITY, "EU"))
    confirmed = client.post(
        f"/api/v1/certificates/{numbers[0]}/import-confirmation",
        json={"received_on": "2025-03-03"},
        headers=eu,
    )
    assert confirmed.status_code == 200
    reported = HEADER + "BW,2025-Q1,export,EU,7102.31,3000.00,620000.00,2\n"
    assert (
        client.post(
            "/api/v1/statistics/submissions", files={"file": ("t.csv", reported.encode())}, headers=botswana
        ).status_code
        == 201
    )

    rows = client.get(
        "/api/v1/statistics/derived", params={"participant": "BW", "year": 2025}, headers=botswana
    ).json()
    by_key = {(r["flow"], r["partner"], r["hs_code"]): r for r in rows}
    rough = by_key[("export", "EU", "7102.31")]
    # Two certificates count (the third was cancelled), each with 1,520.35 ct of 7102.31.
    assert rough["derived_carats"] == 3040.70 and rough["derived_certificates"] == 2
    assert rough["reported_carats"] == 3000.0 and rough["carats_difference"] == -40.70
    assert rough["derived_value_usd"] == 620500.0 and rough["value_usd_difference"] == -500.0
    assert rough["certificates_difference"] == 0
    mixed = by_key[("export", "EU", "7102.21")]
    assert mixed["derived_carats"] == 400.0 and mixed["reported_carats"] is None
    imports = client.get(
        "/api/v1/statistics/derived", params={"participant": "EU", "year": 2025}, headers=eu
    ).json()
    assert [(r["flow"], r["partner"], r["hs_code"], r["derived_certificates"]) for r in imports] == [
        ("import", "BW", "7102.21", 1),
        ("import", "BW", "7102.31", 1),
    ]
    india = auth(make_token(Role.AUTHORITY, "IN"))
    assert (
        client.get("/api/v1/statistics/derived", params={"participant": "BW"}, headers=india).status_code
        == 403
    )
    assert client.get("/api/v1/statistics/derived", headers=india).status_code == 422
    assert client.get("/api/v1/statistics/derived", params={"participant": "BW"}).status_code == 401
    everyone = client.get(
        "/api/v1/statistics/derived", params={"year": 2025}, headers=auth(make_token(Role.STATISTICS))
    ).json()
    assert {r["participant"] for r in everyone} == {"BW", "EU"}
