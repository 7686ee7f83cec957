"""The anomaly workbench (``/statistics/anomalies``) over a realistic year submitted as any
participant would (an independently written generator, real participant codes): the findings
first by severity, the missing returns apart, filters, pages and the CSV, questionnaires
drawn up from the findings picked, and thresholds stored by earlier versions (SQLite and
PostgreSQL)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from markupsafe import escape

from kpcs.accounts.models import Role
from kpcs.audit import tags
from kpcs.audit.models import AuditEvent
from kpcs.statistics.analysis.anomalies import FINDING_TYPES, SEVERITIES, Anomaly
from kpcs.statistics.analysis.questionnaire import concerns
from kpcs.statistics.analysis.selection import finding_key
from kpcs.statistics.models import AnomalyThresholds
from tests.conftest import auth
from tests.factories.independent_world import generate
from tests.factories.noisy_world import make_world, submit_world
from tests.functional.test_pages import sign_in

PAGE = "/statistics/anomalies"
API = "/api/v1/statistics/anomalies"
YEAR = 2024
HTMX = {"HX-Request": "true"}
_ROW = re.compile(
    r'<tr data-type="(?P<type>[^"]*)" data-participant="(?P<participant>[^"]*)" '
    r'data-partner="(?P<partner>[^"]*)" data-period="(?P<period>[^"]*)" data-severity="(?P<severity>[^"]*)">'
)
_MISSING = re.compile(
    r'<li data-participant="(?P<participant>[^"]*)" data-kind="(?P<kind>[^"]*)">(?P<text>.*?)</li>'
)


@pytest.fixture
def year(client: TestClient, make_token) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A realistic year (2024, two years of history) submitted through the API, and its
    anomalies as the contract's API gives them."""
    world = generate(3, year=YEAR)
    statistics = make_token(Role.STATISTICS)
    for name, content in (("trade.csv", world.trade_csv()), ("production.csv", world.production_csv())):
        done = client.post(
            "/api/v1/statistics/submissions",
            files={"file": (name, content.encode())},
            headers=auth(statistics),
        )
        assert done.status_code == 201, done.text[:500]
    found = [Anomaly(**a) for a in client.get(API, params={"year": YEAR}, headers=auth(statistics)).json()]
    findings = [a for a in found if a.type in FINDING_TYPES]
    # The year has something of every kind for the filters to choose from.
    assert {a.type for a in findings} == set(FINDING_TYPES) and len(findings) >= 10
    assert len({a.severity for a in findings}) >= 2
    return {"token": statistics, "headers": auth(statistics), "anomalies": found, "findings": findings}


def rows(html: str) -> list[dict[str, str]]:
    """The findings table's rows, as their data attributes."""
    table = html[html.index('id="anomalies"') : html.index("</table>", html.index('id="anomalies"'))]
    return [m.groupdict() for m in _ROW.finditer(table)]


def missing_lines(html: str) -> list[dict[str, str]]:
    """The lines of the missing submissions' section."""
    section = html[html.index('id="missing-submissions"') :]
    return [m.groupdict() for m in _MISSING.finditer(section)]


def keys(html: str) -> list[str]:
    """The selection checkboxes' values, in the table's order."""
    return re.findall(r'<input type="checkbox" name="finding" value="([^"]+)"', html)


def counted(html: str) -> str:
    """The line that counts the findings, tags and spacing removed."""
    found = re.search(r'<p id="anomaly-counts">(.*?)</p>', html, re.S)
    assert found, "no count of the findings"
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split())


def as_row(a: Anomaly) -> dict[str, str]:
    return {
        "type": a.type,
        "participant": a.participant,
        "partner": a.partner or "",
        "period": a.period or "",
        "severity": a.severity,
    }


