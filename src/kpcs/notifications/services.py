"""Notifications: what someone must act on reaches them, in the app's inbox and by e-mail.

:func:`notify` is the one entry point. It is called in the caller's transaction with who
must act (a role, and the participant when it is that participant's holders of the role),
a subject, a body and the link to the page where they act. It writes the notification
(the inbox shows it to everyone it is for) and one e-mail row per active user of that role
with an address; :func:`send_due` (``kpcs notifications send``) hands the e-mails to the
SMTP server of ``KPCS_SMTP_URL`` with retries. Without a server they stay in the inbox.

Other modules call it from a subscriber of their own event (:mod:`kpcs.wiring`), never
from inside their use case, so that they stay unaware of it: an import confirmation
requested (:func:`importer_reminded`, :func:`reminder_received`), an export dossier for the
Monitoring Team to decide within its week (:func:`dossier_awaits_decision`), an annual
report for the WGM to assess (:func:`annual_report_submitted`).

Deadlines are found by :func:`kpcs.notifications.deadlines.remind_deadlines` (``kpcs
notifications deadlines``, and ``kpcs serve`` at start-up and daily): a ``key`` per deadline
makes a second run notify nobody twice.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role, User
from kpcs.accounts.permissions import SYSTEM, Action, Principal, PrincipalKind, is_participant_bound, require
from kpcs.annual_reports.events import AnnualReportSubmitted
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.certificates.events import ImporterReminded, ReminderReceived
from kpcs.certificates.models import Certificate, ConfirmationReminder
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.dossiers.events import DossierAwaitsDecision
from kpcs.exchange.messages import next_attempt
from kpcs.notifications.mail import MailRefused, SmtpServer, build_message, send
from kpcs.notifications.models import MailState, Notification, NotificationMail

logger = logging.getLogger(__name__)

DEADLINE_NOTICE_DAYS = 7
"""A deadline is announced this many days before it."""
SENDING_LEASE = timedelta(minutes=5)
"""How long a claimed e-mail is left to its sender before another may try it."""
MAIL_POLL_SECONDS = 10.0
"""How often ``kpcs serve`` looks for e-mails to send."""
MAX_MAIL_ATTEMPTS = 12
"""About half an hour of doubling retries (see :func:`kpcs.exchange.messages.next_attempt`)
before an e-mail is marked failed; the inbox has it anyway."""


mail_written = threading.Event()
"""Set when this process commits a notification with e-mails: the mail worker wakes at once."""
_MAIL_FLAG = "kpcs_mail_written"


@orm_event.listens_for(Session, "after_commit")
def _wake_the_mail_worker(session: Session) -> None:
    if session.info.pop(_MAIL_FLAG, False):
        mail_written.set()


def notify(
    session: Session,
    clock: Clock,
    *,
    role: Role,
    participant: str | None,
    subject: str,
    body: str,
    link: str,
    key: str | None = None,
) -> Notification | None:
    """Tell the holders of ``role`` (``participant``'s, when given) that they must act, in the
    caller's transaction. None when ``key`` was notified already."""
    if key is not None and session.scalar(sa.select(Notification.id).where(Notification.key == key)):
        return None
    now = clock.now()
    notification = Notification(
        key=key,
        role=role.value,
        participant=participant,
        subject=subject[:200],
        body=body,
        link=link,
        created_at=now,
    )
    session.add(notification)
    recipients = sa.select(User).where(User.is_active.is_(True), User.email.is_not(None))
    if participant is not None:
        recipients = recipients.where(User.participant_code == participant)
    addresses = sorted(
        {user.email for user in session.scalars(recipients) if role.value in user.roles and user.email}
    )
    for address in addresses:
        notification.mails.append(
            NotificationMail(to_address=address, state=MailState.PENDING, attempts=0, next_attempt_at=now)
        )
    session.flush()
    if addresses:
        session.info[_MAIL_FLAG] = True
    record(
        session,
        actor=SYSTEM,
        clock=clock,
        tag=tags.NOTIFICATION_CREATED,
        object_type="notification",
        object_id=str(notification.id),
        after={"role": role.value, "participant": participant, "subject": notification.subject},
        note=f"e-mailed to {len(addresses)} address(es)" if addresses else "inbox only",
    )
    return notification


# --- what is notified ------------------------------------------------------------------------


def importer_reminded(session: Session, clock: Clock, event: ImporterReminded) -> None:
    """Subscriber of :class:`ImporterReminded`: the importing authority served here must
    confirm the import (one served elsewhere hears it from its own system)."""
    if event.reminder.message_id is None:
        _confirmation_requested(session, clock, event.certificate, event.reminder, f"{event.sequence}")


def reminder_received(session: Session, clock: Clock, event: ReminderReceived) -> None:
    """Subscriber of :class:`ReminderReceived`: the reminder came through the exchange, from
    the exporter's own system."""
    _confirmation_requested(session, clock, event.certificate, event.reminder, f"{event.reminder.message_id}")


def dossier_awaits_decision(session: Session, clock: Clock, event: DossierAwaitsDecision) -> None:
    """Subscriber of :class:`DossierAwaitsDecision`: the Monitoring Team has a week to decide."""
    notify(
        session,
        clock,
        role=Role.MONITORING,
        participant=None,
        subject=(
            f"Export dossier {event.dossier_id} ({event.participant}): decide by {day_text(event.decide_by)}"
        ),
        body=(
            f"{event.participant}, restricted to its compliant zones, proposes an export from {event.zone} "
            f"(dossier {event.dossier_id}). The Diamond Expert Team and the statistics working group "
            f"assess it; the Monitoring Team decides by {day_text(event.decide_by)}."
        ),
        link=f"/export-dossiers/{event.dossier_id}",
        key=f"dossier-awaits-decision:{event.dossier_id}:{event.decide_by.isoformat()}",
    )


def annual_report_submitted(session: Session, clock: Clock, event: AnnualReportSubmitted) -> None:
    """Subscriber of :class:`AnnualReportSubmitted`: the Working Group on Monitoring assesses it."""
    notify(
        session,
        clock,
        role=Role.MONITORING,
        participant=None,
        subject=f"Annual report of {event.participant} on {event.year} to assess",
        body=(
            f"{event.participant} submitted its annual report on {event.year}. The Working Group on "
            "Monitoring gives its feedback per section; the participant then responds."
        ),
        link=f"/annual-reports/{event.report_id}",
        key=f"annual-report-submitted:{event.report_id}",
    )


def _confirmation_requested(
    session: Session, clock: Clock, certificate: Certificate, reminder: ConfirmationReminder, which: str
) -> None:
    notify(
        session,
        clock,
        role=Role.AUTHORITY,
        participant=certificate.importing_participant,
        subject=f"Import confirmation requested for certificate {certificate.number}",
        body=(
            f"The KP authority of {certificate.exporting_participant} asks you to confirm the import "
            f"of certificate {certificate.number} (issued on {certificate.issued_on.isoformat()})."
            + (f"\n\nTheir note: {reminder.note}" if reminder.note else "")
        ),
        link=f"/certificates/{certificate.number}",
        key=f"certificate-reminder:{certificate.number}:{which}",
    )


def day_text(day: date) -> str:
    """A day as notifications write it: "3 March 2025"."""
    return f"{day:%d %B %Y}".lstrip("0")


# --- the inbox -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    """A notification as its reader sees it."""

    id: int
    subject: str
    body: str
    link: str
    role: str
    participant: str | None
    created_at: datetime


def inbox(session: Session, principal: Principal, *, limit: int = 100) -> list[InboxItem]:
    """What ``principal`` must act on, newest first: notifications for a role it holds (for
    its own participant, when it acts for one). The operator at the console sees all."""
    require(principal, Action.VIEW_NOTIFICATIONS)
    query = sa.select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc())
    if principal.kind is not PrincipalKind.OPERATOR:
        query = query.where(Notification.role.in_([r.value for r in principal.roles]))
        if is_participant_bound(principal) or principal.participant_code is not None:
            query = query.where(
                sa.or_(
                    Notification.participant.is_(None),
                    Notification.participant == principal.participant_code,
                )
            )
    return [
        InboxItem(n.id, n.subject, n.body, n.link, n.role, n.participant, n.created_at)
        for n in session.scalars(query.limit(limit))
    ]


