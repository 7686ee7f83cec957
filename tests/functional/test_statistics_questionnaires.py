"""The Data Anomaly Questionnaire end to end, over a noisy world submitted as participants
would: drawn up and sent by the Working Group on Statistics, answered by the participant's
authority, reviewed; the public list of non-responders; the PDF; the CLI and the pages
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.accounts.permissions import Principal, PrincipalKind
from kpcs.errors import Conflict, InvalidInput, PermissionDenied
from kpcs.statistics.analysis import daq
from kpcs.statistics.analysis.anomalies import Anomaly
from kpcs.statistics.analysis.questionnaire import ANSWER_DAYS, concerns
from kpcs.statistics.analysis.selection import finding_key
from tests.conftest import OPERATOR, auth
from tests.factories.noisy_world import make_world, submit_world
from tests.functional.test_pages import sign_in
from tests.pdf import page_texts

URL = "/api/v1/statistics/questionnaires"


@pytest.fixture
def world(client: TestClient, make_token, session_factory) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A submitted noisy world, its anomalies, and the two participants most concerned."""
    planted = make_world(seed=2)
    statistics = make_token(Role.STATISTICS)
    codes = submit_world(client, statistics, session_factory, planted)
    found = client.get(
        "/api/v1/statistics/anomalies", params={"year": planted.year}, headers=auth(statistics)
    ).json()
    ours = sorted(set(codes.values()))
    ranked = Counter({code: sum(concerns(a, code) for a in found) for code in ours}).most_common()
    return {"year": planted.year, "anomalies": found, "statistics": statistics, "most": ranked[0][0],
            "next": ranked[1][0]}  # fmt: skip


