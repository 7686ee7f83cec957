"""An admin reads the audit log in a real browser at 1280 × 900: the bar fits one line, the
page never scrolls sideways (a long before/after wraps in its column), filters apply as
they are typed, pages go back and forth, and the CSV holds what the filters chose."""

from __future__ import annotations

import csv
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from kpcs.accounts.models import Role
from kpcs.audit import tags
from kpcs.audit.models import AuditEvent
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.participants import services as participants
from kpcs.participants.registry import ParticipantStatus
from kpcs.participants.schemas import StatusChangeCreate
from tests.browser.layout import assert_fits_width
from tests.browser.test_registry_in_browser import _sign_in, _user
from tests.conftest import OPERATOR
from tests.factories.audit import Event, add_events

CLERK_TAGS = ("certificate:issued", "certificate:import-confirmed", "account:token:created")
ZONES = ["Berbérati", "Carnot", "Nola", "Boda", "Gadzi", "Bouar", "Sosso-Nakombo", "Abba", "Amada-Gaza"]
REASON = (
    "Administrative Decision on the Central African Republic: exports resume only from the "
    "compliant zones listed, each shipment reviewed by the Monitoring Team before a certificate "
    "is issued, as agreed at the plenary"
)


def _seed(settings: Settings, clock: FixedClock) -> None:
    """Sixty certificate and token events by a clerk, a key with a long unbroken value, and a
    real status change of the Central African Republic with a long reason and many zones."""
    engine = make_engine(settings.sqlalchemy_url)
    try:
        factory = make_session_factory(engine)
        start = datetime(2025, 1, 1, tzinfo=UTC)
        add_events(
            factory,
            [
                Event(
                    start + timedelta(hours=i),
                    "user:clerk",
                    CLERK_TAGS[i % 3],
                    "certificate",
                    f"BW-2025-{i:06d}",
                    participant="BW",
                )
                for i in range(60)
            ]
            + [
                Event(
                    start + timedelta(days=30),
                    "cli:keeper",
                    "signing-key:imported",
                    "signing_key",
                    "IlyusuUX5tW7Ih2Vusa4NrQm-GG5hTKEmnD3MGe5n5c",
                    after={"public_key": "MCowBQYDK2VwAyEA" * 20, "owner": "BW"},
                )
            ],
        )
        participants.change_status(
            UnitOfWork(factory),
            OPERATOR,
            clock,
            "CF",
            StatusChangeCreate(
                status=ParticipantStatus.RESTRICTED, reason=REASON, effective_on=clock.today(), zones=ZONES
            ),
        )
        # The server records an event of its own when it first signs the transparency log's
        # head, a second after it starts; wait for it, so that the totals stay put.
        deadline = time.monotonic() + 15
        with factory() as session:
            while not session.scalar(sa.select(AuditEvent.id).where(AuditEvent.tag == tags.KEY_CREATED)):
                assert time.monotonic() < deadline, "the server signed no tree head"
                time.sleep(0.1)
                session.rollback()
    finally:
        engine.dispose()


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


def _assert_table_within_its_column(page: Page) -> None:
    """The events table ends where the page's column does, and nothing in it sticks out."""
    edges = page.evaluate(
        """() => {
             const column = document.querySelector('#audit-table');
             const table = document.querySelector('#audit-events');
             const right = column.getBoundingClientRect().right;
             return {
               table: table.getBoundingClientRect().right,
               column: right,
               scrolled: table.parentElement.scrollWidth - table.parentElement.clientWidth,
               past: [...column.querySelectorAll('*')]
                 .filter(el => el.getBoundingClientRect().right > right + 1)
                 .map(el => el.tagName + ' ' + el.textContent.slice(0, 40)),
             };
           }"""
    )
    assert edges["table"] <= edges["column"] + 1 and edges["scrolled"] <= 1 and not edges["past"], edges


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


