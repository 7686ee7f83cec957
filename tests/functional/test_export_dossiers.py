"""The restricted regime end to end through the API: an admin restricts Zimbabwe to its
compliant zones; its authority submits an export dossier; the Diamond Expert Team (a
Monitoring Team member) and the statistics working group assess it; the Monitoring Team
decides within the week; the certificate names the dossier and must match it, once."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth, certificate_body

LINE = {"hs_code": "7102.31", "origin": "ZW", "carats": 1200.5, "value_usd": 96040.0}
DOSSIER = {
    "exporting_country": "ZW",
    "zone": "Murowa",
    "carats": 1200.5,
    "value_usd": 96040.0,
    "notes": "Run-of-mine from the Murowa concession",
    "lines": [LINE],
    "parcel_count": 2,
    "parcels": ["Parcel A: +10.8 ct", "Parcel B: -10.8 ct"],
}


def _certificate(**changes: object) -> dict[str, object]:
    shipment: dict[str, object] = {
        "exporting_country": "ZW",
        "exporter": {"name": "Murowa Diamonds", "address": "Zvishavane, Zimbabwe"},
        "parcel_count": 2,
        "lines": [LINE],
    }
    return certificate_body(**(shipment | changes))


def _restrict(client: TestClient, admin: dict[str, str], zones: list[str], on: str = "2025-03-03") -> None:
    body = {"status": "restricted", "reason": "Operational framework", "effective_on": on, "zones": zones}
    response = client.post("/api/v1/participants/ZW/status", json=body, headers=admin)
    assert response.status_code == 201, response.text


def test_a_restricted_export_goes_dossier_assessments_decision_certificate(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, clock
) -> None:
    admin = auth(make_token(Role.ADMIN))
    zw = auth(make_token(Role.AUTHORITY, "ZW"))
    monitoring = auth(make_token(Role.MONITORING))
    statistics = auth(make_token(Role.STATISTICS))
    _restrict(client, admin, ["Marange", "Murowa"])

    # Without a dossier a restricted participant cannot export (as before).
    refused = client.post("/api/v1/certificates", json=_certificate(), headers=zw)
    assert refused.status_code == 422 and refused.json()["detail"][0]["rule"] == "restricted-exporter"

    submitted = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw)
    assert submitted.status_code == 201, submitted.text
    dossier = submitted.json()
    assert dossier["status"] == "submitted" and dossier["participant"] == "ZW"
    assert dossier["decision_due_on"] == "2025-03-10" and dossier["days_left"] == 7
    assert not dossier["overdue"] and "expertise issue" not in dossier["photos"]
    assert "searched against every earlier shipment" in dossier["photos"]
    path = f"/api/v1/export-dossiers/{dossier['id']}"

    # Not approved yet: no certificate on it.
    early = client.post("/api/v1/certificates", json=_certificate(export_dossier=dossier["id"]), headers=zw)
    assert early.status_code == 422 and "not approved" in early.text

    # Approval needs both assessments.
    decision = {"decision": "approved", "reason": "Consistent with Murowa's footprint"}
    premature = client.post(f"{path}/decision", json=decision, headers=monitoring)
    assert premature.status_code == 409 and "assessment first" in premature.json()["detail"]

    # Each body records only its own assessment.
    expert = {"conclusion": "consistent", "notes": "Morphology and colours match Murowa"}
    assert client.post(f"{path}/expert-assessment", json=expert, headers=statistics).status_code == 403
    assert (
        client.post(
            f"{path}/statistics-assessment", json={"conclusion": "ok"}, headers=monitoring
        ).status_code
        == 403
    )
    response = client.post(f"{path}/expert-assessment", json=expert, headers=monitoring)
    assert response.status_code == 200, response.text
    assert response.json()["expert_assessment"]["conclusion"] == "consistent"
    response = client.post(
        f"{path}/statistics-assessment", json={"conclusion": "In line with ZW's exports"}, headers=statistics
    )
    assert response.status_code == 200, response.text
    attached = response.json()["statistics_assessment"]
    assert attached["report"]["proposal"]["exporter"] == "ZW" and attached["level"] in (
        "ordinary",
        "look closer",
        "unusual",
        "not enough history",
    )

    # Decided on day 8: approved, but flagged as late.
    clock.at += timedelta(days=8)
    listed = client.get("/api/v1/export-dossiers", params={"overdue": "true"}, headers=monitoring).json()
    assert [row["id"] for row in listed] == [dossier["id"]] and listed[0]["days_left"] == -1
    assert client.post(f"{path}/decision", json=decision, headers=zw).status_code == 403
    approved = client.post(f"{path}/decision", json=decision, headers=monitoring)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["overdue"] is True
    again = client.post(f"{path}/decision", json={"decision": "rejected", "reason": "x"}, headers=monitoring)
    assert again.status_code == 409

    # The certificate must match the dossier: carats, value, lines, parcels.
    wrong = _certificate(export_dossier=dossier["id"], lines=[LINE | {"carats": 1300.5}], parcel_count=3)
    mismatch = client.post("/api/v1/certificates", json=wrong, headers=zw)
    assert mismatch.status_code == 422
    said = " ".join(p["message"] for p in mismatch.json()["detail"])
    assert "1300.5" in said and "lines differ" in said and "3 parcels" in said

    issued = client.post("/api/v1/certificates", json=_certificate(export_dossier=dossier["id"]), headers=zw)
    assert issued.status_code == 201, issued.text
    number = issued.json()["number"]
    assert client.get(path, headers=zw).json()["certificate"] == number

    # One dossier, one certificate.
    second = client.post("/api/v1/certificates", json=_certificate(export_dossier=dossier["id"]), headers=zw)
    assert second.status_code == 422 and "one dossier, one certificate" in second.text

    # Every step is in the audit log, with who did it.
    events = client.get("/api/v1/audit", params={"tag": "dossier:"}, headers=admin).json()
    assert {e["tag"] for e in events} == {
        "dossier:submitted",
        "dossier:expert-assessed",
        "dossier:statistics-assessed",
        "dossier:decided",
        "dossier:certified",
    }
    assert all(e["object_id"] == str(dossier["id"]) and e["actor"].startswith("token:") for e in events)

    # The importer never confirmed: the Monitoring Team's cross-check lists it, as a page and CSV.
    rows = client.get("/api/v1/export-dossiers/cross-check", headers=monitoring).json()
    assert [(r["number"], r["export_dossier"]) for r in rows] == [(number, dossier["id"])]
    assert client.get("/api/v1/export-dossiers/cross-check", headers=zw).status_code == 403
    page = client.get("/export-dossiers/cross-check", params={"format": "csv"}, headers=monitoring)
    assert page.headers["content-type"].startswith("text/csv")
    assert [r["number"] for r in csv.DictReader(io.StringIO(page.text))] == [number]
    be = auth(make_token(Role.AUTHORITY, "EU"))
    slip = {"received_on": clock.today().isoformat()}
    assert (
        client.post(f"/api/v1/certificates/{number}/import-confirmation", json=slip, headers=be).status_code
        == 200
    )
    assert client.get("/api/v1/export-dossiers/cross-check", headers=monitoring).json() == []


def test_a_zone_not_compliant_on_the_day_is_refused(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    admin = auth(make_token(Role.ADMIN))
    zw = auth(make_token(Role.AUTHORITY, "ZW"))
    not_restricted = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw)
    assert not_restricted.status_code == 422 and not_restricted.json()["detail"][0]["field"] == "zone"
    _restrict(client, admin, ["Marange"])
    outside = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw)
    assert outside.status_code == 422
    assert (
        outside.json()["detail"][0]["field"] == "zone" and "Marange" in outside.json()["detail"][0]["message"]
    )
    # Zones change over time: Murowa is added (a new restricted entry), then the dossier is accepted.
    _restrict(client, admin, ["Marange", "Murowa"])
    assert client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw).status_code == 201
    assert client.get("/api/v1/export-dossiers", headers=admin).json()[0]["zone"] == "Murowa"


def test_bad_dossiers_are_refused_naming_the_field(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    admin = auth(make_token(Role.ADMIN))
    zw = auth(make_token(Role.AUTHORITY, "ZW"))
    _restrict(client, admin, ["Murowa"])
    for change, field in (
        ({"carats": 1000}, "carats"),  # not the lines' total
        ({"lines": [LINE | {"hs_code": "7104.10"}]}, "lines[0].hs_code"),
        ({"parcel_count": 3}, "parcel_count"),
        ({"value_usd": 1.234}, "value_usd"),
    ):
        response = client.post("/api/v1/export-dossiers", json=DOSSIER | change, headers=zw)
        assert response.status_code == 422, response.text
        assert field in [p["field"] for p in response.json()["detail"]], response.text
    za = auth(make_token(Role.AUTHORITY, "ZA"))
    assert client.post("/api/v1/export-dossiers", json=DOSSIER, headers=za).status_code == 403
    assert client.get("/api/v1/export-dossiers", headers=admin).json() == []


def test_more_information_restarts_the_week_and_others_cannot_see(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, clock
) -> None:
    admin = auth(make_token(Role.ADMIN))
    zw = auth(make_token(Role.AUTHORITY, "ZW"))
    monitoring = auth(make_token(Role.MONITORING))
    _restrict(client, admin, ["Murowa"])
    dossier = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw).json()
    path = f"/api/v1/export-dossiers/{dossier['id']}"
    za = auth(make_token(Role.AUTHORITY, "ZA"))
    assert client.get(path, headers=za).status_code == 404
    assert client.get("/api/v1/export-dossiers", headers=za).json() == []
    ask = {"decision": "more-information", "reason": "Photos of parcel B are missing"}
    assert (
        client.post(f"{path}/decision", json=ask, headers=monitoring).json()["status"] == "more-information"
    )
    clock.at += timedelta(days=3)
    answered = client.post(f"{path}/information", json={"notes": "Photos sent by courier"}, headers=zw)
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "submitted" and answered.json()["decision_due_on"] == "2025-03-13"
    assert "Photos sent by courier" in answered.json()["notes"]
    again = client.post(f"{path}/information", json={"notes": "again"}, headers=zw)
    assert again.status_code == 409


def test_pages_show_the_week_and_flag_overdue_dossiers(client: TestClient, make_token, clock) -> None:  # type: ignore[no-untyped-def]
    admin = auth(make_token(Role.ADMIN))
    zw = auth(make_token(Role.AUTHORITY, "ZW"))
    monitoring = auth(make_token(Role.MONITORING))
    _restrict(client, admin, ["Murowa"])
    form = {
        "exporting_country": "ZW",
        "zone": "Murowa",
        "carats": "1200.50",
        "value_usd": "96040",
        "hs_code": "7102.31",
        "origin": "ZW",
        "parcels": "Parcel A\nParcel B",
        "notes": "Run-of-mine",
    }
    outside = client.post(
        "/export-dossiers", data=form | {"zone": "Boda"}, headers=zw, follow_redirects=False
    )
    assert outside.status_code == 303 and "error=" in outside.headers["location"]
    assert "Zone" in client.get(outside.headers["location"], headers=zw).text
    made = client.post("/export-dossiers", data=form, headers=zw, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/export-dossiers/")
    detail = client.get(made.headers["location"], headers=zw).text
    assert "due 2025-03-10" in detail and "7 days left" in detail and "Parcel B" in detail
    assert "footprint check" in detail and 'action="/export-dossiers/1/decision"' not in detail

    clock.at += timedelta(days=9)
    listing = client.get("/export-dossiers", headers=monitoring).text
    assert 'data-overdue="yes"' in listing and "overdue by 2 days" in listing
    here = made.headers["location"]
    assert 'action="/export-dossiers/1/decision"' in client.get(here, headers=monitoring).text
    client.post(
        f"{here}/expert-assessment",
        data={"conclusion": "consistent", "notes": "Murowa goods"},
        headers=monitoring,
    )
    statistics = auth(make_token(Role.STATISTICS))
    client.post(f"{here}/statistics-assessment", data={"conclusion": "In line"}, headers=statistics)
    decided = client.post(
        f"{here}/decision",
        data={"decision": "approved", "reason": "Consistent"},
        headers=monitoring,
        follow_redirects=False,
    )
    assert decided.status_code == 303 and "error" not in decided.headers["location"]
    page = client.get(here, headers=monitoring).text
    assert 'id="dossier-status">approved' in page and "decided late" in page and "In line" in page

    # The issue form takes the dossier's number; the certificate then names it.
    issue = {
        "exporting_country": "ZW",
        "importing_country": "BE",
        "exporter_name": "Murowa Diamonds",
        "exporter_address": "Zvishavane",
        "importer_name": "Antwerp Rough NV",
        "importer_address": "Antwerp",
        "parcel_count": "2",
        "hs_code": "7102.31",
        "origin": "ZW",
        "carats": "1200.50",
        "value_usd": "96040",
        "export_dossier": "1",
    }
    assert 'name="export_dossier"' in client.get("/certificates/new", headers=zw).text
    issued = client.post("/certificates/new", data=issue, headers=zw, follow_redirects=False)
    assert issued.status_code == 303, issued.text
    assert client.get("/api/v1/export-dossiers/1", headers=zw).json()["certificate"].startswith("ZW-")
    cross = client.get("/export-dossiers/cross-check", headers=monitoring).text
    assert 'data-certificate="ZW-' in cross


def test_the_cli_lists_with_the_week_assesses_and_decides(client: TestClient, make_token, cli, clock) -> None:  # type: ignore[no-untyped-def]
    admin = auth(make_token(Role.ADMIN))
    zw = auth(make_token(Role.AUTHORITY, "ZW"))
    _restrict(client, admin, ["Murowa"])
    dossier = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw).json()
    listed = cli("dossiers", "list", "--json")
    assert listed.exit_code == 0 and [d["days_left"] for d in json.loads(listed.output)] == [7]
    assert json.loads(cli("dossiers", "list", "--overdue", "--json").output) == []
    clock.at += timedelta(days=10)
    shown = cli("dossiers", "show", str(dossier["id"]))
    assert "OVERDUE by 3 day(s)" in shown.output
    assert [d["id"] for d in json.loads(cli("dossiers", "list", "--overdue", "--json").output)] == [
        dossier["id"]
    ]
    blank = cli("dossiers", "decide", str(dossier["id"]), "--decision", "approved", "--reason", "")
    assert blank.exit_code == 2 and "--reason" in blank.output
    early = cli("dossiers", "decide", str(dossier["id"]), "--decision", "approved", "--reason", "ok")
    assert early.exit_code != 0 and "assessment first" in early.output
    expert = cli(
        "dossiers", "assess-expertise", str(dossier["id"]), "--conclusion", "consistent", "--notes", "ok"
    )
    assert expert.exit_code == 0, expert.output
    assert cli("dossiers", "assess-statistics", str(dossier["id"]), "--conclusion", "ok").exit_code == 0
    decided = cli(
        "dossiers", "decide", str(dossier["id"]), "--decision", "approved", "--reason", "Consistent"
    )
    assert decided.exit_code == 0 and "approved" in decided.output and "decided late" in decided.output
    events = client.get("/api/v1/audit", params={"tag": "dossier:decided"}, headers=admin).json()
    assert events[0]["actor"].startswith("cli:")
    assert cli("dossiers", "cross-check", "--csv").output.startswith("number,exporting_participant")


def test_a_certificate_that_cannot_be_written_gives_its_dossier_back(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, monkeypatch
) -> None:
    from kpcs.certificates import store

    admin = auth(make_token(Role.ADMIN))
    zw = auth(make_token(Role.AUTHORITY, "ZW"))
    monitoring = auth(make_token(Role.MONITORING))
    _restrict(client, admin, ["Murowa"])
    dossier = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw).json()
    path = f"/api/v1/export-dossiers/{dossier['id']}"
    client.post(
        f"{path}/expert-assessment", json={"conclusion": "consistent", "notes": "ok"}, headers=monitoring
    )
    client.post(
        f"{path}/statistics-assessment", json={"conclusion": "ok"}, headers=auth(make_token(Role.STATISTICS))
    )
    client.post(f"{path}/decision", json={"decision": "approved", "reason": "ok"}, headers=monitoring)
    written = store.write_issued

    def disk_full(*args: object, **kwargs: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(store, "write_issued", disk_full)
    with pytest.raises(OSError, match="disk full"):
        client.post("/api/v1/certificates", json=_certificate(export_dossier=dossier["id"]), headers=zw)
    assert client.get(path, headers=zw).json()["certificate"] is None
    monkeypatch.setattr(store, "write_issued", written)
    issued = client.post("/api/v1/certificates", json=_certificate(export_dossier=dossier["id"]), headers=zw)
    assert issued.status_code == 201, issued.text
    assert client.get(path, headers=zw).json()["certificate"] == issued.json()["number"]
