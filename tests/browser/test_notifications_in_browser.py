"""A notification in a real browser: Botswana's authority chases its return slip, the EU's
clerk follows the bell in the bar to the notification and from it to the certificate."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from kpcs.accounts import services as accounts
from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from tests.browser.layout import assert_fits_width
from tests.browser.test_registry_in_browser import _sign_in, _user
from tests.conftest import OPERATOR, certificate_body


def test_the_bell_leads_to_what_must_be_done(live_server, page: Page, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    engine = make_engine(settings.sqlalchemy_url)
    try:
        token = accounts.create_token(
            UnitOfWork(make_session_factory(engine)), OPERATOR, clock, role=Role.AUTHORITY, participant="BW"
        ).secret
    finally:
        engine.dispose()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as botswana:
        number = botswana.post("/api/v1/certificates", json=certificate_body()).json()["number"]
        reminded = botswana.post(
            f"/api/v1/certificates/{number}/reminders", json={"note": "Courier says delivered"}
        )
        assert reminded.status_code == 201, reminded.text

    _sign_in(page, base, "antwerp", _user(settings, clock, "antwerp", Role.AUTHORITY, "EU"))
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    subject = f"Import confirmation requested for certificate {number}"
    expect(page.locator("#notifications")).to_contain_text("Courier says delivered")
    assert_fits_width(page)
    page.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
