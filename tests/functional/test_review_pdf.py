"""The review's report as a PDF (issue 18): participant, kind, the team with its leader and
constituencies, the dates, terms of reference, the report, the participant's comments, the
recommendations with owner and follow-up; from the API and the review page's link, for the
WGM and the reviewed participant, not another; none while the review is only planned."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.reviews import services as reviews
from tests.conftest import OPERATOR, auth
from tests.functional.test_pages import sign_in
from tests.pdf import page_texts


def test_the_review_report_prints_with_its_team_comments_and_recommendations(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, make_user, uow: UnitOfWork, clock: FixedClock, session_factory
) -> None:
    wgm = auth(make_token(Role.MONITORING))
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    za = auth(make_token(Role.AUTHORITY, "ZA"))
    made = reviews.create(
        uow, OPERATOR, clock, kind="mission", participant="BW", terms_of_reference="Audit the eastern mines."
    )
    rid = made["id"]
    planned = client.get(f"/api/v1/reviews/{rid}/pdf", headers=wgm)
    assert planned.status_code == 409 and "no report" in planned.text
    for name, side, leader in (("Ada Lead", "participant", True), ("Ben Miner", "industry", False)):
        reviews.add_member(
            uow, OPERATOR, clock, rid, name=name, constituency=side, affiliation="KP expert", leader=leader
        )
    ended = clock.today() - timedelta(days=10)
    reviews.set_visit_dates(uow, OPERATOR, clock, rid, starts=ended - timedelta(days=4), ends=ended)
    reviews.send_draft(uow, OPERATOR, clock, rid, "The team found gaps in the vault register.")
    reviews.add_recommendation(
        uow, OPERATOR, clock, rid, text="Reconcile the vault register monthly.", owner="BW Ministry of Mines"
    )

    draft = client.get(f"/api/v1/reviews/{rid}/pdf", headers=bw)
    assert draft.status_code == 200 and draft.headers["content-type"] == "application/pdf"
    text = " ".join(page_texts(draft.content))
    assert "Review mission" in text and "Draft report" in text and "BW" in text
    assert "Ada Lead" in text and "leader" in text and "Ben Miner" in text and "industry" in text
    assert "civil society" in text  # the constituency the team lacks is said
    assert "Audit the eastern mines." in text and "gaps in the vault register" in text
    assert "Reconcile the vault register monthly." in text and "BW Ministry of Mines" in text
    assert f"{ended.day} " in text  # the visit's dates, spelled out

    reviews.comment(uow, OPERATOR, clock, rid, "We register every parcel since April.")
    reviews.finalise(uow, OPERATOR, clock, rid, "Final: the register is now reconciled.")
    reviews.adopt(uow, OPERATOR, clock, rid, "Plenary 2025")
    with session_factory() as session:
        rec = reviews.review(session, OPERATOR, rid, clock.today())["recommendations"][0]["id"]
    reviews.update_follow_up(uow, OPERATOR, clock, rec, "in progress", "Monthly checks began.")
    adopted = " ".join(page_texts(client.get(f"/api/v1/reviews/{rid}/pdf", headers=wgm).content))
    assert "Adopted report" in adopted and "Final: the register is now reconciled." in adopted
    assert "gaps in the vault register" not in adopted  # the final report replaces the draft
    assert "We register every parcel since April." in adopted
    assert "in progress" in adopted and "Monthly checks began." in adopted

    assert client.get(f"/api/v1/reviews/{rid}/pdf", headers=za).status_code == 404
    assert client.get("/api/v1/reviews/999999/pdf", headers=wgm).status_code == 404

    sign_in(client, "wgm", make_user("wgm", [Role.MONITORING]))
    page = client.get(f"/reviews/{rid}").text
    assert f'href="/reviews/{rid}/pdf"' in page
    printed = client.get(f"/reviews/{rid}/pdf")
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
