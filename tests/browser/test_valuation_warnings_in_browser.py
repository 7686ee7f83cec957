"""The Diamond Expert Team (the WGM stands for it) reads the valuation warnings in a real
browser: from the Monitoring menu to the list, its filters, and the certificate with the
reference, basis and distance of its warning (issue 20, item 2)."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, expect

from kpcs.accounts.models import Role
from kpcs.certificates import services as certificates
from kpcs.certificates.schemas import CertificateCreate
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.signing.keys import KeyFiles, KeyRing
from tests.browser.test_registry_in_browser import _sign_in, _user
from tests.conftest import OPERATOR, certificate_body


def _line(carats: float, usd_per_carat: float) -> dict[str, object]:
    return {"hs_code": "7102.31", "origin": "BW", "carats": carats, "value_usd": carats * usd_per_carat}


def test_the_experts_find_an_undervalued_certificate(
    live_server, browser: Browser, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    engine = make_engine(settings.sqlalchemy_url)
    try:
        sessions = make_session_factory(engine)
        for day in range(22, -1, -1):  # 22 ordinary days of history, then today's cheap parcel
            on = FixedClock(clock.now() - timedelta(days=day))
            line = _line(1000.0, 150 + (day * 37) % 100) if day else _line(500.0, 17.0)
            body = CertificateCreate.model_validate(certificate_body(lines=[line]))
            keys = KeyRing(sessions, KeyFiles(settings.data_dir / "keys"), on)
            issued = certificates.issue_certificate(UnitOfWork(sessions), OPERATOR, on, keys, body)
    finally:
        engine.dispose()
    assert [w.type for w in issued.warnings] == ["undervaluation"]

    page = browser.new_context().new_page()
    _sign_in(page, base, "expert", _user(settings, clock, "expert", Role.MONITORING))
    page.locator("nav summary", has_text="Monitoring").click()
    page.get_by_role("link", name="Valuation warnings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Valuation warnings")
    rows = page.locator("#valuation-warnings tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(issued.number)
    expect(rows.first).to_contain_text("undervaluation")
    expect(rows.first).to_contain_text("origin (22 cert.)")

    filters = page.locator("#filters")
    filters.get_by_label("Type").select_option("overvaluation")
    filters.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("No valuation warnings with these filters")
    filters.get_by_label("Type").select_option("undervaluation")
    filters.get_by_label("Exporter").fill("bw")
    filters.get_by_role("button", name="Show").click()
    expect(rows.first).to_contain_text(issued.number)

    rows.first.get_by_role("link", name=issued.number).click()
    warning = page.locator("#warnings")
    expect(warning).to_contain_text("possible undervaluation")
    expect(warning.locator(".valuation-figures")).to_contain_text("basis origin")
    expect(warning.locator(".distance")).to_have_text(f"{issued.warnings[0].distance:+.1f}")
