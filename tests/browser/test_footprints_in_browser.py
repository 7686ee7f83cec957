"""Footprints in a real browser: the admin restricts Zimbabwe to Murowa; the Monitoring Team
(for the Diamond Expert Team) enters Murowa's footprint in percent; Zimbabwe's clerk submits a
dossier whose declared assortment (smalls and browns) is unlike Murowa's; the dossier page
shows the clerk the plain verdict, and the team the distance and what differs most."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.test_registry_in_browser import _sign_in, _user


def test_a_dossier_page_shows_its_footprint_verdict(live_server, browser: Browser, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server

    admin = browser.new_context()
    page = admin.new_page()
    _sign_in(page, base, "chair", _user(settings, clock, "chair", Role.ADMIN))
    page.goto(f"{base}/participants/ZW")
    page.get_by_role("button", name="Record a status change").click()
    page.get_by_label("New status").select_option("restricted")
    page.get_by_label("Reason (the decision, with its reference)").fill("Operational framework")
    page.get_by_label("Compliant zones (restricted only, one per line)").fill("Murowa")
    page.get_by_role("button", name="Record the change").click()
    expect(page.locator("main")).to_contain_text("Exports allowed only from: Murowa")
    admin.close()

    monitoring = browser.new_context()
    team = monitoring.new_page()
    _sign_in(team, base, "wgm", _user(settings, clock, "wgm", Role.MONITORING))
    team.goto(f"{base}/")
    team.locator("nav summary", has_text="Monitoring").click()
    team.get_by_role("link", name="Footprints").click()
    expect(team.get_by_role("heading", level=1)).to_have_text("Footprints of production zones")
    expect(team.locator("#footprints")).to_contain_text("No footprint recorded yet.")
    form = team.locator("#enter")
    form.get_by_label("Participant").fill("ZW")
    form.get_by_label("Zone").fill("Murowa")
    form.get_by_label("US$ per carat").fill("80")
    form.get_by_label("Stones it rests on").fill("5000")
    for name, percent in {
        "sizes.+11": "50",
        "sizes.2-4gr": "30",
        "sizes.1-2ct": "20",
        "colours.white": "60",
        "colours.yellow": "30",
        "colours.brown": "10",
        "qualities.gem": "50",
        "qualities.near-gem": "30",
        "qualities.industrial": "20",
    }.items():
        form.locator(f'input[name="{name}"]').fill(percent)
    form.get_by_role("button", name="Record the footprint").click()
    expect(team.locator("#footprints tbody tr")).to_have_count(1)
    expect(team.locator("#footprints")).to_contain_text("entered by the experts")
    expect(team.locator("#footprints")).to_contain_text("+11 50 %")

    zimbabwe = browser.new_context()
    clerk = zimbabwe.new_page()
    _sign_in(clerk, base, "harare", _user(settings, clock, "harare", Role.AUTHORITY, "ZW"))
    clerk.goto(f"{base}/export-dossiers")
    clerk.get_by_label("Zone").fill("Murowa")
    clerk.locator("input[name=carats]").fill("1200.50")
    clerk.get_by_label("Value (US$)").fill("96040")
    clerk.locator("#hs-guidance summary").click()
    expect(clerk.locator("#hs-guidance")).to_contain_text("synthetic (laboratory-grown) diamonds")
    clerk.locator("#assortment-form summary").click()
    for name, value in {
        "stones.-7": "20000",
        "sieve_carats.-7": "1000.50",
        "stones.+7-11": "2000",
        "sieve_carats.+7-11": "200",
        "colours.brown": "70",
        "colours.grey": "30",
        "qualities.industrial": "100",
    }.items():
        clerk.locator(f'input[name="{name}"]').fill(value)
    clerk.get_by_role("button", name="Submit").click()
    expect(clerk.get_by_role("heading", level=1)).to_contain_text("Export dossier")
    dossier = clerk.url.rsplit("/", 1)[1]
    expect(clerk.locator("#footprint-verdict")).to_have_text("unusual for this zone")
    # The clerk sees the verdict, not the zone's reference: no distance, nothing that differs.
    expect(clerk.locator("#footprint-distance")).to_have_count(0)
    expect(clerk.locator("#footprint-differs")).to_have_count(0)
    clerk.locator("#assortment summary").click()
    expect(clerk.locator("#assortment")).to_contain_text("brown 70 %")
    zimbabwe.close()

    team.goto(f"{base}/export-dossiers/{dossier}")
    expect(team.locator("#footprint-verdict")).to_have_text("unusual for this zone")
    expect(team.locator("#footprint-distance")).to_contain_text("consistent up to 0.2")
    expect(team.locator("#footprint-differs")).to_contain_text(
        "sieve class -7: 83% of the carats here, 0% in the zone's footprint"
    )
    monitoring.close()
