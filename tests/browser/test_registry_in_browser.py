"""A clerk in a real browser: signs in, browses and filters the registry, and an admin
records a status change through the form."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from kpcs.accounts import services
from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from tests.conftest import OPERATOR


def _user(
    settings: Settings, clock: FixedClock, username: str, role: Role, participant: str | None = None
) -> str:
    password = f"{username} password 1"
    engine = make_engine(settings.sqlalchemy_url)
    try:
        services.create_user(
            UnitOfWork(make_session_factory(engine)),
            OPERATOR,
            clock,
            username=username,
            full_name=username.title(),
            password=password,
            roles=[role],
            participant=participant,
        )
    finally:
        engine.dispose()
    return password


def _sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=re.compile(username))).to_be_visible()


def test_clerk_signs_in_and_browses_participants(live_server, page: Page, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    password = _user(settings, clock, "clerk", Role.AUTHORITY, "BW")
    page.goto(f"{base}/sign-in")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("wrong password")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_contain_text("wrong username or password")
    _sign_in(page, base, "clerk", password)

    page.get_by_role("link", name="Participants").first.click()
    expect(page.get_by_role("heading", name="Participants and observers")).to_be_visible()
    rows = page.locator("#participants tbody tr")
    expect(rows.first).to_be_visible()
    everyone = rows.count()  # counted before filtering: a quick swap must not be counted instead
    assert everyone > 55

    # Filtering swaps the table through HTMX, without reloading the page.
    page.get_by_label("Status").select_option("withdrawn")
    expect(page.locator("#registry-count")).not_to_contain_text(f"{everyone} shown")
    expect(page.locator("#participants tbody")).to_contain_text("Burkina Faso")
    assert "status=withdrawn" in page.url  # the filtered view can be bookmarked
    page.get_by_label("Status").select_option("")
    page.get_by_label("Search").fill("central african")
    expect(page.locator("#registry-count")).to_contain_text("1 shown")
    page.get_by_role("link", name="Central African Republic").click()

    expect(page.get_by_role("heading", name=re.compile("Central African Republic"))).to_be_visible()
    history = page.locator("#status-history tbody tr")
    expect(history.first).to_contain_text("active")
    expect(page.locator("#status-history")).to_contain_text("suspended")
    expect(page.locator("#status-history")).to_contain_text("Berbérati")
    expect(page.get_by_text("Record a status change")).to_have_count(0)


def test_admin_records_a_suspension_in_the_browser(live_server, page: Page, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    _sign_in(page, base, "chief", _user(settings, clock, "chief", Role.ADMIN))
    page.goto(f"{base}/participants/ZW")
    page.get_by_text("Record a status change").click()
    page.get_by_label("New status").select_option("suspended")
    page.get_by_label("Takes effect on").fill("2025-03-03")
    page.get_by_label("Reason").fill("Administrative Decision (browser test)")
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator("#current-status")).to_have_text("suspended")
    expect(page.locator("#status-history tbody tr").last).to_contain_text(
        "Administrative Decision (browser test)"
    )
    page.locator("header summary", has_text="Admin").click()  # the admin's pages share one menu
    page.get_by_role("link", name="Audit log").click()
    expect(page.locator("#audit-events")).to_contain_text("participant:status:changed")
    expect(page.locator("#audit-events")).to_contain_text("user:chief")


def test_pages_fit_a_phone(live_server, browser) -> None:  # type: ignore[no-untyped-def]
    base, _settings = live_server
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        tab = context.new_page()
        tab.goto(f"{base}/participants/CF")
        expect(tab.get_by_role("heading", name=re.compile("Central African Republic"))).to_be_visible()
        overflow = tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"the page scrolls sideways by {overflow}px on a phone"
    finally:
        context.close()


def test_registry_corrections_are_shown_with_their_sources(live_server, page: Page) -> None:  # type: ignore[no-untyped-def]
    """Issue 19: each correction is visible on the participant's page, with its source."""
    base, _ = live_server
    page.goto(f"{base}/participants?on=2010-06-01")
    page.get_by_label("Status").select_option("export_banned")
    expect(page.locator("#registry-count")).to_contain_text("1 shown")
    page.get_by_role("link", name="Côte d'Ivoire").click()
    banned = page.locator("#status-history tbody tr", has_text="export banned")
    expect(banned).to_contain_text("2005-12-15")
    expect(banned.get_by_role("link", name="un-press-2005-12-15")).to_be_visible()

    page.goto(f"{base}/participants")
    page.get_by_label("Kind").select_option("trading_entity")
    expect(page.locator("#registry-count")).to_contain_text("1 shown")
    page.get_by_role("link", name="Chinese Taipei").click()
    expect(page.locator("#kind")).to_contain_text("Rough-diamond trading entity")
    first = page.locator("#status-history tbody tr").first
    expect(first).to_contain_text("not later than")
    expect(first.get_by_role("link", name="kp-list-2003-10-31")).to_be_visible()

    page.goto(f"{base}/participants/EU")
    expect(page.locator("#country-notes")).to_contain_text("Greenland")
    expect(page.locator("#country-notes").get_by_role("link", name="comm-2014")).to_have_count(2)

    page.goto(f"{base}/participants/ZW")
    regime = page.locator("#regimes tbody tr")
    expect(regime).to_contain_text("Marange")
    expect(regime).to_contain_text("2011-11-03")
    expect(regime.get_by_role("link", name="comm-2011")).to_have_count(2)

    page.goto(f"{base}/participants/BD")
    expect(page.locator("#status-history tbody tr").first).to_contain_text("not later than")
