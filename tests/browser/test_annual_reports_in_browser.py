"""An annual report runs its whole course in a real browser: Botswana's authority drafts it
(Part A and Part B per section) and submits it, the Working Group on Monitoring assesses it
with feedback per section, and the authority responds; no page scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from kpcs.accounts.models import Role
from kpcs.annual_reports.domain import SECTIONS
from kpcs.clock import FixedClock
from tests.browser.layout import assert_fits_width
from tests.browser.test_registry_in_browser import _sign_in, _user


def _signed_in(
    browser: Browser, base: str, settings, clock: FixedClock, name: str, role: Role, participant: str | None
) -> Page:  # type: ignore[no-untyped-def]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(page, base, name, _user(settings, clock, name, role, participant))
    return page


def test_an_annual_report_runs_its_course_in_the_pages(
    live_server, browser: Browser, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    clerk = _signed_in(browser, base, settings, clock, "gaborone", Role.AUTHORITY, "BW")
    wgm = _signed_in(browser, base, settings, clock, "monitor", Role.MONITORING, None)

    # The authority starts its report on last year from the list, and writes the draft.
    clerk.locator("nav summary", has_text="Monitoring").click()
    clerk.get_by_role("link", name="Annual reports").click()
    expect(clerk.get_by_role("heading", name="Annual reports", exact=True)).to_be_visible()
    clerk.get_by_label("Year reported on").select_option("2024")
    clerk.get_by_role("button", name="Start the draft").click()
    expect(clerk.get_by_role("heading", name="Annual report 2024: Botswana (BW)")).to_be_visible()
    expect(clerk.locator("#report-status")).to_have_text("draft")
    expect(clerk.locator("#figures")).to_contain_text("Certificates issued")
    for key in SECTIONS:
        clerk.locator(f'textarea[name="part_a.{key}"]').fill(f"Standing information on {key}.")
    clerk.locator('textarea[name="part_b.trade"]').fill("A new export licensing regulation came into force.")
    clerk.get_by_role("button", name="Save the draft").click()
    expect(clerk.locator('textarea[name="part_b.trade"]')).to_have_value(
        "A new export licensing regulation came into force."
    )
    assert_fits_width(clerk)
    clerk.get_by_role("button", name="Submit the report").click()
    expect(clerk.locator("#report-status")).to_have_text("submitted")
    expect(clerk.locator("#section-trade .part-b")).to_have_text(
        "A new export licensing regulation came into force."
    )
    report_url = clerk.url.split("#")[0]

    # The WGM finds it in the list and gives feedback on two sections.
    wgm.locator("nav summary", has_text="Monitoring").click()
    wgm.get_by_role("link", name="Annual reports").click()
    wgm.locator("#annual-reports tr[data-participant=BW] a").click()
    expect(wgm.locator("#report-status")).to_have_text("submitted")
    wgm.locator('textarea[name="feedback.trade"]').fill("Say how the regulation is enforced at export.")
    wgm.locator('textarea[name="feedback.statistics"]').fill("Complete.")
    wgm.get_by_label("Conclusion").fill("Substantially complete.")
    wgm.get_by_role("button", name="Record the assessment").click()
    expect(wgm.locator("#report-status")).to_have_text("assessed")
    expect(wgm.locator("#section-trade .feedback")).to_have_text(
        "Say how the regulation is enforced at export."
    )
    assert_fits_width(wgm)

    # The authority reads the feedback and responds.
    clerk.goto(report_url)
    expect(clerk.locator("#section-statistics .feedback")).to_have_text("Complete.")
    clerk.get_by_label("Your response").fill("Every parcel is inspected and sealed by customs.")
    clerk.get_by_role("button", name="Send the response").click()
    expect(clerk.locator("#report-status")).to_have_text("responded")
    expect(clerk.locator(".response-text")).to_have_text("Every parcel is inspected and sealed by customs.")
    assert_fits_width(clerk)
