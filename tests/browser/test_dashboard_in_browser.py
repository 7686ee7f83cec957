"""The Chair's dashboard in a real browser: the WGM opens it from the home page, reads what is
late by participant and by body, narrows it to one participant, and follows a line to the
review whose draft report is overdue."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.reviews import services as reviews
from tests.browser.layout import assert_fits_width
from tests.browser.test_registry_in_browser import _sign_in, _user
from tests.conftest import OPERATOR


def test_the_wgm_reads_what_is_late_and_opens_it(live_server, page: Page, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    engine = make_engine(settings.sqlalchemy_url)
    try:
        uow = UnitOfWork(make_session_factory(engine))
        made = reviews.create(
            uow, OPERATOR, clock, kind="mission", participant="AO", terms_of_reference="Controls at Lunda."
        )
        team = {"name": "L", "constituency": "industry", "affiliation": "WDC", "leader": True}
        reviews.add_member(uow, OPERATOR, clock, made["id"], **team)  # type: ignore[arg-type]
        ended = date(2025, 2, 1)  # the draft report was due on 22 February; today is 3 March
        reviews.set_visit_dates(uow, OPERATOR, clock, made["id"], starts=ended, ends=ended)
    finally:
        engine.dispose()

    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in(page, base, "wgm", _user(settings, clock, "wgm", Role.MONITORING))
    page.goto(f"{base}/")
    page.locator("#task-due").get_by_role("button", name="See what is due and late").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Due and late")
    assert_fits_width(page)
    expect(page.locator("#dashboard-summary tr[data-key=AO]")).to_contain_text("Angola")

    page.get_by_role("link", name="By body").click()
    expect(page.locator("#dashboard-summary tr[data-key=WGM]")).to_be_visible()

    page.get_by_label("Participant").fill("AO")
    page.get_by_label("What").select_option("review report")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("#dashboard-lines tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("late by 9 days")
    expect(rows.first).to_contain_text("the review team")
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Review mission")
    expect(page.locator("main")).to_contain_text("pending too long")

    # The Monitoring menu leads there too.
    page.locator("nav summary", has_text="Monitoring").click()
    page.get_by_role("link", name="Due and late").click()
    expect(page).to_have_url(f"{base}/dashboard")
