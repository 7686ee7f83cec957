"""The web pages through HTTP: what a clerk sees, signing in, forms with CSRF."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role


def sign_in(client: TestClient, username: str, password: str) -> str:
    """Sign in through the form; returns the CSRF token the pages carry."""
    response = client.post("/sign-in", data={"username": username, "password": password, "next": "/"})
    assert response.status_code == 200, response.text  # followed the redirect to the home page
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, "signed-in pages carry a CSRF token"
    return match.group(1)


def test_home_page_says_what_this_is(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Kimberley Process Certification Scheme" in page.text
    assert "What to try first" in page.text
    assert "/static/vendor/pico" in page.text and "/static/vendor/htmx" in page.text
    assert client.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200


def test_every_page_names_an_icon_that_kpcs_serves(client: TestClient) -> None:
    """A browser tab shows kpcs's own icon, served offline like every other asset (without
    it, each page asked for /favicon.ico and was answered 404)."""
    for path in ("/", "/verify", "/statistics", "/sign-in"):
        match = re.search(r'<link rel="icon" type="([^"]+)" href="([^"]+)">', client.get(path).text)
        assert match, path
        icon = client.get(match.group(2))
        assert icon.status_code == 200 and icon.headers["content-type"].startswith(match.group(1))
        assert icon.content.startswith(b"<svg")


def test_home_page_starts_each_roles_first_task(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    tasks = ("verify", "issue", "inbox", "submit", "summary")
    anonymous = client.get("/")
    for task in tasks:
        assert f'id="task-{task}"' in anonymous.text, task
    assert (
        'href="/verify" role="button"' in anonymous.text
        and 'href="/statistics" role="button"' in anonymous.text
    )
    assert 'href="/sign-in?next=/certificates/new"' in anonymous.text  # the clerk's task, after signing in
    sign_in(client, "clerk", make_user("clerk", [Role.AUTHORITY], "BW"))
    clerk = client.get("/")
    for href in ("/certificates/new", "/inbox", "/statistics/submit", "/verify", "/statistics"):
        assert f'href="{href}" role="button"' in clerk.text, href


def test_small_things_a_newcomer_trips_on(client: TestClient) -> None:
    # The log's API as an older README named it, and the Chair's list as the API names it.
    moved = client.get("/log/sth", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/api/v1/log/sth"
    proof = client.get("/log/proof?leaf_hash=x&tree_size=1", follow_redirects=False)
    assert proof.headers["location"] == "/api/v1/log/proof?leaf_hash=x&tree_size=1"
    assert client.get("/log/sth").json()["tree_size"] >= 0
    chairs = client.get("/chairs")
    assert chairs.status_code == 200 and 'id="chairs"' in chairs.text
    log = client.get("/log")
    assert "ms since 1970 (UTC)</td>" not in log.text
    assert re.search(r'id="signed-at"[^>]*>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC<', log.text)


def test_participants_page_and_htmx_fragment(client: TestClient) -> None:
    page = client.get("/participants", params={"status": "restricted", "on": "2016-06-01"})
    assert page.status_code == 200 and "<html" in page.text
    assert 'href="/participants/CF"' in page.text and 'href="/participants/BW"' not in page.text
    fragment = client.get("/participants", params={"q": "botswana"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "Botswana" in fragment.text and "1 shown" in fragment.text
    assert client.get("/participants", params={"status": "nonsense"}).status_code == 422


def test_participant_page(client: TestClient) -> None:
    page = client.get("/participants/CF")
    assert page.status_code == 200
    assert "Status history" in page.text and "suspended" in page.text and "restricted" in page.text
    assert "Record a status change" not in page.text  # anonymous: no form
    assert client.get("/participants/cf", follow_redirects=False).status_code == 301
    missing = client.get("/participants/XX")
    assert missing.status_code == 404 and "no participant" in missing.text


def test_working_bodies_and_sources_pages(client: TestClient) -> None:
    page = client.get("/working-bodies")
    assert page.status_code == 200 and "WGS" in page.text and "KP Chair" in page.text
    assert client.get("/sources").status_code == 200


def test_sign_in_out(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    password = make_user("clerk", [Role.AUTHORITY], "BW")
    wrong = client.post("/sign-in", data={"username": "clerk", "password": "nope nope nope"})
    assert wrong.status_code == 401 and "wrong username or password" in wrong.text
    csrf = sign_in(client, "clerk", password)
    assert client.get("/account").status_code == 200 and "BW" in client.get("/account").text
    forged = client.post("/sign-out", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert client.post("/sign-out", data={"csrf_token": csrf}).status_code == 200
    assert client.get("/account", follow_redirects=False).status_code == 303  # back to sign-in


def test_open_redirect_refused(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    password = make_user("clerk", [Role.AUTHORITY], "BW")
    response = client.post(
        "/sign-in",
        data={"username": "clerk", "password": password, "next": "//evil.example"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_admin_records_status_change_through_the_form(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(client, "boss", make_user("boss", [Role.ADMIN]))
    page = client.get("/participants/ZW")
    assert "Record a status change" in page.text
    bad = client.post(
        "/participants/ZW/status",
        data={
            "csrf_token": csrf,
            "status": "restricted",
            "effective_on": "2025-03-03",
            "reason": "AD 2025",
            "zones": "",
        },
    )
    assert bad.status_code == 422 and "zones:" in bad.text and "The change was not recorded" in bad.text
    good = client.post(
        "/participants/ZW/status",
        data={
            "csrf_token": csrf,
            "status": "restricted",
            "effective_on": "2025-03-03",
            "reason": "AD 2025",
            "zones": "Marange\nChiadzwa\n",
        },
    )
    assert good.status_code == 200 and "Marange, Chiadzwa" in good.text
    no_csrf = client.post(
        "/participants/ZW/status", data={"status": "active", "effective_on": "2025-03-04", "reason": "x"}
    )
    assert no_csrf.status_code == 403
    audit = client.get("/audit", params={"object_id": "ZW"})
    assert (
        audit.status_code == 200 and "participant:status:changed" in audit.text and "user:boss" in audit.text
    )


def test_status_form_refused_for_authority(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = sign_in(client, "clerk", make_user("clerk", [Role.AUTHORITY], "BW"))
    assert "Record a status change" not in client.get("/participants/ZW").text
    response = client.post(
        "/participants/ZW/status",
        data={"csrf_token": csrf, "status": "suspended", "effective_on": "2025-03-03", "reason": "x"},
    )
    assert response.status_code == 403
    assert client.get("/audit").status_code == 403


def test_audit_page_needs_sign_in(client: TestClient) -> None:
    response = client.get("/audit", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in?next=/audit")


def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "There is no page at this address" in response.text


def test_admin_menu_groups_the_admin_pages(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "boss", make_user("boss", [Role.ADMIN]))
    nav = client.get("/").text.split("<nav>")[1].split("</nav>")[0]
    menu = re.search(
        r'<details class="dropdown">\s*<summary[^>]*>.*?Admin.*?</summary>(.*?)</details>', nav, re.S
    )
    assert menu, nav
    assert 'href="/audit"' in menu.group(1) and 'href="/exchange"' in menu.group(1)
    client.cookies.clear()
    sign_in(client, "clerk", make_user("clerk", [Role.AUTHORITY], "BW"))
    nav = client.get("/").text.split("<nav>")[1].split("</nav>")[0]
    assert "Admin" not in nav and 'href="/audit"' not in nav
