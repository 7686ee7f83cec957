"""The registry through the HTTP API, as national systems and scripts use it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth


def test_list_participants_contract(client: TestClient) -> None:
    response = client.get("/api/v1/participants")
    assert response.status_code == 200
    rows = response.json()
    assert all(set(row) == {"code", "name", "kind", "status", "countries"} for row in rows)
    by_code = {row["code"]: row for row in rows}
    # 27 member states and Greenland, which takes part through the EU (2014 communiqué ¶4)
    assert by_code["EU"]["kind"] == "participant" and len(by_code["EU"]["countries"]) == 28
    assert by_code["WDC"]["kind"] == "observer" and by_code["WDC"]["countries"] == []
    assert by_code["TW"]["kind"] == "trading_entity"
    assert {row["status"] for row in rows} <= {
        "active",
        "suspended",
        "restricted",
        "export_banned",
        "withdrawn",
    }


def test_list_as_of_a_date_and_filters(client: TestClient) -> None:
    restricted_2016 = client.get(
        "/api/v1/participants", params={"on": "2016-06-01", "status": "restricted"}
    ).json()
    assert [row["code"] for row in restricted_2016] == ["CF"]
    observers = client.get("/api/v1/participants", params={"kind": "observer"}).json()
    assert observers and {row["kind"] for row in observers} == {"observer"}


def test_participant_with_history_oldest_first(client: TestClient) -> None:
    body = client.get("/api/v1/participants/cf").json()
    assert body["code"] == "CF" and body["status"] == "active"
    history = body["status_history"]
    assert [h["effective_on"] for h in history] == sorted(h["effective_on"] for h in history)
    assert {"status", "effective_on", "reason", "zones"} <= set(history[0])
    statuses = [h["status"] for h in history]
    assert statuses[0] == "active" and "suspended" in statuses and "restricted" in statuses
    assert any(h["zones"] for h in history if h["status"] == "restricted")


def test_status_change_by_admin(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    token = make_token(Role.ADMIN)
    body = {
        "status": "suspended",
        "reason": "Plenary decision (test)",
        "effective_on": "2025-03-03",
        "zones": [],
    }
    response = client.post("/api/v1/participants/ZW/status", json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "suspended"
    assert response.json()["status_history"][-1]["reason"] == "Plenary decision (test)"
    listed = {r["code"]: r["status"] for r in client.get("/api/v1/participants").json()}
    assert listed["ZW"] == "suspended"
    events = client.get("/api/v1/audit", params={"tag": "participant:"}, headers=auth(token)).json()
    assert events[0]["object_id"] == "ZW" and events[0]["actor"].startswith("token:kpcs_")
    assert events[0]["before"]["status"] == "active" and events[0]["after"]["status"] == "suspended"


def test_restricting_needs_zones(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    token = make_token(Role.ADMIN)
    body = {"status": "restricted", "reason": "Operational framework", "effective_on": "2025-03-03"}
    response = client.post("/api/v1/participants/ZW/status", json=body, headers=auth(token))
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "zones"
    body["zones"] = ["Marange"]
    assert client.post("/api/v1/participants/ZW/status", json=body, headers=auth(token)).status_code == 201


def test_status_change_refused_for_non_admins(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    body = {"status": "suspended", "reason": "x", "effective_on": "2025-03-03"}
    assert client.post("/api/v1/participants/ZW/status", json=body).status_code == 401
    authority = make_token(Role.AUTHORITY, "BW")
    response = client.post("/api/v1/participants/ZW/status", json=body, headers=auth(authority))
    assert response.status_code == 403 and "may not" in response.json()["detail"]
    assert client.get("/api/v1/participants/ZW").json()["status"] == "active"


def test_bad_input_is_a_clear_4xx(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    token = make_token(Role.ADMIN)
    cases = [
        ({"status": "expelled", "reason": "x", "effective_on": "2025-03-03"}, "status"),
        ({"status": "suspended", "reason": "x", "effective_on": "3 March"}, "effective_on"),
        ({"status": "suspended", "reason": "", "effective_on": "2025-03-03"}, "reason"),
        ({"status": "suspended", "reason": "x", "effective_on": "1999-01-01"}, "effective_on"),
        ({"status": "suspended", "reason": "x", "effective_on": "2025-03-03", "colour": "red"}, "colour"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/participants/ZW/status", json=body, headers=auth(token))
        assert response.status_code == 422, (body, response.text)
        assert field in [p["field"] for p in response.json()["detail"]], response.json()
    not_json = client.post(
        "/api/v1/participants/ZW/status",
        content=b"\xff\xfe",
        headers=auth(token) | {"content-type": "application/json"},
    )
    assert not_json.status_code == 422
    assert (
        client.post(
            "/api/v1/participants/XX/status", json=cases[0][0] | {"status": "suspended"}, headers=auth(token)
        ).status_code
        == 404
    )
    assert client.get("/api/v1/participants/XX").status_code == 404
    assert client.get("/api/v1/participants", params={"on": "yesterday"}).status_code == 422
    assert client.get("/api/v1/participants", params={"status": "bogus"}).status_code == 422


def test_bad_tokens_are_rejected_not_ignored(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/participants", headers=auth("kpcs_nope")).status_code == 401
    assert client.get("/api/v1/participants", headers={"Authorization": "Basic abc"}).status_code == 401
    token = make_token(Role.CUSTOMS, "BE" if False else "EU")
    me = client.get("/api/v1/me", headers=auth(token)).json()
    assert me["participant"] == "EU" and me["roles"] == ["customs"]
    assert client.get("/api/v1/me").json()["kind"] == "anonymous"


def test_working_bodies_chairs_sources(client: TestClient) -> None:
    bodies = client.get("/api/v1/working-bodies").json()
    assert {"WGS", "WGM", "WGDE", "WGAAP", "CPC", "CRP"} <= {b["code"] for b in bodies}
    chairs = {c["year"]: c for c in client.get("/api/v1/chairs").json()}
    assert chairs[2022]["chair"] == "BW"
    sources = client.get("/api/v1/registry-sources").json()
    assert any("communiques" in s["reference"] for s in sources)


def test_openapi_and_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/participants/{code}/status" in spec["paths"]
    assert "/participants" not in spec["paths"]  # pages are not API
    assert client.get("/docs").status_code == 200
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    assert client.get("/api/v1/nothing-here").json() == {"detail": "Not Found"}
