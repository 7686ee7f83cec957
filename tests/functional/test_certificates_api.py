"""Certificates through the HTTP API, as national systems use it (CONTRACT.md)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth, certificate_body

CERTIFICATE_FIELDS = {
    "number",
    "status",
    "exporting_country",
    "importing_country",
    "exporter",
    "importer",
    "parcel_count",
    "lines",
    "issued_on",
    "expires_on",
    "issuing_authority",
    "credential",
    "warnings",
}


def test_issue_returns_the_certificate_object(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    response = client.post("/api/v1/certificates", json=certificate_body(), headers=bw)
    assert response.status_code == 201, response.text
    cert = response.json()
    assert set(cert) >= CERTIFICATE_FIELDS
    assert cert["number"].startswith("BW-") and cert["status"] == "issued"
    assert cert["lines"][0] == {
        "hs_code": "7102.31",
        "origin": "BW",
        "carats": 1520.35,
        "value_usd": 310250.0,
    }
    assert cert["issuing_authority"] and cert["credential"].count(".") == 2
    assert cert["warnings"] == []
    assert client.get(f"/api/v1/certificates/{cert['number']}", headers=bw).json()["timeline"][0][
        "event"
    ] == ("issued and signed")


def test_refusals_name_field_and_rule(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    body = certificate_body(
        importing_country="BW",
        lines=[{"hs_code": "7102.39", "origin": "XX", "carats": 1.005, "value_usd": -3}],
    )
    response = client.post("/api/v1/certificates", json=body, headers=bw)
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["detail"]}
    assert {
        "importing_country",
        "lines.0.hs_code",
        "lines.0.origin",
        "lines.0.carats",
        "lines.0.value_usd",
    } <= fields
    hs = next(p for p in response.json()["detail"] if p["field"] == "lines.0.hs_code")
    assert "worked" in hs["message"]
    assert client.get("/api/v1/certificates", headers=bw).json() == []


def test_schema_errors_are_422_not_500(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    for body in (
        {},
        {"lines": "many"},
        certificate_body(parcel_count="three"),
        certificate_body(colour="red"),
        certificate_body(exporting_country="BWA"),
        certificate_body(expires_on="soon"),
    ):
        response = client.post("/api/v1/certificates", json=body, headers=bw)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"]


def test_who_may_issue(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/certificates", json=certificate_body()).status_code == 401
    for role, participant in ((Role.CUSTOMS, "BW"), (Role.ADMIN, None), (Role.STATISTICS, None)):
        headers = auth(make_token(role, participant))
        assert (
            client.post("/api/v1/certificates", json=certificate_body(), headers=headers).status_code == 403
        )
    india = auth(make_token(Role.AUTHORITY, "IN"))
    refused = client.post("/api/v1/certificates", json=certificate_body(), headers=india)
    assert refused.status_code == 422 and refused.json()["detail"][0]["rule"] == "own-participant"


def test_lists_inbox_and_filters(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    eu = auth(make_token(Role.AUTHORITY, "EU"))
    first = client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()
    second = client.post(
        "/api/v1/certificates", json=certificate_body(importing_country="IN"), headers=bw
    ).json()
    outgoing = client.get("/api/v1/certificates", params={"direction": "outgoing"}, headers=bw).json()
    assert [c["number"] for c in outgoing] == [second["number"], first["number"]]  # newest first
    inbox = client.get("/api/v1/certificates", params={"direction": "incoming"}, headers=eu).json()
    assert [c["number"] for c in inbox] == [first["number"]]
    assert client.get("/api/v1/certificates", params={"direction": "incoming"}, headers=bw).json() == []
    assert client.get("/api/v1/certificates", params={"status": "confirmed"}, headers=bw).json() == []
    assert client.get("/api/v1/certificates", params={"direction": "sideways"}, headers=bw).status_code == 422
    assert client.get(f"/api/v1/certificates/{second['number']}", headers=eu).status_code == 404
    assert client.get("/api/v1/certificates", headers=auth(make_token(Role.AUTHORITY, "ZW"))).json() == []


def test_return_slip_and_unconfirmed(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    eu = auth(make_token(Role.AUTHORITY, "EU"))
    cert = client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()
    number = cert["number"]
    assert [
        c["number"]
        for c in client.get("/api/v1/certificates/unconfirmed", params={"days": 0}, headers=bw).json()
    ] == [number]
    refused = client.post(
        f"/api/v1/certificates/{number}/import-confirmation", json={"received_on": "2025-03-03"}, headers=bw
    )
    assert refused.status_code == 403
    confirmed = client.post(
        f"/api/v1/certificates/{number}/import-confirmation",
        json={"received_on": "2025-03-03", "parcels_received": 2},
        headers=eu,
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    seen_by_exporter = client.get(f"/api/v1/certificates/{number}", headers=bw).json()
    assert seen_by_exporter["confirmation"]["discrepancies"] == [
        {"field": "parcel_count", "certificate": 3, "received": 2}
    ]
    again = client.post(
        f"/api/v1/certificates/{number}/import-confirmation", json={"received_on": "2025-03-03"}, headers=eu
    )
    assert again.status_code == 422 and "already confirmed" in again.text
    assert client.get("/api/v1/certificates/unconfirmed", params={"days": 0}, headers=bw).json() == []
    bad_date = client.post(
        f"/api/v1/certificates/{number}/import-confirmation", json={"received_on": "March"}, headers=eu
    )
    assert bad_date.status_code == 422


def test_cancellation_by_exporter(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    eu = auth(make_token(Role.AUTHORITY, "EU"))
    number = client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()["number"]
    assert (
        client.post(
            f"/api/v1/certificates/{number}/cancellation", json={"reason": "printing_error"}, headers=eu
        ).status_code
        == 403
    )
    response = client.post(
        f"/api/v1/certificates/{number}/cancellation", json={"reason": "Printing error"}, headers=bw
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["cancellation"]["reason"] == "printing_error"
    again = client.post(
        f"/api/v1/certificates/{number}/cancellation", json={"reason": "printing_error"}, headers=bw
    )
    assert again.status_code == 409
    confirm = client.post(
        f"/api/v1/certificates/{number}/import-confirmation", json={"received_on": "2025-03-03"}, headers=eu
    )
    assert confirm.status_code == 422 and "cancelled" in confirm.text


def test_pdf_is_a_real_pdf(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    number = client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()["number"]
    response = client.get(f"/api/v1/certificates/{number}/pdf", headers=bw)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 5000
    assert client.get(f"/api/v1/certificates/{number}/pdf").status_code == 401
    assert (
        client.get(
            f"/api/v1/certificates/{number}/pdf", headers=auth(make_token(Role.AUTHORITY, "ZW"))
        ).status_code
        == 404
    )


def test_issue_is_audited_and_check_endpoint(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    problems = client.post(
        "/api/v1/certificates/check", json=certificate_body(importing_country="KE"), headers=bw
    )
    assert problems.status_code == 200
    assert [p["rule"] for p in problems.json()["problems"]] == ["participants-only"]
    assert client.post("/api/v1/certificates/check", json=certificate_body(), headers=bw).json() == {
        "problems": []
    }
    number = client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()["number"]
    events = client.get(
        "/api/v1/audit", params={"object_id": number}, headers=auth(make_token(Role.ADMIN))
    ).json()
    assert [e["tag"] for e in events] == ["certificate:issued"]


def test_reminders_chase_the_importer_once_a_day(client: TestClient, make_token, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    bw, eu, admin = (
        make_token(Role.AUTHORITY, "BW"),
        make_token(Role.AUTHORITY, "EU"),
        make_token(Role.ADMIN),
    )
    number = client.post("/api/v1/certificates", json=certificate_body(), headers=auth(bw)).json()["number"]
    other = client.post("/api/v1/certificates", json=certificate_body(), headers=auth(bw)).json()["number"]
    reminded = client.post(
        f"/api/v1/certificates/{number}/reminders", json={"note": "Courier says delivered"}, headers=auth(bw)
    )
    assert reminded.status_code == 201, reminded.text
    assert reminded.json()["route"] == "here" and reminded.json()["note"] == "Courier says delivered"
    twice = client.post(f"/api/v1/certificates/{number}/reminders", json={}, headers=auth(bw))
    assert twice.status_code == 422 and twice.json()["detail"][0]["rule"] == "one-reminder-a-day"
    assert (
        client.post(f"/api/v1/certificates/{number}/reminders", json={}, headers=auth(eu)).status_code == 403
    )

    clock.at += timedelta(days=1)
    everyone = client.post("/api/v1/certificates/unconfirmed/reminders", json={"days": 1}, headers=auth(bw))
    assert everyone.status_code == 200, everyone.text
    assert sorted(everyone.json()["sent"]) == sorted([number, other]) and everyone.json()["skipped"] == {}
    assert (
        client.post(
            "/api/v1/certificates/unconfirmed/reminders", json={"days": -1}, headers=auth(bw)
        ).status_code
        == 422
    )

    detail = client.get(f"/api/v1/certificates/{number}", headers=auth(eu)).json()
    assert [r["note"] for r in detail["reminders"]] == ["Courier says delivered", None]
    assert [t["event"] for t in detail["timeline"]].count("reminder sent to the importing authority") == 2
    row = next(
        r
        for r in client.get("/api/v1/certificates/unconfirmed?days=0", headers=auth(bw)).json()
        if r["number"] == number
    )
    assert row["reminders"] == 2 and row["last_reminded_at"].startswith(clock.today().isoformat())

    confirmed = client.post(
        f"/api/v1/certificates/{number}/import-confirmation",
        json={"received_on": clock.today().isoformat()},
        headers=auth(eu),
    )
    assert confirmed.status_code == 200
    clock.at += timedelta(days=1)
    late = client.post(f"/api/v1/certificates/{number}/reminders", json={}, headers=auth(bw))
    assert late.status_code == 422 and "already confirmed" in late.text
    events = client.get(
        "/api/v1/audit", params={"tag": "certificate:reminder-sent"}, headers=auth(admin)
    ).json()
    assert len(events) == 3 and {e["object_id"] for e in events} == {number, other}
