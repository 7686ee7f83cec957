"""The experts' workbench through the API and the pages (issue 20, item 5): every kind of
warning is listed with its key figures — a re-used photo on a certificate and on a dossier, an
undervalued certificate line, a dossier unusual for its zone — open ones first, newest first,
with filters and paging; each is closed with a finding that shows on the certificate's
timeline or the dossier's page, once (409 the second time); a wrong finding is a 422 naming
the field and changes nothing; only the Monitoring Team (for the Diamond Expert Team) and
admins read the list, and only the Monitoring Team closes a warning.

Every record is made through the real API: certificates issued, photos uploaded, a footprint
entered, a dossier submitted."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.conftest import TODAY, auth, certificate_body
from tests.factories import photo_tuning
from tests.functional.test_export_dossiers import _restrict
from tests.functional.test_footprints import DOSSIER as ZW_DOSSIER
from tests.functional.test_footprints import FOOTPRINT, FROM_ELSEWHERE
from tests.functional.test_pages import sign_in

LIST = "/api/v1/expertise/warnings"


def _jpeg(image: Image.Image, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def finding_path(kind: str, warning_id: int) -> str:
    """Where a warning's finding is posted."""
    return f"/api/v1/expertise/warnings/{kind}/{warning_id}/finding"


@dataclass
class World:
    """The warnings made through the API, and who is who."""

    cheap: str  # BW certificate with an undervalued line (20 days ago)
    reused: str  # ZA certificate whose photo is a copy of BW's (yesterday)
    original: str  # BW certificate with the original photos
    dossier: int  # ZW dossier: unusual for Murowa, and a photo copied from BW's certificate (today)
    certificate_match: int
    dossier_match: int
    valuation: int
    callers: dict[str, dict[str, str]]


