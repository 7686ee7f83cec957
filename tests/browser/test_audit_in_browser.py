"""An admin in a real browser at 1280 × 900: the top bar fits one line and the page never
scrolls sideways."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.layout import assert_fits_width
from tests.browser.test_registry_in_browser import _sign_in, _user


def _assert_bar_on_one_line(page: Page) -> None:
    """Each list of the top bar is as high as its tallest item: no item went to a second line."""
    boxes = page.evaluate(
        """() => {
             const height = (el) => el.getBoundingClientRect().height;
             return {
               item: Math.max(...[...document.querySelectorAll('header nav > ul > li')].map(height)),
               lists: [...document.querySelectorAll('header nav > ul')].map(height),
             };
           }"""
    )
    assert max(boxes["lists"]) <= boxes["item"] + 1, f"the menu wraps: {boxes}"
    nav = page.locator("header nav").bounding_box()
    assert nav is not None and nav["height"] < 80, f"the menu is {nav} high"


def test_the_admin_bar_fits_one_line(live_server, page: Page, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    # A long username too: it is cut short in the bar rather than push it onto two lines.
    admin = "kp-secretariat-admin"
    _sign_in(page, base, admin, _user(settings, clock, admin, Role.ADMIN))
    page.goto(f"{base}/")
    _assert_bar_on_one_line(page)
    assert_fits_width(page)
    # The admin's pages are behind one menu, which a keyboard opens (no JavaScript needed).
    expect(page.locator("header").get_by_role("link", name="Audit log")).to_be_hidden()
    page.locator("header summary", has_text="Admin").focus()
    page.keyboard.press("Enter")
    expect(page.locator("header").get_by_role("link", name="Exchange")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}/audit")
    _assert_bar_on_one_line(page)