def test_findings_first_by_severity_and_missing_submissions_apart(client: TestClient, year) -> None:  # type: ignore[no-untyped-def]
    page = client.get(PAGE, params={"year": YEAR}, headers=year["headers"])
    assert page.status_code == 200
    shown = rows(page.text)
    # Every finding of the year, the five figure types only, the most severe first.
    assert sorted(map(str, shown)) == sorted(str(as_row(a)) for a in year["findings"])
    assert [SEVERITIES.index(r["severity"]) for r in shown] == sorted(
        SEVERITIES.index(r["severity"]) for r in shown
    )
    high = [r for r in shown if r["severity"] == "high"]
    assert [FINDING_TYPES.index(r["type"]) for r in high] == sorted(
        FINDING_TYPES.index(r["type"]) for r in high
    )
    total = len(year["findings"])
    assert counted(page.text).startswith(f"Findings 1–{total} of {total}")
    # A finding's figures and explanation are in the page, behind its summary line.
    first = next(a for a in year["findings"] if a.type == "mirror_gap")
    assert "<details" in page.text and str(escape(first.explanation)) in page.text

    # The missing returns: one line per participant and kind, apart from the findings.
    missing = [a for a in year["anomalies"] if a.type == "missing_submission"]
    lines = missing_lines(page.text)
    assert len(lines) == len(missing) > 10
    assert Counter(line["participant"] for line in lines) == Counter(a.participant for a in missing)
    assert len({(line["participant"], line["kind"]) for line in lines}) == len(lines)
    for line, a in ((line, a) for line in lines for a in missing if a.participant == line["participant"]):
        if f"its {line['kind']} statistics" in a.explanation:
            whole = "for any period" in a.explanation
            assert ("whole year missing" in line["text"]) == whole, (line, a.explanation)
            if not whole:  # the periods missing, as the explanation names them
                periods = re.findall(r"\d{4}-[QH]\d", line["text"])
                assert periods and all(p in a.explanation for p in periods)
    assert f'href="/statistics/compliance?year={YEAR}"' in page.text
    assert "missing_submission" not in str(shown)


def test_filters_and_the_htmx_table(client: TestClient, year) -> None:  # type: ignore[no-untyped-def]
    headers, findings = year["headers"], year["findings"]

    def shown(**filters: str) -> list[dict[str, str]]:
        answer = client.get(PAGE, params={"year": YEAR, **filters}, headers=headers)
        assert answer.status_code == 200, answer.text[:300]
        return rows(answer.text)

    def expected(keep) -> list[str]:  # type: ignore[no-untyped-def]
        return sorted(str(as_row(a)) for a in findings if keep(a))

    kind = Counter(a.type for a in findings).most_common(1)[0][0]
    assert sorted(map(str, shown(type=kind))) == expected(lambda a: a.type == kind)
    for severity in {a.severity for a in findings}:
        assert sorted(map(str, shown(severity=severity))) == expected(lambda a, s=severity: a.severity == s)
    pair = next(a for a in findings if a.partner)
    who = pair.participant
    by_participant = shown(participant=who.lower())  # either side of a pair, in any case
    assert sorted(map(str, by_participant)) == expected(lambda a: who in (a.participant, a.partner))
    by_partner = shown(partner=pair.partner or "")
    assert by_partner and sorted(map(str, by_partner)) == expected(lambda a: a.partner == pair.partner)
    both = shown(participant=who, partner=pair.partner or "")
    assert both and all(r["participant"] == who and r["partner"] == pair.partner for r in both)

    # A period: a quarter keeps that quarter; a half-year its quarters too; the API agrees.
    quarter = next(a.period for a in findings if a.period and "-Q" in a.period)
    assert quarter is not None
    part = quarter[-2:]
    assert sorted(map(str, shown(period=part))) == expected(lambda a: a.period == quarter)
    half = "H1" if part in ("Q1", "Q2") else "H2"
    parts = {f"{YEAR}-{half}"} | {f"{YEAR}-Q{q}" for q in ((1, 2) if half == "H1" else (3, 4))}
    assert sorted(map(str, shown(period=half))) == expected(lambda a: a.period in parts)
    api = client.get(API, params={"year": YEAR, "period": f"{YEAR}-{half}"}, headers=headers).json()
    assert sorted(str(as_row(Anomaly(**a))) for a in api) == expected(lambda a: a.period in parts)
    api = client.get(API, params={"year": YEAR, "partner": pair.partner}, headers=headers).json()
    assert api and {a["partner"] for a in api} == {pair.partner}
    assert shown(type=kind, severity="low", participant="ZZ") == []

    # Counts per type and severity (the year's, in the choices; the filtered, above the table).
    page = client.get(PAGE, params={"year": YEAR, "type": kind}, headers=headers).text
    assert f"{kind.replace('_', ' ')} ({sum(a.type == kind for a in findings)})" in page
    for severity in SEVERITIES:
        assert f"{severity} ({sum(a.severity == severity for a in findings)})" in page
    n = sum(a.type == kind for a in findings)
    assert counted(page).startswith(
        f"Findings 1–{n} of {n} matching the filters (of {len(findings)} in {YEAR})"
    )

    # For HTMX, the table alone, and the address to show in the bar (empty fields left out).
    partial = client.get(
        PAGE,
        params={"year": YEAR, "type": kind, "participant": "", "partner": "", "period": "", "severity": ""},
        headers=headers | HTMX,
    )
    assert (
        partial.status_code == 200
        and "<html" not in partial.text
        and 'id="anomaly-filters"' not in partial.text
    )
    assert sorted(map(str, rows(partial.text))) == expected(lambda a: a.type == kind)
    assert partial.headers["HX-Push-Url"] == f"{PAGE}?year={YEAR}&type={kind}"
    assert "HX-Request" in partial.headers["Vary"]
    # A filter that cannot be used says why (the table too, for HTMX), and shows nothing.
    for wrong in ({"period": "Q7"}, {"period": f"{YEAR - 1}-Q1"}, {"severity": "dire"}, {"type": "hunch"}):
        refused = client.get(PAGE, params={"year": YEAR, **wrong}, headers=headers | HTMX)
        assert refused.status_code == 422 and 'id="anomaly-problems"' in refused.text, wrong
        assert next(iter(wrong)) in refused.text and 'id="anomalies"' not in refused.text


