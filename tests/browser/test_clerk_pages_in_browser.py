"""What a clerk meets at 1280 px, in a real browser: a refused issue form that names each
field as the form labels it, the inbox with discrepancies and reminders, the chase of
unconfirmed certificates, and a cancellation that asks first; no page scrolls sideways."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.layout import assert_fits_width
from tests.browser.test_registry_in_browser import _sign_in, _user

LONG_NAME = "Société Anonyme des Diamantaires Réunis de la Rue des Trois Rois, Département Import-Export"


def _clerk(browser: Browser, base: str, settings, clock: FixedClock, name: str, participant: str) -> Page:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _sign_in(page, base, name, _user(settings, clock, name, Role.AUTHORITY, participant))
    return page


def _fill_shipment(page: Page, *, carats: str, value: str, origin: str = "BW") -> None:
    page.goto(page.url.split("/certificates")[0].split("/?")[0].rstrip("/") + "/certificates/new")
    page.get_by_label("Importing country").select_option("BE")
    page.locator("input[name=exporter_name]").fill("Okavango Diamond Company")
    page.locator("textarea[name=exporter_address]").fill("Plot 63016, Gaborone")
    page.locator("input[name=importer_name]").fill(LONG_NAME)
    page.locator("textarea[name=importer_address]").fill("Hoveniersstraat 2, 2018 Antwerpen, Belgium")
    page.locator("input[name=origin]").fill(origin)
    page.locator("input[name=carats]").fill(carats)
    page.locator("input[name=value_usd]").fill(value)


def test_a_refused_form_speaks_the_clerks_language(live_server, browser: Browser, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    page = _clerk(browser, base, settings, clock, "gaborone", "BW")
    _fill_shipment(page, carats="abc", value="-5", origin="XX")
    problems = page.locator("#issue-problems")
    # As the clerk types, and again on submitting: every problem at once, in the form's words.
    expect(problems).to_contain_text("Line 1 — carats: a number, e.g. 1520.35")
    expect(problems).to_contain_text("Line 1 — value in US$: must be greater than zero")
    expect(problems).to_contain_text("Line 1 — origin:")
    page.get_by_role("button", name="Issue and sign").click()
    expect(page.locator("#issue-problems li")).to_have_count(3)
    expect(page.locator("#issue-problems")).not_to_contain_text("lines.0")
    expect(page.locator("input[name=carats]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=importer_name]")).to_have_value(LONG_NAME)  # nothing typed is lost
    assert_fits_width(page)


def test_inbox_reminders_and_cancellation_fit_the_screen(
    live_server, browser: Browser, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    page = _clerk(browser, base, settings, clock, "gaborone", "BW")
    numbers = []
    for carats in ("1520.35", "88.10", "2.5"):
        _fill_shipment(page, carats=carats, value="310250")
        expect(page.locator("#issue-problems")).to_contain_text("Everything checks out")
        page.get_by_role("button", name="Issue and sign").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text(re.compile(r"BW-\d{4}-\d{6}"))
        numbers.append(re.search(r"BW-\d{4}-\d{6}", heading.inner_text()).group(0))  # type: ignore[union-attr]

    # Chase the first one from the unconfirmed list.
    page.goto(f"{base}/certificates/unconfirmed?days=0")
    assert_fits_width(page)
    page.locator("tr", has_text=numbers[0]).get_by_role("button", name="Remind").click()
    expect(page.locator("#reminder-notice")).to_contain_text(f"Reminder sent for {numbers[0]}")
    expect(page.locator("tr", has_text=numbers[0]).locator("td.reminders")).to_contain_text(
        "1, last 2025-03-03"
    )

    # Cancel the last: the browser will not send the form until the clerk confirms.
    page.goto(f"{base}/certificates/{numbers[2]}")
    page.get_by_text("Cancel this certificate").click()
    page.get_by_role("button", name="Cancel the certificate").click()
    expect(page.locator("#certificate-status")).to_have_text("issued")
    page.get_by_label(re.compile("will be void for good")).check()
    page.get_by_role("button", name="Cancel the certificate").click()
    expect(page.locator("#certificate-status")).to_have_text("cancelled")

    europe = _clerk(browser, base, settings, clock, "antwerp", "EU")
    europe.goto(f"{base}/certificates/{numbers[1]}")
    europe.get_by_label("Received on").fill("2025-03-03")
    europe.get_by_label("Carats received (if different)").fill("80")
    europe.get_by_label("Note").first.fill(
        "Seal of parcel 1 broken on arrival; weighed at the Diamond Office."
    )
    europe.get_by_role("button", name="Confirm receipt").click()
    expect(europe.locator("#certificate-status")).to_have_text("confirmed with discrepancies")
    expect(europe.locator("#importer-note")).to_contain_text("Seal of parcel 1 broken")
    europe.goto(f"{base}/inbox")
    table = europe.locator("#certificates")
    expect(table.locator("tr", has_text=numbers[0])).to_contain_text("1 reminder")
    expect(table.locator("tr", has_text=numbers[1])).to_contain_text("confirmed with discrepancies")
    expect(table).to_contain_text(LONG_NAME)
    assert_fits_width(europe)
    europe.goto(f"{base}/certificates/{numbers[0]}")
    expect(europe.locator("#reminders")).to_contain_text("is waiting for your import confirmation")
    assert_fits_width(europe)

    # The exporter sees the importer's note and the same badge.
    page.goto(f"{base}/certificates/{numbers[1]}")
    expect(page.locator("#certificate-status")).to_have_text("confirmed with discrepancies")
    expect(page.locator("#importer-note")).to_contain_text("Seal of parcel 1 broken")
    assert_fits_width(page)
