"""Technical assistance in a real browser: South Africa's authority offers a valuation
course through the form; Sierra Leone's records a need, finds the offer among its matches
with the reason, and matches it; the list then shows both matched. A visitor who is not
signed in reads the list and the figures on confiscations, without any contact."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.test_registry_in_browser import _sign_in, _user


def _as(browser: Browser, base: str, username: str, password: str) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(page, base, username, password)
    return page


def _record(page: Page, kind: str, title: str, region: str, contact: str) -> None:
    form = page.locator("#record")
    form.get_by_label("Need or offer").select_option(kind)
    form.get_by_label("Topic").select_option("valuation")
    form.get_by_label("Region").select_option(region)
    form.get_by_label("Title").fill(title)
    form.get_by_label("Description").fill(f"{title}: two weeks, six officials.")
    form.get_by_label("Contact").fill(contact)
    form.get_by_role("button", name="Record").click()


def test_a_need_is_recorded_and_matched_with_an_offer(
    live_server, browser: Browser, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    pretoria = _as(browser, base, "pretoria", _user(settings, clock, "pretoria", Role.AUTHORITY, "ZA"))
    freetown = _as(browser, base, "freetown", _user(settings, clock, "freetown", Role.AUTHORITY, "SL"))

    pretoria.goto(f"{base}/")
    pretoria.locator("nav summary", has_text="Monitoring").click()
    pretoria.locator("nav").get_by_role("link", name="Technical assistance").click()
    expect(pretoria.get_by_role("heading", level=1)).to_have_text("Technical assistance")
    expect(pretoria.locator("#record").get_by_label("Participant")).to_have_value("ZA")
    _record(pretoria, "offer", "Valuation and sorting course", "worldwide", "SADPMR, Johannesburg")
    expect(pretoria.get_by_role("heading", level=1)).to_have_text("Offer 1: Valuation and sorting course")

    freetown.goto(f"{base}/assistance")
    _record(freetown, "need", "Training of government valuators", "west-africa", "Ministry of Mines")
    expect(freetown.get_by_role("heading", level=1)).to_have_text("Need 2: Training of government valuators")
    candidate = freetown.locator("#candidates tr[data-entry='1']")
    expect(candidate).to_contain_text("the offer is worldwide, so it covers west-africa")
    candidate.get_by_role("button", name="Match with 1").click()
    expect(freetown.locator("#entry-status")).to_have_text("matched")
    expect(freetown.locator("#counterpart")).to_contain_text("Valuation and sorting course")

    freetown.goto(f"{base}/assistance")
    freetown.locator("#filters").get_by_label("Status").select_option("matched")
    freetown.locator("#filters").get_by_role("button", name="Show").click()
    expect(freetown.locator("#entries tbody tr[data-status='matched']")).to_have_count(2)
    expect(freetown.locator("#matches")).to_contain_text("No open need has a matching offer.")

    visitor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(f"{base}/")
    visitor.locator("footer").get_by_role("link", name="Technical assistance").click()
    expect(visitor.locator("#entries tbody tr")).to_have_count(2)
    expect(visitor.locator("#record")).to_have_count(0)
    visitor.locator("#entries").get_by_role("link", name="2").click()
    expect(visitor.locator("#contact")).to_have_count(0)
    expect(visitor.locator("#status-form")).to_have_count(0)
    visitor.goto(f"{base}/")
    visitor.locator("footer").get_by_role("link", name="Confiscations").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Confiscated rough diamonds")
    expect(visitor.locator("#statistics")).to_contain_text("No confiscations recorded.")
    expect(visitor.locator("#register")).to_have_count(0)
