"""An analyst of the Working Group on Statistics at the anomaly workbench in a real browser at
1280 × 900, over a realistic year submitted through the API: the findings of the year on one
screen, one line each, the missing returns apart; filters as they are chosen or typed; a
finding's explanation one click away; two findings picked and a questionnaire drawn up."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from kpcs.accounts import services as accounts
from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.statistics.analysis.anomalies import FINDING_TYPES
from tests.browser.layout import assert_fits_width
from tests.browser.test_registry_in_browser import _sign_in, _user
from tests.conftest import OPERATOR
from tests.factories.independent_world import generate

YEAR = 2024
SCREEN = 900


def _submit_a_year(base: str, settings: Settings, clock: FixedClock) -> list[dict[str, Any]]:
    """A realistic year's trade and production, submitted through the API as the statistics
    role would; returns its anomalies as the API lists them."""
    engine = make_engine(settings.sqlalchemy_url)
    try:
        token = accounts.create_token(
            UnitOfWork(make_session_factory(engine)), OPERATOR, clock, role=Role.STATISTICS, participant=None
        ).secret
    finally:
        engine.dispose()
    world = generate(3, year=YEAR)
    headers = {"Authorization": f"Bearer {token}"}
    for name, content in (("trade.csv", world.trade_csv()), ("production.csv", world.production_csv())):
        done = httpx.post(
            f"{base}/api/v1/statistics/submissions",
            files={"file": (name, content.encode())},
            headers=headers,
            timeout=60,
        )
        assert done.status_code == 201, done.text[:300]
    found = httpx.get(
        f"{base}/api/v1/statistics/anomalies", params={"year": YEAR}, headers=headers, timeout=60
    )
    return list(found.json())


def test_the_workbench_at_1280(live_server, page: Page, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    anomalies = _submit_a_year(base, settings, clock)
    findings = [a for a in anomalies if a["type"] in FINDING_TYPES]
    _sign_in(page, base, "analyst", _user(settings, clock, "analyst", Role.STATISTICS))
    page.goto(f"{base}/statistics/anomalies?year={YEAR}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Data anomalies, {YEAR}")

    # The year's findings on one screen or so, one line each, nothing to scroll sideways.
    table = page.locator("#anomalies")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(findings))
    assert_fits_width(page)
    box = table.bounding_box()
    assert box is not None and box["height"] < 2 * SCREEN, box
    heights = page.evaluate(
        "[...document.querySelectorAll('#anomalies tbody tr')].map(r => r.getBoundingClientRect().height)"
    )
    assert max(heights) < 60, heights
    # Its most severe findings are on the first screen, under the filters.
    expect(rows.first).to_have_attribute("data-severity", "high")
    first = rows.first.bounding_box()
    assert first is not None and first["y"] + first["height"] < SCREEN

    # The missing returns apart: not in the table, one line each in their own section.
    expect(table.locator("tr[data-type=missing_submission]")).to_have_count(0)
    missing = page.locator("#missing-submissions li")
    expect(missing).to_have_count(sum(a["type"] == "missing_submission" for a in anomalies))
    expect(missing.first).to_contain_text(re.compile(r"— (trade|production): .* missing"))
    section = page.locator("#missing-submissions").bounding_box()
    assert section is not None and section["height"] < SCREEN / 2, section

    # A finding's explanation and figures, one click away.
    opened = rows.first
    explanation = opened.locator("p.explanation")
    expect(explanation).to_be_hidden()
    opened.locator("summary").click()
    expect(explanation).to_be_visible()
    expect(explanation).to_have_text(findings_in_page_order(page, findings)[0]["explanation"])
    expect(opened.locator(".figures-detail")).to_contain_text("deviation")
    assert_fits_width(page)

    # Filters, as they are chosen or typed; the address follows, for a bookmark.
    count = page.locator("#anomaly-counts")
    filters = page.locator("#anomaly-filters")
    filters.get_by_label("Severity").select_option("medium")
    medium = sum(a["severity"] == "medium" for a in findings)
    expect(count).to_contain_text(f"Findings 1–{medium} of {medium} matching the filters")
    expect(rows).to_have_count(medium)
    expect(table.locator("tbody tr[data-severity=high]")).to_have_count(0)
    assert "severity=medium" in page.url
    filters.get_by_label("Severity").select_option("")
    who = next(
        code
        for code, n in Counter(a["participant"] for a in findings if a["type"] != "mirror_gap").most_common()
        if n >= 2
    )
    filters.get_by_label("Participant").fill(who.lower())
    concerning = [a for a in findings if who in (a["participant"], a["partner"])]
    expect(count).to_contain_text(f"of {len(concerning)} matching the filters")
    expect(rows).to_have_count(len(concerning))
    assert f"participant={who}" in page.url
    assert_fits_width(page)

    # Two findings of that participant picked, and a questionnaire drawn up with those two.
    picked = table.locator(f"tbody tr[data-participant={who}]:not([data-type=mirror_gap])")
    chosen: list[str] = []
    for i in range(2):
        picked.nth(i).get_by_role("checkbox").check()
        chosen.append(picked.nth(i).locator("p.explanation").text_content() or "")
    # Leaving the participant's field does not fetch the table again (and lose the ticks).
    page.get_by_role("heading", level=1).click()
    page.wait_for_timeout(600)
    expect(table.locator("tbody input:checked")).to_have_count(2)
    page.get_by_role("button", name="Draw up a questionnaire for the selected findings").click()
    expect(page).to_have_url(re.compile(r"/statistics/questionnaires/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"({who})")
    questions = page.locator("article[id^=question-] .question-text")
    expect(questions).to_have_count(2)
    asked = [questions.nth(i).text_content() or "" for i in range(2)]
    # Each question begins with the finding's explanation, then says what to do.
    assert sorted(chosen) == sorted(next(c for c in chosen if text.startswith(c)) for text in asked)
    assert_fits_width(page)

    # Another year is another page: its own choices and counts.
    page.go_back()
    page.locator("#anomaly-filters").get_by_label("Year").select_option(str(YEAR - 1))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Data anomalies, {YEAR - 1}")
    assert f"year={YEAR - 1}" in page.url


def findings_in_page_order(page: Page, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings as the table lists them (its rows carry their explanations)."""
    shown = page.evaluate(
        "[...document.querySelectorAll('#anomalies tbody tr p.explanation')].map(p => p.textContent)"
    )
    by_text = {a["explanation"]: a for a in findings}
    return [by_text[text] for text in shown]
