"""Filter forms laid out in a grid (the registry, the decisions) give each field room at
1280 px: they were once squeezed into one shrinking flex item, their labels a letter wide."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page


@pytest.mark.parametrize("path", ["/participants", "/decisions"])
def test_each_filter_field_has_room(live_server, page: Page, path: str) -> None:  # type: ignore[no-untyped-def]
    base, _ = live_server
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}{path}")
    fields = page.locator("form.filters label")
    assert fields.count() >= 4
    widths = [fields.nth(i).bounding_box()["width"] for i in range(fields.count())]  # type: ignore[index]
    assert min(widths) > 150, widths
