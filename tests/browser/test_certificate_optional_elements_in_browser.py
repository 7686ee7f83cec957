"""The optional elements of Annex I in a real browser: Botswana's clerk states the container,
its seals and the transit on the issue form (checked as she types), the EU's clerk reports
a broken seal on the return slip, and Botswana sees it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.test_registry_in_browser import _sign_in, _user


def test_container_seals_and_transit_from_the_form_to_the_return_slip(  # type: ignore[no-untyped-def]
    live_server, browser: Browser, clock: FixedClock
) -> None:
    base, settings = live_server
    botswana = browser.new_context()
    page = botswana.new_page()
    _sign_in(page, base, "gaborone", _user(settings, clock, "gaborone", Role.AUTHORITY, "BW"))
    page.goto(f"{base}/certificates/new")
    page.get_by_label("Importing country").select_option("BE")
    page.locator("input[name=exporter_name]").fill("Okavango Diamond Company")
    page.locator("textarea[name=exporter_address]").fill("Plot 63016, Gaborone")
    page.locator("input[name=importer_name]").fill("Antwerp Rough NV")
    page.locator("textarea[name=importer_address]").fill("Hoveniersstraat 2, Antwerpen")
    page.locator("input[name=origin]").fill("BW")
    page.locator("input[name=carats]").fill("1520.35")
    page.locator("input[name=value_usd]").fill("310250")
    expect(page.locator("#issue-problems")).to_contain_text("Everything checks out")

    optional = page.locator("#optional-elements")
    expect(optional.get_by_label("Container", exact=True)).to_be_hidden()
    optional.locator("summary").click()
    optional.get_by_label("Container", exact=True).fill("steel case")
    optional.locator("textarea[name=seal_numbers]").fill("BW-S-1\nBW-S-2")
    optional.get_by_label("Shipped in transparent security bags").check()
    # The exporter's own participant is no transit: said while typing.
    optional.locator("input[name=transit]").fill("BW")
    expect(page.locator("#issue-problems")).to_contain_text("not a participant the shipment passes through")
    optional.locator("input[name=transit]").fill("AE")
    expect(page.locator("#issue-problems")).to_contain_text("Everything checks out")
    page.locator("input[name=departed_origin_on]").fill("2025-02-01")
    page.get_by_role("button", name="Issue and sign").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(re.compile(r"BW-\d{4}-\d{6}"))
    number = re.search(r"BW-\d{4}-\d{6}", heading.inner_text()).group(0)  # type: ignore[union-attr]
    expect(page.locator("#seal-numbers")).to_have_text("BW-S-1, BW-S-2")
    expect(page.locator("#transit")).to_have_text("AE")
    expect(page.locator("#lines")).to_contain_text("left")

    europe = browser.new_context()
    eu_page = europe.new_page()
    _sign_in(eu_page, base, "antwerp", _user(settings, clock, "antwerp", Role.AUTHORITY, "EU"))
    eu_page.goto(f"{base}/certificates/{number}")
    expect(eu_page.locator("#slip-hs input[value='7102.31']")).to_be_checked()
    eu_page.get_by_label("Seal BW-S-2").select_option("broken")
    eu_page.get_by_role("button", name="Confirm receipt").click()
    expect(eu_page.locator("#certificate-status")).to_have_text("confirmed with discrepancies")
    expect(eu_page.locator("#slip-seals")).to_contain_text("BW-S-2 (broken)")
    europe.close()

    page.reload()
    expect(page.locator("#discrepancies")).to_contain_text("certificate BW-S-2, received broken")
    expect(page.locator("#slip-hs-codes")).to_have_text("HS codes received: 7102.31")
    botswana.close()
