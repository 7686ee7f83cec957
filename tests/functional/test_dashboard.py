"""The Chair's and the WGM's dashboard (issue 18, item 4): what is due, late or pending across
annual reports, review reports, recommendations, export dossiers, questionnaires and missing
statistics, by participant and by body, each line linked to the thing itself."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.annual_reports.domain import SECTIONS
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.reviews import services as reviews
from kpcs.statistics.models import Questionnaire
from tests.conftest import OPERATOR, TODAY, Cli, auth
from tests.functional.test_export_dossiers import DOSSIER, _restrict
from tests.functional.test_pages import sign_in

URL = "/api/v1/dashboard"
TERMS = "Assess the internal controls at the mines."


def _review(uow: UnitOfWork, clock: FixedClock, participant: str, *, visit_ended: date) -> int:
    made = reviews.create(
        uow, OPERATOR, clock, kind="mission", participant=participant, terms_of_reference=TERMS
    )
    team = {"name": "L", "constituency": "industry", "affiliation": "WDC", "leader": True}
    reviews.add_member(uow, OPERATOR, clock, made["id"], **team)  # type: ignore[arg-type]
    reviews.set_visit_dates(uow, OPERATOR, clock, made["id"], starts=visit_ended, ends=visit_ended)
    return int(made["id"])


def _scene(client: TestClient, make_token: Any, clock: FixedClock, uow: UnitOfWork) -> dict[str, int]:
    """One thing of each kind, each in a known state on 3 March 2025."""
    made: dict[str, int] = {}
    admin = auth(make_token(Role.ADMIN))
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    zw = auth(make_token(Role.AUTHORITY, "ZW"))

    # Botswana's report on 2023 came in: it waits for the WGM's assessment.
    report = client.post("/api/v1/annual-reports", json={"participant": "BW", "year": 2023}, headers=bw)
    assert report.status_code == 201, report.text
    made["report"] = report.json()["id"]
    filled = {key: f"text on {key}" for key in SECTIONS}
    one = f"/api/v1/annual-reports/{made['report']}"
    assert client.patch(one, json={"part_a": filled, "part_b": filled}, headers=bw).status_code == 200
    assert client.post(f"{one}/submit", headers=bw).status_code == 200

    # A mission to Angola whose visit ended 1 February: its draft was due on 22 February.
    made["late_review"] = _review(uow, clock, "AO", visit_ended=date(2025, 2, 1))
    # A visit to Namibia that ended 28 February: its draft is due on 21 March.
    made["due_review"] = _review(uow, clock, "NA", visit_ended=date(2025, 2, 28))
    # An adopted review of Sierra Leone with two recommendations open and one implemented.
    adopted = _review(uow, clock, "SL", visit_ended=date(2025, 1, 2))
    reviews.send_draft(uow, OPERATOR, clock, adopted, "The draft.")
    for n in range(3):
        detail = reviews.add_recommendation(
            uow, OPERATOR, clock, adopted, text=f"Do {n}", owner="SL authority"
        )
    first = detail["recommendations"][0]["id"]
    clock.at += timedelta(days=22)
    reviews.finalise(uow, OPERATOR, clock, adopted, "The final report.")
    reviews.adopt(uow, OPERATOR, clock, adopted, "Intersessional 2025")
    clock.at = TODAY
    reviews.update_follow_up(uow, OPERATOR, clock, first, follow_up="implemented", note="Done", source="wgm")
    made["adopted_review"] = adopted

    # Zimbabwe restricted; a dossier submitted ten days ago has no decision: past the week.
    _restrict(client, admin, ["Marange", "Murowa"], on="2025-02-01")
    clock.at = TODAY - timedelta(days=10)
    dossier = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw)
    assert dossier.status_code == 201, dossier.text
    made["late_dossier"] = dossier.json()["id"]
    clock.at = TODAY - timedelta(days=2)
    dossier = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw)
    made["due_dossier"] = dossier.json()["id"]
    clock.at = TODAY

    # A questionnaire to India, sent with answers due 20 February: late.
    with uow:
        sent = Questionnaire(
            year=2024,
            participant="IN",
            status="sent",
            deadline=date(2025, 2, 20),
            created_at=datetime(2025, 1, 20, tzinfo=TODAY.tzinfo),
            created_by="wgs",
            sent_at=datetime(2025, 1, 20, tzinfo=TODAY.tzinfo),
            sent_by="wgs",
        )
        uow.session.add(sent)
        uow.session.flush()
        made["questionnaire"] = sent.id
        uow.commit()

    # An escalation about Angola's missing trade returns for 2024.
    escalation = {
        "participant": "AO",
        "kind": "trade",
        "period": "2024-Q3",
        "step": "chair-letter",
        "taken_on": "2025-02-10",
    }
    assert client.post("/api/v1/statistics/escalations", json=escalation, headers=admin).status_code == 201
    return made


def _line(found: dict[str, Any], link: str) -> dict[str, Any]:
    lines = [line for line in found["lines"] if line["link"] == link]
    assert len(lines) == 1, (link, [line["link"] for line in found["lines"]][:50])
    return lines[0]


def test_the_dashboard_lists_what_is_due_late_or_pending_each_linked(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, clock: FixedClock, uow: UnitOfWork
) -> None:
    made = _scene(client, make_token, clock, uow)
    wgm = auth(make_token(Role.MONITORING))
    answer = client.get(URL, params={"limit": 5000}, headers=wgm)
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["today"] == "2025-03-03" and found["total"] == len(found["lines"])

    report = _line(found, f"/annual-reports/{made['report']}")
    assert report["state"] == "pending" and report["waiting_on"] == "WGM" and report["body"] == "WGM"
    assert report["since"] == "2025-03-03"

    late_review = _line(found, f"/reviews/{made['late_review']}")
    assert late_review["state"] == "late" and late_review["days_late"] == 9
    assert late_review["due_on"] == "2025-02-22" and "draft report" in late_review["what"]
    due_review = _line(found, f"/reviews/{made['due_review']}")
    assert due_review["state"] == "due" and due_review["due_on"] == "2025-03-21"
    assert not any(line["link"] == f"/reviews/{made['adopted_review']}" for line in found["lines"])

    recommendations = _line(found, f"/reviews/{made['adopted_review']}#recommendations")
    assert recommendations["what"].startswith("2 recommendations") and recommendations["state"] == "pending"
    assert recommendations["participant"] == "SL" and "authority" in recommendations["waiting_on"]

    late_dossier = _line(found, f"/export-dossiers/{made['late_dossier']}")
    assert late_dossier["state"] == "late" and late_dossier["days_late"] == 3
    assert late_dossier["body"] == "Monitoring Team" and "Diamond Expert Team" in late_dossier["waiting_on"]
    due_dossier = _line(found, f"/export-dossiers/{made['due_dossier']}")
    assert due_dossier["state"] == "due" and due_dossier["due_on"] == "2025-03-08"

    questionnaire = _line(found, f"/statistics/questionnaires/{made['questionnaire']}")
    assert questionnaire["state"] == "late" and questionnaire["days_late"] == 11
    assert questionnaire["body"] == "WGS" and questionnaire["participant"] == "IN"

    # Missing statistics, one line per participant, kind and year, with the last step taken.
    angola = [
        line
        for line in found["lines"]
        if line["kind"] == "statistics" and line["participant"] == "AO" and "2024-Q3" in line["what"]
    ]
    assert len(angola) == 1 and "letter from the KP Chair on 2025-02-10" in angola[0]["what"]
    assert angola[0]["state"] == "late"

    # Annual reports on 2023 were due 31 March 2024: Angola's is missing (late); Botswana's
    # came in. Reports on 2024 are due on 31 March 2025, within the month: due.
    missing = [line for line in found["lines"] if line["link"] == "/annual-reports/late?year=2023"]
    assert "AO" in {line["participant"] for line in missing} and "BW" not in {
        line["participant"] for line in missing
    }
    assert all(line["state"] == "late" and line["due_on"] == "2024-03-31" for line in missing)
    coming = [line for line in found["lines"] if line["link"] == "/annual-reports/late?year=2024"]
    assert coming and all(line["state"] == "due" for line in coming)

    # Late first (longest overdue first), then due (soonest first), then pending.
    states = [line["state"] for line in found["lines"]]
    assert states == sorted(states, key=["late", "due", "pending"].index)
    late = [line["days_late"] for line in found["lines"] if line["state"] == "late"]
    assert late == sorted(late, reverse=True)

    # The summaries count every line, by participant and by body.
    for by, key in (("by_participant", "participant"), ("by_body", "body")):
        for tally in found[by]:
            mine = [line for line in found["lines"] if line[key] == tally["key"]]
            assert tally["total"] == len(mine)
            assert tally["late"] == sum(1 for line in mine if line["state"] == "late")
    assert sum(t["total"] for t in found["by_body"]) == found["total"]
    assert {t["key"] for t in found["by_body"]} == {"WGM", "Monitoring Team", "WGS"}

    # Every line's link opens (a sample of each kind).
    seen: set[str] = set()
    for line in found["lines"]:
        if line["kind"] in seen:
            continue
        seen.add(line["kind"])
        path = line["link"].split("#")[0]
        assert client.get(path, headers=wgm).status_code == 200, path


def test_filters_and_who_sees_what(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, clock: FixedClock, uow: UnitOfWork
) -> None:
    made = _scene(client, make_token, clock, uow)
    wgm = auth(make_token(Role.MONITORING))

    team = client.get(URL, params={"body": "Monitoring Team"}, headers=wgm).json()
    assert {line["kind"] for line in team["lines"]} == {"export dossier"} and team["total"] == 2
    late = client.get(URL, params={"state": "late", "kind": "review report"}, headers=wgm).json()
    assert [line["link"] for line in late["lines"]] == [f"/reviews/{made['late_review']}"]
    zimbabwe = client.get(URL, params={"participant": "zw", "limit": 1}, headers=wgm).json()
    assert zimbabwe["total"] > 1 and len(zimbabwe["lines"]) == 1
    worst = max(
        line["days_late"]
        for line in client.get(URL, params={"participant": "ZW"}, headers=wgm).json()["lines"]
    )
    assert zimbabwe["lines"][0]["days_late"] == worst > 300  # the worst first: the report on 2023

    # An authority sees what it owes, whatever it asks for; the public nothing.
    own = client.get(URL, params={"participant": "AO"}, headers=auth(make_token(Role.AUTHORITY, "ZW"))).json()
    assert own["total"] > 0 and {line["participant"] for line in own["lines"]} == {"ZW"}
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers=auth(make_token(Role.CUSTOMS, "ZW"))).status_code == 403
    statistics = client.get(URL, params={"body": "WGS"}, headers=auth(make_token(Role.STATISTICS)))
    assert statistics.status_code == 200 and statistics.json()["total"] > 0

    # Bad filters are refused, naming the parameter.
    for params in ({"state": "overdue"}, {"body": "Plenary"}, {"kind": "letters"}, {"limit": 0}):
        refused = client.get(URL, params=params, headers=wgm)
        assert refused.status_code == 422 and next(iter(params)) in refused.text, params


def test_the_dashboard_page_csv_and_cli(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, make_user, clock: FixedClock, uow: UnitOfWork, cli: Cli
) -> None:
    made = _scene(client, make_token, clock, uow)
    sign_in(client, "wgm", make_user("wgm", [Role.MONITORING]))
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert 'href="/dashboard"' in page.text  # in the Monitoring menu
    summary = page.text.split('id="dashboard-summary"', 1)[1].split("</table>", 1)[0]
    assert 'data-key="ZW"' in summary and "Zimbabwe" in summary
    lines = page.text.split('id="dashboard-lines"', 1)[1]
    assert f'href="/export-dossiers/{made["late_dossier"]}"' in lines and "late by 3 days" in lines
    by_body = client.get("/dashboard", params={"group": "body"}).text
    summary = by_body.split('id="dashboard-summary"', 1)[1].split("</table>", 1)[0]
    assert 'data-key="Monitoring Team"' in summary and 'data-key="ZW"' not in summary
    only = client.get("/dashboard", params={"participant": "ZW", "state": "late"}).text
    rows = only.split('id="dashboard-lines"', 1)[1].split("</table>", 1)[0]
    api = client.get(URL, params={"participant": "ZW", "state": "late"}).json()
    assert rows.count("<tr data-state=") == rows.count('<tr data-state="late"') == api["total"] > 1
    assert f'href="/export-dossiers/{made["late_dossier"]}"' in rows

    exported = client.get("/dashboard", params={"body": "WGM", "format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows_csv = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows_csv and {row["body"] for row in rows_csv} == {"WGM"}
    assert f"/reviews/{made['late_review']}" in {row["link"] for row in rows_csv}

    printed = cli("dashboard", "--state", "late", "--kind", "export dossier")
    assert printed.exit_code == 0, printed.output
    assert "1 late, 0 due, 0 pending" in printed.output and f"#{made['late_dossier']}" in printed.output
    wrong = cli("dashboard", "--state", "soon")
    assert wrong.exit_code != 0 and "state" in wrong.output
