"""The certificate pages through HTTP: issue form, lists, certificate page, verification
page and fraud register, as a clerk and a customs officer use them."""

from __future__ import annotations

import contextlib
import re

from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.certificates.qr import encode_qr_text, qr_png
from kpcs.errors import Conflict
from tests.conftest import auth
from tests.functional.test_pages import sign_in

ISSUE_FORM = {
    "exporting_country": "BW",
    "importing_country": "BE",
    "exporter_name": "Okavango Diamond Company",
    "exporter_address": "Gaborone",
    "importer_name": "Antwerp Rough NV",
    "importer_address": "Antwerp",
    "parcel_count": "2",
    "hs_code": ["7102.31", "7102.10"],
    "origin": ["BW", "mixed"],
    "carats": ["1,520.35", "10"],
    "value_usd": ["310250", "99.50"],
}


def _clerk(client: TestClient, make_user, participant: str = "BW") -> str:  # type: ignore[no-untyped-def]
    """Sign in as the participant's clerk (made on first use in the test)."""
    name = f"clerk{participant.lower()}"
    with contextlib.suppress(Conflict):  # signing in again later in the same test
        make_user(name, [Role.AUTHORITY], participant)
    return sign_in(client, name, "correct horse 42")


def _issue_through_form(client: TestClient, csrf: str, **changes: object) -> str:
    response = client.post("/certificates/new", data={**ISSUE_FORM, **changes, "csrf_token": csrf})
    assert response.status_code == 200, response.text
    match = re.search(r"<h1>(BW-\d{4}-\d{6})", response.text)
    assert match, "redirected to the new certificate's page"
    return match.group(1)


def test_issue_form_issues_and_shows_the_certificate(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = _clerk(client, make_user)
    form = client.get("/certificates/new")
    assert form.status_code == 200 and "Issue a Kimberley Process Certificate" in form.text
    assert 'value="BW" selected' in form.text  # the clerk's own country is preselected
    number = _issue_through_form(client, csrf)
    page = client.get(f"/certificates/{number}")
    assert "<svg" in page.text and "issued and signed" in page.text and "1,530.35" in page.text
    assert "Confirm the import" not in page.text  # BW is the exporter
    assert "Cancel this certificate" in page.text


def visible_text(html: str) -> str:
    """What a reader sees: the page without tags and attributes (block ends as a space)."""
    blocks = re.sub(r"</(li|p|td|th|div|h\d)>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", blocks))