def _questions_for(world: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [a for a in world["anomalies"] if concerns(a, code)]


def test_draw_up_send_answer_and_review(client: TestClient, make_token, world, cli, clock) -> None:  # type: ignore[no-untyped-def]
    wgs, year, who = auth(world["statistics"]), world["year"], world["most"]
    authority = auth(make_token(Role.AUTHORITY, who))
    stranger = auth(make_token(Role.AUTHORITY, world["next"]))

    draft = client.post(URL, json={"year": year, "participant": who}, headers=wgs)
    assert draft.status_code == 201, draft.text
    q = draft.json()
    expected = _questions_for(world, who)
    assert q["status"] == "draft" and q["deadline"] is None
    assert [x["anomaly"] for x in q["questions"]] == expected
    assert all(x["state"] == "awaiting answer" and x["steps"] == [] for x in q["questions"])
    assert all(x["text"].startswith(x["anomaly"]["explanation"]) for x in q["questions"])
    one = f"{URL}/{q['id']}"

    # A draft is the Working Group's alone; one questionnaire per participant and year.
    assert client.get(URL, headers=authority).json() == []
    assert client.get(one, headers=authority).status_code == 404
    again = client.post(URL, json={"year": year, "participant": who}, headers=wgs)
    assert again.status_code == 409 and "discard the draft" in again.text
    assert client.post(URL, json={"year": year, "participant": who}, headers=authority).status_code == 403
    assert client.post(URL, json={"year": year, "participant": "XX"}, headers=wgs).status_code == 404
    answer_early = client.post(f"{one}/questions/1/answer", json={"answer": "x"}, headers=authority)
    assert answer_early.status_code == 404

    past = client.post(f"{one}/send", json={"deadline": str(clock.today())}, headers=wgs)
    assert past.status_code == 422 and "deadline" in past.text
    sent = client.post(f"{one}/send", json={}, headers=wgs)
    assert sent.status_code == 200, sent.text
    assert sent.json()["deadline"] == str(clock.today() + timedelta(days=ANSWER_DAYS))
    assert sent.json()["status"] == "sent"
    assert client.post(f"{one}/send", json={}, headers=wgs).status_code == 409
    assert client.delete(one, headers=wgs).status_code == 409  # sent: kept

    # The participant's authority sees it and answers; another participant's does not.
    listed = client.get(URL, headers=authority).json()
    assert [x["id"] for x in listed] == [q["id"]] and listed[0]["by_state"]["awaiting answer"] == len(
        expected
    )
    assert client.get(one, headers=stranger).status_code == 403
    assert (
        client.post(f"{one}/questions/1/answer", json={"answer": "ours"}, headers=stranger).status_code == 403
    )
    blank = client.post(f"{one}/questions/1/answer", json={"answer": "   "}, headers=authority)
    assert blank.status_code == 422 and "answer" in blank.text
    assert (
        client.post(f"{one}/questions/999/answer", json={"answer": "x"}, headers=authority).status_code == 404
    )
    first = "The shipment left on 30 December and was booked by the partner in January."
    answered = client.post(f"{one}/questions/1/answer", json={"answer": first}, headers=authority)
    assert answered.status_code == 200 and answered.json()["questions"][0]["state"] == "answered"
    twice = client.post(f"{one}/questions/1/answer", json={"answer": "again"}, headers=authority)
    assert twice.status_code == 409

    # The Working Group asks again (saying what it needs), then accepts.
    review = f"{one}/questions/1/review"
    assert client.post(review, json={"decision": "ask-again"}, headers=wgs).status_code == 422
    assert client.post(review, json={"decision": "maybe"}, headers=wgs).status_code == 422
    assert client.post(review, json={"decision": "accept"}, headers=authority).status_code == 403
    need = "Send the certificate numbers of the shipments concerned."
    asked = client.post(review, json={"decision": "ask-again", "note": need}, headers=wgs)
    assert asked.status_code == 200 and asked.json()["questions"][0]["state"] == "awaiting answer"
    client.post(f"{one}/questions/1/answer", json={"answer": "BW-2024-000101 and 102."}, headers=authority)
    accepted = client.post(review, json={"decision": "accept"}, headers=wgs).json()
    steps = accepted["questions"][0]["steps"]
    assert [s["step"] for s in steps] == ["asked", "answered", "asked-again", "answered", "accepted"]
    assert [s["text"] for s in steps][1:4] == [first, need, "BW-2024-000101 and 102."]
    who_did = [s["taken_by"] for s in steps]
    assert who_did[1] == who_did[3] != who_did[2] == who_did[4] == who_did[0]

    # Every other question answered; one escalated, the rest accepted: closed.
    for x in accepted["questions"][1:]:
        done = client.post(
            f"{one}/questions/{x['number']}/answer", json={"answer": "explained"}, headers=authority
        )
        assert done.status_code == 200
    assert client.get(one, headers=wgs).json()["status"] == "answered"
    last = accepted["questions"][-1]["number"]
    for x in accepted["questions"][1:]:
        decision = {"decision": "escalate", "note": "refer to the WGS plenary"} if x["number"] == last else {
            "decision": "accept"}  # fmt: skip
        assert (
            client.post(f"{one}/questions/{x['number']}/review", json=decision, headers=wgs).status_code
            == 200
        )
    closed = client.get(one, headers=authority).json()
    assert closed["status"] == "closed" and closed["by_state"]["escalated"] == (1 if last > 1 else 0)

    # Every step is in the audit log, with who did it.
    audit = cli("audit", "--tag", "statistics:question:reviewed", "--json")
    assert audit.exit_code == 0 and audit.output.count("ask-again") >= 1
    sent_audit = json.loads(cli("audit", "--tag", "statistics:questionnaire:sent", "--json").output)
    assert len(sent_audit) == 1 and sent_audit[0]["object_id"] == str(q["id"])

    # The printed questionnaire carries the questions and the answers given.
    pdf = client.get(f"{one}/pdf", headers=authority)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page_texts(pdf.content))
    assert f"Data Anomaly Questionnaire on the statistics of {year}" in text
    assert f"Question {len(expected)}" in text and "BW-2024-000101 and 102." in text
    assert client.get(f"{one}/pdf", headers=stranger).status_code == 403


