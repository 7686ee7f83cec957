"""The rest of the Core Document on the certificate, through the HTTP API: the optional
elements of Annex I (container and seals, transit, quality, additional data) issued,
stored, signed, verified and printed; the origin rule with the date of departure; the
return slip's HS codes and seals, and what a mismatch shows the issuer."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth, certificate_body
from tests.pdf import page_texts

OPTIONAL = {
    "container": {
        "description": "steel case, sealed by the Government Diamond Valuator",
        "seal_numbers": ["BW-S-004512", "BW-S-004513"],
        "transparent_security_bags": True,
        "number_on_container": True,
    },
    "transit": ["AE"],
    "quality_characteristics": "gem quality, +10.8 ct sawables",
    "additional_information": "export permit GDV-2025-117",
}


def _subject(credential: str) -> dict[str, Any]:
    payload = credential.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    subject: dict[str, Any] = decoded["credentialSubject"]
    return subject


def _issue(client: TestClient, headers: dict[str, str]) -> str:
    response = client.post("/api/v1/certificates", json=certificate_body(**OPTIONAL), headers=headers)
    assert response.status_code == 201, response.text
    number: str = response.json()["number"]
    return number


def _suspend(client: TestClient, make_token, code: str, since: str) -> None:  # type: ignore[no-untyped-def]
    body = {"status": "suspended", "reason": "Administrative Decision (test)", "effective_on": since}
    admin = auth(make_token(Role.ADMIN))
    response = client.post(f"/api/v1/participants/{code}/status", json=body, headers=admin)
    assert response.status_code == 201, response.text


def test_optional_elements_are_issued_signed_verified_and_printed(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    response = client.post("/api/v1/certificates", json=certificate_body(**OPTIONAL), headers=bw)
    assert response.status_code == 201, response.text
    cert = response.json()
    for name, value in OPTIONAL.items():
        assert cert[name] == value, name
    # Stored: read back, the same.
    again = client.get(f"/api/v1/certificates/{cert['number']}", headers=bw).json()
    assert {name: again[name] for name in OPTIONAL} == OPTIONAL

    subject = _subject(cert["credential"])
    for name, value in OPTIONAL.items():
        assert subject[name] == value, name

    verified = client.post("/api/v1/verify", json={"credential": cert["credential"]}).json()
    assert verified["valid"] is True, verified["problems"]
    assert verified["certificate"]["container"]["seal_numbers"] == ["BW-S-004512", "BW-S-004513"]
    assert verified["certificate"]["transit"] == ["AE"]
    page = client.post("/verify", data={"credential": cert["credential"]})
    assert "BW-S-004512, BW-S-004513" in page.text and "Diamond Valuator" in page.text

    pdf = client.get(f"/api/v1/certificates/{cert['number']}/pdf", headers=bw)
    text = " ".join(page_texts(pdf.content))
    assert "Seal numbers BW-S-004512, BW-S-004513" in text
    assert "transparent security bags" in text and f"certificate number {cert['number']} replicated" in text
    assert "United Arab Emirates (AE)" in text and "+10.8 ct sawables" in text and "GDV-2025-117" in text


def test_a_certificate_without_them_reads_and_signs_as_before(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    cert = client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()
    subject = _subject(cert["credential"])
    assert set(subject) == {
        "title",
        "statement",
        "number",
        "issuing_participant",
        "issuing_authority",
        "exporting_country",
        "importing_country",
        "importing_participant",
        "exporter",
        "importer",
        "parcel_count",
        "lines",
        "total_carats",
        "total_value_usd",
        "issued_on",
        "expires_on",
    }
    assert all(set(line) == {"hs_code", "origin", "carats", "value_usd"} for line in subject["lines"])
    assert all(set(line) == {"hs_code", "origin", "carats", "value_usd"} for line in cert["lines"])
    assert cert["container"] is None and cert["transit"] == []
    assert client.post("/api/v1/verify", json={"credential": cert["credential"]}).json()["valid"] is True
    text = " ".join(page_texts(client.get(f"/api/v1/certificates/{cert['number']}/pdf", headers=bw).content))
    assert "Optional elements" not in text


def test_wrong_optional_elements_are_refused_naming_the_field(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"transit": ["BW"]}, "transit.0", "exporter's participant"),
        ({"transit": ["EU"]}, "transit.0", "importer's participant"),
        ({"transit": ["AE", "CH", "AE"]}, "transit.2", "listed twice"),
        ({"transit": ["FR"]}, "transit.0", "name the participant, EU"),
        ({"transit": ["QQ"]}, "transit.0", "not in the registry"),
        ({"transit": ["WDC"]}, "transit.0", "observer"),
        ({"container": {"seal_numbers": ["A1", "a1"]}}, "container.seal_numbers.1", "listed twice"),
        ({"container": {"seal_numbers": ["A1", " "]}}, "container.seal_numbers.1", "blank"),
        ({"container": {"seal_numbers": ["S" * 51]}}, "container.seal_numbers.0", "at most 50"),
        ({"container": {}}, "container", "describe the tamper-resistant container"),
        ({"quality_characteristics": "x" * 2001}, "quality_characteristics", ""),
        ({"container": {"colour": "red"}}, "container.colour", ""),
    ]
    for change, field, words in cases:
        response = client.post("/api/v1/certificates", json=certificate_body(**change), headers=bw)
        assert response.status_code == 422, (change, response.text)
        problems = {p["field"]: p["message"] for p in response.json()["detail"]}
        assert field in problems, (change, problems)
        assert words in problems[field], (change, problems[field])
    assert client.get("/api/v1/certificates", headers=bw).json() == []


def test_a_line_from_a_suspended_origin_needs_a_departure_before_the_suspension(
    client: TestClient,
    make_token,  # type: ignore[no-untyped-def]
) -> None:
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    _suspend(client, make_token, "ZW", "2025-01-15")

    def line(**extra: Any) -> dict[str, Any]:
        return {"hs_code": "7102.31", "origin": "ZW", "carats": 100, "value_usd": 9000} | extra

    refused = client.post("/api/v1/certificates", json=certificate_body(lines=[line()]), headers=bw)
    assert refused.status_code == 422
    problem = refused.json()["detail"][0]
    assert problem["field"] == "lines.0.origin" and problem["rule"] == "origin-barred"
    assert "suspended since 2025-01-15" in problem["message"]

    late = certificate_body(lines=[line(departed_origin_on="2025-01-15")])
    problem = client.post("/api/v1/certificates", json=late, headers=bw).json()["detail"][0]
    assert problem["field"] == "lines.0.departed_origin_on" and problem["rule"] == "origin-barred"

    future = certificate_body(lines=[line(departed_origin_on="2025-03-04")])
    problems = client.post("/api/v1/certificates", json=future, headers=bw).json()["detail"]
    assert "departure-date" in {p["rule"] for p in problems}
    assert client.get("/api/v1/certificates", headers=bw).json() == []

    # A mixed line names no origin to check; a line of another origin is not concerned.
    mixed = certificate_body(lines=[line(origin="mixed"), line(origin="BW")])
    assert client.post("/api/v1/certificates", json=mixed, headers=bw).status_code == 201

    early = certificate_body(lines=[line(departed_origin_on="2025-01-14")])
    issued = client.post("/api/v1/certificates", json=early, headers=bw)
    assert issued.status_code == 201, issued.text
    cert = issued.json()
    assert cert["lines"][0]["departed_origin_on"] == "2025-01-14"
    assert _subject(cert["credential"])["lines"][0]["departed_origin_on"] == "2025-01-14"
    verified = client.post("/api/v1/verify", json={"credential": cert["credential"]}).json()
    assert verified["valid"] and verified["certificate"]["lines"][0]["departed_origin_on"] == "2025-01-14"
    text = " ".join(page_texts(client.get(f"/api/v1/certificates/{cert['number']}/pdf", headers=bw).content))
    assert "left origin 2025-01-14" in text


def test_the_return_slip_records_hs_codes_and_seals_and_the_issuer_sees_a_mismatch(
    client: TestClient,
    make_token,  # type: ignore[no-untyped-def]
) -> None:
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    eu = auth(make_token(Role.AUTHORITY, "EU"))
    number = _issue(client, bw)
    url = f"/api/v1/certificates/{number}/import-confirmation"

    for wrong, field in (
        ({"hs_codes_received": ["7102.39"]}, "hs_codes_received.0"),
        ({"seals": [{"number": "X1", "intact": True}, {"number": "x1", "intact": True}]}, "seals.1.number"),
        ({"seals": [{"number": "", "intact": True}]}, "seals.0.number"),
        ({"seals": [{"number": "X1"}]}, "seals.0.intact"),
    ):
        response = client.post(url, json={"received_on": "2025-03-03"} | wrong, headers=eu)
        assert response.status_code == 422, (wrong, response.text)
        assert field in {p["field"] for p in response.json()["detail"]}, response.text
    assert client.get(f"/api/v1/certificates/{number}", headers=bw).json()["status"] == "issued"

    slip = {
        "received_on": "2025-03-03",
        "hs_codes_received": ["7102.31"],
        "seals": [
            {"number": "BW-S-004512", "intact": False},
            {"number": "BW-S-999999", "intact": True},
        ],
    }
    confirmed = client.post(url, json=slip, headers=eu)
    assert confirmed.status_code == 200, confirmed.text

    seen = client.get(f"/api/v1/certificates/{number}", headers=bw).json()
    confirmation = seen["confirmation"]
    assert confirmation["hs_codes_received"] == ["7102.31"]
    assert confirmation["seals"] == slip["seals"]
    assert {(d["field"], d["certificate"], d["received"]) for d in confirmation["discrepancies"]} == {
        ("hs_code", "7102.21, 7102.31", "7102.31"),
        ("seal", "BW-S-004512", "broken"),
        ("seal", "BW-S-004513", "not found"),
        ("seal", "not stated", "BW-S-999999"),
    }
    page = client.get(f"/certificates/{number}", headers=bw)
    assert "confirmed with discrepancies" in page.text and "BW-S-004512 (broken)" in page.text
    text = " ".join(page_texts(client.get(f"/api/v1/certificates/{number}/pdf", headers=bw).content))
    assert "Import confirmation (return slip)" in text and "HS codes received: 7102.31" in text
    assert "BW-S-004512 (BROKEN)" in text and "seal: certificate BW-S-004513, received not found" in text
    query = {"object_type": "certificate", "object_id": number}
    events = client.get("/api/v1/audit", params=query, headers=auth(make_token(Role.ADMIN)))
    assert events.status_code == 200, events.text
    assert any((e["after"] or {}).get("seals") == slip["seals"] for e in events.json())


def test_a_clean_return_slip_has_no_discrepancies(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    eu = auth(make_token(Role.AUTHORITY, "EU"))
    number = _issue(client, bw)
    slip = {
        "received_on": "2025-03-03",
        "hs_codes_received": ["7102.21", "7102.31"],
        "seals": [{"number": "BW-S-004513", "intact": True}, {"number": "bw-s-004512", "intact": True}],
    }
    confirmed = client.post(f"/api/v1/certificates/{number}/import-confirmation", json=slip, headers=eu)
    assert confirmed.status_code == 200 and confirmed.json()["confirmation"]["discrepancies"] == []
