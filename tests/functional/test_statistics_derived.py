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


def test_trade_derived_from_certificates_stands_in_where_nothing_was_reported(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, clock
) -> None:
    botswana = auth(make_token(Role.AUTHORITY, "BW"))
    for _ in range(2):
        assert (
            client.post("/api/v1/certificates", json=certificate_body(), headers=botswana).status_code == 201
        )
    summary = {r["participant"]: r for r in client.get("/api/v1/statistics/summary?year=2025").json()["rows"]}
    # Two certificates of 1,720.35 ct (two lines) each, issued by BW: its exports, marked derived.
    assert summary["BW"]["trade_source"] == "derived"
    assert summary["BW"]["export_certificates"] == 2
    assert summary["BW"]["export_carats"] == 3440.70
    assert "EU" not in summary  # not confirmed yet: no imports, and no production in 2025
    page = client.get("/statistics?year=2025")
    assert "(c)" in page.text and "derived from the participant" in page.text

    reported = HEADER + "BW,2025-Q1,export,EU,7102.31,5.00,500.00,1\n"
    assert (
        client.post(
            "/api/v1/statistics/submissions", files={"file": ("t.csv", reported.encode())}, headers=botswana
        ).status_code
        == 201
    )
    summary = {r["participant"]: r for r in client.get("/api/v1/statistics/summary?year=2025").json()["rows"]}
    assert summary["BW"]["trade_source"] == "reported" and summary["BW"]["export_carats"] == 5.0
    history = {r["year"]: r for r in client.get("/api/v1/statistics/participants/BW").json()}
    assert history[2025]["trade_source"] == "reported" and history[2023]["trade_source"] is None

    # After the quarter, BW's certificates cover its Q1 trade; the EU's Q1 is owed as usual.
    clock.at = clock.at.replace(month=7, day=1)
    cases = client.get("/api/v1/statistics/compliance", params={"year": 2025}).json()
    by_key = {(c["participant"], c["kind"], c["period"]): c["standing"] for c in cases}
    assert by_key[("BW", "trade", "2025-Q1")] == "on time"  # the spreadsheet above
    assert by_key[("EU", "trade", "2025-Q1")] == "missing"
    assert by_key[("BW", "trade", "2025-Q2")] == "not yet due"
    india = auth(make_token(Role.AUTHORITY, "IN"))
    body = certificate_body(exporting_country="IN", importing_country="AE")
    assert client.post("/api/v1/certificates", json=body, headers=india).status_code == 201
    clock.at = clock.at.replace(month=10, day=5)
    cases = client.get("/api/v1/statistics/compliance", params={"year": 2025, "participant": "IN"}).json()
    by_period = {(c["kind"], c["period"]): c["standing"] for c in cases}
    assert by_period[("trade", "2025-Q3")] == "from certificates"
    assert by_period[("trade", "2025-Q1")] == "missing"


def test_derived_page_and_csv(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    botswana = make_token(Role.AUTHORITY, "BW")
    assert (
        client.post("/api/v1/certificates", json=certificate_body(), headers=auth(botswana)).status_code
        == 201
    )
    india = make_token(Role.AUTHORITY, "IN")
    body = certificate_body(exporting_country="IN", importing_country="AE")
    assert client.post("/api/v1/certificates", json=body, headers=auth(india)).status_code == 201

    page = client.get("/statistics/derived?year=2025", headers=auth(botswana))
    assert page.status_code == 200
    assert 'data-key="BW/2025-Q1/export/EU/7102.31"' in page.text
    assert "IN/2025" not in page.text  # an authority sees its own participant only
    sneaky = client.get("/statistics/derived?year=2025&participant=IN", headers=auth(botswana))
    assert "IN/2025" not in sneaky.text
    statistics = auth(make_token(Role.STATISTICS))
    reported = (
        HEADER
        + "BW,2025-Q1,export,EU,7102.31,1000.00,300000.00,1\nBW,2025-Q1,export,IN,7102.10,5.00,50.00,1\n"
    )
    files = {"file": ("t.csv", reported.encode())}
    assert client.post("/api/v1/statistics/submissions", files=files, headers=statistics).status_code == 201
    everyone = client.get("/statistics/derived?year=2025", headers=statistics)
    row = everyone.text.split('data-key="BW/2025-Q1/export"')[1].split("</tr>")[0]
    # Derived 1,720.35 ct on one certificate; reported 1,005 ct on two partners' rows.
    assert "<td>2</td>" in row and "1,720.35" in row and "1,005.00" in row and "-715.35" in row
    # The whole world: totals per participant, quarter and flow, linking to the detail.
    assert 'data-key="IN/2025-Q1/export"' in everyone.text and 'data-key="BW/2025-Q1/export"' in everyone.text
    assert "/statistics/derived?year=2025&participant=IN" in everyone.text
    detail = client.get("/statistics/derived?year=2025&participant=IN", headers=statistics)
    assert 'data-key="IN/2025-Q1/export/AE/7102.31"' in detail.text
    full = client.get("/statistics/derived?year=2025&format=csv", headers=statistics).text
    assert ",AE,7102.31," in full and ",EU,7102.31," in full
    csv_text = client.get("/statistics/derived?year=2025&format=csv", headers=auth(botswana)).text
    header, *lines = csv_text.strip().splitlines()
    assert header.startswith("participant,period,flow,partner,hs_code,derived_carats,reported_carats")
    assert lines and all(line.startswith("BW,2025-Q1,export,") for line in lines)
    assert "BW,2025-Q1,export,IN,7102.10,,5.0,,,50.0,,,1," in lines  # reported only
    assert client.get("/statistics/derived?year=2024", headers=auth(botswana)).text.count("data-key=") == 0
    anonymous = client.get("/statistics/derived", follow_redirects=False)
    assert anonymous.status_code == 303 and "sign-in" in anonymous.headers["location"]
