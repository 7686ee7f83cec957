"""The statistics in a real browser: the Annual Global Summary, a participant's interactive
charts (Chart.js served by kpcs itself), and a clerk's upload refused row by row, then taken."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.test_registry_in_browser import _sign_in, _user


def test_summary_and_participant_chart(live_server, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = live_server
    context = browser.new_context()
    blocked: list[str] = []
    # Nothing may come from outside kpcs: no CDN, no fonts, no analytics.
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(base)
            else (blocked.append(route.request.url), route.abort())
        ),
    )
    page = context.new_page()
    page.goto(f"{base}/")
    page.get_by_role("link", name="Statistics").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annual Global Summary, 2024")
    page.get_by_label("Year").select_option("2022")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annual Global Summary, 2022")
    expect(page.locator("#summary tr[data-participant=RU]")).to_contain_text("41,924,000")
    page.locator("#summary tr[data-participant=BW]").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Botswana")
    volume = page.locator("#chart-volume")
    expect(volume).to_have_attribute("data-ready", "true")
    plotted = page.evaluate(
        "() => { const c = Chart.getChart('chart-volume'); return [c.data.labels, c.data.datasets[0].data]; }"
    )
    assert plotted[0] == [2006, 2007, 2009, 2010, 2011, 2013, 2014, *range(2016, 2025)]
    assert plotted[1][plotted[0].index(2022)] == 24_510_000
    box = volume.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100
    # Interactive: hovering a year shows its tooltip.
    volume.scroll_into_view_if_needed()
    box = volume.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => Chart.getChart('chart-volume').tooltip.getActiveElements().length > 0")
    assert blocked == []
    context.close()


def test_world_page_gives_the_published_totals(live_server, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    base, _ = live_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/statistics")
    page.get_by_role("link", name="World trend").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("World rough-diamond production")
    # 2022 and 2023 as the KP published them: 121.47 Mct / $16.285 bn and 111.52 Mct / $12.72 bn.
    row_2022 = page.locator("#trend tr[data-year='2022']")
    expect(row_2022.locator("td[data-measure=production_carats]")).to_have_text("121,470,000")
    expect(row_2022.locator("td[data-measure=production_value_usd]")).to_have_text("16,285,000,000")
    expect(row_2022.locator("td.producers")).to_have_text("11 named + others")
    row_2023 = page.locator("#trend tr[data-year='2023']")
    expect(row_2023.locator("td[data-measure=production_carats]")).to_have_text("111,523,000")
    expect(row_2023.locator("td[data-measure=production_value_usd]")).to_have_text("12,724,000,000")
    expect(page.locator("#sources-2022 li[data-measure=production_carats]")).to_contain_text("(121.47 Mct)")
    expect(page.locator("#sources-2022 li[data-measure=production_value_usd]")).to_contain_text(
        "($16.285 bn)"
    )
    expect(page.locator("#sources-2023 li[data-measure=production_carats]")).to_contain_text("(111.52 Mct)")
    # Where sources disagree: the figure used, and the other one with its source.
    expect(page.locator("#sources-2022 li[data-measure=production_carats]")).to_contain_text(
        "other figure: 119,960,000 from RIA Novosti"
    )
    # A year with only some producers says so, and shows the published world total, marked.
    row_2006 = page.locator("#trend tr[data-year='2006']")
    expect(row_2006.locator("td.producers")).to_have_text("partial: 6 of ~22 producers listed")
    expect(row_2006.locator("td[data-measure=production_carats]")).to_have_text("175,538,127 (w)")
    # The chart goes back to 2006 and plots the published totals.
    expect(page.locator("#chart-volume")).to_have_attribute("data-ready", "true")
    labels, production = page.evaluate(
        "() => { const c = Chart.getChart('chart-volume'); return [c.data.labels, c.data.datasets[0].data]; }"
    )
    assert labels[0] == 2006 and labels[-1] == 2024 and len(labels) == 19
    assert production[labels.index(2022)] == 121_470_000 and production[labels.index(2023)] == 111_523_000
    context.close()


def test_clerk_upload_refused_then_taken(
    live_server, browser: Browser, clock: FixedClock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, base, "gaborone-stats", _user(settings, clock, "gaborone-stats", Role.AUTHORITY, "BW"))
    page.goto(f"{base}/statistics")
    page.get_by_role("link", name="Submit statistics").click()
    header = "participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        header + "BW,2024-Q1,export,EU,7102.31,100,1000,2\nBW,2024-Q1,exprt,EU,7102.31,-5,1000,2\n"
    )
    page.locator("input[type=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Submit").click()
    refused = page.locator("#refused")
    expect(refused).to_contain_text("nothing was stored")
    expect(refused.locator("tbody tr")).to_have_count(2)
    expect(refused).to_contain_text("'exprt' must be export or import")
    good = tmp_path / "good.csv"
    good.write_text(header + "BW,2024-Q1,export,EU,7102.31,100,1000,2\n")
    page.locator("input[type=file]").set_input_files(str(good))
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#submitted")).to_contain_text("1 trade row(s) stored")
    expect(page.locator("#submitted")).to_contain_text("BW 2024-Q1: revision 1")
    context.close()
