"""The registry corrections of issue 19 (item 2), through HTTP, the CLI and the pages, on
both databases: Greenland through the EU, Chinese Taipei as a trading entity whose trade is
certified, Côte d'Ivoire's export-only ban of 2005-2014, Zimbabwe's Marange regime before
November 2011, and the admission dates that are only bounds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.participants.datafile import load_registry_file
from kpcs.participants.loader import apply_registry
from kpcs.participants.models import Participant, ParticipantRegime, ParticipantStatusChange
from kpcs.participants.registry import ParticipantStatus
from tests.conftest import auth, certificate_body


def _issue(client: TestClient, token: str, **changes: object) -> Any:
    return client.post("/api/v1/certificates", json=certificate_body(**changes), headers=auth(token))


def _ci_line() -> list[dict[str, object]]:
    return [{"hs_code": "7102.31", "origin": "CI", "carats": 120.5, "value_usd": 15000.0}]


# --- Côte d'Ivoire: exports banned 2005-2014, imports allowed ------------------------------


def test_cote_d_ivoire_exports_refused_in_2010_naming_the_rule(
    client: TestClient,
    make_token,  # type: ignore[no-untyped-def]
    clock: FixedClock,
) -> None:
    clock.at = datetime(2010, 6, 1, 10, 0, tzinfo=UTC)
    ci = make_token(Role.AUTHORITY, "CI")
    response = _issue(client, ci, exporting_country="CI", importing_country="BE", lines=_ci_line())
    assert response.status_code == 422, response.text
    problems = {p["rule"]: p for p in response.json()["detail"]}
    assert set(problems) == {"export-banned", "origin-barred"}  # the exporter, and its stones as an origin
    problem = problems["export-banned"]
    assert problem["field"] == "exporting_country"
    assert "2005-12-15" in problem["message"] and "may still import" in problem["message"]
    assert client.get("/api/v1/certificates", headers=auth(ci)).json() == []


def test_cote_d_ivoire_could_import_in_2010(client: TestClient, make_token, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    clock.at = datetime(2010, 6, 1, 10, 0, tzinfo=UTC)
    response = _issue(client, make_token(Role.AUTHORITY, "BW"), importing_country="CI")
    assert response.status_code == 201, response.text
    incoming = client.get(
        "/api/v1/certificates",
        params={"direction": "incoming"},
        headers=auth(make_token(Role.AUTHORITY, "CI")),
    ).json()
    assert [c["number"] for c in incoming] == [response.json()["number"]]


@pytest.mark.parametrize(("day", "status"), [("2005-12-14", 201), ("2014-04-28", 422), ("2014-04-29", 201)])
def test_cote_d_ivoire_exports_around_the_embargo(
    client: TestClient,
    make_token,  # type: ignore[no-untyped-def]
    clock: FixedClock,
    day: str,
    status: int,
) -> None:
    clock.at = datetime.fromisoformat(day).replace(hour=10, tzinfo=UTC)
    response = _issue(
        client,
        make_token(Role.AUTHORITY, "CI"),
        exporting_country="CI",
        importing_country="BE",
        lines=_ci_line(),
    )
    assert response.status_code == status, response.text


def test_cote_d_ivoire_exports_after_the_lifting_verify(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    response = _issue(
        client,
        make_token(Role.AUTHORITY, "CI"),
        exporting_country="CI",
        importing_country="BE",
        lines=_ci_line(),
    )
    assert response.status_code == 201, response.text
    checked = client.post("/api/v1/verify", json={"credential": response.json()["credential"]}).json()
    assert checked["valid"] is True and checked["number"].startswith("CI-")


def test_cote_d_ivoire_history_and_page(client: TestClient) -> None:
    body = client.get("/api/v1/participants/CI", params={"on": "2010-06-01"}).json()
    assert body["status"] == "export_banned"
    banned = next(h for h in body["status_history"] if h["status"] == "export_banned")
    assert banned["effective_on"] == "2005-12-15" and "un-press-2005-12-15" in banned["sources"]
    assert "suspended" not in [h["status"] for h in body["status_history"]]
    listed = client.get("/api/v1/participants", params={"on": "2010-06-01", "status": "export_banned"}).json()
    assert [row["code"] for row in listed] == ["CI"]
    page = client.get("/participants/CI")
    assert page.status_code == 200
    assert "export banned" in page.text and "un-press-2005-12-15" in page.text


# --- Chinese Taipei: a trading entity whose trade is certified -----------------------------


def test_chinese_taipei_is_listed_as_a_trading_entity(client: TestClient) -> None:
    rows = {row["code"]: row for row in client.get("/api/v1/participants").json()}
    assert rows["TW"] == {
        "code": "TW",
        "name": "Chinese Taipei",
        "kind": "trading_entity",
        "status": "active",
        "countries": ["TW"],
    }
    participants = client.get("/api/v1/participants", params={"kind": "participant"}).json()
    assert "TW" not in {row["code"] for row in participants}
    assert len([r for r in participants if r["status"] != "withdrawn"]) == 60  # the count stays right
    page = client.get("/participants/TW")
    assert "Rough-diamond trading entity" in page.text and "not later than" in page.text


def test_certificates_to_and_from_chinese_taipei_issue_and_verify(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    to_taipei = _issue(client, make_token(Role.AUTHORITY, "BW"), importing_country="TW")
    assert to_taipei.status_code == 201, to_taipei.text
    taipei = make_token(Role.AUTHORITY, "TW")
    from_taipei = _issue(
        client,
        taipei,
        exporting_country="TW",
        importing_country="BE",
        lines=[{"hs_code": "7102.31", "origin": "mixed", "carats": 75.0, "value_usd": 9000.0}],
    )
    assert from_taipei.status_code == 201, from_taipei.text
    assert from_taipei.json()["number"].startswith("TW-")
    for cert in (to_taipei.json(), from_taipei.json()):
        checked = client.post("/api/v1/verify", json={"credential": cert["credential"]}).json()
        assert checked["valid"] is True, checked
    keys = client.get("/api/v1/trust-list").json()["keys"]
    assert "TW" in {key["participant"] for key in keys}
    confirmed = client.post(
        f"/api/v1/certificates/{to_taipei.json()['number']}/import-confirmation",
        json={"received_on": "2025-03-03"},
        headers=auth(taipei),
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"


def test_a_token_for_chinese_taipei_but_not_for_an_observer(cli) -> None:  # type: ignore[no-untyped-def]
    made = cli("tokens", "create", "--participant", "TW", "--role", "authority")
    assert made.exit_code == 0, made.output
    refused = cli("tokens", "create", "--participant", "WDC", "--role", "authority")
    assert refused.exit_code != 0 and "observer" in refused.output


# --- Greenland: one of the EU's countries --------------------------------------------------


def test_greenland_is_among_the_eu_countries_with_its_source(client: TestClient) -> None:
    eu = client.get("/api/v1/participants/EU").json()
    assert "GL" in eu["countries"]
    assert eu["country_notes"] == [
        {
            "country": "GL",
            "note": eu["country_notes"][0]["note"],
            "sources": ["comm-2014 ¶4", "comm-2014 ¶5"],
        }
    ]
    page = client.get("/participants/EU")
    assert 'id="country-notes"' in page.text and "comm-2014" in page.text


def test_a_certificate_to_greenland_is_the_eus(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(client, make_token(Role.AUTHORITY, "BW"), importing_country="GL")
    assert issued.status_code == 201, issued.text
    eu = auth(make_token(Role.AUTHORITY, "EU"))
    inbox = client.get("/api/v1/certificates", params={"direction": "incoming"}, headers=eu).json()
    assert [c["number"] for c in inbox] == [issued.json()["number"]]
    greenland_export = _issue(
        client,
        make_token(Role.AUTHORITY, "EU"),
        exporting_country="GL",
        importing_country="BW",
        lines=[{"hs_code": "7102.10", "origin": "GL", "carats": 10.0, "value_usd": 1000.0}],
    )
    assert greenland_export.status_code == 201, greenland_export.text
    assert greenland_export.json()["number"].startswith("EU-")


# --- Marange and the bounds -----------------------------------------------------------------


def test_marange_regime_on_zimbabwe_page_and_api(client: TestClient) -> None:
    body = client.get("/api/v1/participants/ZW").json()
    (regime,) = body["regimes"]
    assert regime["kind"] == "supervised_exports" and regime["area"] == "Marange"
    assert regime["starts_on"] is None and regime["ends_on"] == "2011-11-03"
    assert "comm-2011 ¶19" in regime["sources"]
    page = client.get("/participants/ZW")
    assert 'id="regimes"' in page.text and "Marange" in page.text and "comm-2011" in page.text


def test_marange_regime_does_not_block_zimbabwe_in_2010(
    client: TestClient, make_token, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    clock.at = datetime(2010, 8, 11, 10, 0, tzinfo=UTC)
    response = _issue(
        client,
        make_token(Role.AUTHORITY, "ZW"),
        exporting_country="ZW",
        lines=[{"hs_code": "7102.31", "origin": "ZW", "carats": 5000.0, "value_usd": 250000.0}],
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("code", "day"),
    [
        ("BD", "2008-06-30"),
        ("NO", "2008-06-30"),
        ("SG", "2008-06-30"),
        ("NZ", "2008-06-30"),
        ("GH", "2006-11-09"),
        ("MX", "2008-12-31"),
    ],
)
def test_bounded_admission_dates_say_so(client: TestClient, code: str, day: str) -> None:
    history = client.get(f"/api/v1/participants/{code}").json()["status_history"]
    (entry,) = [h for h in history if h["effective_on"] == day]
    assert entry["date_bound"] == "not_later_than" and entry["sources"]
    assert all(h["date_bound"] is None for h in history if h["effective_on"] != day)
    page = client.get(f"/participants/{code}").text
    assert "not later than" in page


def test_cli_shows_the_corrections(cli) -> None:  # type: ignore[no-untyped-def]
    listed = cli("participants", "list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {row["code"]: row for row in json.loads(listed.output)}
    assert rows["TW"]["kind"] == "trading_entity" and "GL" in rows["EU"]["countries"]


# --- existing databases get the corrections -------------------------------------------------


def _as_before(session: Session) -> None:
    """Put a database back in the state the registry of before these corrections left it in."""
    eu = session.get(Participant, "EU")
    assert eu is not None
    eu.countries = [c for c in eu.countries if c != "GL"]
    eu.country_notes = []
    session.execute(sa.delete(ParticipantRegime))
    session.execute(sa.update(ParticipantStatusChange).values(date_bound=None))
    session.execute(
        sa.update(ParticipantStatusChange)
        .where(ParticipantStatusChange.status == ParticipantStatus.EXPORT_BANNED)
        .values(status=ParticipantStatus.SUSPENDED)
    )
    session.execute(
        sa.delete(ParticipantStatusChange).where(ParticipantStatusChange.participant_code == "TW")
    )
    session.execute(sa.delete(Participant).where(Participant.code == "TW"))


def test_an_existing_database_is_corrected_once(
    session_factory: sessionmaker[Session], clock: FixedClock, client: TestClient
) -> None:
    with UnitOfWork(session_factory) as uow:
        _as_before(uow.session)
        uow.commit()
    assert client.get("/api/v1/participants/CI", params={"on": "2010-06-01"}).json()["status"] == "suspended"
    data = load_registry_file()
    with UnitOfWork(session_factory) as uow:
        report = apply_registry(uow.session, data, clock=clock)
        uow.commit()
    assert report.added.get("participants") == 1 and report.added.get("regimes") == 1
    assert report.added.get("status entries") == 3  # CI and GH export bans, TW's admission
    assert report.removed.get("status entries") == 2  # the CI and GH suspensions they replace
    with UnitOfWork(session_factory) as uow:
        again = apply_registry(uow.session, data, clock=clock)
        uow.commit()
    assert not again.changed, again.summary()
    assert (
        client.get("/api/v1/participants/CI", params={"on": "2010-06-01"}).json()["status"] == "export_banned"
    )
    assert "GL" in client.get("/api/v1/participants/EU").json()["countries"]
    events = [e for e in client.get("/api/v1/participants/TW").json()["status_history"]]
    assert events and events[0]["date_bound"] == "not_later_than"


def test_trade_with_chinese_taipei_is_reported_in_statistics(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    rows = (
        "participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"
        "BW,2024-Q1,export,TW,7102.31,1000.00,200000.00,2\n"
    )
    response = client.post(
        "/api/v1/statistics/submissions",
        files={"file": ("trade.csv", rows.encode(), "text/csv")},
        headers=auth(make_token(Role.AUTHORITY, "BW")),
    )
    assert response.status_code == 201, response.text
    trade = client.get("/api/v1/statistics/trade", params={"year": 2024}).json()
    assert [(r["participant"], r["partner"]) for r in trade] == [("BW", "TW")]


def test_an_admin_records_an_export_ban_without_zones(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    admin = auth(make_token(Role.ADMIN))
    body = {"status": "export_banned", "reason": "Plenary decision (test)", "effective_on": "2025-03-03"}
    wrong = client.post("/api/v1/participants/ZW/status", json={**body, "zones": ["Marange"]}, headers=admin)
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "zones"
    recorded = client.post("/api/v1/participants/ZW/status", json=body, headers=admin)
    assert recorded.status_code == 201, recorded.text
    zimbabwe = make_token(Role.AUTHORITY, "ZW")
    refused = _issue(
        client,
        zimbabwe,
        exporting_country="ZW",
        lines=[{"hs_code": "7102.31", "origin": "ZW", "carats": 10.0, "value_usd": 900.0}],
    )
    assert refused.status_code == 422 and refused.json()["detail"][0]["rule"] == "export-banned"
    assert _issue(client, make_token(Role.AUTHORITY, "BW"), importing_country="ZW").status_code == 201
    observer = client.post("/api/v1/participants/WDC/status", json=body, headers=admin)
    assert observer.status_code == 422 and "observer" in observer.text


def test_ivorian_diamonds_re_exported_elsewhere_in_2010_are_barred_as_an_origin(
    client: TestClient,
    make_token,  # type: ignore[no-untyped-def]
    clock: FixedClock,
) -> None:
    """The embargo stopped Ivorian rough leaving Côte d'Ivoire, by whatever route: a line of
    Ivorian origin on another participant's certificate is refused, unless the stones left
    before the ban began (15 December 2005) and the exporter says so."""
    clock.at = datetime(2010, 6, 1, 10, 0, tzinfo=UTC)
    bw = make_token(Role.AUTHORITY, "BW")
    refused = _issue(client, bw, lines=_ci_line())
    assert refused.status_code == 422, refused.text
    (problem,) = refused.json()["detail"]
    assert problem["field"] == "lines.0.origin" and problem["rule"] == "origin-barred"
    before = [_ci_line()[0] | {"departed_origin_on": "2005-12-01"}]
    assert _issue(client, bw, lines=before).status_code == 201
