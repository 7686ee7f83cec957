"""Peer review through the API and the pages: a review mission runs its whole course (team,
visit, draft, the participant's comments, final, adoption), the Core Document's timelines
flag a report pending too long, recommendations are followed up with a history, bad input
changes nothing, and another participant's authority cannot see the review."""

from __future__ import annotations

import json
from datetime import date, timedelta

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.reviews import services as reviews
from tests.conftest import OPERATOR, Cli, auth
from tests.functional.test_pages import sign_in

TERMS = "Assess the internal controls at the mines of the eastern provinces."


def test_a_review_mission_runs_its_whole_course_through_the_api(  # type: ignore[no-untyped-def]
    client: TestClient, clock: FixedClock, make_token
) -> None:
    wgm = auth(make_token(Role.MONITORING))
    own = auth(make_token(Role.AUTHORITY, "BW"))
    other = auth(make_token(Role.AUTHORITY, "ZA"))
    admin = auth(make_token(Role.ADMIN))

    made = client.post(
        "/api/v1/reviews",
        json={"kind": "mission", "participant": "bw", "terms_of_reference": TERMS},
        headers=wgm,
    )
    assert made.status_code == 201, made.text
    review = made.json()
    rid = review["id"]
    assert review["stage"] == "planned" and review["participant"] == "BW" and review["due"] is None

    # an authority may invite a visit to its own participant, never send a mission
    refused = client.post(
        "/api/v1/reviews",
        json={"kind": "mission", "participant": "BW", "terms_of_reference": TERMS},
        headers=own,
    )
    assert refused.status_code == 403
    elsewhere = client.post(
        "/api/v1/reviews",
        json={"kind": "visit", "participant": "ZA", "terms_of_reference": TERMS},
        headers=own,
    )
    assert elsewhere.status_code == 403 and "review:invite-visit" in elsewhere.text

    member = {"name": "A. Expert", "constituency": "participant", "affiliation": "EU", "leader": True}
    assert client.post(f"/api/v1/reviews/{rid}/members", json=member, headers=wgm).status_code == 201
    second_leader = client.post(f"/api/v1/reviews/{rid}/members", json=member | {"name": "B"}, headers=wgm)
    assert second_leader.status_code == 422 and "leader" in second_leader.text
    for name, side in (("C. Miner", "industry"), ("D. Watch", "civil society")):
        body = {"name": name, "constituency": side, "affiliation": "KP observer"}
        assert client.post(f"/api/v1/reviews/{rid}/members", json=body, headers=wgm).status_code == 201

    backwards = client.post(
        f"/api/v1/reviews/{rid}/visit", json={"starts": "2025-02-10", "ends": "2025-02-01"}, headers=wgm
    )
    assert backwards.status_code == 422 and "visit_ends" in backwards.text
    dated = client.post(
        f"/api/v1/reviews/{rid}/visit", json={"starts": "2025-02-03", "ends": "2025-02-07"}, headers=wgm
    )
    assert dated.status_code == 200
    # the draft was due three weeks after the last day: 28 February, and today is 3 March
    assert dated.json()["due"] == "2025-02-28" and dated.json()["overdue"] is True
    flagged = client.get("/api/v1/reviews", params={"overdue": "true"}, headers=wgm).json()
    assert [r["id"] for r in flagged] == [rid]

    assert (
        client.post(f"/api/v1/reviews/{rid}/comments", json={"text": "early"}, headers=own).status_code == 409
    )
    drafted = client.post(f"/api/v1/reviews/{rid}/draft", json={"text": "The draft."}, headers=wgm)
    assert drafted.status_code == 200 and drafted.json()["stage"] == "draft"
    assert drafted.json()["due"] == "2025-03-24" and drafted.json()["overdue"] is False
    early_final = client.post(f"/api/v1/reviews/{rid}/final", json={"text": "Final."}, headers=wgm)
    assert early_final.status_code == 409 and "2025-03-24" in early_final.text

    assert client.get(f"/api/v1/reviews/{rid}", headers=other).status_code == 404
    assert client.get("/api/v1/reviews", headers=other).json() == []
    assert (
        client.post(f"/api/v1/reviews/{rid}/comments", json={"text": "no"}, headers=other).status_code == 404
    )
    commented = client.post(
        f"/api/v1/reviews/{rid}/comments", json={"text": "We disagree on §3."}, headers=own
    )
    assert commented.status_code == 200 and commented.json()["stage"] == "commented"

    rec = client.post(
        f"/api/v1/reviews/{rid}/recommendations",
        json={"text": "Register every artisanal digger.", "owner": "BW Ministry of Mines"},
        headers=wgm,
    )
    assert rec.status_code == 201
    recommendation = rec.json()["recommendations"][0]
    assert recommendation["follow_up"] == "open" and recommendation["number"] == 1

    clock.at += timedelta(days=2)
    final = client.post(f"/api/v1/reviews/{rid}/final", json={"text": "The final report."}, headers=wgm)
    assert final.status_code == 200 and final.json()["stage"] == "final" and final.json()["due"] is None
    adopted = client.post(f"/api/v1/reviews/{rid}/adopt", json={"note": "Plenary 2025"}, headers=admin)
    assert adopted.status_code == 200 and adopted.json()["stage"] == "adopted"
    assert client.post(f"/api/v1/reviews/{rid}/adopt", json={}, headers=wgm).status_code == 409

    listed = client.get("/api/v1/recommendations", params={"outstanding": "true"}, headers=own).json()
    assert [(r["id"], r["review"], r["follow_up"]) for r in listed] == [(recommendation["id"], rid, "open")]
    assert client.get("/api/v1/recommendations", headers=other).json() == []
    url = f"/api/v1/recommendations/{recommendation['id']}/follow-up"
    wrong = client.post(url, json={"follow_up": "done", "note": "x"}, headers=own)
    assert wrong.status_code == 422 and "follow_up" in wrong.text
    assert client.post(url, json={"follow_up": "implemented", "note": "x"}, headers=other).status_code == 404
    updated = client.post(
        url, json={"follow_up": "in progress", "note": "Register opened in May."}, headers=own
    )
    assert updated.status_code == 200
    history = updated.json()["recommendations"][0]["history"]
    assert [(s["follow_up"], s["source"]) for s in history] == [
        ("open", "review report"),
        ("in progress", "participant"),
    ]
    assert history[-1]["note"] == "Register opened in May." and history[-1]["taken_by"].startswith("token:")

    log = client.get("/api/v1/audit", params={"object_type": "review", "object_id": str(rid)}, headers=admin)
    assert log.status_code == 200, log.text
    tags = {e["tag"] for e in log.json()}
    assert {
        "review:created",
        "review:member-added",
        "review:visit-dated",
        "review:draft-sent",
        "review:commented",
        "review:recommendation:added",
        "review:finalised",
        "review:adopted",
    } <= tags
    done = client.post(url, json={"follow_up": "implemented", "note": "Register complete."}, headers=wgm)
    assert done.json()["recommendations"][0]["history"][-1]["source"] == "wgm"
    assert client.get("/api/v1/recommendations", params={"outstanding": "true"}, headers=wgm).json() == []
    followed = client.get(
        "/api/v1/audit",
        params={"object_type": "review-recommendation", "object_id": str(recommendation["id"])},
        headers=admin,
    ).json()
    assert [(e["tag"], e["note"]) for e in followed] == [
        ("review:recommendation:followed-up", "Register complete."),
        ("review:recommendation:followed-up", "Register opened in May."),
    ]


