"""The audit log over HTTP: filters (who, what, object, dates), paging, the CSV export,
bad input and who may read it, on the API and on the page."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role
from kpcs.audit.models import AuditEvent
from tests.conftest import auth
from tests.factories.audit import Event, add_events
from tests.functional.test_pages import sign_in

HTMX = {"HX-Request": "true"}
CSV_HEADER = [
    "id",
    "occurred_at",
    "actor",
    "actor_participant",
    "tag",
    "object_type",
    "object_id",
    "before",
    "after",
    "note",
]


# Events not recorded by the app itself: its background work (creating the log's signing
# key when it first signs a tree head) may record one at any moment.
_COUNT_BY_PEOPLE = sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.actor != "system")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# June 2024, with events on each side of both boundaries, by three users with look-alike names.
JUNE = [
    Event(_at("2024-05-31T23:59:59.999999"), "user:alice", "certificate:issued", "certificate", "BW-0531"),
    Event(_at("2024-06-01T00:00:00"), "user:alice", "certificate:cancelled", "certificate", "BW-0601"),
    Event(
        _at("2024-06-15T12:00:00"),
        "user:alice",
        "participant:status:changed",
        "participant",
        "CF",
        before={"status": "active", "zones": []},
        after={"status": "restricted", "zones": ["Berbérati", "Carnot"]},
        note="AD 2024, with a comma",
    ),
    Event(_at("2024-06-20T08:00:00"), "user:alicia", "account:user:signed-in", "user", "alicia"),
    Event(
        _at("2024-06-25T10:00:00"),
        "user:bob",
        "certificate:issued",
        "certificate",
        "IN-0625",
        participant="IN",
    ),
    Event(_at("2024-06-30T23:59:59.999999"), "user:alice", "account:token:created", "api_token", "7"),
    Event(_at("2024-07-01T00:00:00"), "user:alice", "certificate:issued", "certificate", "BW-0701"),
]


@pytest.fixture
def june(session_factory: sessionmaker[Session]) -> dict[str, int]:
    """The June events, by object id."""
    ids = add_events(session_factory, JUNE)
    return {e.object_id: i for e, i in zip(JUNE, ids, strict=True)}


@pytest.fixture
def admin_token(make_token) -> str:  # type: ignore[no-untyped-def]
    return str(make_token(Role.ADMIN))


def _api(client: TestClient, token: str, **params: str) -> list[str]:
    response = client.get("/api/v1/audit", params=params, headers=auth(token))
    assert response.status_code == 200, response.text
    return [e["object_id"] for e in response.json()]


def _shown(page_html: str) -> list[int]:
    """Event ids in the order the page shows them."""
    return [int(i) for i in re.findall(r'<tr id="event-(\d+)"', page_html)]


def _link(page_html: str, text: str) -> str | None:
    """The href of the link whose text contains ``text``."""
    for href, label in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', page_html, re.S):
        if text in label:
            return html.unescape(href)
    return None


def test_api_filters_who_what_object_and_dates(
    client: TestClient, june: dict[str, int], admin_token: str
) -> None:
    june_only = {"since": "2024-06-01", "until": "2024-06-30"}
    # The date range is inclusive on both ends, in UTC: the last microsecond of 30 June is
    # in, the first of 1 July and the last of 31 May are out.
    every_june = ["7", "IN-0625", "alicia", "CF", "BW-0601"]
    assert _api(client, admin_token, **june_only) == every_june
    assert _api(client, admin_token, since="2024-06-30", until="2024-06-30") == ["7"]
    assert _api(client, admin_token, until="2024-05-31") == ["BW-0531"]
    assert _api(client, admin_token, since="2024-07-01", actor="user:alice") == ["BW-0701"]
    # Who: one actor exactly (alice is not alicia); a kind of actor with a trailing colon.
    assert _api(client, admin_token, actor="user:alice", **june_only) == ["7", "CF", "BW-0601"]
    assert _api(client, admin_token, actor="user:", **june_only) == every_june
    assert _api(client, admin_token, actor="user:ali", **june_only) == []
    # What: a tag or a family of tags.
    assert _api(client, admin_token, tag="certificate:", **june_only) == ["IN-0625", "BW-0601"]
    assert _api(client, admin_token, tag="certificate:issued", **june_only) == ["IN-0625"]
    # Object: type and id.
    assert _api(client, admin_token, object_type="participant", object_id="CF") == ["CF"]
    assert _api(client, admin_token, object_type="certificate", **june_only) == ["IN-0625", "BW-0601"]
    # The earlier parameters still page back.
    assert _api(client, admin_token, before_id=str(june["CF"]), **june_only) == ["BW-0601"]
    assert _api(client, admin_token, limit="2", **june_only) == ["7", "IN-0625"]


def test_page_filters_with_the_same_rules(client: TestClient, make_user, june: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "boss", make_user("boss", [Role.ADMIN]))
    page = client.get(
        "/audit",
        params={"actor": "user:alice", "tag": "certificate:", "since": "2024-06-01", "until": "2024-07-01"},
    )
    assert page.status_code == 200
    assert _shown(page.text) == [june["BW-0701"], june["BW-0601"]]
    assert "Events 1–2 of 2" in page.text
    # The form shows the filters in force, with the actors seen and the known tags to choose from.
    assert 'name="since" value="2024-06-01"' in page.text and 'name="until" value="2024-07-01"' in page.text
    assert '<option value="user:alicia">' in page.text and '<option value="certificate:">' in page.text
    fragment = client.get("/audit", params={"object_type": "participant", "object_id": "CF"}, headers=HTMX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert _shown(fragment.text) == [june["CF"]]
    nothing = client.get("/audit", params={"actor": "user:nobody"}, headers=HTMX)
    assert _shown(nothing.text) == [] and "No events match" in nothing.text


def test_the_change_column_shows_what_changed(client: TestClient, make_user, june: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "boss", make_user("boss", [Role.ADMIN]))
    row = client.get("/audit", params={"object_type": "participant", "object_id": "CF"}).text
    # One line per key that changed, before → after; the full record behind a <details>.
    assert re.search(r"status</span>\s*<del>active</del>\s*→\s*<ins>restricted</ins>", row)
    assert "<ins>[&#34;Berbérati&#34;, &#34;Carnot&#34;]</ins>" in row
    assert "<details" in row and "&#34;zones&#34;: [\n" in row  # the full JSON, indented
    assert "AD 2024, with a comma" in row
    # The time on one line, the exact instant in the markup.
    assert '<time datetime="2024-06-15T12:00:00+00:00"' in row and ">2024-06-15 12:00 UTC</time>" in row


def test_paging_keeps_the_filters(
    client: TestClient, make_user, session_factory: sessionmaker[Session]
) -> None:  # type: ignore[no-untyped-def]
    start = _at("2024-01-01T00:00:00")
    ids = add_events(
        session_factory,
        [
            Event(
                start + timedelta(minutes=i),
                "cli:pager" if i % 4 else "cli:other",
                "registry:loaded",
                "registry",
                str(i),
            )
            for i in range(160)
        ],
    )
    pager = sorted((i for n, i in enumerate(ids) if n % 4), reverse=True)
    assert len(pager) == 120
    sign_in(client, "boss", make_user("boss", [Role.ADMIN]))

    first = client.get("/audit", params={"actor": "cli:pager", "tag": "registry:"})
    assert _shown(first.text) == pager[:50] and "Events 1–50 of 120" in first.text
    assert _link(first.text, "Newer") is None
    older = _link(first.text, "Older")
    assert older and "actor=cli%3Apager" in older and "tag=registry%3A" in older

    second = client.get(older, headers=HTMX)  # paging swaps the table only
    assert "<html" not in second.text
    assert _shown(second.text) == pager[50:100] and "Events 51–100 of 120" in second.text
    newer = _link(second.text, "Newer")
    assert newer and "actor=cli%3Apager" in newer
    assert _shown(client.get(newer).text) == pager[:50]

    third_link = _link(second.text, "Older")
    assert third_link
    third = client.get(third_link)
    assert _shown(third.text) == pager[100:] and "Events 101–120 of 120" in third.text
    assert _link(third.text, "Older") is None


def test_csv_export_of_every_matching_event(
    client: TestClient, make_user, session_factory: sessionmaker[Session], june: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    start = _at("2024-01-01T00:00:00")
    add_events(
        session_factory,
        [
            Event(start + timedelta(minutes=i), "cli:pager", "registry:loaded", "registry", str(i))
            for i in range(120)
        ],
    )
    sign_in(client, "boss", make_user("boss", [Role.ADMIN]))
    with session_factory() as session:
        events_before = session.scalar(_COUNT_BY_PEOPLE)

    page = client.get("/audit", params={"actor": "user:alice", "since": "2024-06-01", "until": "2024-06-30"})
    link = _link(page.text, "Download CSV")
    assert link == "/audit?actor=user%3Aalice&since=2024-06-01&until=2024-06-30&format=csv"
    download = client.get(link)
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    assert "content-length" not in download.headers  # streamed, not built in memory first
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == CSV_HEADER
    by_id = {int(r[0]): dict(zip(CSV_HEADER, r, strict=True)) for r in rows[1:]}
    assert list(by_id) == [june["7"], june["CF"], june["BW-0601"]]  # newest first, like the page
    cf = by_id[june["CF"]]
    assert cf["occurred_at"] == "2024-06-15T12:00:00+00:00"
    assert cf["actor"] == "user:alice" and cf["tag"] == "participant:status:changed"
    assert (cf["object_type"], cf["object_id"]) == ("participant", "CF")
    assert json.loads(cf["before"]) == {"status": "active", "zones": []}
    assert json.loads(cf["after"]) == {"status": "restricted", "zones": ["Berbérati", "Carnot"]}
    assert cf["note"] == "AD 2024, with a comma" and cf["actor_participant"] == ""
    assert by_id[june["BW-0601"]]["before"] == "" and by_id[june["BW-0601"]]["after"] == ""

    # All of them, not one page.
    everything = client.get("/audit", params={"actor": "cli:pager", "format": "csv"})
    assert len(list(csv.reader(io.StringIO(everything.text)))) == 1 + 120
    bob = list(csv.DictReader(io.StringIO(client.get("/audit?actor=user:bob&format=csv").text)))
    assert [(r["object_id"], r["actor_participant"]) for r in bob] == [("IN-0625", "IN")]

    # Reading the log, in any form, records nothing.
    client.get("/api/v1/audit")
    with session_factory() as session:
        assert session.scalar(_COUNT_BY_PEOPLE) == events_before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2024-13-01"}, "since"),
        ({"until": "30/06/2024"}, "until"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2024-07-01", "until": "2024-06-30"}, "until"),
    ],
)
def test_bad_dates_are_a_4xx_that_says_why(
    client: TestClient, make_user, admin_token: str, params: dict[str, str], field: str
) -> None:  # type: ignore[no-untyped-def]
    api = client.get("/api/v1/audit", params=params, headers=auth(admin_token))
    assert api.status_code == 422, api.text
    assert field in json.dumps(api.json()["detail"])

    sign_in(client, "boss", make_user("boss", [Role.ADMIN]))
    page = client.get("/audit", params=params)
    assert page.status_code == 422 and "<html" in page.text
    assert 'role="alert"' in page.text and f"{field}:" in page.text
    # The form is still there, with what was typed, so it can be corrected.
    assert f'name="{field}" value="{params[field]}"' in page.text
    fragment = client.get("/audit", params=params, headers=HTMX)
    assert fragment.status_code == 422 and "<html" not in fragment.text and f"{field}:" in fragment.text
    assert client.get("/audit", params={**params, "format": "csv"}).status_code == 422


def test_ids_beyond_any_integer_are_refused(client: TestClient, make_user, admin_token: str) -> None:  # type: ignore[no-untyped-def]
    huge = str(10**20)
    assert (
        client.get("/api/v1/audit", params={"before_id": huge}, headers=auth(admin_token)).status_code == 422
    )
    sign_in(client, "boss", make_user("boss", [Role.ADMIN]))
    assert client.get("/audit", params={"after_id": huge}).status_code == 422
    assert client.get("/audit", params={"format": "pdf"}).status_code == 422


def test_only_admins_read_the_log(client: TestClient, make_user, make_token) -> None:  # type: ignore[no-untyped-def]
    anonymous_csv = client.get("/audit", params={"format": "csv"}, follow_redirects=False)
    assert anonymous_csv.status_code == 303 and anonymous_csv.headers["location"].startswith("/sign-in")
    for role, participant in ((Role.AUTHORITY, "BW"), (Role.STATISTICS, None), (Role.MONITORING, None)):
        token = make_token(role, participant)
        for params in ({}, {"since": "2024-06-01"}, {"since": "not a date"}):
            refused = client.get("/api/v1/audit", params=params, headers=auth(token))
            assert refused.status_code == 403, (role, params, refused.text)
    sign_in(client, "clerk", make_user("clerk", [Role.AUTHORITY], "BW"))
    # Someone who may not read the log learns nothing from it, not even that a date is wrong.
    for params in ({}, {"format": "csv"}, {"since": "not a date"}, {"since": "2024-01-01", "format": "csv"}):
        assert client.get("/audit", params=params).status_code == 403, params
    client.cookies.clear()
    sign_in(client, "boss", make_user("boss", [Role.ADMIN]))
    allowed = client.get("/audit", params={"format": "csv"})
    assert allowed.status_code == 200 and allowed.text.startswith("id,occurred_at,actor,")


def test_filtered_addresses_survive_back_and_reload(
    client: TestClient, make_user, june: dict[str, int]
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "boss", make_user("boss", [Role.ADMIN]))
    typed = {
        "actor": "user:alice",
        "tag": "",
        "object_type": "",
        "object_id": "",
        "since": "2024-06-01",
        "until": "",
    }
    fragment = client.get("/audit", params=typed, headers=HTMX)
    # The address bar gets the filters in force, not the form's empty fields.
    assert fragment.headers["HX-Push-Url"] == "/audit?actor=user%3Aalice&since=2024-06-01"
    # One address, a page or a table: caches must tell them apart.
    assert "HX-Request" in fragment.headers["Vary"] and "HX-Request" in client.get("/audit").headers["Vary"]
    # HTMX reloads a page that fell out of its history cache with HX-Request set; it needs
    # the whole page, which replaces the body.
    restored = client.get("/audit", params=typed, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert restored.status_code == 200 and "<html" in restored.text and 'id="audit-filters"' in restored.text
