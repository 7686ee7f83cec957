"""The restricted regime in a real browser: the admin restricts Zimbabwe to Murowa; its clerk
submits an export dossier; the Monitoring Team (for the Diamond Expert Team) and the
statistics working group assess it; the Monitoring Team approves it within the week; the
clerk issues the certificate naming it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.test_registry_in_browser import _sign_in, _user


def test_dossier_assessments_decision_certificate(live_server, browser: Browser, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server

    admin = browser.new_context()
    page = admin.new_page()
    _sign_in(page, base, "chair", _user(settings, clock, "chair", Role.ADMIN))
    page.goto(f"{base}/participants/ZW")
    page.get_by_role("button", name="Record a status change").click()
    page.get_by_label("New status").select_option("restricted")
    page.get_by_label("Reason (the decision, with its reference)").fill("Operational framework")
    page.get_by_label("Compliant zones (restricted only, one per line)").fill("Marange\nMurowa")
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator("main")).to_contain_text("Exports allowed only from: Marange, Murowa")
    admin.close()

    zimbabwe = browser.new_context()
    clerk = zimbabwe.new_page()
    _sign_in(clerk, base, "harare", _user(settings, clock, "harare", Role.AUTHORITY, "ZW"))
    clerk.get_by_role("link", name="Certificates").click()
    clerk.get_by_role("link", name="Export dossiers").click()
    clerk.get_by_label("Zone").fill("Murowa")
    clerk.locator("input[name=carats]").fill("1200.50")
    clerk.get_by_label("Value (US$)").fill("96040")
    clerk.get_by_label("HS code").fill("7102.31")
    clerk.get_by_label("Origin").fill("ZW")
    clerk.get_by_label("Parcels, one per line").fill("Parcel A\nParcel B")
    clerk.get_by_role("button", name="Submit").click()
    expect(clerk.get_by_role("heading", level=1)).to_contain_text("Export dossier")
    dossier = clerk.url.rsplit("/", 1)[1]
    expect(clerk.locator("#dossier-status")).to_have_text("submitted")
    expect(clerk.locator("main")).to_contain_text("7 days left")

    monitoring = browser.new_context()
    team = monitoring.new_page()
    _sign_in(team, base, "wgm", _user(settings, clock, "wgm", Role.MONITORING))
    team.goto(f"{base}/")
    team.locator("#task-dossiers").get_by_role("button", name="Decide export dossiers").click()
    expect(team.locator(f'tr[data-dossier="{dossier}"]')).to_contain_text("7 days left")
    team.get_by_role("link", name=dossier, exact=True).click()
    team.locator("#expert").get_by_label("Notes").fill("Morphology matches Murowa")
    team.get_by_role("button", name="Record the expert assessment").click()
    expect(team.locator("#expert")).to_contain_text("consistent")

    statistics = browser.new_context()
    wgs = statistics.new_page()
    _sign_in(wgs, base, "wgs", _user(settings, clock, "wgs", Role.STATISTICS))
    wgs.goto(f"{base}/export-dossiers/{dossier}")
    wgs.locator("#statistics").get_by_label("Conclusion").fill("In line with past exports")
    wgs.get_by_role("button", name="Record the statistics assessment").click()
    expect(wgs.locator("#statistics")).to_contain_text("statistical assessment")
    statistics.close()

    team.reload()
    team.locator("#decision").get_by_label("Decision").select_option("approved")
    team.locator("#decision").get_by_label("Reason").fill("Both assessments consistent")
    team.get_by_role("button", name="Decide").click()
    expect(team.locator("#dossier-status")).to_have_text("approved")
    monitoring.close()

    clerk.get_by_role("link", name="Certificates").click()
    clerk.get_by_role("button", name="Issue a certificate").click()
    expect(clerk.locator("#cannot-export")).to_contain_text("Exports need an approved export dossier")
    clerk.get_by_label("Importing country").select_option("BE")
    clerk.locator("input[name=exporter_name]").fill("Murowa Diamonds")
    clerk.locator("textarea[name=exporter_address]").fill("Zvishavane")
    clerk.locator("input[name=importer_name]").fill("Antwerp Rough NV")
    clerk.locator("textarea[name=importer_address]").fill("Antwerpen")
    clerk.locator("input[name=origin]").fill("ZW")
    clerk.locator("input[name=carats]").fill("1200.50")
    clerk.locator("input[name=value_usd]").fill("96040")
    clerk.locator("input[name=parcel_count]").fill("2")
    clerk.locator("input[name=export_dossier]").fill(dossier)
    expect(clerk.locator("#issue-problems")).to_contain_text("Everything checks out")
    clerk.get_by_role("button", name="Issue and sign").click()
    expect(clerk.get_by_role("heading", level=1)).to_contain_text(re.compile(r"ZW-\d{4}-\d{6}"))
    clerk.goto(f"{base}/export-dossiers/{dossier}")
    expect(clerk.locator("#dossier-certificate")).to_contain_text(re.compile(r"ZW-\d{4}-\d{6}"))
    zimbabwe.close()
