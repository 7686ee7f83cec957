"""In a real browser, Botswana's authority reports in its annual report on the follow-up of
an open peer-review recommendation; once submitted, the review's page shows the step with
the report as its source, and the report page and its PDF link show what was said."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from kpcs.accounts.models import Role
from kpcs.annual_reports.domain import SECTIONS
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from tests.browser.layout import assert_fits_width
from tests.browser.test_annual_reports_in_browser import _signed_in
from tests.functional.test_annual_report_follow_up import reviewed


def test_an_annual_report_moves_a_recommendation_on(live_server, browser: Browser, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    engine = make_engine(settings.sqlalchemy_url)
    try:
        review_id, (rec,) = reviewed(
            UnitOfWork(make_session_factory(engine)), clock, "BW", ["Reconcile the vault register monthly."]
        )
    finally:
        engine.dispose()
    clerk = _signed_in(browser, base, settings, clock, "gaborone", Role.AUTHORITY, "BW")
    clerk.goto(f"{base}/annual-reports")
    clerk.get_by_label("Year reported on").select_option("2024")
    clerk.get_by_role("button", name="Start the draft").click()
    entry = clerk.locator(f"#report-recommendation-{rec}")
    expect(entry).to_contain_text("Reconcile the vault register monthly.")
    for key in SECTIONS:
        clerk.locator(f'textarea[name="part_a.{key}"]').fill(f"Standing information on {key}.")
    entry.get_by_label("Follow-up").select_option("implemented")
    entry.get_by_label("Note").fill("Monthly reconciliation since May.")
    clerk.get_by_role("button", name="Save the draft").click()
    expect(clerk.locator(f'select[name="follow_up.{rec}"]')).to_have_value("implemented")
    assert_fits_width(clerk)
    clerk.get_by_role("button", name="Submit the report").click()
    expect(clerk.locator("#report-status")).to_have_text("submitted")
    expect(clerk.locator("#follow-ups")).to_contain_text("Monthly reconciliation since May.")
    expect(clerk.locator("#pdf-link")).to_be_visible()

    clerk.locator("#follow-ups a").first.click()
    assert clerk.url.startswith(f"{base}/reviews/{review_id}")
    recommendation = clerk.locator(f"#recommendation-{rec}")
    expect(recommendation).to_have_attribute("data-follow-up", "implemented")
    expect(recommendation).to_contain_text("annual report 2024")
    expect(clerk.locator("#pdf-link")).to_have_attribute("href", f"/reviews/{review_id}/pdf")