def test_the_audit_log_reads_at_1280(live_server, page: Page, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    _seed(settings, clock)
    _sign_in(page, base, "chief", _user(settings, clock, "chief", Role.ADMIN))
    page.goto(f"{base}/audit")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    # One line per time; the table, long before/after values and all, within the page.
    lines_per_time = page.evaluate(  # an inline element has one box per line it takes
        "[...document.querySelectorAll('#audit-events tbody td:first-child > *')]"
        ".map(time => time.getClientRects().length)"
    )
    assert lines_per_time and set(lines_per_time) == {1}, lines_per_time
    _assert_table_within_its_column(page)
    assert_fits_width(page)

    # What changed, key by key; the whole record on demand, wrapped within the column too.
    status_change = page.locator("#audit-events tbody tr", has_text="participant:status:changed")
    expect(status_change).to_contain_text("status active → restricted")
    expect(status_change.locator("ins", has_text="Sosso-Nakombo")).to_be_visible()
    expect(status_change.locator("time")).to_have_attribute("datetime", "2025-03-03T09:30:00+00:00")
    status_change.get_by_text("Full record").click()
    expect(status_change.locator("pre").last).to_contain_text('"Amada-Gaza"')
    key = page.locator("#audit-events tbody tr", has_text="signing-key:imported")
    expect(key.locator("ins").first).to_contain_text("…")  # a long value is cut short
    key.get_by_text("Full record").click()
    expect(key.locator("pre")).to_contain_text("MCowBQYDK2VwAyEA" * 20)
    _assert_table_within_its_column(page)
    assert_fits_width(page)


def test_filters_pages_and_csv_in_the_browser(
    live_server, page: Page, clock: FixedClock, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    _seed(settings, clock)
    _sign_in(page, base, "chief", _user(settings, clock, "chief", Role.ADMIN))
    page.goto(f"{base}/audit")

    # Paging, newest first.
    count = page.locator("#audit-count")
    expect(count).to_contain_text(re.compile(r"Events 1–50 of \d+"))
    total = int(re.search(r"of (\d+)", count.inner_text()).group(1))  # type: ignore[union-attr]
    assert 62 < total < 100  # what _seed wrote, the sign-in, and what the app itself recorded
    page.get_by_role("link", name="Older events").click()
    expect(count).to_contain_text(f"Events 51–{total} of {total}")
    assert "before_id=" in page.url
    expect(page.get_by_role("link", name="Older events")).to_have_count(0)
    page.get_by_role("link", name="Newer events").click()
    expect(count).to_contain_text(f"Events 1–50 of {total}")

    # Filtering as one types; the filters go into the address, and pages keep them.
    page.get_by_label("Who").fill("user:clerk")
    expect(count).to_contain_text("Events 1–50 of 60")
    assert "actor=user%3Aclerk" in page.url
    page.get_by_role("link", name="Older events").click()
    expect(count).to_contain_text("Events 51–60 of 60")
    expect(page.locator("#audit-events")).not_to_contain_text("participant:status:changed")
    page.get_by_label("What").fill("certificate:")
    expect(count).to_contain_text("Events 1–40 of 40")
    page.get_by_label("From (UTC)").fill("2025-01-02")
    page.get_by_label("To (UTC)").fill("2025-01-01")
    expect(page.get_by_role("alert")).to_contain_text("until: 2025-01-01 is before since (2025-01-02)")
    page.get_by_label("To (UTC)").fill("2025-01-02")
    # 24 hourly events on 2 January, two in three of them about certificates.
    expect(count).to_contain_text("Events 1–16 of 16")
    assert_fits_width(page)
    assert re.search(r"since=2025-01-02.*until=2025-01-02", page.url)

    # The CSV carries the same filters and holds every matching event.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / "audit.csv"
    download.value.save_as(saved)
    with saved.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 16
    assert {r["actor"] for r in rows} == {"user:clerk"}
    assert all(r["tag"].startswith("certificate:") for r in rows)
    assert {date.fromisoformat(r["occurred_at"][:10]) for r in rows} == {date(2025, 1, 2)}

    # A bookmarked filter opens as it was left, and so does Back from another page.
    assert page.url == f"{base}/audit?actor=user%3Aclerk&tag=certificate%3A&since=2025-01-02&until=2025-01-02"
    page.goto(page.url)
    expect(page.get_by_label("Who")).to_have_value("user:clerk")
    expect(count).to_contain_text("Events 1–16 of 16")
    # Every field filled: the address HTMX fetched the table from is the one in the bar.
    page.get_by_label("Object type").fill("certificate")
    page.get_by_label("Object id").fill("BW-2025-000030")
    expect(count).to_contain_text("Events 1–1 of 1")
    page.locator("header").get_by_role("link", name="Participants").click()
    expect(page.get_by_role("heading", name="Participants and observers")).to_be_visible()
    page.go_back()
    expect(page.get_by_label("Object id")).to_have_value("BW-2025-000030")
    expect(count).to_contain_text("Events 1–1 of 1")
    _assert_bar_on_one_line(page)