def _issue(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    issued = client.post("/api/v1/certificates", json=certificate_body(**changes), headers=headers)
    assert issued.status_code == 201, issued.text
    return dict(issued.json())


def _upload(client: TestClient, path: str, content: bytes, headers: dict[str, str]) -> dict[str, Any]:
    sent = client.post(path, files={"file": ("p.jpg", content, "image/jpeg")}, headers=headers)
    assert sent.status_code == 201, sent.text
    return dict(sent.json())


@pytest.fixture(scope="module")
def pictures() -> dict[str, Image.Image]:
    """Two parcel photos and a forger's copy of each."""
    first, second = photo_tuning.originals(11, 2)
    return {
        "a": first,
        "a-copy": photo_tuning.variants(first, 5)["crop-resize-jpeg"],
        "b": second,
        "b-copy": photo_tuning.variants(second, 6)["crop-resize-jpeg"],
    }


@pytest.fixture
def world(client: TestClient, clock: FixedClock, make_token, pictures) -> World:  # type: ignore[no-untyped-def]
    callers = {
        "monitoring": auth(make_token(Role.MONITORING)),
        "admin": auth(make_token(Role.ADMIN)),
        "statistics": auth(make_token(Role.STATISTICS)),
        "bw": auth(make_token(Role.AUTHORITY, "BW")),
        "za": auth(make_token(Role.AUTHORITY, "ZA")),
        "zw": auth(make_token(Role.AUTHORITY, "ZW")),
    }
    # 20 days ago: a Botswanan line at 9 $/ct, under a tenth of Botswana's production $/ct
    clock.at = TODAY - timedelta(days=20)
    line = {"hs_code": "7102.31", "origin": "BW", "carats": 500.0, "value_usd": 4500.0}
    cheap = _issue(client, callers["bw"], lines=[line])
    assert [w["type"] for w in cheap["warnings"]] == ["undervaluation"]
    # yesterday: South Africa sends a copy of the photo of Botswana's parcels
    clock.at = TODAY - timedelta(days=1)
    original = _issue(client, callers["bw"])["number"]
    _upload(client, f"/api/v1/certificates/{original}/photos", _jpeg(pictures["a"]), callers["bw"])
    _upload(client, f"/api/v1/certificates/{original}/photos", _jpeg(pictures["b"]), callers["bw"])
    reused = _issue(
        client,
        callers["za"],
        exporting_country="ZA",
        importing_country="IN",
        lines=[{"hs_code": "7102.31", "origin": "ZA", "carats": 900.0, "value_usd": 120000.0}],
    )["number"]
    [certificate_match] = _upload(
        client, f"/api/v1/certificates/{reused}/photos", _jpeg(pictures["a-copy"], 60), callers["za"]
    )["similar"]
    # today: Zimbabwe's dossier declares goods unlike Murowa's, with a copy of Botswana's photo
    clock.at = TODAY
    _restrict(client, callers["admin"], ["Murowa", "Marange"])
    entered = client.post("/api/v1/footprints", json=FOOTPRINT, headers=callers["monitoring"])
    assert entered.status_code == 201, entered.text
    made = client.post(
        "/api/v1/export-dossiers", json=ZW_DOSSIER | {"assortment": FROM_ELSEWHERE}, headers=callers["zw"]
    )
    assert made.status_code == 201, made.text
    dossier = made.json()["id"]
    clock.at = TODAY + timedelta(hours=1)
    [dossier_match] = _upload(
        client, f"/api/v1/export-dossiers/{dossier}/photos", _jpeg(pictures["b-copy"], 60), callers["zw"]
    )["similar"]
    valuation = client.get("/api/v1/expertise/valuation-warnings", headers=callers["monitoring"]).json()
    return World(
        cheap=cheap["number"],
        reused=reused,
        original=original,
        dossier=dossier,
        certificate_match=certificate_match["match"],
        dossier_match=dossier_match["match"],
        valuation=_valuation_id(client, callers["monitoring"], cheap["number"], valuation),
        callers=callers,
    )


def _valuation_id(
    client: TestClient, headers: dict[str, str], number: str, listed: list[dict[str, Any]]
) -> int:
    assert [(w["certificate"], w["finding"]) for w in listed] == [(number, None)]
    found = client.get(LIST, params={"kind": "valuation"}, headers=headers).json()["warnings"]
    assert [w["certificate"] for w in found] == [number]
    return int(found[0]["id"])


def _listed(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(LIST, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_every_kind_is_listed_open_first_newest_first_with_its_figures(
    client: TestClient, world: World
) -> None:
    monitoring = world.callers["monitoring"]
    found = _listed(client, monitoring)
    assert found["total"] == 4
    keys = [(w["kind"], w["id"]) for w in found["warnings"]]
    # today: the dossier's photo match (an hour after it was submitted), the dossier, then
    # yesterday's re-used photo, then the valuation warning of 20 days ago
    assert keys == [
        ("photo-match", world.dossier_match),
        ("footprint", world.dossier),
        ("photo-match", world.certificate_match),
        ("valuation", world.valuation),
    ]
    by_key = {(w["kind"], w["id"]): w for w in found["warnings"]}
    assert all(w["state"] == "open" and w["finding"] is None for w in found["warnings"])

    photo = by_key[("photo-match", world.certificate_match)]
    assert (photo["certificate"], photo["participant"], photo["link"]) == (
        world.reused,
        "ZA",
        f"/photo-matches/{world.certificate_match}",
    )
    assert 0 <= photo["figures"]["distance"] <= photo["figures"]["bits"] == 256
    assert world.original in photo["summary"]
    on_dossier = by_key[("photo-match", world.dossier_match)]
    assert (on_dossier["dossier"], on_dossier["certificate"], on_dossier["participant"]) == (
        world.dossier,
        None,
        "ZW",
    )

    valuation = by_key[("valuation", world.valuation)]
    assert (valuation["certificate"], valuation["link"], valuation["participant"]) == (
        world.cheap,
        f"/certificates/{world.cheap}",
        "BW",
    )
    assert valuation["figures"]["usd_per_carat"] == 9.0 and valuation["figures"]["ratio"] < 0.1
    assert valuation["figures"]["basis"] == "published" and valuation["stale"] is True

    footprint = by_key[("footprint", world.dossier)]
    assert (footprint["link"], footprint["participant"], footprint["stale"]) == (
        f"/export-dossiers/{world.dossier}",
        "ZW",
        False,
    )
    assert footprint["figures"]["distance"] > 0.5
    assert footprint["figures"]["differs_most"].startswith("sieve class -7")


def test_filters_and_paging(client: TestClient, world: World) -> None:
    monitoring = world.callers["monitoring"]
    assert [w["id"] for w in _listed(client, monitoring, kind="footprint")["warnings"]] == [world.dossier]
    assert {w["kind"] for w in _listed(client, monitoring, kind="photo-match")["warnings"]} == {"photo-match"}
    assert [w["kind"] for w in _listed(client, monitoring, participant="bw")["warnings"]] == ["valuation"]
    zw = _listed(client, monitoring, participant="ZW")
    assert zw["total"] == 2 and {w["participant"] for w in zw["warnings"]} == {"ZW"}
    assert _listed(client, monitoring, state="closed") == {
        "total": 0,
        "limit": 50,
        "offset": 0,
        "warnings": [],
    }

    everything = [(w["kind"], w["id"]) for w in _listed(client, monitoring)["warnings"]]
    paged = []
    for offset in range(0, 4, 3):
        page = _listed(client, monitoring, limit=3, offset=offset)
        assert page["total"] == 4 and page["limit"] == 3 and page["offset"] == offset
        paged += [(w["kind"], w["id"]) for w in page["warnings"]]
    assert paged == everything

    for params, field in (
        ({"kind": "gossip"}, "kind"),
        ({"state": "shut"}, "state"),
        ({"participant": "B W"}, "participant"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
    ):
        refused = client.get(LIST, params=params, headers=monitoring)
        assert refused.status_code == 422, (params, refused.text)
        assert [p["field"] for p in refused.json()["detail"]] == [field]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(participant=st.text(max_size=12))
def test_any_participant_filter_is_answered_or_refused_never_a_failure(
    client: TestClient,
    make_token,
    participant: str,  # type: ignore[no-untyped-def]
) -> None:
    response = client.get(LIST, params={"participant": participant}, headers=auth(make_token(Role.ADMIN)))
    code = participant.strip().upper()
    if "\x00" in participant:
        assert response.status_code == 422
    elif not code or (len(code) <= 8 and code.isalnum()):
        assert response.status_code == 200, response.text
        assert all(w["participant"] == code for w in response.json()["warnings"])
    else:
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == "participant"


def test_each_kind_is_closed_once_and_its_finding_stays(client: TestClient, world: World) -> None:
    monitoring = world.callers["monitoring"]
    closing = [
        ("photo-match", world.certificate_match, "confirmed", "Same parcel photo as BW's, cropped"),
        ("valuation", world.valuation, "cleared", "Boart sold at auction: 9 $/ct is the going price"),
        ("footprint", world.dossier, "confirmed", "Smalls and browns: not Murowa goods"),
        ("photo-match", world.dossier_match, "cleared", "Re-photographed at the office: a different parcel"),
    ]
    for kind, warning_id, conclusion, text in closing:
        body = {"conclusion": conclusion, "finding": text}
        closed = client.post(finding_path(kind, warning_id), json=body, headers=monitoring)
        assert closed.status_code == 201, closed.text
        assert (closed.json()["conclusion"], closed.json()["finding"], closed.json()["kind"]) == (
            conclusion,
            text,
            kind,
        )
        again = client.post(finding_path(kind, warning_id), json=body, headers=monitoring)
        assert again.status_code == 409, again.text
        assert "already closed" in again.json()["detail"]
    assert _listed(client, monitoring, state="open")["total"] == 0
    closed_list = _listed(client, monitoring, state="closed")["warnings"]
    assert len(closed_list) == 4 and all(w["state"] == "closed" for w in closed_list)
    words = {(w["kind"], w["id"]): w["finding"]["words"] for w in closed_list}
    assert words[("photo-match", world.certificate_match)] == "confirmed: re-used photo"
    assert words[("photo-match", world.dossier_match)] == "cleared: a different parcel"
    assert words[("valuation", world.valuation)] == "cleared: the value is explained"
    assert words[("footprint", world.dossier)] == "confirmed: not goods of this zone"
    # a closed footprint warning keeps the figures the experts saw
    footprint = next(w for w in closed_list if w["kind"] == "footprint")
    assert footprint["figures"]["distance"] > 0.5

    # on the certificate: the warning closed with its finding, and the timeline says who and when
    za = world.callers["za"]
    certificate = client.get(f"/api/v1/certificates/{world.reused}", headers=za).json()
    [warning] = certificate["warnings"]
    assert warning["finding"]["words"] == "confirmed: re-used photo"
    assert "review" not in warning
    [entry] = [t for t in certificate["timeline"] if t["event"] == "expert finding recorded"]
    recorded_by = warning["finding"]["recorded_by"]
    assert entry["actor"] == recorded_by and recorded_by.startswith("token:")
    assert "confirmed: re-used photo" in entry["detail"] and "Same parcel photo" in entry["detail"]
    cheap = client.get(f"/api/v1/certificates/{world.cheap}", headers=world.callers["bw"]).json()
    assert cheap["warnings"][0]["finding"]["conclusion"] == "cleared"
    assert any("the value is explained" in (t["detail"] or "") for t in cheap["timeline"])

    # the experts' list of valuation warnings says so too
    [valuation] = client.get("/api/v1/expertise/valuation-warnings", headers=monitoring).json()
    assert valuation["finding"]["words"] == "cleared: the value is explained"

    # on the dossier: both findings, and its photo warning closed
    dossier = client.get(f"/api/v1/export-dossiers/{world.dossier}", headers=monitoring).json()
    assert [(f["kind"], f["conclusion"]) for f in dossier["findings"]] == [
        ("footprint", "confirmed"),
        ("photo-match", "cleared"),
    ]
    assert dossier["warnings"][0]["finding"]["words"] == "cleared: a different parcel"


def test_a_wrong_finding_is_refused_naming_the_field_and_nothing_changes(
    client: TestClient, world: World
) -> None:
    monitoring = world.callers["monitoring"]
    path = finding_path("photo-match", world.certificate_match)
    for body, fields in (
        ({"conclusion": "maybe", "finding": "looked"}, ["conclusion"]),
        ({"conclusion": "confirmed", "finding": ""}, ["finding"]),
        ({"conclusion": "confirmed", "finding": "   "}, ["finding"]),
        ({"conclusion": "cleared", "finding": "x" * 4001}, ["finding"]),
        ({"finding": "no conclusion"}, ["conclusion"]),
        ({"conclusion": "confirmed", "finding": "ok", "extra": 1}, ["extra"]),
    ):
        refused = client.post(path, json=body, headers=monitoring)
        assert refused.status_code == 422, (body, refused.text)
        assert [p["field"] for p in refused.json()["detail"]] == fields, refused.text
    wrong_kind = client.post(
        "/api/v1/expertise/warnings/rumour/1/finding",
        json={"conclusion": "confirmed", "finding": "x"},
        headers=monitoring,
    )
    assert wrong_kind.status_code == 422 and wrong_kind.json()["detail"][0]["field"] == "kind"
    body = {"conclusion": "confirmed", "finding": "x"}
    assert client.post(finding_path("valuation", 999), json=body, headers=monitoring).status_code == 404
    # a dossier whose footprint check is not unusual has no footprint warning to close
    consistent = client.post("/api/v1/export-dossiers", json=ZW_DOSSIER, headers=world.callers["zw"]).json()[
        "id"
    ]
    refused = client.post(finding_path("footprint", consistent), json=body, headers=monitoring)
    assert refused.status_code == 404 and "no assortment declared" in refused.json()["detail"]
    assert _listed(client, monitoring, state="closed")["total"] == 0
    timeline = client.get(f"/api/v1/certificates/{world.reused}", headers=monitoring).json()["timeline"]
    assert not [t for t in timeline if t["event"] == "expert finding recorded"]


def test_only_the_monitoring_team_closes_and_with_admins_reads(client: TestClient, world: World) -> None:
    assert client.get(LIST).status_code == 401
    for who in ("statistics", "bw", "za", "zw"):
        assert client.get(LIST, headers=world.callers[who]).status_code == 403, who
    for who in ("monitoring", "admin"):
        assert client.get(LIST, headers=world.callers[who]).status_code == 200, who
    body = {"conclusion": "confirmed", "finding": "mine"}
    path = finding_path("photo-match", world.certificate_match)
    assert client.post(path, json=body).status_code == 401
    for who in ("admin", "statistics", "bw", "za"):
        assert client.post(path, json=body, headers=world.callers[who]).status_code == 403, who
    assert _listed(client, world.callers["admin"], state="closed")["total"] == 0


def test_the_pages_close_a_warning_and_show_it_closed(  # type: ignore[no-untyped-def]
    client: TestClient, world: World, make_user
) -> None:
    password = make_user("expert", [Role.MONITORING])
    csrf = sign_in(client, "expert", password)
    page = client.get("/expertise")
    assert page.status_code == 200
    assert f'id="warning-photo-match-{world.certificate_match}"' in page.text
    assert f'href="/photo-matches/{world.certificate_match}"' in page.text
    assert 'action="/expertise/warnings/valuation/' in page.text
    assert '<a href="/expertise">' in page.text  # the Monitoring menu links the workbench
    assert page.text.count('data-state="open"') == 4

    # an empty finding: back to the page with the reason, nothing recorded
    form = {
        "csrf_token": csrf,
        "conclusion": "confirmed",
        "finding": " ",
        "back": "/expertise?kind=valuation",
    }
    path = f"/expertise/warnings/valuation/{world.valuation}/finding"
    refused = client.post(path, data=form, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].startswith(
        "/expertise?kind=valuation&error="
    )
    assert "What the experts found" in client.get(refused.headers["location"]).text

    form["finding"] = "Sold at auction at this price"
    sent = client.post(path, data=form, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/expertise?kind=valuation"
    shown = client.get("/expertise?kind=valuation").text
    assert 'data-state="closed"' in shown and "confirmed: the declared value is wrong" in shown

    # from the side-by-side page; another site's address is never followed back
    form = {"csrf_token": csrf, "conclusion": "confirmed", "finding": "Same photo", "back": "//evil.example/"}
    sent = client.post(
        f"/expertise/warnings/photo-match/{world.certificate_match}/finding",
        data=form,
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/expertise"
    match_page = client.get(f"/photo-matches/{world.certificate_match}").text
    assert "Closed — confirmed: re-used photo" in match_page
    certificate_page = client.get(f"/certificates/{world.reused}").text
    assert "Closed — confirmed: re-used photo" in certificate_page
    listed = client.get("/expertise/valuation-warnings").text
    assert "confirmed: the declared value is wrong" in listed and "(user:expert," in listed
    assert "expert finding recorded" in certificate_page

    # the dossier page carries the footprint warning's form until it is closed
    dossier_page = client.get(f"/export-dossiers/{world.dossier}").text
    assert 'id="footprint-finding"' in dossier_page
    assert f'action="/expertise/warnings/footprint/{world.dossier}/finding"' in dossier_page