def test_a_review_runs_its_course_in_the_pages(  # type: ignore[no-untyped-def]
    client: TestClient, clock: FixedClock, make_user
) -> None:
    csrf = sign_in(client, "wgm", make_user("wgm", [Role.MONITORING]))
    assert 'href="/reviews"' in client.get("/").text
    made = client.post(
        "/reviews",
        data={"kind": "visit", "participant": "bw", "terms_of_reference": TERMS, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert made.status_code == 303
    here = made.headers["location"]
    empty = client.post(
        f"{here}/members",
        data={"name": " ", "constituency": "industry", "affiliation": "x", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert "error=" in empty.headers["location"] and "Name" in client.get(empty.headers["location"]).text
    lead = {"name": "Lead", "constituency": "participant", "affiliation": "EU", "leader": "yes"}
    client.post(f"{here}/members", data=lead | {"csrf_token": csrf})
    client.post(
        f"{here}/visit", data={"visit_starts": "2025-02-24", "visit_ends": "2025-02-28", "csrf_token": csrf}
    )
    client.post(f"{here}/draft", data={"draft_report": "Draft words.", "csrf_token": csrf})
    client.post(
        f"{here}/recommendations", data={"text": "Keep a register.", "owner": "BW", "csrf_token": csrf}
    )
    page = client.get(here)
    assert (
        'id="stage">draft<' in page.text and "Draft words." in page.text and "Keep a register." in page.text
    )
    client.post("/sign-out", data={"csrf_token": csrf})

    csrf = sign_in(client, "clerk", make_user("clerk", [Role.AUTHORITY], "BW"))
    client.post(f"{here}/comments", data={"comments": "Our comments.", "csrf_token": csrf})
    assert 'id="stage">commented<' in client.get(here).text
    client.post("/sign-out", data={"csrf_token": csrf})

    csrf = sign_in(client, "wgm", "correct horse 42")
    client.post(f"{here}/final", data={"final_report": "Final words.", "csrf_token": csrf})
    client.post(f"{here}/adopt", data={"note": "", "csrf_token": csrf})
    page = client.get(here)
    assert 'id="stage">adopted<' in page.text and "Our comments." in page.text
    rec_id = page.text.split('id="recommendation-', 1)[1].split('"', 1)[0]
    done = client.post(
        f"/recommendations/{rec_id}/follow-up",
        data={
            "follow_up": "implemented",
            "note": "Register in force.",
            "review_id": here.rsplit("/", 1)[1],
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and "error" not in done.headers["location"]
    assert 'data-follow-up="implemented"' in client.get(here).text
    assert client.get("/reviews").status_code == 200


def _planned_review(uow: UnitOfWork, clock: FixedClock, *, visit_ended: date) -> int:
    visit = reviews.create(uow, OPERATOR, clock, kind="visit", participant="BW", terms_of_reference=TERMS)
    team = {"name": "L", "constituency": "industry", "affiliation": "WDC", "leader": True}
    reviews.add_member(uow, OPERATOR, clock, visit["id"], **team)  # type: ignore[arg-type]
    reviews.set_visit_dates(uow, OPERATOR, clock, visit["id"], starts=visit_ended, ends=visit_ended)
    return int(visit["id"])


def test_a_report_pending_too_long_is_flagged_on_the_list_page(  # type: ignore[no-untyped-def]
    client: TestClient, clock: FixedClock, uow: UnitOfWork, make_user
) -> None:
    late = _planned_review(uow, clock, visit_ended=date(2025, 2, 1))  # draft due 22 February
    on_time = _planned_review(uow, clock, visit_ended=date(2025, 2, 28))  # draft due 21 March
    sign_in(client, "wgm", make_user("wgm", [Role.MONITORING]))
    page = client.get("/reviews").text
    row = page.split(f'<a href="/reviews/{late}">', 1)[1].split("</tr>", 1)[0]
    assert "pending too long" in row and "2025-02-22" in row
    row = page.split(f'<a href="/reviews/{on_time}">', 1)[1].split("</tr>", 1)[0]
    assert "pending too long" not in row and "2025-03-21" in row
    only = client.get("/reviews", params={"overdue": "yes"}).text
    assert f'href="/reviews/{late}"' in only and f'href="/reviews/{on_time}"' not in only
    assert "Core Document, Section VI" in page  # each timeline shown with its source


def test_the_cli_lists_reviews_and_follows_up_a_recommendation(
    cli: Cli, clock: FixedClock, uow: UnitOfWork
) -> None:
    rid = _planned_review(uow, clock, visit_ended=date(2025, 2, 1))
    listed = cli("reviews", "list", "--overdue", "--json")
    assert listed.exit_code == 0, listed.output
    assert [(r["id"], r["overdue"]) for r in json.loads(listed.output)] == [(rid, True)]
    reviews.send_draft(uow, OPERATOR, clock, rid, "draft")
    detail = reviews.add_recommendation(uow, OPERATOR, clock, rid, text="Keep a register.", owner="BW")
    rec = detail["recommendations"][0]["id"]

    refused = cli("reviews", "follow-up", str(rec), "--status", "done", "--note", "x")
    assert refused.exit_code == 1 and "follow_up" in refused.output
    done = cli(
        "reviews",
        "follow-up",
        str(rec),
        "--status",
        "implemented",
        "--note",
        "In force.",
        "--source",
        "annual report",
    )
    assert done.exit_code == 0, done.output
    assert "implemented" in done.output
    shown = json.loads(cli("reviews", "show", str(rid), "--json").output)
    history = shown["recommendations"][0]["history"]
    assert [(s["follow_up"], s["source"], s["note"]) for s in history][-1] == (
        "implemented",
        "annual report",
        "In force.",
    )
    assert history[-1]["taken_by"].startswith("cli:")


def test_a_draft_needs_the_visit_over_and_a_leader_and_the_team_is_fixed_then(  # type: ignore[no-untyped-def]
    client: TestClient, make_token
) -> None:
    wgm = auth(make_token(Role.MONITORING))
    body = {"kind": "visit", "participant": "BW", "terms_of_reference": TERMS}
    rid = client.post("/api/v1/reviews", json=body, headers=wgm).json()["id"]
    draft = {"text": "Draft."}
    no_dates = client.post(f"/api/v1/reviews/{rid}/draft", json=draft, headers=wgm)
    assert no_dates.status_code == 409 and "has not ended" in no_dates.text
    # the visit ends tomorrow (today is 3 March 2025)
    client.post(
        f"/api/v1/reviews/{rid}/visit", json={"starts": "2025-03-03", "ends": "2025-03-04"}, headers=wgm
    )
    assert client.post(f"/api/v1/reviews/{rid}/draft", json=draft, headers=wgm).status_code == 409
    client.post(
        f"/api/v1/reviews/{rid}/visit", json={"starts": "2025-02-24", "ends": "2025-02-28"}, headers=wgm
    )
    no_leader = client.post(f"/api/v1/reviews/{rid}/draft", json=draft, headers=wgm)
    assert no_leader.status_code == 409 and "leader" in no_leader.text
    member = {"name": "L", "constituency": "civil society", "affiliation": "CSC", "leader": True}
    client.post(f"/api/v1/reviews/{rid}/members", json=member, headers=wgm)
    assert client.post(f"/api/v1/reviews/{rid}/draft", json=draft, headers=wgm).status_code == 200
    late = client.post(f"/api/v1/reviews/{rid}/members", json=member | {"leader": False}, headers=wgm)
    assert late.status_code == 409
    empty = client.post(
        f"/api/v1/reviews/{rid}/recommendations", json={"text": " ", "owner": "BW"}, headers=wgm
    )
    assert empty.status_code == 422 and "text" in empty.text
    shown = client.get(f"/api/v1/reviews/{rid}", headers=wgm).json()
    assert len(shown["team"]) == 1 and shown["recommendations"] == []