# --- sending ---------------------------------------------------------------------------------


def send_due(
    session_factory: sessionmaker[Session], clock: Clock, server: SmtpServer, sender: str
) -> tuple[int, int]:
    """Send every e-mail that is due; returns (sent, failed for good).

    Each e-mail is first claimed (its next attempt moved :data:`SENDING_LEASE` ahead, by a
    conditional update) and committed, so that two senders (``kpcs serve`` workers, an
    overlapping cron run) never send it both; a sender that dies mid-way leaves it to be
    tried again when the lease ends."""
    sent = failed = 0
    with session_factory() as session:
        due = list(
            session.scalars(
                sa.select(NotificationMail.id)
                .where(
                    NotificationMail.state == MailState.PENDING,
                    NotificationMail.next_attempt_at <= clock.now(),
                )
                .order_by(NotificationMail.next_attempt_at, NotificationMail.id)
            )
        )
    for mail_id in due:
        message = _claim(session_factory, clock, mail_id, sender)
        if message is None:
            continue  # another sender has it
        error: str | None = None
        final = False
        try:
            send(server, message)
        except MailRefused as exc:
            error, final = str(exc), True
        except (OSError, smtplib.SMTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
        state = _record_attempt(session_factory, clock, mail_id, error, final)
        sent += state is MailState.SENT
        failed += state is MailState.FAILED
    return sent, failed


def _claim(
    session_factory: sessionmaker[Session], clock: Clock, mail_id: int, sender: str
) -> EmailMessage | None:
    now = clock.now()
    with UnitOfWork(session_factory) as uow:
        claimed = uow.session.execute(
            sa.update(NotificationMail)
            .where(
                NotificationMail.id == mail_id,
                NotificationMail.state == MailState.PENDING,
                NotificationMail.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + SENDING_LEASE)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        mail = uow.session.get(NotificationMail, mail_id)
        assert mail is not None
        n = mail.notification
        message = build_message(sender, mail.to_address, n.subject, f"{n.body}\n\n{n.link}\n")
        uow.commit()
        return message


def _record_attempt(
    session_factory: sessionmaker[Session], clock: Clock, mail_id: int, error: str | None, final: bool
) -> MailState:
    with UnitOfWork(session_factory) as uow:
        mail = uow.session.get(NotificationMail, mail_id)
        assert mail is not None
        mail.attempts += 1
        if error is None:
            mail.state, mail.sent_at, mail.last_error = MailState.SENT, clock.now(), None
        elif final or mail.attempts >= MAX_MAIL_ATTEMPTS:
            mail.state, mail.last_error = MailState.FAILED, error
        else:
            mail.last_error, mail.next_attempt_at = error, next_attempt(clock.now(), mail.attempts)
        if mail.state is not MailState.PENDING:
            record(
                uow.session,
                actor=SYSTEM,
                clock=clock,
                tag=tags.NOTIFICATION_MAIL_SENT if error is None else tags.NOTIFICATION_MAIL_FAILED,
                object_type="notification",
                object_id=str(mail.notification_id),
                after={"to": mail.to_address, "attempts": mail.attempts},
                note=error,
            )
        state = mail.state
        uow.commit()
        return state


class MailWorker:
    """Sends due e-mails in a daemon thread of ``kpcs serve`` every ``poll`` seconds, when
    an SMTP server is configured (``kpcs notifications send`` does one round by hand)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        server: SmtpServer,
        sender: str,
        *,
        poll: float = MAIL_POLL_SECONDS,
    ) -> None:
        self._args = (session_factory, clock, server, sender)
        self.poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kpcs-mail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        mail_written.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            mail_written.clear()
            try:
                send_due(*self._args)
            except Exception:  # a database briefly away must not stop the sending
                logger.exception("sending notification e-mails failed; retrying")
            mail_written.wait(self.poll)
