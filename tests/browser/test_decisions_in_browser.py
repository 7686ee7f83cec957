"""The register of administrative decisions in a real browser: a reader searches it (the table
follows the search box through HTMX), opens a decision, follows it to the participant it
concerns and back from that participant's page; the plenary calendar shows its meetings."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_a_reader_searches_the_register_and_follows_its_links(live_server, page: Page) -> None:  # type: ignore[no-untyped-def]
    base, _settings = live_server
    missing: list[str] = []
    page.on(
        "response", lambda r: missing.append(r.url) if r.status == 404 and "favicon" not in r.url else None
    )
    page.goto(f"{base}/working-bodies")
    page.get_by_role("link", name="Administrative decisions").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Administrative decisions")
    everything = page.locator("#decisions tbody tr").count()
    assert everything > 30

    page.get_by_label("Search").fill("central african")
    expect(page.locator("#decisions tbody tr")).to_have_count(3)
    expect(page).to_have_url(re.compile(r"/decisions\?q=central(\+|%20)african"))  # the search is in the URL
    page.get_by_label("Status").select_option("terminated")
    expect(page.locator("#decisions tbody tr")).to_have_count(3)
    page.get_by_label("Search").fill("marange")
    expect(page.locator("#decisions-count")).to_have_text("0 decisions")
    page.get_by_label("Status").select_option("")
    expect(page.locator("#decisions tbody tr")).to_have_count(1)

    page.get_by_role("link", name="Decision on Marange (Zimbabwe)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision on Marange (Zimbabwe)")
    expect(page.locator("#decision-status")).to_have_text("in force")
    expect(page.locator("#sources")).to_contain_text("comm-2011 ¶19")
    page.locator("#concerns").get_by_role("link", name="Zimbabwe").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Zimbabwe")
    expect(page.locator("#decisions")).to_contain_text("Decision on Marange (Zimbabwe)")

    page.goto(f"{base}/plenaries")
    expect(page.locator("#meeting-2011-kinshasa-plenary")).to_contain_text("Mathieu Yamba")
    expect(page.locator("#meeting-2021-moscow-plenary")).to_contain_text("8-12 November 2021")
    assert missing == []  # every link and asset of these pages exists
