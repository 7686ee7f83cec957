"""Issue → inbox → confirm, in a real browser: Botswana's clerk issues a certificate through
the form (with live validation), the EU's clerk finds it in the inbox and confirms receipt."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.test_registry_in_browser import _sign_in, _user


def test_issue_inbox_confirm(live_server, browser: Browser, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    botswana = browser.new_context()
    page = botswana.new_page()
    _sign_in(page, base, "gaborone", _user(settings, clock, "gaborone", Role.AUTHORITY, "BW"))

    page.get_by_role("link", name="Certificates").click()
    page.get_by_role("button", name="Issue a certificate").click()
    expect(page.get_by_role("heading", name="Issue a Kimberley Process Certificate")).to_be_visible()
    page.get_by_label("Importing country").select_option("BE")
    page.locator("input[name=exporter_name]").fill("Okavango Diamond Company")
    page.locator("textarea[name=exporter_address]").fill("Plot 63016, Gaborone")
    page.locator("input[name=importer_name]").fill("Antwerp Rough NV")
    page.locator("textarea[name=importer_address]").fill("Hoveniersstraat 2, Antwerpen")
    page.locator("input[name=origin]").fill("BW")
    page.locator("input[name=carats]").fill("1520.357")
    page.locator("input[name=value_usd]").fill("310250")
    # Validation as you type: three decimals are refused before anything is submitted.
    expect(page.locator("#issue-problems")).to_contain_text("at most 2 decimals")
    page.locator("input[name=carats]").fill("1520.35")
    expect(page.locator("#issue-problems")).to_contain_text("Everything checks out")
    page.get_by_role("button", name="Add a line").click()
    expect(page.locator("fieldset.cert-line")).to_have_count(2)
    page.locator("input[name=origin]").nth(1).fill("mixed")
    page.locator("input[name=carats]").nth(1).fill("200")
    page.locator("input[name=value_usd]").nth(1).fill("5000.50")
    page.get_by_role("button", name="Issue and sign").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"BW-\d{4}-\d{6}"))
    number = re.search(r"BW-\d{4}-\d{6}", heading.inner_text()).group(0)  # type: ignore[union-attr]
    expect(page.locator("#certificate-status")).to_have_text("issued")
    expect(page.locator("figure.qr svg")).to_be_visible()
    expect(page.locator("#lines tfoot")).to_contain_text("1,720.35")
    botswana.close()

    europe = browser.new_context()
    page = europe.new_page()
    _sign_in(page, base, "antwerp", _user(settings, clock, "antwerp", Role.AUTHORITY, "EU"))
    page.get_by_role("link", name="Certificates").click()
    page.get_by_role("link", name="Inbox").click()
    expect(page.locator("#certificates")).to_contain_text(number)
    page.get_by_role("link", name=number).click()
    page.get_by_label("Received on").fill("2025-03-03")
    page.get_by_label("Parcels received (if different)").fill("2")
    page.get_by_role("button", name="Confirm receipt").click()
    # Goods that differ from the certificate: not the green badge of a clean confirmation.
    expect(page.locator("#certificate-status")).to_have_text("confirmed with discrepancies")
    expect(page.locator("#discrepancies")).to_contain_text("parcel count")
    expect(page.locator("#timeline")).to_contain_text("import confirmed")

    # The customs officer's view: the credential is now marked as already imported.
    page.get_by_role("link", name="Verify").click()
    credential = None
    with page.expect_response(lambda r: "/api/v1/certificates/" in r.url) as response_info:
        page.evaluate(f"fetch('/api/v1/certificates/{number}')")
    credential = response_info.value.json()["credential"]
    page.get_by_label("…or paste the credential or the QR code's text").fill(credential)
    page.get_by_role("button", name="Verify").first.click()
    expect(page.locator("#verify-result")).to_contain_text("already imported")
    europe.close()