def test_a_participant_that_does_not_answer_in_time_is_listed_publicly(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, world, clock
) -> None:
    wgs, year = auth(world["statistics"]), world["year"]
    late, prompt = world["most"], world["next"]
    ids = {}
    for code in (late, prompt):
        q = client.post(URL, json={"year": year, "participant": code}, headers=wgs).json()
        deadline = str(clock.today() + timedelta(days=30))
        assert (
            client.post(f"{URL}/{q['id']}/send", json={"deadline": deadline}, headers=wgs).status_code == 200
        )
        ids[code] = q
    answer_all = auth(make_token(Role.AUTHORITY, prompt))
    for x in ids[prompt]["questions"]:
        client.post(f"{URL}/{ids[prompt]['id']}/questions/{x['number']}/answer", json={"answer": "ok"},
                    headers=answer_all)  # fmt: skip
    assert client.get("/api/v1/statistics/non-responders").json() == []

    clock.at += timedelta(days=45)
    listed = client.get("/api/v1/statistics/non-responders").json()
    assert [r["participant"] for r in listed] == [late]
    assert listed[0]["days_overdue"] == 15 and listed[0]["unanswered"] == listed[0]["question_count"]
    page = client.get("/statistics/non-responders")
    assert page.status_code == 200 and f'data-participant="{late}"' in page.text
    assert f'data-participant="{prompt}"' not in page.text
    csv = client.get("/statistics/non-responders", params={"format": "csv"})
    assert csv.text.splitlines()[0].startswith("participant,name,year") and late in csv.text
    overdue = client.get(URL, params={"status": "sent"}, headers=wgs).json()
    assert [(x["participant"], x["overdue"]) for x in overdue] == [(late, True)]

    # Answering (late) takes the participant off the list; the audit says it was late.
    authority = auth(make_token(Role.AUTHORITY, late))
    for x in ids[late]["questions"]:
        client.post(f"{URL}/{ids[late]['id']}/questions/{x['number']}/answer", json={"answer": "sorry"},
                    headers=authority)  # fmt: skip
    assert client.get("/api/v1/statistics/non-responders").json() == []


def test_the_cli(cli, world) -> None:  # type: ignore[no-untyped-def]
    year, who = str(world["year"]), world["most"]
    made = cli("statistics", "questionnaires", "draw-up", "--year", year, "--participant", who,
               "--severity", "high", "--json")  # fmt: skip
    assert made.exit_code == 0, made.output
    q = json.loads(made.output)
    high = [a for a in _questions_for(world, who) if a["severity"] == "high"]
    assert [x["anomaly"] for x in q["questions"]] == high
    bad = cli("statistics", "questionnaires", "send", str(q["id"]), "--deadline", "soon")
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    sent = cli("statistics", "questionnaires", "send", str(q["id"]), "--deadline", "2025-06-30")
    assert sent.exit_code == 0 and "answers due by 2025-06-30" in sent.output
    answered = cli("statistics", "questionnaires", "answer", str(q["id"]), "1", "--text", "a new mine opened")
    assert answered.exit_code == 0, answered.output
    refused = cli("statistics", "questionnaires", "review", str(q["id"]), "1", "--decision", "escalate")
    assert refused.exit_code != 0 and "note" in refused.output
    reviewed = cli("statistics", "questionnaires", "review", str(q["id"]), "1", "--decision", "accept")
    assert reviewed.exit_code == 0 and "question 1: accepted" in reviewed.output
    listed = cli("statistics", "questionnaires", "list", "--year", year)
    assert listed.exit_code == 0 and who in listed.output
    shown = cli("statistics", "questionnaires", "show", str(q["id"]), "--json")
    steps = json.loads(shown.output)["questions"][0]["steps"]
    assert [s["step"] for s in steps] == ["asked", "answered", "accepted"]
    assert all(s["taken_by"].startswith("cli:") for s in steps)


