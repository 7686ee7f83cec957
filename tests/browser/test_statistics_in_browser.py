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
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annual Global Summary, 2023")
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
    assert plotted[0] == [2018, 2019, 2020, 2021, 2022, 2023]
    assert plotted[1][4] == 24_510_000
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
