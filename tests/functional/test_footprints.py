"""Footprints end to end through the API (issue 20, items 3 and 4): Zimbabwe is restricted to
its compliant zones; the experts (a Monitoring Team member) enter Murowa's footprint; dossiers
declaring an assortment are read against it — consistent, unusual, too few stones, no
footprint, no assortment — the authority seeing only the verdict; a footprint is computed from
the zone's approved dossiers. HS codes: worked and synthetic goods refused with the reason, a
classification note stored and shown."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from tests.conftest import auth, certificate_body

LINE = {"hs_code": "7102.31", "origin": "ZW", "carats": 1200.5, "value_usd": 96040.0}
DOSSIER: dict[str, Any] = {
    "exporting_country": "ZW",
    "zone": "Murowa",
    "carats": 1200.5,
    "value_usd": 96040.0,  # US$ 80 per carat
    "notes": "Run-of-mine from the Murowa concession",
    "lines": [LINE],
}
COLOURS = {"white": 0.6, "yellow": 0.3, "brown": 0.1}
QUALITIES = {"gem": 0.5, "near-gem": 0.3, "industrial": 0.2}
FOOTPRINT = {
    "participant": "ZW",
    "zone": "Murowa",
    "sizes": {"+11": 0.5, "2-4gr": 0.3, "1-2ct": 0.2},
    "colours": COLOURS,
    "qualities": QUALITIES,
    "usd_per_carat": 80.0,
    "stones": 5000,
    "notes": "WGDE reference sample, 2024",
}
ALIKE = {
    "sieve_classes": {
        "+11": {"stones": 3000, "carats": 600.25},
        "2-4gr": {"stones": 500, "carats": 360.15},
        "1-2ct": {"stones": 150, "carats": 240.10},
    },
    "colours": COLOURS,
    "qualities": QUALITIES,
}
FROM_ELSEWHERE = {
    "sieve_classes": {"-7": {"stones": 20000, "carats": 1000.5}, "+7-11": {"stones": 2000, "carats": 200}},
    "colours": {"brown": 0.7, "grey": 0.3},
    "qualities": {"industrial": 1.0},
}
FEW = {"sieve_classes": {"+11": {"stones": 10, "carats": 1200.5}}, "colours": COLOURS, "qualities": QUALITIES}


@pytest.fixture
def zw(client: TestClient, make_token) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """Zimbabwe restricted to Murowa and Marange, and a token per role."""
    callers = {
        "admin": auth(make_token(Role.ADMIN)),
        "zw": auth(make_token(Role.AUTHORITY, "ZW")),
        "monitoring": auth(make_token(Role.MONITORING)),
        "statistics": auth(make_token(Role.STATISTICS)),
    }
    body = {
        "status": "restricted",
        "reason": "Framework",
        "effective_on": "2025-03-03",
        "zones": ["Murowa", "Marange"],
    }
    assert (
        client.post("/api/v1/participants/ZW/status", json=body, headers=callers["admin"]).status_code == 201
    )
    return callers


def _submit(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v1/export-dossiers", json=DOSSIER | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _check(client: TestClient, dossier: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(f"/api/v1/export-dossiers/{dossier['id']}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["footprint"]  # type: ignore[no-any-return]


def test_dossiers_are_read_against_their_zones_footprint(client: TestClient, zw) -> None:  # type: ignore[no-untyped-def]
    monitoring = zw["monitoring"]
    alike = _submit(client, zw["zw"], assortment=ALIKE)
    assert alike["footprint"] == {"verdict": "no footprint for this zone yet"}  # the authority's view
    assert alike["assortment"]["sieve_classes"]["+11"] == {"stones": 3000, "carats": 600.25}
    assert _check(client, alike, monitoring)["verdict"] == "no footprint for this zone yet"

    entered = client.post("/api/v1/footprints", json=FOOTPRINT, headers=monitoring)
    assert entered.status_code == 201, entered.text
    assert entered.json()["source_words"] == "entered by the experts" and entered.json()["current"] is True

    seen = _check(client, alike, monitoring)
    assert seen["verdict"] == "consistent" and seen["distance"] == 0
    assert seen["footprint"]["source"] == "entered by the experts" and seen["shipment_stones"] == 3650
    # The authority sees the plain verdict of its own dossier, never the footprint's figures.
    assert _check(client, alike, zw["zw"]) == {"verdict": "consistent"}

    unusual = _check(client, _submit(client, zw["zw"], assortment=FROM_ELSEWHERE), monitoring)
    assert unusual["verdict"] == "unusual for this zone" and unusual["distance"] > 0.5
    assert unusual["differs_most"] == "sieve class -7: 83% of the carats here, 0% in the zone's footprint"
    assert unusual["parts"]["sizes"] == 1.0 and unusual["parts"]["price"] == 0.0

    few = _check(client, _submit(client, zw["zw"], assortment=FEW), monitoring)
    assert few["verdict"] == "not comparable: too few stones" and few["shipment_stones"] == 10

    marange = _check(client, _submit(client, zw["zw"], zone="Marange", assortment=ALIKE), monitoring)
    assert marange["verdict"] == "no footprint for this zone yet"
    assert _check(client, _submit(client, zw["zw"]), monitoring)["verdict"] == "no assortment declared"

    # The experts' assessment keeps the check it was made with.
    expert = {"conclusion": "inconsistent", "notes": "Smalls and browns: not Murowa goods"}
    path = f"/api/v1/export-dossiers/{alike['id']}"
    assessed = client.post(f"{path}/expert-assessment", json=expert, headers=monitoring)
    assert assessed.status_code == 200, assessed.text
    assert assessed.json()["expert_assessment"]["footprint"]["verdict"] == "consistent"
    assert "footprint" not in assessed.json()["photos"].split(";")[0]


def test_a_footprint_is_computed_from_the_zones_approved_dossiers(client: TestClient, zw) -> None:  # type: ignore[no-untyped-def]
    monitoring, statistics = zw["monitoring"], zw["statistics"]
    nothing = client.post(
        "/api/v1/footprints/compute", json={"participant": "ZW", "zone": "Murowa"}, headers=monitoring
    )
    assert nothing.status_code == 422 and nothing.json()["detail"][0]["field"] == "zone"
    assert "nothing to compute" in nothing.json()["detail"][0]["message"]

    first = _submit(client, zw["zw"], assortment=ALIKE)
    second = _submit(client, zw["zw"], assortment=FROM_ELSEWHERE)
    _submit(client, zw["zw"], assortment=FEW)  # not approved: left out
    for dossier in (first, second):
        path = f"/api/v1/export-dossiers/{dossier['id']}"
        expert = {"conclusion": "consistent", "notes": "seen"}
        assert client.post(f"{path}/expert-assessment", json=expert, headers=monitoring).status_code == 200
        assert (
            client.post(
                f"{path}/statistics-assessment", json={"conclusion": "ok"}, headers=statistics
            ).status_code
            == 200
        )
        decided = client.post(
            f"{path}/decision", json={"decision": "approved", "reason": "ok"}, headers=monitoring
        )
        assert decided.status_code == 200, decided.text

    computed = client.post(
        "/api/v1/footprints/compute", json={"participant": "zw", "zone": "Murowa"}, headers=monitoring
    )
    assert computed.status_code == 201, computed.text
    footprint = computed.json()
    assert footprint["source_words"] == "computed from 2 approved dossiers"
    assert footprint["dossiers"] == [first["id"], second["id"]]
    assert footprint["stones"] == 3650 + 22000 and footprint["usd_per_carat"] == 80.0
    assert footprint["sizes"]["+11"] == pytest.approx(600.25 / 2401) and footprint["colours"][
        "brown"
    ] == pytest.approx(0.4)

    # The newest footprint is the zone's current one; the dossiers are read against it.
    listed = client.get("/api/v1/footprints", params={"participant": "ZW"}, headers=statistics).json()
    assert [f["current"] for f in listed] == [True] and listed[0]["id"] == footprint["id"]
    assert _check(client, first, monitoring)["footprint"]["source"] == "computed from 2 approved dossiers"

    events = client.get("/api/v1/audit", params={"tag": "footprint:"}, headers=zw["admin"]).json()
    assert [e["tag"] for e in events] == ["footprint:computed"] and events[0]["object_id"] == str(
        footprint["id"]
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sizes": {"+11": 0.5}}, "sizes"),
        ({"colours": {"white": 0.5, "purple": 0.5}}, "colours.purple"),
        ({"participant": "QQ"}, "participant"),
        ({"usd_per_carat": 0}, "usd_per_carat"),
        ({"stones": 0}, "stones"),
    ],
)
def test_a_wrong_footprint_is_refused_naming_the_field(
    client: TestClient, zw, change: dict[str, Any], field: str
) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/footprints", json=FOOTPRINT | change, headers=zw["monitoring"])
    assert response.status_code == 422, response.text
    assert field in [p["field"] for p in response.json()["detail"]]
    assert client.get("/api/v1/footprints", headers=zw["monitoring"]).json() == []


def test_only_the_experts_record_footprints_and_authorities_read_none(client: TestClient, zw) -> None:  # type: ignore[no-untyped-def]
    for caller in ("zw", "statistics", "admin"):
        assert client.post("/api/v1/footprints", json=FOOTPRINT, headers=zw[caller]).status_code == 403
    assert client.get("/api/v1/footprints", headers=zw["zw"]).status_code == 403
    assert client.get("/api/v1/footprints", headers=zw["statistics"]).status_code == 200


@pytest.mark.parametrize(
    ("assortment", "field"),
    [
        (ALIKE | {"colours": {"white": 0.5}}, "assortment.colours"),
        (ALIKE | {"sieve_classes": {"+12": {"stones": 1, "carats": 1200.5}}}, "assortment.sieve_classes.+12"),
        (ALIKE | {"sieve_classes": {"+11": {"stones": 100, "carats": 1000}}}, "assortment.sieve_classes"),
        (
            ALIKE | {"sieve_classes": {"+11": {"stones": -1, "carats": 1200.5}}},
            "assortment.sieve_classes.+11.stones",
        ),
    ],
)
def test_a_wrong_assortment_is_refused_and_nothing_stored(
    client: TestClient, zw, assortment: Any, field: str
) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/export-dossiers", json=DOSSIER | {"assortment": assortment}, headers=zw["zw"]
    )
    assert response.status_code == 422, response.text
    assert field in [p["field"] for p in response.json()["detail"]], response.text
    assert client.get("/api/v1/export-dossiers", headers=zw["zw"]).json() == []


# -- HS codes and synthetics ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "field", "rule", "words"),
    [
        ({"hs_code": "7104.21"}, "lines.0.hs_code", "hs-code-scope", "synthetic"),
        ({"hs_code": "7104.91"}, "lines.0.hs_code", "hs-code-scope", "synthetic"),
        ({"hs_code": "7102.39"}, "lines.0.hs_code", "hs-code-scope", "worked"),
        ({"hs_code": "7102.29"}, "lines.0.hs_code", "hs-code-scope", "worked"),
        (
            {"classification_note": "Lab-grown rough, CVD"},
            "lines.0.classification_note",
            "synthetic-declared",
            "Lab-grown",
        ),
    ],
)
def test_worked_and_synthetic_goods_are_refused_with_the_reason(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, line: dict[str, str], field: str, rule: str, words: str
) -> None:
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    lines = [{"hs_code": "7102.31", "origin": "BW", "carats": 10, "value_usd": 1000} | line]
    response = client.post("/api/v1/certificates", json=certificate_body(lines=lines), headers=bw)
    assert response.status_code == 422, response.text
    problem = next(p for p in response.json()["detail"] if p["field"] == field)
    assert problem["rule"] == rule and words in problem["message"]
    assert client.get("/api/v1/certificates", headers=bw).json() == []


def test_a_dossier_line_declared_synthetic_is_refused(client: TestClient, zw) -> None:  # type: ignore[no-untyped-def]
    for line, field in (
        (LINE | {"classification_note": "synthetic diamonds"}, "lines[0].classification_note"),
        (LINE | {"hs_code": "7104.21"}, "lines[0].hs_code"),
        (LINE | {"hs_code": "7102.39"}, "lines[0].hs_code"),
    ):
        response = client.post("/api/v1/export-dossiers", json=DOSSIER | {"lines": [line]}, headers=zw["zw"])
        assert response.status_code == 422, response.text
        assert field in [p["field"] for p in response.json()["detail"]]
    noted = _submit(client, zw["zw"], lines=[LINE | {"classification_note": "no synthetics; sawn only"}])
    assert noted["lines"][0]["classification_note"] == "no synthetics; sawn only"


def test_a_classification_note_is_stored_and_shown(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    note = "Rough with a polished window: classified 7102.31 (2021 plenary §35); no synthetics found"
    body = certificate_body()
    body["lines"][0]["classification_note"] = f"  {note}  "  # type: ignore[index]
    issued = client.post("/api/v1/certificates", json=body, headers=bw)
    assert issued.status_code == 201, issued.text
    lines = issued.json()["lines"]
    assert lines[0]["classification_note"] == note and "classification_note" not in lines[1]
    number = issued.json()["number"]
    assert (
        client.get(f"/api/v1/certificates/{number}", headers=bw).json()["lines"][0]["classification_note"]
        == note
    )
    page = client.get(f"/certificates/{number}", headers=bw)
    assert page.status_code == 200 and "polished window" in page.text
    # The note is not one of the signed elements: the credential's lines do not carry it.
    payload = issued.json()["credential"].split(".")[1]
    signed = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert "polished window" not in json.dumps(signed) and signed["credentialSubject"]["number"] == number


def test_the_forms_show_what_each_hs_code_covers(client: TestClient, zw) -> None:  # type: ignore[no-untyped-def]
    for path in ("/certificates/new", "/export-dossiers"):
        page = client.get(path, headers=zw["zw"])
        assert page.status_code == 200, path
        for said in ("7102.10", "diamonds, unsorted", "7104.21", "synthetic", "7102.39", "2021 plenary"):
            assert said in page.text, (path, said)


def test_the_cli_enters_lists_and_computes_footprints(client: TestClient, zw, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    file = tmp_path / "murowa.json"
    file.write_text(json.dumps(FOOTPRINT), encoding="utf-8")
    entered = cli("footprints", "enter", str(file))
    assert entered.exit_code == 0, entered.output
    assert "zone Murowa, entered by the experts" in entered.output and "5000 stones" in entered.output
    listed = cli("footprints", "list", "--participant", "ZW", "--json")
    assert listed.exit_code == 0, listed.output
    assert [(f["zone"], f["current"]) for f in json.loads(listed.output)] == [("Murowa", True)]

    file.write_text(json.dumps(FOOTPRINT | {"colours": {"white": 0.2}}), encoding="utf-8")
    wrong = cli("footprints", "enter", str(file))
    assert wrong.exit_code != 0 and "colours" in wrong.output

    nothing = cli("footprints", "compute", "--participant", "ZW", "--zone", "Marange")
    assert nothing.exit_code != 0 and "nothing to compute" in nothing.output

    dossier = _submit(client, zw["zw"], assortment=FROM_ELSEWHERE)
    shown = cli("dossiers", "show", str(dossier["id"]))
    assert shown.exit_code == 0, shown.output
    assert "footprint check: unusual for this zone" in shown.output and "sieve class -7" in shown.output
