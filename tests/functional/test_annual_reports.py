"""Annual reports end to end (SQLite and PostgreSQL): drafted and submitted by the
participant's authority with Part A carried over, assessed section by section by the Working
Group on Monitoring, answered by the participant; the figures kpcs already holds; the late
and missing list; the PDF; the pages; the audit log."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role
from kpcs.annual_reports.domain import SECTIONS
from kpcs.audit.models import AuditEvent
from kpcs.statistics.analysis import daq
from tests.conftest import OPERATOR, auth
from tests.functional.test_pages import sign_in
from tests.pdf import page_texts

URL = "/api/v1/annual-reports"


def _filled(prefix: str) -> dict[str, str]:
    return {key: f"{prefix} on {key}" for key in SECTIONS}


def _tags(session_factory: sessionmaker[Session], object_id: int) -> list[str]:
    with session_factory() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent.tag)
                .where(AuditEvent.object_type == "annual_report", AuditEvent.object_id == str(object_id))
                .order_by(AuditEvent.id)
            )
        )


def test_a_report_runs_its_course_through_the_api(
    client: TestClient, make_token, issue, session_factory
) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    za = auth(make_token(Role.AUTHORITY, "ZA"))
    wgm = auth(make_token(Role.MONITORING))
    issue()  # Botswana to the EU, today (3 March 2025)

    # Last year's report, submitted: its Part A is where this year's starts from.
    previous = client.post(URL, json={"participant": "BW", "year": 2024}, headers=bw)
    assert previous.status_code == 201, previous.text
    assert previous.json()["sections"][0]["part_a"] == ""
    pid = previous.json()["id"]
    assert client.patch(f"{URL}/{pid}", json={"part_a": _filled("standing")}, headers=bw).status_code == 200
    assert client.post(f"{URL}/{pid}/submit", headers=bw).status_code == 200

    draft = client.post(URL, json={"participant": "BW", "year": 2025}, headers=bw)
    assert draft.status_code == 201, draft.text
    report: dict[str, Any] = draft.json()
    one = f"{URL}/{report['id']}"
    assert report["status"] == "draft" and report["due_on"] == "2026-03-31"
    assert [s["part_a"] for s in report["sections"]] == list(_filled("standing").values())
    assert [s["part_b"] for s in report["sections"]] == [""] * len(SECTIONS)
    # The figures kpcs holds, read live while a draft.
    assert report["figures_as_of"] == "today"
    assert report["figures"]["certificates_issued"]["count"] == 1
    assert report["figures"]["certificates_issued"]["carats"] == 1720.35

    # A draft is its authority's alone; one report per participant and year; refusals change nothing.
    assert client.get(one, headers=wgm).status_code == 404
    assert client.get(one, headers=za).status_code == 404
    assert [r["id"] for r in client.get(URL, headers=wgm).json()] == [pid]
    assert client.post(URL, json={"participant": "BW", "year": 2025}, headers=bw).status_code == 409
    assert client.post(URL, json={"participant": "BW", "year": 2023}, headers=za).status_code == 403
    assert client.post(URL, json={"participant": "BW", "year": 2026}, headers=bw).status_code == 422
    unknown = client.patch(one, json={"part_b": {"mining": "x"}}, headers=bw)
    assert unknown.status_code == 422 and "part_b.mining" in unknown.text
    assert client.patch(one, json={"part_b": {"trade": "x"}}, headers=za).status_code == 404
    assert (
        client.post(f"{one}/assessment", json={"feedback": {"trade": "early"}}, headers=wgm).status_code
        == 404
    )

    # Part A corrected where the standing information changed: the report says which sections.
    assert report["part_a_from"] == 2024 and {s["part_a_changed"] for s in report["sections"]} == {False}
    corrected = client.patch(
        one, json={"part_a": {"statistics": "A new statistics office."}}, headers=bw
    ).json()
    assert [s["key"] for s in corrected["sections"] if s["part_a_changed"]] == ["statistics"]
    assert client.get(f"{URL}/{pid}", headers=bw).json()["sections"][0]["part_a_changed"] is None

    # Part B of the year, then submission: the figures are kept with the report.
    edited = client.patch(
        one, json={"part_b": {"trade": "New export regulations in force from June."}}, headers=bw
    )
    assert edited.status_code == 200
    assert edited.json()["sections"][1]["part_b"] == "New export regulations in force from June."
    submitted = client.post(f"{one}/submit", headers=bw)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted" and submitted.json()["figures_as_of"] == "submission"
    assert submitted.json()["standing"] == "on time"
    assert client.patch(one, json={"part_b": {"trade": "later"}}, headers=bw).status_code == 409
    issue()  # a later certificate does not change what the report said
    assert client.get(one, headers=wgm).json()["figures"]["certificates_issued"]["count"] == 1

    # Assessment by the WGM: feedback per section; the authority cannot assess.
    assert client.post(f"{one}/assessment", json={"feedback": {"trade": "x"}}, headers=bw).status_code == 403
    assert client.post(f"{one}/response", json={"response": "too early"}, headers=bw).status_code == 409
    empty = client.post(f"{one}/assessment", json={"feedback": {"trade": "  "}}, headers=wgm)
    assert empty.status_code == 422 and "feedback" in empty.text
    assessed = client.post(
        f"{one}/assessment",
        json={
            "feedback": {
                "trade": "Describe how the new regulations are enforced.",
                "statistics": "Complete.",
            },
            "note": "Substantially complete.",
        },
        headers=wgm,
    )
    assert assessed.status_code == 200, assessed.text
    feedback = {s["key"]: s["feedback"] for s in assessed.json()["sections"]}
    assert feedback["trade"] == "Describe how the new regulations are enforced."
    assert feedback["statistics"] == "Complete." and feedback["cooperation"] is None
    assert (
        client.post(f"{one}/assessment", json={"feedback": {"trade": "again"}}, headers=wgm).status_code
        == 409
    )

    # The participant's response closes the course.
    assert client.post(f"{one}/response", json={"response": "no"}, headers=za).status_code == 404
    responded = client.post(f"{one}/response", json={"response": "Customs inspect every parcel."}, headers=bw)
    assert responded.status_code == 200
    assert responded.json()["status"] == "responded"
    assert responded.json()["response"] == "Customs inspect every parcel."

    assert _tags(session_factory, report["id"]) == [
        "annual-report:started",
        "annual-report:edited",
        "annual-report:edited",
        "annual-report:submitted",
        "annual-report:assessed",
        "annual-report:responded",
    ]

    pdf = client.get(f"{one}/pdf", headers=wgm)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page_texts(pdf.content))
    assert "Annual report" in text and "New export regulations in force from June." in text
    assert (
        "Describe how the new regulations are enforced." in text and "Customs inspect every parcel." in text
    )
    assert "Certificates issued" in text and "1,720.35" in text
    assert "standing information (changed since 2024)" in text and "(as in 2024)" in text


def test_a_report_is_submitted_only_with_every_section_covered(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    report = client.post(URL, json={"participant": "BW", "year": 2024}, headers=bw).json()
    client.patch(f"{URL}/{report['id']}", json={"part_b": {"trade": "only this"}}, headers=bw)
    refused = client.post(f"{URL}/{report['id']}/submit", headers=bw)
    assert refused.status_code == 422
    assert "certificate_system" in refused.text and "trade" not in refused.json()["detail"][0]["field"]
    assert client.get(f"{URL}/{report['id']}", headers=bw).json()["status"] == "draft"


def test_figures_count_imports_confirmed_by_the_importer(client: TestClient, make_token, issue) -> None:  # type: ignore[no-untyped-def]
    eu = auth(make_token(Role.AUTHORITY, "EU"))
    made = issue()
    confirmed = client.post(
        f"/api/v1/certificates/{made.number}/import-confirmation",
        json={"received_on": "2025-03-03"},
        headers=eu,
    )
    assert confirmed.status_code == 200, confirmed.text
    report = client.post(URL, json={"participant": "EU", "year": 2025}, headers=eu).json()
    assert report["figures"]["imports_confirmed"] == {"count": 1, "carats": 1720.35}
    assert report["figures"]["certificates_issued"]["count"] == 0


def test_late_and_missing(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    wgm = auth(make_token(Role.MONITORING))
    report = client.post(URL, json={"participant": "BW", "year": 2023}, headers=bw).json()
    client.patch(f"{URL}/{report['id']}", json={"part_a": _filled("a")}, headers=bw)
    client.post(f"{URL}/{report['id']}/submit", headers=bw)

    # Reports on 2023 were due by 31 March 2024; today is 3 March 2025.
    late = client.get(f"{URL}/late", params={"year": 2023}, headers=wgm).json()
    assert late["due_on"] == "2024-03-31"
    rows = {r["participant"]: r for r in late["rows"]}
    assert rows["BW"] == {
        "participant": "BW",
        "name": rows["BW"]["name"],
        "standing": "late",
        "submitted_on": "2025-03-03",
        "days_late": 337,
    }
    assert rows["ZA"]["standing"] == "missing" and rows["ZA"]["days_late"] == 337
    assert late["rows"][-1]["participant"] == "BW"  # missing ones first
    # Reports on 2024 are due by 31 March 2025: none late yet.
    assert client.get(f"{URL}/late", params={"year": 2024}, headers=wgm).json()["rows"] == []
    assert client.get(f"{URL}/late", params={"year": 2023}).status_code == 401

    page = client.get("/annual-reports/late", params={"year": 2023, "format": "csv"}, headers=wgm)
    assert page.status_code == 200
    assert page.text.splitlines()[0] == "participant,name,standing,submitted_on,days_late"
    assert any(line.startswith("BW,") and ",late,2025-03-03,337" in line for line in page.text.splitlines())


def test_a_report_runs_its_course_in_the_pages(client: TestClient, make_user, session_factory) -> None:  # type: ignore[no-untyped-def]
    make_user("botswana", [Role.AUTHORITY], "BW")
    make_user("wgm", [Role.MONITORING])

    csrf = sign_in(client, "botswana", "correct horse 42")
    started = client.post(
        "/annual-reports", data={"csrf_token": csrf, "year": "2024"}, follow_redirects=False
    )
    assert started.status_code == 303, started.text
    here = started.headers["location"]
    assert client.get(here).status_code == 200
    refused = client.post(f"{here}/submit", data={"csrf_token": csrf})
    assert "Not done" in refused.text and "certificate_system" in refused.text
    form = {"csrf_token": csrf} | {f"part_a.{k}": v for k, v in _filled("standing").items()}
    form["part_b.trade"] = "A new licensing law."
    saved = client.post(f"{here}/edit", data=form)
    assert saved.status_code == 200 and "A new licensing law." in saved.text
    submitted = client.post(f"{here}/submit", data={"csrf_token": csrf})
    assert 'id="report-status">submitted<' in submitted.text
    client.post("/sign-out", data={"csrf_token": csrf})

    csrf = sign_in(client, "wgm", "correct horse 42")
    assert here in client.get("/annual-reports").text
    assessed = client.post(
        f"{here}/assess",
        data={"csrf_token": csrf, "feedback.trade": "Say how it is enforced.", "note": "Good."},
    )
    assert 'id="report-status">assessed<' in assessed.text and "Say how it is enforced." in assessed.text
    client.post("/sign-out", data={"csrf_token": csrf})

    csrf = sign_in(client, "botswana", "correct horse 42")
    responded = client.post(f"{here}/respond", data={"csrf_token": csrf, "response": "By inspections."})
    assert 'id="report-status">responded<' in responded.text and "By inspections." in responded.text
    assert _tags(session_factory, int(here.rsplit("/", 1)[1]))[-1] == "annual-report:responded"


def test_the_cli_lists_shows_and_prints_the_late_ones(client: TestClient, make_token, cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    report = client.post(URL, json={"participant": "BW", "year": 2023}, headers=bw).json()
    client.patch(f"{URL}/{report['id']}", json={"part_a": _filled("a")}, headers=bw)
    client.post(f"{URL}/{report['id']}/submit", headers=bw)

    listed = cli("annual-reports", "list", "--year", "2023")
    assert listed.exit_code == 0 and "BW" in listed.output and "late" in listed.output, listed.output
    pdf = tmp_path / "report.pdf"
    shown = cli("annual-reports", "show", str(report["id"]), "--pdf", str(pdf))
    assert shown.exit_code == 0 and "annual report" in shown.output and "submitted" in shown.output
    assert "a on trade" in " ".join(page_texts(pdf.read_bytes()))
    late = cli("annual-reports", "late", "--year", "2023", "--json")
    assert late.exit_code == 0, late.output
    rows = {r["participant"]: r["standing"] for r in json.loads(late.output)["rows"]}
    assert rows["BW"] == "late" and rows["ZA"] == "missing"
    missing = cli("annual-reports", "show", "999")
    assert missing.exit_code == 1 and "no annual report 999" in missing.output


def test_figures_list_the_statistics_in_force(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    trade = (
        b"participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"
        b"BW,2024-Q1,export,EU,7102.31,1520.35,310250.00,1\n"
    )
    for _ in range(2):  # a resubmission supersedes the first: listed once
        sent = client.post(
            "/api/v1/statistics/submissions", files={"file": ("trade.csv", trade, "text/csv")}, headers=bw
        )
        assert sent.status_code in (200, 201), sent.text
    report = client.post(URL, json={"participant": "BW", "year": 2024}, headers=bw).json()
    assert report["figures"]["statistics_submitted"] == [{"kind": "trade", "period": "2024-Q1"}]
    assert report["figures"]["questionnaire"] is None


def test_figures_show_the_questionnaire_sent(
    client: TestClient, make_token, uow, session_factory, clock
) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    drawn = daq.draw_up(uow, OPERATOR, clock, year=2024, participant="BW")
    draft = client.post(URL, json={"participant": "BW", "year": 2024}, headers=bw).json()
    assert draft["figures"]["questionnaire"] is None  # a draft questionnaire is not the participant's yet
    sent = daq.send(uow, OPERATOR, clock, drawn["id"])
    shown = client.get(f"{URL}/{draft['id']}", headers=bw).json()["figures"]["questionnaire"]
    assert shown["id"] == drawn["id"] and shown["status"] == sent["status"]
    assert shown["questions"] == shown["unanswered"] == sent["question_count"]
