"""A review mission runs its whole course in a real browser: the WGM plans it, forms the
team, sets the dates and sends the draft with a recommendation; Botswana's authority
comments; the WGM records the final report and its adoption; the recommendation is followed
up by the authority, then by the WGM, its history shown."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.test_registry_in_browser import _sign_in, _user


def _as(browser: Browser, base: str, username: str, password: str) -> Page:
    page = browser.new_context().new_page()
    _sign_in(page, base, username, password)
    return page


def test_a_review_mission_runs_its_whole_course(live_server, browser: Browser, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    wgm = _as(browser, base, "wgm", _user(settings, clock, "wgm", Role.MONITORING))
    clerk = _as(browser, base, "gaborone", _user(settings, clock, "gaborone", Role.AUTHORITY, "BW"))

    wgm.goto(f"{base}/")
    wgm.locator("nav summary", has_text="Monitoring").click()
    wgm.get_by_role("link", name="Peer reviews").click()
    expect(wgm.get_by_role("heading", level=1)).to_have_text("Peer reviews")
    plan = wgm.locator("#plan")
    plan.get_by_label("Kind").select_option("mission")
    plan.get_by_label("Participant").fill("BW")
    plan.get_by_label("Terms of reference").fill("Assess the controls at the alluvial mines.")
    plan.get_by_role("button", name="Plan the review").click()
    expect(wgm.get_by_role("heading", level=1)).to_contain_text("Review mission 1: BW")
    expect(wgm.locator("#stage")).to_have_text("planned")

    team = wgm.locator("#members")
    for name, side, where, leader in (
        ("Ana Lead", "participant", "European Union", True),
        ("Ben Trade", "industry", "World Diamond Council", False),
        ("Cleo Watch", "civil society", "Civil Society Coalition", False),
    ):
        team.get_by_label("Name").fill(name)
        team.get_by_label("Constituency").select_option(side)
        team.get_by_label("Affiliation").fill(where)
        if leader:
            team.get_by_label("leader").check()
        team.get_by_role("button", name="Add to the team").click()
        expect(wgm.locator("#team")).to_contain_text(name)
        if name == "Ben Trade":
            expect(wgm.locator("#team-incomplete")).to_contain_text("civil society")
    expect(wgm.locator("#team tbody tr")).to_have_count(3)
    expect(wgm.locator("#team-incomplete")).to_have_count(0)

    visit = wgm.locator("#visit")
    visit.get_by_label("First day").fill("2025-02-10")
    visit.get_by_label("Last day").fill("2025-02-14")
    visit.get_by_role("button", name="Set the dates").click()
    expect(wgm.locator("#visit")).to_contain_text("From 2025-02-10 to 2025-02-14")
    expect(wgm.locator("hgroup")).to_contain_text("waiting for the draft report, due 2025-03-07")

    wgm.locator("#draft").get_by_label("Draft report").fill("The team found the register incomplete.")
    wgm.get_by_role("button", name="Send the draft to the participant").click()
    expect(wgm.locator("#stage")).to_have_text("draft")
    recommendations = wgm.locator("#recommendations")
    recommendations.get_by_label("Recommendation").fill("Register every artisanal digger.")
    recommendations.get_by_label("Owner").fill("Ministry of Mines")
    recommendations.get_by_role("button", name="Add the recommendation").click()
    expect(wgm.locator("#recommendations article")).to_contain_text("Register every artisanal digger.")

    clerk.goto(f"{base}/reviews")
    clerk.locator("#reviews").get_by_role("link", name="1").click()
    clerk.locator("#comments").get_by_label("Comments").fill("The register covers four provinces of five.")
    clerk.get_by_role("button", name="Send the comments").click()
    expect(clerk.locator("#stage")).to_have_text("commented")
    expect(clerk.locator("#participant-comments")).to_contain_text("four provinces of five")

    wgm.reload()
    wgm.locator("#final").get_by_label("Final report").fill("Final: the register must be completed.")
    wgm.get_by_role("button", name="Record the final report").click()
    expect(wgm.locator("#stage")).to_have_text("final")
    wgm.locator("#adopt").get_by_label("Note").fill("Plenary 2025")
    wgm.get_by_role("button", name="Record the adoption").click()
    expect(wgm.locator("#stage")).to_have_text("adopted")

    clerk.reload()
    item = clerk.locator("#recommendations article")
    item.get_by_label("Follow-up").select_option("in progress")
    item.get_by_label("Note").fill("The fifth province is being registered.")
    item.get_by_role("button", name="Update").click()
    expect(clerk.locator("#recommendations article")).to_have_attribute("data-follow-up", "in progress")

    wgm.reload()
    item = wgm.locator("#recommendations article")
    item.get_by_label("Follow-up").select_option("implemented")
    item.get_by_label("Note").fill("Confirmed at the intersessional.")
    item.get_by_role("button", name="Update").click()
    item = wgm.locator("#recommendations article")
    expect(item).to_have_attribute("data-follow-up", "implemented")
    expect(item.locator("li")).to_have_count(3)
    expect(item).to_contain_text("The fifth province is being registered.")