def test_draw_up_from_findings_picked_one_by_one(uow, session_factory, clock, world) -> None:  # type: ignore[no-untyped-def]
    year, who = world["year"], world["most"]
    found = [Anomaly(**a) for a in world["anomalies"]]
    mine = [a for a in found if concerns(a.as_dict(), who)]
    assert len(mine) >= 3
    # draw_up with a selection asks only those; without one, everything (as before).
    picked = {finding_key(a) for a in mine[:2]}
    some = daq.draw_up(uow, OPERATOR, clock, year=year, participant=who, selection=picked)
    assert [q["anomaly"] for q in some["questions"]] == [a.as_dict() for a in mine[:2]]
    stranger = next(
        a.participant for a in found if not any(concerns(b.as_dict(), a.participant) for b in mine[:2])
    )
    with pytest.raises(InvalidInput, match="among those selected"):
        daq.draw_up(uow, OPERATOR, clock, year=year, participant=stranger, selection=picked)
    daq.discard(uow, OPERATOR, clock, some["id"])
    every = daq.draw_up(uow, OPERATOR, clock, year=year, participant=who)
    assert [q["anomaly"] for q in every["questions"]] == [a.as_dict() for a in mine]
    daq.discard(uow, OPERATOR, clock, every["id"])

    # draw_up_selected: one draft per participant concerned (both sides of a mirror gap).
    gap = next(a for a in found if a.type == "mirror_gap" and a.partner)
    drafts = daq.draw_up_selected(uow, OPERATOR, clock, year=year, selection=[finding_key(gap)])
    assert sorted(d["participant"] for d in drafts) == sorted([gap.participant, gap.partner])
    assert all([q["anomaly"] for q in d["questions"]] == [gap.as_dict()] for d in drafts)
    # All or none: a participant with a questionnaire already refuses the whole selection.
    other = next(
        a for a in found if a.participant not in (gap.participant, gap.partner) and a.type != "mirror_gap"
    )

    def drafted() -> list[int]:
        with session_factory() as session:
            return [q["id"] for q in daq.questionnaires(session, OPERATOR, clock.today(), year=year)]

    before = drafted()
    with pytest.raises(Conflict, match=f"({gap.participant}|{gap.partner}) already has questionnaire"):
        daq.draw_up_selected(
            uow, OPERATOR, clock, year=year, selection=[finding_key(other), finding_key(gap)]
        )
    assert drafted() == before
    with pytest.raises(InvalidInput, match="no longer among the anomalies"):
        daq.draw_up_selected(uow, OPERATOR, clock, year=year, selection=[finding_key(other) + "0"])
    with pytest.raises(InvalidInput, match="select at least one finding"):
        daq.draw_up_selected(uow, OPERATOR, clock, year=year, selection=[])
    clerk = Principal(
        kind=PrincipalKind.USER, name="clerk", roles=frozenset({Role.AUTHORITY}), participant_code=who
    )
    with pytest.raises(PermissionDenied):
        daq.draw_up_selected(uow, clerk, clock, year=year, selection=[finding_key(other)])


def test_the_pages(client: TestClient, make_user, world) -> None:  # type: ignore[no-untyped-def]
    year, who = world["year"], world["most"]
    password = make_user("wgs", [Role.STATISTICS], None)
    csrf = sign_in(client, "wgs", password)
    page = client.get("/statistics/questionnaires")
    assert page.status_code == 200 and 'id="draw-up"' in page.text
    made = client.post("/statistics/questionnaires", data={"year": year, "participant": who.lower(),
                                                           "csrf_token": csrf})  # fmt: skip
    assert made.status_code == 200 and "Send to" in made.text
    number = re.search(r"/statistics/questionnaires/(\d+)/pdf", made.text)
    assert number
    here = f"/statistics/questionnaires/{number.group(1)}"
    assert made.url.path == here
    twice = client.post(
        "/statistics/questionnaires", data={"year": year, "participant": who, "csrf_token": csrf}
    )
    assert 'id="form-error"' in twice.text and "already has questionnaire" in twice.text
    sent = client.post(f"{here}/send", data={"deadline": "", "csrf_token": csrf})
    assert sent.status_code == 200 and "answers due by" in sent.text and "answer-form" not in sent.text
    client.post("/sign-out", data={"csrf_token": csrf})

    csrf = sign_in(client, "clerk", make_user("clerk", [Role.AUTHORITY], who))
    page = client.get(here)
    assert page.text.count('class="answer-form"') == len(_questions_for(world, who))
    empty = client.post(f"{here}/questions/1/answer", data={"answer": " ", "csrf_token": csrf})
    assert "must not be empty" in empty.text
    done = client.post(
        f"{here}/questions/1/answer", data={"answer": "A new mine opened.", "csrf_token": csrf}
    )
    assert "A new mine opened." in done.text and done.text.count('class="answer-form"') == len(
        _questions_for(world, who)) - 1  # fmt: skip
    client.post("/sign-out", data={"csrf_token": csrf})

    csrf = sign_in(client, "wgs", password)
    reviewed = client.post(f"{here}/questions/1/review", data={"decision": "escalate", "note": "",
                                                                "csrf_token": csrf})  # fmt: skip
    assert "Note: must not be empty" in reviewed.text
    reviewed = client.post(f"{here}/questions/1/review", data={"decision": "escalate", "note": "to plenary",
                                                                "csrf_token": csrf})  # fmt: skip
    assert re.search(r'id="question-1" data-state="escalated"', reviewed.text)
    assert "to plenary" in reviewed.text
