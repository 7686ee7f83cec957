"""An annual report updates the follow-up of its participant's peer-review recommendations
(issue 18): the draft names each open recommendation of its final or adopted reviews with a
follow-up state and a note; on submission each becomes a step of the recommendation's
history whose source is the report, audited; another participant's recommendation, or one
closed meanwhile, is refused naming the field and changes nothing. API, pages and PDF."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role
from kpcs.annual_reports.domain import SECTIONS
from kpcs.audit.models import AuditEvent
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.reviews import services as reviews
from tests.conftest import OPERATOR, auth
from tests.functional.test_pages import sign_in
from tests.pdf import page_texts

URL = "/api/v1/annual-reports"


def reviewed(
    uow: UnitOfWork, clock: FixedClock, participant: str, recommendations: list[str], *, final: bool = True
) -> tuple[int, list[int]]:
    """A review of ``participant`` with ``recommendations``, its final report out (or only its draft)."""
    visit = reviews.create(
        uow, OPERATOR, clock, kind="visit", participant=participant, terms_of_reference="Internal controls."
    )
    rid = int(visit["id"])
    team = {"name": "L", "constituency": "industry", "affiliation": "WDC", "leader": True}
    reviews.add_member(uow, OPERATOR, clock, rid, **team)  # type: ignore[arg-type]
    day = clock.today() - timedelta(days=30)
    reviews.set_visit_dates(uow, OPERATOR, clock, rid, starts=day, ends=day)
    shown = reviews.send_draft(uow, OPERATOR, clock, rid, "The draft.")
    for text in recommendations:
        shown = reviews.add_recommendation(
            uow, OPERATOR, clock, rid, text=text, owner=f"{participant} Ministry"
        )
    if final:
        reviews.comment(uow, OPERATOR, clock, rid, "Our comments.")
        shown = reviews.finalise(uow, OPERATOR, clock, rid, "The final report.")
    return rid, [r["id"] for r in shown["recommendations"]]


def _sections(prefix: str) -> dict[str, str]:
    return {key: f"{prefix} on {key}" for key in SECTIONS}


def _follow_up_events(session_factory: sessionmaker[Session], rec: int) -> list[dict[str, Any]]:
    with session_factory() as session:
        return [
            e.after or {}
            for e in session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.object_type == "review-recommendation", AuditEvent.object_id == str(rec))
                .order_by(AuditEvent.id)
            )
        ]


def test_a_submitted_report_moves_its_recommendations_on(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, uow: UnitOfWork, clock: FixedClock, session_factory
) -> None:
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    wgm = auth(make_token(Role.MONITORING))
    review_id, (register, audit) = reviewed(uow, clock, "BW", ["Register every digger.", "Audit the vault."])
    _, (draft_only,) = reviewed(uow, clock, "BW", ["Not final yet."], final=False)
    _, (elsewhere,) = reviewed(uow, clock, "ZA", ["Someone else's."])

    report = client.post(URL, json={"participant": "BW", "year": 2024}, headers=bw).json()
    one = f"{URL}/{report['id']}"
    # the draft lists the participant's open recommendations of final reports, no others
    assert [r["id"] for r in report["recommendations_to_report"]] == [register, audit]
    assert all(r["reported"] is None for r in report["recommendations_to_report"])
    assert report["follow_ups"] == []

    def patch(follow_ups: list[dict[str, Any]]) -> Any:
        return client.patch(one, json={"follow_ups": follow_ups}, headers=bw)

    for bad, field in (
        (
            [{"recommendation": elsewhere, "follow_up": "implemented", "note": "x"}],
            "follow_ups[0].recommendation",
        ),
        (
            [{"recommendation": draft_only, "follow_up": "implemented", "note": "x"}],
            "follow_ups[0].recommendation",
        ),
        (
            [
                {"recommendation": register, "follow_up": "implemented", "note": "x"},
                {"recommendation": register, "follow_up": "open", "note": "y"},
            ],
            "follow_ups[1].recommendation",
        ),
    ):
        refused = patch(bad)
        assert refused.status_code == 422, refused.text
        assert field in [p["field"] for p in refused.json()["detail"]]
    wrong_state = patch([{"recommendation": register, "follow_up": "done", "note": "x"}])
    assert wrong_state.status_code == 422 and "follow_up" in wrong_state.text
    no_note = patch([{"recommendation": register, "follow_up": "implemented", "note": ""}])
    assert no_note.status_code == 422 and "note" in no_note.text
    assert client.get(one, headers=bw).json()["follow_ups"] == []  # nothing stored

    said = [
        {"recommendation": register, "follow_up": "implemented", "note": "Register in force since May."},
        {"recommendation": audit, "follow_up": "in progress", "note": "Auditor appointed."},
    ]
    saved = patch(said)
    assert saved.status_code == 200, saved.text
    assert [(f["recommendation"], f["follow_up"], f["note"]) for f in saved.json()["follow_ups"]] == [
        (register, "implemented", "Register in force since May."),
        (audit, "in progress", "Auditor appointed."),
    ]
    assert saved.json()["recommendations_to_report"][0]["reported"]["follow_up"] == "implemented"
    # nothing moves before the report is submitted
    assert {
        r["follow_up"]
        for r in reviews.review(session_factory(), OPERATOR, review_id, clock.today())["recommendations"]
    } == {"open"}

    client.patch(one, json={"part_a": _sections("standing")}, headers=bw)
    submitted = client.post(f"{one}/submit", headers=bw)
    assert submitted.status_code == 200, submitted.text

    shown = client.get(f"/api/v1/reviews/{review_id}", headers=wgm).json()
    by_id = {r["id"]: r for r in shown["recommendations"]}
    assert by_id[register]["follow_up"] == "implemented" and by_id[audit]["follow_up"] == "in progress"
    step = by_id[register]["history"][-1]
    assert (step["follow_up"], step["source"], step["note"]) == (
        "implemented",
        "annual report 2024",
        "Register in force since May.",
    )
    assert step["taken_by"].startswith("token:")
    assert _follow_up_events(session_factory, register)[-1] == {
        "follow_up": "implemented",
        "review": review_id,
        "number": 1,
        "source": "annual report 2024",
    }
    outstanding = client.get("/api/v1/recommendations", params={"outstanding": "true"}, headers=bw).json()
    assert {r["id"] for r in outstanding} == {audit, draft_only}

    # the submitted report shows what it said, on the API, the page and the PDF
    detail = client.get(one, headers=wgm).json()
    assert [f["text"] for f in detail["follow_ups"]] == ["Register every digger.", "Audit the vault."]
    assert detail["recommendations_to_report"] == []
    page = client.get(f"/annual-reports/{report['id']}", headers=wgm).text
    assert 'id="follow-ups"' in page and "Register in force since May." in page
    text = " ".join(page_texts(client.get(f"{one}/pdf", headers=wgm).content))
    assert "Follow-up of peer-review recommendations" in text and "Auditor appointed." in text


def test_a_recommendation_closed_before_submission_refuses_it(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, uow: UnitOfWork, clock: FixedClock, session_factory
) -> None:
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    wgm = auth(make_token(Role.MONITORING))
    _, (rec,) = reviewed(uow, clock, "BW", ["Register every digger."])
    report = client.post(URL, json={"participant": "BW", "year": 2024}, headers=bw).json()
    one = f"{URL}/{report['id']}"
    body = {
        "part_a": _sections("standing"),
        "follow_ups": [{"recommendation": rec, "follow_up": "in progress", "note": "Half done."}],
    }
    assert client.patch(one, json=body, headers=bw).status_code == 200
    closed = client.post(
        f"/api/v1/recommendations/{rec}/follow-up",
        json={"follow_up": "no longer relevant", "note": "Mines closed."},
        headers=wgm,
    )
    assert closed.status_code == 200
    before = _follow_up_events(session_factory, rec)
    refused = client.post(f"{one}/submit", headers=bw)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "follow_ups[0].recommendation"
    assert client.get(one, headers=bw).json()["status"] == "draft"
    assert _follow_up_events(session_factory, rec) == before
    # the draft cleared of it is submitted
    assert client.patch(one, json={"follow_ups": []}, headers=bw).json()["follow_ups"] == []
    assert client.post(f"{one}/submit", headers=bw).status_code == 200


def test_the_draft_page_reports_the_follow_up(  # type: ignore[no-untyped-def]
    client: TestClient, make_user, uow: UnitOfWork, clock: FixedClock
) -> None:
    review_id, (rec,) = reviewed(uow, clock, "BW", ["Register every digger."])
    csrf = sign_in(client, "clerk", make_user("clerk", [Role.AUTHORITY], "BW"))
    made = client.post("/annual-reports", data={"year": "2024", "csrf_token": csrf}, follow_redirects=False)
    here = made.headers["location"]
    page = client.get(here).text
    assert f'name="follow_up.{rec}"' in page and "Register every digger." in page
    form = {f"part_a.{key}": f"standing {key}" for key in SECTIONS} | {"csrf_token": csrf}
    blank_note = client.post(
        f"{here}/edit", data=form | {f"follow_up.{rec}": "implemented"}, follow_redirects=False
    )
    assert "error=" in blank_note.headers["location"]
    assert "note" in client.get(blank_note.headers["location"]).text
    saved = client.post(
        f"{here}/edit",
        data=form | {f"follow_up.{rec}": "implemented", f"follow_up_note.{rec}": "In force."},
        follow_redirects=False,
    )
    assert "error" not in saved.headers["location"]
    page = client.get(here).text
    assert '<option value="implemented" selected>' in page and 'value="In force."' in page
    client.post(f"{here}/submit", data={"csrf_token": csrf})
    review_page = client.get(f"/reviews/{review_id}").text
    assert f'id="recommendation-{rec}" data-follow-up="implemented"' in review_page
    assert "implemented (annual report 2024, user:clerk): In force." in review_page