def test_pages_keep_the_filters(client: TestClient, make_token, session_factory) -> None:  # type: ignore[no-untyped-def]
    # A tight mirror test (as a Working Group might try) makes more findings than a page holds.
    world = make_world(seed=1, participants=30, years=range(2021, 2025))
    statistics = make_token(Role.STATISTICS)
    submit_world(client, statistics, session_factory, world)
    tight = {
        "mirror_carat_di": 0.01,
        "mirror_code_di": 0.02,
        "mirror_quarter_di": 0.03,
        "transit_share": 0,
        "mirror_floor_carats": 0,
        "mirror_floor_usd": 0,
    }
    put = client.put(
        "/api/v1/statistics/anomaly-thresholds", json={"values": tight}, headers=auth(statistics)
    )
    assert put.status_code == 200
    wanted = client.get(
        API, params={"year": YEAR, "type": "mirror_gap", "severity": "high"}, headers=auth(statistics)
    ).json()
    assert 50 < len(wanted) <= 100, len(wanted)

    filters = {"year": YEAR, "type": "mirror_gap", "severity": "high"}
    first = client.get(PAGE, params=filters, headers=auth(statistics)).text
    assert counted(first).startswith(f"Findings 1–50 of {len(wanted)}")
    assert len(rows(first)) == 50 and {(r["type"], r["severity"]) for r in rows(first)} == {
        ("mirror_gap", "high")
    }
    following = re.search(r'<a href="([^"]+)"[^>]*>Next 50', first)
    assert following, "a link to the next page"
    address = following.group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(address).query) == {
        "year": [str(YEAR)],
        "type": ["mirror_gap"],
        "severity": ["high"],
        "page": ["2"],
    }
    second = client.get(address, headers=auth(statistics) | HTMX)
    assert counted(second.text).startswith(f"Findings 51–{len(wanted)} of {len(wanted)}")
    assert second.headers["HX-Push-Url"] == address
    assert {(r["type"], r["severity"]) for r in rows(second.text)} == {("mirror_gap", "high")}
    assert "Previous 50" in second.text and "Next 50" not in second.text
    seen = rows(first) + rows(second.text)
    assert sorted(map(str, seen)) == sorted(str(as_row(Anomaly(**a))) for a in wanted)
    # Past the last page: the last page.
    beyond = client.get(PAGE, params={**filters, "page": 9}, headers=auth(statistics)).text
    assert counted(beyond).startswith(f"Findings 51–{len(wanted)}")


def test_the_csv_carries_the_filters(client: TestClient, year) -> None:  # type: ignore[no-untyped-def]
    headers, findings = year["headers"], year["findings"]

    def download(**filters: str) -> list[dict[str, str]]:
        answer = client.get(PAGE, params={"year": YEAR, **filters, "format": "csv"}, headers=headers)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        header = answer.text.splitlines()[0]
        assert (
            header
            == "type,participant,partner,period,hs_code,reported,reference,deviation,severity,explanation"
        )
        return list(csv.DictReader(io.StringIO(answer.text)))

    # Everything: the findings in the page's order, then the missing submissions.
    every = download()
    assert len(every) == len(year["anomalies"])
    assert [r["type"] for r in every[: len(findings)]] == [
        r["type"] for r in rows(client.get(PAGE, params={"year": YEAR}, headers=headers).text)
    ]
    assert {r["type"] for r in every[len(findings) :]} == {"missing_submission"}
    # Filtered: exactly the findings the filters keep (the missing returns have no partner).
    pair = next(a for a in findings if a.partner)
    chosen = download(partner=pair.partner or "", severity=pair.severity)
    assert chosen and len(chosen) == sum(
        a.partner == pair.partner and a.severity == pair.severity for a in findings
    )
    assert {(r["partner"], r["severity"]) for r in chosen} == {(pair.partner, pair.severity)}
    values = download(type="unit_value")
    assert values and {r["type"] for r in values} == {"unit_value"}
    assert download(participant="ZZ") == []
    # The page's link to the CSV is the page's address with the filters.
    page = client.get(
        PAGE, params={"year": YEAR, "partner": pair.partner, "severity": pair.severity}, headers=headers
    ).text
    link = re.search(r'<a href="([^"]+)" download id="download-csv"', page)
    assert link and parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query) == {
        "year": [str(YEAR)],
        "partner": [pair.partner],
        "severity": [pair.severity],
        "format": ["csv"],
    }


