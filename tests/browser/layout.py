"""Layout checks a clerk's screen depends on: nothing wider than the window."""

from __future__ import annotations

from playwright.sync_api import Page

# Elements whose right edge passes the viewport, ignoring those inside a deliberately
# scrolling box (overflow-x auto/scroll) and hidden ones.
_OVERFLOWING = """
() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let scrolled = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (['auto', 'scroll', 'hidden'].includes(style.overflowX)) { scrolled = true; break; }
    }
    if (!scrolled && box.right > width + 1) {
      const cls = typeof el.className === 'string' && el.className
        ? '.' + el.className.split(' ').join('.') : '';
      const id = el.id ? '#' + el.id : '';
      found.push(el.tagName.toLowerCase() + id + cls + ' right=' + Math.round(box.right));
    }
  }
  const boxes = [];
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
      boxes.push(name + ' ' + el.scrollWidth + '>' + el.clientWidth);
    }
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, found: found.slice(0, 10), boxes};
}
"""


def assert_fits_width(page: Page) -> None:
    """Fail, naming the culprits, if the page scrolls sideways at the window's width, or if
    a box on it (a table in its scrolling frame) must be scrolled sideways to be read."""
    result = page.evaluate(_OVERFLOWING)
    wide, width = result["scrollWidth"], result["width"]
    assert wide <= width and not result["found"], (
        f"the page is wider than the window ({wide} > {width} px): {result['found']}"
    )
    assert not result["boxes"], f"content must be scrolled sideways to be read: {result['boxes']}"


def assert_no_scrolling_box_needed(page: Page, selector: str) -> None:
    """Fail if the element ``selector`` must be scrolled sideways to read it all."""
    result = page.evaluate(
        "(sel) => { const el = document.querySelector(sel);"
        " return el ? {scroll: el.scrollWidth, client: el.clientWidth} : null; }",
        selector,
    )
    assert result is not None, f"no element {selector!r} on the page"
    assert result["scroll"] <= result["client"] + 1, (
        f"{selector} needs sideways scrolling: {result['scroll']} px of content in {result['client']} px"
    )
