"""Notifications (issue 18, item 5): what someone must act on reaches the inbox, and by
e-mail a real SMTP server on loopback (aiosmtpd), with retries while it is down; on
SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role, User
from kpcs.audit.models import AuditEvent
from kpcs.notifications.models import MailState, Notification, NotificationMail
from kpcs.web.app import create_app
from tests.conftest import auth, certificate_body
from tests.exchange_cluster import free_port, wait_for
from tests.functional.test_pages import sign_in

PASSWORD = "correct horse 42"


class Mailbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.append(parsed)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on loopback."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def make_user(cli, name: str, role: str, participant: str | None, address: str | None) -> None:  # type: ignore[no-untyped-def]
    args = ["users", "create", name, "--name", name.title(), "--role", role, "--password-stdin"]
    made = cli(*args, *(["--participant", participant] if participant else []), input=PASSWORD + "\n")
    assert made.exit_code == 0, made.output
    if address:
        set_email = cli("users", "set-email", name, address)
        assert set_email.exit_code == 0, set_email.output


def test_a_reminder_reaches_the_importing_authority_inbox_and_mailbox(  # type: ignore[no-untyped-def]
    cli, client: TestClient, make_token, settings, session_factory, smtp
) -> None:
    mailbox, port = smtp
    make_user(cli, "antwerp", "authority", "EU", "kp-unit@antwerp.example")
    make_user(cli, "antwerp2", "authority", "EU", None)  # no address: the inbox only
    make_user(cli, "gaborone", "authority", "BW", "kp@gaborone.example")
    bw, eu, za = (make_token(Role.AUTHORITY, code) for code in ("BW", "EU", "ZA"))
    number = client.post("/api/v1/certificates", json=certificate_body(), headers=auth(bw)).json()["number"]
    reminded = client.post(
        f"/api/v1/certificates/{number}/reminders", json={"note": "Courier says delivered"}, headers=auth(bw)
    )
    assert reminded.status_code == 201, reminded.text
    inbox = client.get("/api/v1/notifications", headers=auth(eu))
    assert inbox.status_code == 200
    [item] = inbox.json()
    assert item["subject"] == f"Import confirmation requested for certificate {number}"
    assert item["link"] == f"/certificates/{number}" and "Courier says delivered" in item["body"]
    assert client.get("/api/v1/notifications", headers=auth(za)).json() == []  # not Zimbabwe's...
    assert client.get("/api/v1/notifications", headers=auth(bw)).json() == []  # ...nor the exporter's
    # The page, for a signed-in user of the importing authority.
    signed_in = client.post("/sign-in", data={"username": "antwerp2", "password": PASSWORD})
    assert signed_in.status_code in (200, 303), signed_in.text
    page = client.get("/notifications")
    assert page.status_code == 200 and f"Import confirmation requested for certificate {number}" in page.text
    assert f'href="/certificates/{number}"' in page.text
    # Without an SMTP server the command says so and the e-mail waits.
    unset = cli("notifications", "send")
    assert unset.exit_code != 0 and "KPCS_SMTP_URL" in unset.output
    settings.smtp_url = f"smtp://127.0.0.1:{port}"
    sent = cli("notifications", "send")
    assert sent.exit_code == 0, sent.output
    assert "1 e-mail(s) sent" in sent.output
    [message] = mailbox.messages
    assert message["To"] == "kp-unit@antwerp.example" and message["From"] == "kpcs@localhost"
    assert message["Subject"] == f"Import confirmation requested for certificate {number}"
    assert f"/certificates/{number}" in message.get_content()
    assert "1 e-mail(s) sent" not in cli("notifications", "send").output  # sent once
    assert len(mailbox.messages) == 1
    with session_factory() as session:
        tags = [
            t
            for (t,) in session.execute(
                sa.select(AuditEvent.tag).where(AuditEvent.tag.like("notification:%"))
            )
        ]
        assert sorted(tags) == ["notification:created", "notification:mail:sent"]


def test_an_smtp_server_that_is_down_is_tried_again(  # type: ignore[no-untyped-def]
    cli, client: TestClient, make_token, settings, session_factory, clock, smtp
) -> None:
    mailbox, port = smtp
    make_user(cli, "antwerp", "authority", "EU", "kp-unit@antwerp.example")
    bw = make_token(Role.AUTHORITY, "BW")
    number = client.post("/api/v1/certificates", json=certificate_body(), headers=auth(bw)).json()["number"]
    assert (
        client.post(f"/api/v1/certificates/{number}/reminders", json={}, headers=auth(bw)).status_code == 201
    )
    settings.smtp_url = f"smtp://127.0.0.1:{free_port()}"  # nobody listens there
    down = cli("notifications", "send")
    assert down.exit_code == 0 and "0 e-mail(s) sent" in down.output
    with session_factory() as session:
        mail = session.scalars(sa.select(NotificationMail)).one()
        assert (mail.state, mail.attempts) == (MailState.PENDING, 1) and mail.last_error
        assert mail.next_attempt_at > clock.now()
    settings.smtp_url = f"smtp://127.0.0.1:{port}"
    assert "0 e-mail(s) sent" in cli("notifications", "send").output  # not due yet
    clock.at += timedelta(minutes=1)
    assert "1 e-mail(s) sent" in cli("notifications", "send").output
    assert [m["To"] for m in mailbox.messages] == ["kp-unit@antwerp.example"]
    with session_factory() as session:
        mail = session.scalars(sa.select(NotificationMail)).one()
        assert (mail.state, mail.attempts, mail.last_error) == (MailState.SENT, 2, None)


def test_statistics_due_within_seven_days_are_announced_once(  # type: ignore[no-untyped-def]
    cli, client: TestClient, make_token, settings, session_factory, clock, smtp
) -> None:
    mailbox, port = smtp
    make_user(cli, "gaborone", "authority", "BW", "kp@gaborone.example")
    clock.at = datetime(2025, 2, 21, 8, 0, tzinfo=UTC)  # 2024-Q4 trade is due on 28 February
    made = cli("notifications", "deadlines")
    assert made.exit_code == 0, made.output
    count = int(made.output.split()[0])
    assert count > 50  # every participant that owes its returns
    assert cli("notifications", "deadlines").output.startswith("0 ")  # a deadline is announced once
    inbox = client.get("/api/v1/notifications", headers=auth(make_token(Role.AUTHORITY, "BW"))).json()
    subjects = {n["subject"] for n in inbox}
    assert "Trade statistics for 2024-Q4 due on 28 February 2025" in subjects
    assert all(n["participant"] == "BW" for n in inbox)
    with session_factory() as session:
        keys = set(session.scalars(sa.select(Notification.key)))
        assert "statistics-due:trade:BW:2024-Q4" in keys
        assert not any(key.endswith("2025-Q1") for key in keys if key)  # due in May: not yet
    settings.smtp_url = f"smtp://127.0.0.1:{port}"
    assert cli("notifications", "send").exit_code == 0
    assert {m["Subject"] for m in mailbox.messages} == subjects  # BW's only, to BW's address
    assert {m["To"] for m in mailbox.messages} == {"kp@gaborone.example"}


def test_bad_addresses_and_smtp_urls_are_refused(cli, settings) -> None:  # type: ignore[no-untyped-def]
    make_user(cli, "antwerp", "authority", "EU", None)
    bad = cli("users", "set-email", "antwerp", "not an address")
    assert bad.exit_code != 0 and "email" in bad.output
    settings.smtp_url = "http://mail.example"
    wrong = cli("notifications", "send")
    assert wrong.exit_code != 0 and "KPCS_SMTP_URL" in wrong.output


def test_the_served_app_sends_as_soon_as_a_notification_is_made(  # type: ignore[no-untyped-def]
    cli, make_token, settings, clock, smtp
) -> None:
    """With KPCS_SMTP_URL set, `kpcs serve` sends by itself: no command to run."""
    mailbox, port = smtp
    make_user(cli, "antwerp", "authority", "EU", "kp-unit@antwerp.example")
    settings.smtp_url = f"smtp://127.0.0.1:{port}"
    bw = make_token(Role.AUTHORITY, "BW")
    with TestClient(create_app(settings, clock=clock)) as served:
        number = served.post("/api/v1/certificates", json=certificate_body(), headers=auth(bw)).json()[
            "number"
        ]
        assert (
            served.post(f"/api/v1/certificates/{number}/reminders", json={}, headers=auth(bw)).status_code
            == 201
        )
        wait_for(lambda: mailbox.messages, timeout=20, what="the e-mail at the SMTP server")
    assert [m["Subject"] for m in mailbox.messages] == [
        f"Import confirmation requested for certificate {number}"
    ]


def test_a_user_chooses_the_address_on_the_account_page(  # type: ignore[no-untyped-def]
    client: TestClient, make_user, make_token, session_factory
) -> None:
    make_user("antwerp", [Role.AUTHORITY], "EU")
    csrf = sign_in(client, "antwerp", "correct horse 42")
    refused = client.post("/account/email", data={"email": "not an address", "csrf_token": csrf})
    assert refused.status_code == 422 and "email: give an e-mail address" in refused.text
    saved = client.post(
        "/account/email", data={"email": "kp-unit@antwerp.example", "csrf_token": csrf}, follow_redirects=True
    )
    assert saved.status_code == 200 and 'value="kp-unit@antwerp.example"' in saved.text
    forged = client.post("/account/email", data={"email": "evil@example.org"})  # no CSRF token
    assert forged.status_code == 403
    client.cookies.clear()
    token = client.post(
        "/account/email", data={"email": "kp@mines.example"}, headers=auth(make_token(Role.AUTHORITY, "EU"))
    )
    assert token.status_code == 422
    with session_factory() as session:
        assert (
            session.scalar(sa.select(User.email).where(User.username == "antwerp"))
            == "kp-unit@antwerp.example"
        )
        [event] = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.tag == "account:user:email-set")
        ).all()
        assert event.actor == "user:antwerp" and event.after == {"email": "kp-unit@antwerp.example"}


def test_the_monitoring_team_hears_of_a_dossier_to_decide_and_a_report_to_assess(  # type: ignore[no-untyped-def]
    cli, client: TestClient, make_token, settings, smtp, clock
) -> None:
    """Issue 18, item 5: what the WGM and the Monitoring Team must act on reaches them: an
    export dossier (again when its authority answers a request for more information: a new
    week) and a submitted annual report."""
    from kpcs.annual_reports.domain import SECTIONS
    from tests.functional.test_export_dossiers import DOSSIER, _restrict

    mailbox, port = smtp
    make_user(cli, "monitor", "monitoring", None, "wgm@kimberleyprocess.example")
    admin, monitoring = auth(make_token(Role.ADMIN)), auth(make_token(Role.MONITORING))
    zw, bw = auth(make_token(Role.AUTHORITY, "ZW")), auth(make_token(Role.AUTHORITY, "BW"))
    _restrict(client, admin, ["Murowa"])
    dossier = client.post("/api/v1/export-dossiers", json=DOSSIER, headers=zw).json()
    asked = client.post(
        f"/api/v1/export-dossiers/{dossier['id']}/decision",
        json={"decision": "more-information", "reason": "Photographs of parcel B"},
        headers=monitoring,
    )
    assert asked.status_code == 200, asked.text
    clock.at += timedelta(days=2)  # the authority answers two days later: a new week
    answered = client.post(
        f"/api/v1/export-dossiers/{dossier['id']}/information", json={"notes": "Sent"}, headers=zw
    )
    assert answered.status_code == 200, answered.text
    report = client.post(
        "/api/v1/annual-reports", json={"participant": "BW", "year": 2024}, headers=bw
    ).json()
    part_a = {key: "standing" for key in SECTIONS}
    assert client.patch(
        f"/api/v1/annual-reports/{report['id']}", json={"part_a": part_a}, headers=bw
    ).is_success
    assert client.post(f"/api/v1/annual-reports/{report['id']}/submit", headers=bw).status_code == 200

    subjects = [
        (n["subject"], n["link"]) for n in client.get("/api/v1/notifications", headers=monitoring).json()
    ]
    assert sorted(subjects) == sorted(
        [
            (
                f"Export dossier {dossier['id']} (ZW): decide by 10 March 2025",
                f"/export-dossiers/{dossier['id']}",
            ),
            (
                f"Export dossier {dossier['id']} (ZW): decide by 12 March 2025",
                f"/export-dossiers/{dossier['id']}",
            ),
            ("Annual report of BW on 2024 to assess", f"/annual-reports/{report['id']}"),
        ]
    ), subjects
    assert dossier["decision_due_on"] == "2025-03-10" and answered.json()["decision_due_on"] == "2025-03-12"
    # Neither the authorities nor statistics are told: it is not theirs to act on.
    for other in (zw, bw, auth(make_token(Role.STATISTICS))):
        assert client.get("/api/v1/notifications", headers=other).json() == []
    settings.smtp_url = f"smtp://127.0.0.1:{port}"
    assert cli("notifications", "send").exit_code == 0
    assert sorted(m["To"] for m in mailbox.messages) == ["wgm@kimberleyprocess.example"] * len(subjects)