def _questions(client: TestClient, headers: dict[str, str], questionnaire_id: int) -> list[dict[str, Any]]:
    answer = client.get(f"/api/v1/statistics/questionnaires/{questionnaire_id}", headers=headers)
    assert answer.status_code == 200
    return [q["anomaly"] for q in answer.json()["questions"]]


def test_a_questionnaire_from_the_findings_selected(  # type: ignore[no-untyped-def]
    client: TestClient, make_user, make_token, session_factory, year
) -> None:
    findings, api = year["findings"], year["headers"]
    csrf = sign_in(client, "wgs", make_user("wgs", [Role.STATISTICS]))
    page = client.get(PAGE, params={"year": YEAR})
    by_key = {finding_key(a): a for a in findings}
    offered = keys(page.text)
    assert sorted(offered) == sorted(by_key) and len(set(offered)) == len(findings)
    assert "Draw up a questionnaire for the selected findings" in page.text

    # Two findings of one participant, neither a mirror gap: one draft, with those two questions.
    counts = Counter(a.participant for a in findings if a.type != "mirror_gap")
    who = next(code for code, n in counts.most_common() if n >= 2)
    picked = [k for k in offered if by_key[k].participant == who and by_key[k].type != "mirror_gap"][:2]
    back = f"{PAGE}?year={YEAR}&participant={who}"
    made = client.post(
        f"{PAGE}/questionnaires", data={"csrf_token": csrf, "year": YEAR, "back": back, "finding": picked}
    )
    assert made.status_code == 200 and re.fullmatch(r"/statistics/questionnaires/\d+", made.url.path)
    assert made.text.count('<article id="question-') == 2
    questionnaire_id = int(made.url.path.rsplit("/", 1)[1])
    # In the detectors' order, as any questionnaire.
    assert sorted(_questions(client, api, questionnaire_id), key=str) == sorted(
        (by_key[k].as_dict() for k in picked), key=str
    )

    # A mirror gap and a finding of another participant: a draft for each side of the gap and
    # one for the other participant, each with exactly the findings that concern it.
    gap = next(a for a in findings if a.type == "mirror_gap" and who not in (a.participant, a.partner))
    other = next(a for a in findings if a.participant not in (who, gap.participant, gap.partner))
    chosen = [gap, other]
    made = client.post(
        f"{PAGE}/questionnaires",
        data={"csrf_token": csrf, "year": YEAR, "back": PAGE, "finding": [finding_key(a) for a in chosen]},
    )
    assert made.status_code == 200 and made.url.path == "/statistics/questionnaires"
    assert dict(made.url.params) == {"year": str(YEAR), "status": "draft"}
    drafts = client.get("/api/v1/statistics/questionnaires", params={"year": YEAR}, headers=api).json()
    asked = {gap.participant, gap.partner, other.participant} | {who}
    assert {q["participant"] for q in drafts} == asked
    for q in drafts:
        if q["participant"] != who:
            expected = [a.as_dict() for a in chosen if concerns(a.as_dict(), q["participant"])]
            assert _questions(client, api, q["id"]) == expected, q["participant"]
    with session_factory() as session:
        events = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.tag == tags.QUESTIONNAIRE_DRAWN_UP)
        ).all()
    assert len(events) == 4 and all(e.after and e.after["selected"] is True for e in events)

    # A participant that has a questionnaire for the year already: refused in plain words,
    # back on the workbench with the filters, and nothing drafted for anyone.
    again = next(a for a in findings if a.participant == who)
    fresh = next((a for a in findings if a.participant not in asked and (a.partner or "") not in asked), None)
    selection = [finding_key(again)] + ([finding_key(fresh)] if fresh else [])
    refused = client.post(
        f"{PAGE}/questionnaires", data={"csrf_token": csrf, "year": YEAR, "back": back, "finding": selection}
    )
    assert refused.status_code == 200 and refused.url.path == PAGE
    assert refused.url.params["participant"] == who
    assert (
        'id="form-error"' in refused.text
        and f"{who} already has questionnaire {questionnaire_id}" in refused.text
    )
    after = client.get("/api/v1/statistics/questionnaires", params={"year": YEAR}, headers=api).json()
    assert len(after) == len(drafts)
    # Nothing selected, or a finding that is no longer there: said, not a 500.
    empty = client.post(f"{PAGE}/questionnaires", data={"csrf_token": csrf, "year": YEAR, "back": PAGE})
    assert "select at least one finding" in empty.text
    stale = client.post(
        f"{PAGE}/questionnaires",
        data={
            "csrf_token": csrf,
            "year": YEAR,
            "back": PAGE,
            "finding": "unit_value|BW|BE|2024|7102.31|0000000000",
        },
    )
    assert "no longer among the anomalies of 2024" in stale.text
    # Only ever back to the workbench.
    elsewhere = client.post(
        f"{PAGE}/questionnaires", data={"csrf_token": csrf, "year": YEAR, "back": "https://example.org/"}
    )
    assert elsewhere.url.path == PAGE and elsewhere.url.host == "testserver"