def test_issue_form_lists_every_problem_at_once_in_the_forms_words(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = _clerk(client, make_user)
    response = client.post(
        "/certificates/new",
        data={
            **ISSUE_FORM,
            "csrf_token": csrf,
            "importing_country": "BW",
            "importer_address": "",
            "hs_code": ["7104.21", "7102.10"],
            "carats": ["abc", "10"],
            "value_usd": ["310250", "-5"],
        },
    )
    assert response.status_code == 422
    text = visible_text(response.text)
    # An unreadable number no longer hides the rules: every problem in one answer.
    assert "Line 1 — carats: a number, e.g. 1520.35" in text
    assert "Line 1 — HS code:" in text and "synthetic" in text
    assert "Line 2 — value in US$: must be greater than zero" in text
    assert "Importer — address: required" in text
    assert "Importing country:" in text and "trade between two different participants" in text
    assert "5 things to fix" in text
    assert "lines.0" not in text and "importer.address" not in text  # no request paths for a clerk
    assert "Okavango Diamond Company" in response.text  # nothing the clerk typed is lost
    # The fields at fault are marked for the eye and for screen readers.
    assert re.search(r'name="carats" value="abc"[^>]*aria-invalid="true"', response.text)
    assert re.search(r'name="importer_address"[^>]*aria-invalid="true"', response.text)


def test_issue_form_with_no_country_chosen_still_checks_the_rest(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = _clerk(client, make_user)
    response = client.post(
        "/certificates/new",
        data={**ISSUE_FORM, "csrf_token": csrf, "importing_country": "", "parcel_count": "two"},
    )
    text = visible_text(response.text)
    assert response.status_code == 422
    assert "Importing country: choose a country" in text
    assert "Number of parcels: a whole number" in text
    assert "not a participant" not in text and "ZZ" not in text  # nothing about the stand-ins


def test_a_suspended_authority_is_told_why_it_cannot_issue(client: TestClient, make_user, make_token) -> None:  # type: ignore[no-untyped-def]
    admin = make_token(Role.ADMIN)
    body = {"status": "suspended", "reason": "Plenary decision (test)", "effective_on": "2024-01-01"}
    assert client.post("/api/v1/participants/BW/status", json=body, headers=auth(admin)).status_code == 201
    _clerk(client, make_user)
    page = client.get("/certificates/new")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Your authority cannot issue certificates today" in text
    assert "suspended since 2024-01-01 (Plenary decision (test))" in text
    assert 'id="issue-form"' not in page.text  # no form that can only fail


def test_live_check_and_new_line(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = _clerk(client, make_user)
    ok = client.post(
        "/certificates/new/check", data={**ISSUE_FORM, "csrf_token": csrf}, headers={"HX-Request": "true"}
    )
    assert "Everything checks out" in ok.text and "<html" not in ok.text
    bad = client.post(
        "/certificates/new/check",
        data={**ISSUE_FORM, "csrf_token": csrf, "importing_country": "KE"},
        headers={"HX-Request": "true"},
    )
    assert "not a participant" in bad.text
    line = client.get("/certificates/new/line?index=2", headers={"HX-Request": "true"})
    assert 'name="hs_code"' in line.text and "<html" not in line.text and "Line 3" in line.text
    several = client.post(
        "/certificates/new/check",
        data={**ISSUE_FORM, "csrf_token": csrf, "importing_country": "KE", "carats": ["1520.35", ""]},
        headers={"HX-Request": "true"},
    )
    assert "Line 2 — carats: required" in visible_text(several.text) and "not a participant" in several.text


def test_inbox_confirm_and_discrepancy_flag(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = _clerk(client, make_user, "BW")
    number = _issue_through_form(client, csrf)
    clean = _issue_through_form(client, csrf)
    client.post("/sign-out", data={"csrf_token": csrf})
    eu_csrf = _clerk(client, make_user, "EU")
    inbox = client.get("/inbox")
    assert inbox.status_code == 200 and number in inbox.text and "Inbox" in inbox.text
    page = client.get(f"/certificates/{number}")
    assert "Confirm the import" in page.text and "Cancel this certificate" not in page.text
    misdated = client.post(
        f"/certificates/{number}/confirm", data={"csrf_token": eu_csrf, "received_on": "03/03/2025"}
    )
    assert "Date received: a date, YYYY-MM-DD" in visible_text(misdated.text)  # the form's words
    confirmed = client.post(
        f"/certificates/{number}/confirm",
        data={
            "csrf_token": eu_csrf,
            "received_on": "2025-03-03",
            "carats_received": "1500",
            "parcels_received": "",
            "note": "One parcel's seal was broken; weighed at the Diamond Office.",
        },
    )
    assert confirmed.status_code == 200 and "The goods received differ from the certificate" in confirmed.text
    client.post(f"/certificates/{clean}/confirm", data={"csrf_token": eu_csrf, "received_on": "2025-03-03"})
    again = client.post(
        f"/certificates/{number}/confirm", data={"csrf_token": eu_csrf, "received_on": "2025-03-03"}
    )
    assert "already confirmed" in again.text

    def badge(html: str) -> str:
        match = re.search(r'<span class="badge ([^"]+)" id="certificate-status"[^>]*>([^<]+)<', html)
        assert match, "the certificate page shows its status"
        return f"{match[1]}: {match[2]}"

    # Its own status, not the green badge of a clean confirmation, on both sides' pages,
    # with the importer's note.
    assert badge(again.text) == "cert-confirmed-discrepancies: confirmed with discrepancies"
    assert badge(client.get(f"/certificates/{clean}").text) == "cert-confirmed: confirmed"
    assert "seal was broken" in again.text
    listing = client.get("/certificates?direction=incoming", headers={"HX-Request": "true"})
    assert "<html" not in listing.text and "confirmed with discrepancies" in listing.text
    only = client.get("/certificates?direction=incoming&status=discrepancies", headers={"HX-Request": "true"})
    assert number in only.text and clean not in only.text
    client.post("/sign-out", data={"csrf_token": eu_csrf})
    _clerk(client, make_user, "BW")
    exporter_side = client.get(f"/certificates/{number}")
    assert badge(exporter_side.text) == "cert-confirmed-discrepancies: confirmed with discrepancies"
    assert "Importer's note:" in exporter_side.text and "seal was broken" in exporter_side.text


def test_cancel_loss_and_unconfirmed_pages(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = _clerk(client, make_user)
    first = _issue_through_form(client, csrf)
    second = _issue_through_form(client, csrf)
    report = client.get("/certificates/unconfirmed?days=0")
    assert first in report.text and second in report.text
    csv = client.get("/certificates/unconfirmed?days=0&format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("number,")
    assert len(csv.text.strip().splitlines()) == 3
    page = client.get(f"/certificates/{first}")
    assert re.search(r'<input type="checkbox" name="confirm" value="yes" required>', page.text)
    unasked = client.post(
        f"/certificates/{first}/cancel", data={"csrf_token": csrf, "reason": "printing_error"}
    )
    assert "tick the box" in unasked.text and 'id="certificate-status">issued' in unasked.text
    no_note = client.post(
        f"/certificates/{first}/cancel",
        data={"csrf_token": csrf, "reason": "other", "note": "", "confirm": "yes"},
    )
    assert "say why" in no_note.text
    cancelled = client.post(
        f"/certificates/{first}/cancel",
        data={"csrf_token": csrf, "reason": "printing_error", "confirm": "yes"},
    )
    assert 'id="certificate-status">cancelled' in cancelled.text
    lost = client.post(
        f"/certificates/{second}/loss",
        data={"csrf_token": csrf, "kind": "stolen", "note": "taken from the courier's van"},
    )
    assert "Reported stolen" in lost.text
    assert client.get("/certificates/unconfirmed?days=-1").status_code == 422


def test_unconfirmed_certificates_are_chased(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = _clerk(client, make_user, "BW")
    first = _issue_through_form(client, csrf)
    second = _issue_through_form(client, csrf)
    listed = client.get("/certificates/unconfirmed?days=0")
    assert listed.text.count("none yet") == 2
    one = client.post(
        f"/certificates/{first}/remind", data={"csrf_token": csrf, "back": "unconfirmed", "days": "0"}
    )
    assert f"Reminder sent for {first}." in one.text
    row = re.search(rf"{first}</a>.*?</tr>", one.text, re.S)
    assert row and "1, last 2025-03-03 09:30 UTC" in row.group(0)
    everyone = client.post(
        "/certificates/unconfirmed/remind",
        data={"csrf_token": csrf, "days": "0", "note": "Please send the return slips."},
    )
    text = visible_text(everyone.text)
    assert "Reminders sent for 1 certificate." in text
    assert f"Not sent for 1: {first} (a reminder already went today at 09:30 UTC" in text
    page = client.get(f"/certificates/{second}")
    assert "reminder sent to the importing authority" in page.text  # on the timeline
    assert "1 reminder sent" in visible_text(page.text) and "Please send the return slips." in page.text
    client.post("/sign-out", data={"csrf_token": csrf})
    eu_csrf = _clerk(client, make_user, "EU")
    inbox = client.get("/certificates?direction=incoming")
    assert inbox.text.count("1 reminder, last 2025-03-03") == 2
    importer_side = client.get(f"/certificates/{second}")
    assert "is waiting for your import confirmation" in importer_side.text
    assert 'id="remind-form"' not in importer_side.text  # only the exporter chases
    assert client.post(f"/certificates/{second}/remind", data={"csrf_token": eu_csrf}).status_code == 403


def test_verify_page_paste_number_and_qr_photo(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    csrf = _clerk(client, make_user)
    number = _issue_through_form(client, csrf)
    credential = client.get(f"/api/v1/certificates/{number}").json()["credential"]
    client.post("/sign-out", data={"csrf_token": csrf})

    assert "Verify a KP certificate" in client.get("/verify").text
    pasted = client.post("/verify", data={"credential": encode_qr_text(credential)})
    assert pasted.status_code == 200 and "Valid" in pasted.text and "Antwerp Rough NV" in pasted.text
    tampered = client.post(
        "/verify", data={"credential": credential[:-3] + ("AAA" if credential[-3:] != "AAA" else "BBB")}
    )
    assert "Not valid" in tampered.text and "signature does not match" in tampered.text
    photo = qr_png(encode_qr_text(credential), scale=4)
    uploaded = client.post("/verify", files={"image": ("qr.png", photo, "image/png")})
    assert uploaded.status_code == 200 and f"— {number}" in uploaded.text and "Valid" in uploaded.text
    not_an_image = client.post("/verify", files={"image": ("qr.png", b"hello", "image/png")})
    assert not_an_image.status_code == 422
    by_number = client.post("/verify", data={"number": number.lower()})
    assert "Issued in this system" in by_number.text
    unknown = client.post("/verify", data={"number": "BW-1999-000001"})
    assert "no certificate with this number" in unknown.text
    assert client.post("/verify", data={}).status_code == 422


def test_fraud_register_page(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    public = client.get("/fraud-register")
    assert public.status_code == 200 and "Report a suspected forgery" not in public.text
    csrf = _clerk(client, make_user)
    page = client.get("/fraud-register")
    assert "Report a suspected forgery" in page.text
    bad = client.post(
        "/fraud-register", data={"csrf_token": csrf, "number": "", "claimed_participant": "KE", "notes": "x"}
    )
    assert bad.status_code == 422 and "number" in bad.text
    filed = client.post(
        "/fraud-register",
        data={
            "csrf_token": csrf,
            "number": "SL/0000123",
            "claimed_participant": "SL",
            "notes": "wrong paper, no watermark",
        },
        files={"evidence": ("scan.pdf", b"%PDF-1.4 fake scan", "application/pdf")},
    )
    assert filed.status_code == 200 and "SL/0000123" in filed.text and "scan.pdf" in filed.text
    check = client.get("/api/v1/verify/number/sl-0000123").json()
    assert "reported as fraudulent" in check["problems"][0]


def test_kp_context_is_served(client: TestClient) -> None:
    response = client.get("/contexts/kpcs-v1.jsonld")
    assert response.status_code == 200 and "KimberleyProcessCertificate" in response.json()["@context"]
