"""Listing export dossiers a page at a time (issue 18): the overdue filter is SQL, the API
pages with ``limit``/``offset`` and says the total in ``X-Total-Count`` (with ``Link`` to the
neighbouring pages), and the list page links its pages; with more dossiers than a page."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.dossiers import services as dossiers
from kpcs.dossiers.domain import DossierStatus
from kpcs.dossiers.models import ExportDossier
from kpcs.dossiers.schemas import DossierCreate
from tests.conftest import OPERATOR, TODAY, auth

COUNT = 105  # more than the default page of 100
BODY = {
    "exporting_country": "ZW",
    "zone": "Murowa",
    "carats": 10.5,
    "value_usd": 900.0,
    "notes": "Run-of-mine",
}


def _many_dossiers(
    client: TestClient, make_token, session_factory: sessionmaker[Session], clock: FixedClock
) -> list[int]:  # type: ignore[no-untyped-def]
    """``COUNT`` dossiers submitted over the last twenty days, oldest first; the oldest
    undecided ones are past their week. Two old ones were decided (not overdue any more)."""
    admin = auth(make_token(Role.ADMIN))
    restricted = {
        "status": "restricted",
        "reason": "Framework",
        "effective_on": "2025-01-01",
        "zones": ["Murowa"],
    }
    assert client.post("/api/v1/participants/ZW/status", json=restricted, headers=admin).status_code == 201
    made = []
    start = TODAY - timedelta(days=20)
    for n in range(COUNT):
        clock.at = start + timedelta(hours=4 * n + 1)
        body = DossierCreate.model_validate(BODY)
        made.append(dossiers.submit(UnitOfWork(session_factory), OPERATOR, clock, body)["id"])
    clock.at = TODAY
    with session_factory() as session:
        session.execute(
            sa.update(ExportDossier)
            .where(ExportDossier.id.in_(made[:2]))
            .values(status=DossierStatus.APPROVED, decided_at=TODAY - timedelta(days=1))
        )
        session.commit()
    return made


def test_the_api_pages_the_dossiers_with_the_total_and_filters_overdue_in_sql(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, session_factory, clock
) -> None:
    made = _many_dossiers(client, make_token, session_factory, clock)
    wgm = auth(make_token(Role.MONITORING))

    first = client.get("/api/v1/export-dossiers", headers=wgm)
    assert first.status_code == 200, first.text
    assert len(first.json()) == 100 and first.headers["X-Total-Count"] == str(COUNT)
    assert 'rel="next"' in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]
    next_url = first.headers["Link"].split("<", 1)[1].split(">", 1)[0]
    assert "offset=100" in next_url and "limit=100" in next_url
    second = client.get(next_url, headers=wgm)
    assert second.status_code == 200 and second.headers["X-Total-Count"] == str(COUNT)
    assert 'rel="prev"' in second.headers["Link"] and 'rel="next"' not in second.headers["Link"]
    ids = [d["id"] for d in first.json() + second.json()]
    assert ids == list(reversed(made))  # every dossier once, newest first

    # the SQL filter agrees with each dossier's own clock: undecided, and past its week
    everything = client.get("/api/v1/export-dossiers", params={"limit": 500}, headers=wgm).json()
    expected = [d["id"] for d in everything if d["status"] == "submitted" and d["overdue"]]
    assert 30 < len(expected) < COUNT - 2  # some are past the week, some not
    overdue = client.get("/api/v1/export-dossiers", params={"overdue": "true", "limit": 500}, headers=wgm)
    assert [d["id"] for d in overdue.json()] == expected
    assert overdue.headers["X-Total-Count"] == str(len(expected)) and "Link" not in overdue.headers
    assert not set(made[:2]) & set(expected)  # decided late is not overdue to decide
    page = client.get(
        "/api/v1/export-dossiers", params={"overdue": "true", "limit": 10, "offset": 10}, headers=wgm
    )
    assert [d["id"] for d in page.json()] == expected[10:20]
    assert page.headers["X-Total-Count"] == str(len(expected))

    # the authority of another participant sees none of them, and the count says so
    other = client.get("/api/v1/export-dossiers", headers=auth(make_token(Role.AUTHORITY, "BW")))
    assert other.json() == [] and other.headers["X-Total-Count"] == "0"

    for params, field in (({"limit": 501}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset")):
        refused = client.get("/api/v1/export-dossiers", params=params, headers=wgm)
        assert refused.status_code == 422 and field in refused.text


def test_the_list_page_links_its_pages(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, session_factory, clock
) -> None:
    made = _many_dossiers(client, make_token, session_factory, clock)
    wgm = auth(make_token(Role.MONITORING))
    page = client.get("/export-dossiers", headers=wgm).text
    assert f"Dossiers 1–100 of {COUNT}" in page
    assert f'data-dossier="{made[-1]}"' in page and f'data-dossier="{made[4]}"' not in page
    older = page.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert older.startswith("/export-dossiers?") and "offset=100" in older
    rest = client.get(older, headers=wgm).text
    assert f"Dossiers 101–{COUNT} of {COUNT}" in rest and 'rel="prev"' in rest and 'rel="next"' not in rest
    assert all(f'data-dossier="{i}"' in rest for i in made[:5])
    only = client.get("/export-dossiers", params={"overdue": "yes", "limit": 5}, headers=wgm).text
    rows = only.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr ")[1:]
    assert len(rows) == 5 and all('data-status="submitted" data-overdue="yes"' in row for row in rows)