def test_thresholds_stored_by_an_earlier_version_are_ignored(
    client: TestClient, session_factory, year
) -> None:  # type: ignore[no-untyped-def]
    headers = year["headers"]
    with session_factory() as session:
        session.add(
            AnomalyThresholds(
                values={"mirror_ratio": 2.5, "unit_value_z": 4, "mirror_value_di": 0.2, "cif_fob_factor": 7},
                note="before the detectors were rewritten",
                set_at=datetime(2024, 6, 1, tzinfo=UTC),
                set_by="user:wgs",
            )
        )
        session.commit()
    page = client.get(PAGE, params={"year": YEAR}, headers=headers)
    assert page.status_code == 200
    ignored = page.text[page.text.index('id="thresholds-ignored"') :]
    for name in ("mirror_ratio", "unit_value_z", "cif_fob_factor"):
        assert f"<code>{name}</code>" in ignored
    assert "no longer a threshold" in ignored and "4 stored values ignored" not in page.text
    assert "3 stored values ignored" in page.text
    assert client.get(API, params={"year": YEAR}, headers=headers).status_code == 200
    listed = client.get("/api/v1/statistics/anomaly-thresholds", headers=headers).json()
    by_name = {t["name"]: t["value"] for t in listed["thresholds"]}
    assert by_name["mirror_value_di"] == 0.2 and by_name["cif_fob_factor"] == 1.06
    assert set(listed["set"]["ignored"]) == {"mirror_ratio", "unit_value_z", "cif_fob_factor"}
    # Saving the thresholds again keeps what is usable and drops the rest.
    put = client.put(
        "/api/v1/statistics/anomaly-thresholds", json={"values": {"transit_share": 0.3}}, headers=headers
    )
    assert put.status_code == 200
    listed = client.get("/api/v1/statistics/anomaly-thresholds", headers=headers).json()
    assert listed["set"]["changed"] == {"mirror_value_di": 0.2, "transit_share": 0.3}
    assert listed["set"]["ignored"] == {}
    assert 'id="thresholds-ignored"' not in client.get(PAGE, params={"year": YEAR}, headers=headers).text


def test_only_the_statistics_role_uses_the_workbench(client: TestClient, make_token, make_user, year) -> None:  # type: ignore[no-untyped-def]
    authority = auth(make_token(Role.AUTHORITY, "BW"))
    assert client.get(PAGE, params={"year": YEAR}, headers=authority).status_code == 403
    assert client.get(PAGE, params={"year": YEAR, "format": "csv"}, headers=authority).status_code == 403
    csrf = sign_in(client, "clerk", make_user("clerk", [Role.AUTHORITY], "BW"))
    key = finding_key(year["findings"][0])
    refused = client.post(
        f"{PAGE}/questionnaires",
        data={"csrf_token": csrf, "year": YEAR, "back": PAGE, "finding": key},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    drafts = client.get(
        "/api/v1/statistics/questionnaires", params={"year": YEAR}, headers=year["headers"]
    ).json()
    assert drafts == []
