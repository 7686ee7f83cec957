"""Valuation warnings through the API, the pages and the PDF (issue 20, item 2): an undervalued
certificate carries its warning, with the reference, its basis and the distance, for the
issuer and the importer; an ordinary one none; the published stand-in below 20
certificates; the experts' list, its filters and who may read it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.conftest import auth, certificate_body
from tests.functional.test_pages import sign_in
from tests.pdf import page_texts

LIST = "/api/v1/expertise/valuation-warnings"


def _line(hs_code: str, origin: str, carats: float, value_usd: float) -> dict[str, Any]:
    return {"hs_code": hs_code, "origin": origin, "carats": carats, "value_usd": value_usd}


def _issue(client: TestClient, headers: dict[str, str], *lines: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/certificates", json=certificate_body(lines=list(lines)), headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _history(client: TestClient, clock: FixedClock, headers: dict[str, str], count: int = 24) -> None:
    """``count`` ordinary Botswanan certificates of 7102.31 on the days before today, at
    150–250 $/ct (a spread like real parcels', narrower)."""
    today = clock.at
    for day in range(1, count + 1):
        clock.at = today - timedelta(days=day)
        unit = 150 + (day * 37) % 100
        _issue(client, headers, _line("7102.31", "BW", 1000.0, 1000.0 * unit))
    clock.at = today


def test_an_undervalued_certificate_carries_its_warning_and_an_ordinary_one_none(  # type: ignore[no-untyped-def]
    client: TestClient, clock: FixedClock, make_token
) -> None:
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    eu = auth(make_token(Role.AUTHORITY, "EU"))
    wgm = auth(make_token(Role.MONITORING))
    _history(client, clock, bw)

    ordinary = _issue(client, bw, _line("7102.31", "BW", 800.0, 800.0 * 210))
    assert ordinary["warnings"] == []
    cheap = _issue(client, bw, _line("7102.31", "BW", 1200.0, 1200.0 * 18.5))  # 18.50 $/ct
    [warning] = cheap["warnings"]
    assert (warning["type"], warning["basis"], warning["certificates"], warning["line"]) == (
        "undervaluation",
        "origin",
        24,
        1,
    )
    assert 180 <= warning["reference_usd_per_carat"] <= 220
    assert warning["usd_per_carat"] == 18.5
    assert warning["ratio"] < 0.11 and warning["distance"] < -3
    assert "possible undervaluation" in warning["message"] and "24 certificates" in warning["message"]

    # the importer sees it on the certificate, as the issuer does, and in the PDF
    seen = client.get(f"/api/v1/certificates/{cheap['number']}", headers=eu)
    assert seen.status_code == 200 and seen.json()["warnings"] == cheap["warnings"]
    pdf = client.get(f"/api/v1/certificates/{cheap['number']}/pdf", headers=eu)
    assert pdf.status_code == 200
    assert "Valuation check at issue" in " ".join(page_texts(pdf.content))

    # and the experts list it, with the certificate's number, not the ordinary one
    listed = client.get(LIST, headers=wgm)
    assert listed.status_code == 200
    assert [(w["certificate"], w["type"], w["basis"]) for w in listed.json()] == [
        (cheap["number"], "undervaluation", "origin")
    ]
    assert listed.json()[0]["distance"] == warning["distance"]


def test_over_valuation_and_the_filters_of_the_experts_list(  # type: ignore[no-untyped-def]
    client: TestClient, clock: FixedClock, make_token
) -> None:
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    admin = auth(make_token(Role.ADMIN))
    _history(client, clock, bw)
    dear = _issue(client, bw, _line("7102.31", "BW", 10.0, 10.0 * 5000))  # 5,000 $/ct: 25 times
    cheap = _issue(client, bw, _line("7102.31", "BW", 10.0, 10.0 * 10))
    assert [w["type"] for w in dear["warnings"]] == ["overvaluation"]

    def numbers(**params: str) -> list[str]:
        response = client.get(LIST, params=params, headers=admin)
        assert response.status_code == 200, response.text
        return [w["certificate"] for w in response.json()]

    assert set(numbers()) == {dear["number"], cheap["number"]}
    assert numbers(type="overvaluation") == [dear["number"]]
    assert numbers(type="undervaluation", exporter="BW", hs_code="7102.31", origin="BW") == [cheap["number"]]
    assert numbers(exporter="ZA") == [] and numbers(basis="published") == []
    today = clock.today()
    assert len(numbers(issued_from=str(today), issued_to=str(today))) == 2
    assert numbers(issued_to=str(today - timedelta(days=1))) == []
    assert len(numbers(limit="1")) == 1 and len(numbers(limit="1", offset="1")) == 1

    # bad filters: a 422 naming the field
    for params, field in (
        ({"type": "cheap"}, "type"),
        ({"basis": "guess"}, "basis"),
        ({"limit": "0"}, "limit"),
        ({"issued_from": "yesterday"}, "issued_from"),
        ({"exporter": "B W!"}, "exporter"),
        ({"issued_from": str(today), "issued_to": str(today - timedelta(days=3))}, "issued_to"),
    ):
        refused = client.get(LIST, params=params, headers=admin)
        assert refused.status_code == 422, (params, refused.text)
        assert field in str(refused.json()["detail"]), refused.text


def test_the_published_stand_in_below_twenty_certificates(  # type: ignore[no-untyped-def]
    client: TestClient, clock: FixedClock, make_token
) -> None:
    """Five certificates of history are not enough: Botswana's production $/ct (≈ 145) stands
    in, flagging only a tenth of it; industrial goods and mixed origins have no stand-in."""
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    _history(client, clock, bw, count=5)
    issued = _issue(
        client,
        bw,
        _line("7102.31", "BW", 500.0, 500.0 * 9),  # 9 $/ct: under a tenth of BW's production $/ct
        _line("7102.31", "BW", 500.0, 500.0 * 40),  # 40 $/ct: low, but not a tenth
        _line("7102.21", "BW", 500.0, 500.0 * 1),  # industrial at 1 $/ct: no stand-in
        _line("7102.10", "mixed", 500.0, 500.0 * 1),  # mixed origin: no stand-in
    )
    [warning] = issued["warnings"]
    assert (warning["type"], warning["basis"], warning["line"], warning["certificates"]) == (
        "undervaluation",
        "published",
        1,
        0,
    )
    assert 100 < warning["reference_usd_per_carat"] < 200
    assert "KP production of BW" in warning["message"]


def test_who_may_read_the_experts_list(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    assert client.get(LIST).status_code == 401
    for role, participant in ((Role.AUTHORITY, "BW"), (Role.STATISTICS, None), (Role.CUSTOMS, "BW")):
        assert client.get(LIST, headers=auth(make_token(role, participant))).status_code == 403
    for role in (Role.MONITORING, Role.ADMIN):
        assert client.get(LIST, headers=auth(make_token(role))).status_code == 200


def test_the_pages_show_the_warning_and_the_list(  # type: ignore[no-untyped-def]
    client: TestClient, clock: FixedClock, make_token, make_user
) -> None:
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    _history(client, clock, bw)
    cheap = _issue(client, bw, _line("7102.31", "BW", 100.0, 100.0 * 15))
    password = make_user("expert", [Role.MONITORING])
    sign_in(client, "expert", password)
    page = client.get("/expertise/valuation-warnings")
    assert page.status_code == 200
    assert f'data-certificate="{cheap["number"]}"' in page.text and "undervaluation" in page.text
    assert 'href="/expertise/valuation-warnings"' in page.text  # in the Monitoring menu
    filtered = client.get("/expertise/valuation-warnings", params={"type": "overvaluation"})
    assert cheap["number"] not in filtered.text and "with these filters" in filtered.text
    bad = client.get("/expertise/valuation-warnings", params={"issued_from": "soon"})
    assert bad.status_code == 422 and "issued_from" in bad.text
    certificate = client.get(f"/certificates/{cheap['number']}")
    assert certificate.status_code == 200
    assert 'class="valuation-figures"' in certificate.text and "basis <code>origin</code>" in certificate.text


def test_a_reference_kept_for_the_day_follows_certificates_dated_before_it(  # type: ignore[no-untyped-def]
    client: TestClient, clock: FixedClock, make_token
) -> None:
    """Each process keeps a day's samples, however few (issuing reads them once a day); a
    certificate dated earlier than a kept day (a clock set back, a copy received from another
    node) must drop them, or the day would go on judging against a history without it."""
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    first = _issue(client, bw, _line("7102.21", "BW", 1000.0, 1000.0 * 12))  # no history: no reference
    assert first["warnings"] == []
    today = clock.at
    for day in range(1, 25):  # then certificates dated before today arrive
        clock.at = today - timedelta(days=day)
        _issue(client, bw, _line("7102.21", "BW", 1000.0, 1000.0 * (10 + day % 5)))
    clock.at = today
    cheap = _issue(client, bw, _line("7102.21", "BW", 1000.0, 1000.0 * 0.9))  # a tenth of ~12 $/ct
    assert [w["type"] for w in cheap["warnings"]] == ["undervaluation"], cheap["warnings"]
