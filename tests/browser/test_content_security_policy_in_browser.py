"""The pages under the Content-Security-Policy in a real browser: no inline script or style
is refused (it would show as a console error or a securitypolicyviolation event), and the
behaviour moved to static/kpcs.js still works."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page, expect

from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from tests.browser.test_registry_in_browser import _sign_in, _user

PAGES = (
    "/",
    "/verify",
    "/participants",
    "/participants/BW",
    "/working-bodies",
    "/log",
    "/statistics",
    "/statistics/participants/BW",
    "/statistics/anomalies",
    "/statistics/compliance",
    "/statistics/analyses",
    "/certificates",
    "/certificates/unconfirmed",
    "/certificates/new",
    "/audit",
    "/account",
)


def _watch(page: Page) -> list[str]:
    """Console errors and CSP violations of the tab, as they happen."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # A 403 page or the missing favicon is "Failed to load resource": not what we look for.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return problems


def test_main_pages_load_with_no_csp_violation(live_server, page: Page, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    problems = _watch(page)
    page.goto(f"{base}/sign-in")
    _sign_in(page, base, "admin", _user(settings, clock, "admin", Role.ADMIN))
    for path in PAGES:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status < 500, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert problems == []


def test_year_picker_submits_without_inline_handlers(live_server, page: Page, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, _ = live_server
    problems = _watch(page)
    page.goto(f"{base}/statistics")
    page.get_by_label("Year").select_option("2022")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annual Global Summary, 2022")
    assert "year=2022" in page.url
    assert problems == []


def test_the_api_reference_works_offline_under_its_policy(live_server, page: Page) -> None:  # type: ignore[no-untyped-def]
    """/docs draws the API from kpcs's own copy of Swagger UI: a request to any other host
    is refused here, as at a border post without Internet."""
    base, _ = live_server
    problems = _watch(page)
    elsewhere: list[str] = []

    def only_here(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(base):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.goto(f"{base}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("kpcs")
    page.get_by_role("button", name="POST /api/v1/verify", exact=False).first.click()
    expect(page.get_by_text("Try it out")).to_be_visible()
    assert elsewhere == [] and problems == []
