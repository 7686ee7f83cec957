"""A re-used photo in a real browser: Botswana's clerk adds a parcel photo to one certificate,
then a recompressed, cropped copy of it to another through the certificate page's form; the
page warns of the re-used photo, shows the thumbnail, and the warning's link opens both
pictures side by side. An unrelated photo on a third certificate raises no warning."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from kpcs.accounts.models import Role
from kpcs.certificates import services as certificates
from kpcs.certificates.schemas import CertificateCreate
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.signing.keys import KeyFiles, KeyRing
from tests.browser.test_registry_in_browser import _sign_in, _user
from tests.conftest import OPERATOR, certificate_body
from tests.factories import photo_tuning


def _issue(settings: Settings, clock: FixedClock, count: int) -> list[str]:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        factory = make_session_factory(engine)
        keyring = KeyRing(factory, KeyFiles(settings.data_dir / "keys"), clock)
        body = CertificateCreate.model_validate(certificate_body())
        return [
            certificates.issue_certificate(UnitOfWork(factory), OPERATOR, clock, keyring, body).number
            for _ in range(count)
        ]
    finally:
        engine.dispose()


def _add_photo(page: Page, base: str, number: str, path: Path) -> None:
    page.goto(f"{base}/certificates/{number}")
    page.locator("#photo-form").get_by_label("Photo").set_input_files(str(path))
    page.get_by_role("button", name="Add the photo").click()
    expect(page.locator("#photo-gallery img")).to_have_count(1)


def test_a_reused_photo_is_flagged_on_the_certificate_page(  # type: ignore[no-untyped-def]
    live_server, browser: Browser, clock: FixedClock, tmp_path: Path
) -> None:
    base, settings = live_server
    first, later, third = _issue(settings, clock, 3)
    original = next(photo_tuning.originals(21, 1))
    files = {
        "original": tmp_path / "parcel.jpg",
        "copy": tmp_path / "parcel-again.jpg",
        "other": tmp_path / "other-parcel.png",
    }
    original.save(files["original"], format="JPEG", quality=90)
    photo_tuning.variants(original, 5)["crop"].save(files["copy"], format="JPEG", quality=55)
    next(photo_tuning.unrelated(21, 1)).save(files["other"], format="PNG")

    page = browser.new_context().new_page()
    _sign_in(page, base, "gaborone", _user(settings, clock, "gaborone", Role.AUTHORITY, "BW"))
    _add_photo(page, base, first, files["original"])
    expect(page.locator("#warnings")).to_have_count(0)

    _add_photo(page, base, later, files["copy"])
    warning = page.locator("#warnings")
    expect(warning).to_contain_text("photo-reused")
    expect(warning).to_contain_text(f"certificate {first}")
    expect(page.locator("#photo-gallery .photo-reused")).to_contain_text(f"certificate {first}")
    # the thumbnail is served and drawn
    assert page.locator("#photo-gallery img").evaluate("img => img.complete && img.naturalWidth") > 0
    warning.get_by_role("link", name="Compare the photos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Re-used photo?")
    for side in ("#new-photo img", "#earlier-photo img"):
        expect(page.locator(side)).to_be_visible()
        assert page.locator(side).evaluate("img => img.naturalWidth") > 0
    expect(page.locator("#match-summary")).to_contain_text(f"certificate {first}")
    # the second look's measure and the close look's, beside the hash distance
    expect(page.locator("#match-summary")).to_contain_text("their detail differs by 0.")
    expect(page.locator("#match-summary")).to_contain_text(
        "blocks with something in them differ (the same picture: at most 2)"
    )

    _add_photo(page, base, third, files["other"])
    expect(page.locator("#warnings")).to_have_count(0)
