"""The experts' workbench in a real browser (issue 20, item 5): a Monitoring Team member, for
the Diamond Expert Team, opens the workbench from the Monitoring menu, finds the re-used photo
among the open warnings, closes it with a finding through the row's form, sees it closed, and
finds the finding — with who and when — on the certificate's timeline."""

from __future__ import annotations

import io

from playwright.sync_api import Page, expect

from kpcs.accounts.models import Role
from kpcs.certificates import services as certificates
from kpcs.certificates.schemas import CertificateCreate
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.photos import services as photos
from kpcs.photos.store import PhotoStore
from kpcs.signing.keys import KeyFiles, KeyRing
from tests.browser.layout import assert_fits_width
from tests.browser.test_registry_in_browser import _sign_in, _user
from tests.conftest import OPERATOR, certificate_body
from tests.factories import photo_tuning


def _reused_photo(settings: Settings, clock: FixedClock) -> tuple[str, str, int]:
    """Two certificates, the second with a copy of the first's photo: (first, second, match)."""
    original = next(photo_tuning.originals(31, 1))
    files = []
    for image, quality in ((original, 90), (photo_tuning.variants(original, 4)["crop"], 55)):
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=quality)
        files.append(out.getvalue())
    engine = make_engine(settings.sqlalchemy_url)
    try:
        factory = make_session_factory(engine)
        keyring = KeyRing(factory, KeyFiles(settings.data_dir / "keys"), clock)
        body = CertificateCreate.model_validate(certificate_body())
        first, second = (
            certificates.issue_certificate(UnitOfWork(factory), OPERATOR, clock, keyring, body).number
            for _ in range(2)
        )
        store = PhotoStore(settings.data_dir / "photos")
        photos.add_to_certificate(UnitOfWork(factory), OPERATOR, clock, store, first, files[0])
        added = photos.add_to_certificate(UnitOfWork(factory), OPERATOR, clock, store, second, files[1])
        return first, second, int(added["similar"][0]["match"])
    finally:
        engine.dispose()


def test_an_expert_closes_a_reused_photo_and_the_timeline_keeps_it(  # type: ignore[no-untyped-def]
    live_server, page: Page, clock: FixedClock
) -> None:
    base, settings = live_server
    first, second, match = _reused_photo(settings, clock)
    _sign_in(page, base, "expert", _user(settings, clock, "expert", Role.MONITORING))

    page.goto(f"{base}/")
    page.locator("header summary", has_text="Monitoring").click()
    page.locator("header").get_by_role("link", name="Experts' workbench").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Experts' workbench")
    row = page.locator(f"#warning-photo-match-{match}")
    expect(row).to_have_attribute("data-state", "open")
    expect(row).to_contain_text(f"certificate {second}")
    expect(row).to_contain_text(f"certificate {first}")
    assert_fits_width(page)

    row.get_by_role("button", name="Close with a finding").click()
    row.get_by_label("Confirmed — the photo was re-used").check()
    row.get_by_label("What the experts found").fill("The same tray and stones as the first shipment, cropped")
    row.get_by_role("button", name="Record the finding and close the warning").click()

    row = page.locator(f"#warning-photo-match-{match}")
    expect(row).to_have_attribute("data-state", "closed")
    expect(row.locator(".finding")).to_contain_text("Closed — confirmed: re-used photo")
    expect(row.get_by_role("button", name="Close with a finding")).to_have_count(0)

    row.get_by_role("link", name=f"Certificate {second}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(second)
    entry = page.locator("#timeline li", has_text="expert finding recorded")
    expect(entry).to_contain_text("by user:expert")
    expect(entry).to_contain_text("confirmed: re-used photo: The same tray and stones")
    expect(page.locator("#warnings .finding")).to_contain_text("confirmed: re-used photo")
