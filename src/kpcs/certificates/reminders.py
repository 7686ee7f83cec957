"""Chasing a missing return slip: the exporting authority reminds the importing authority.

The KP's import-confirmation decision asks importing authorities to confirm every shipment
and exporting authorities to follow up those that are not confirmed. A reminder is
recorded here (on the certificate's timeline and in the counts the lists show) and reaches
the importing authority: in its inbox when this system serves it, through the exchange when
it runs a system of its own (the exchange retries until that system has it). E-mail, for
an importer with neither, will come with e-mail itself.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs import events
from kpcs.accounts.permissions import Action, Principal, require, scoped
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.certificates import rules
from kpcs.certificates.domain import CertificateStatus, ReminderRoute
from kpcs.certificates.events import ImporterReminded
from kpcs.certificates.models import Certificate, ConfirmationReminder
from kpcs.certificates.reading import load_visible, reminder_counts, reminder_public
from kpcs.certificates.schemas import ReminderCreate, ReminderPublic, RemindersCreate, RemindersSent
from kpcs.certificates.services import ShipmentRefused
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, InvalidInput
from kpcs.exchange.topology import topology


def send_reminder(
    uow: UnitOfWork, principal: Principal, clock: Clock, number: str, body: ReminderCreate
) -> ReminderPublic:
    """Remind the importing authority that ``number`` still awaits its import confirmation."""
    with uow:
        certificate = load_visible(uow.session, principal, number)
        reminder = _remind(uow.session, principal, clock, certificate, body.note)
        uow.commit()
        return reminder_public(reminder)


def remind_unconfirmed(
    uow: UnitOfWork, principal: Principal, clock: Clock, body: RemindersCreate
) -> RemindersSent:
    """Remind the importers of every certificate the caller exported that is still
    unconfirmed ``days`` after issue; those that cannot be reminded now are listed with why."""
    # Refused up front, not certificate by certificate: a caller that may not remind at all
    # must hear so even when it has nothing to remind (it used to get an empty success).
    require(principal, Action.REMIND_IMPORTER)
    today = clock.today()
    sent: list[str] = []
    skipped: dict[str, str] = {}
    with uow:
        stmt = scoped(sa.select(Certificate), principal, Action.VIEW_CERTIFICATES).where(
            Certificate.status == CertificateStatus.ISSUED,
            Certificate.issued_on <= today - timedelta(days=body.days),
        )
        if principal.participant_code is not None:
            stmt = stmt.where(Certificate.exporting_participant == principal.participant_code)
        for certificate in uow.session.scalars(stmt.order_by(Certificate.issued_on, Certificate.id)):
            try:
                _remind(uow.session, principal, clock, certificate, body.note)
            except (ShipmentRefused, Conflict) as exc:
                problems = getattr(exc, "problems", None)
                skipped[certificate.number] = problems[0].message if problems else exc.message
            else:
                sent.append(certificate.number)
        uow.commit()
    return RemindersSent(sent=sent, skipped=skipped)


def _remind(
    session: Session, principal: Principal, clock: Clock, certificate: Certificate, note: str | None
) -> ConfirmationReminder:
    require(principal, Action.REMIND_IMPORTER, participant=certificate.exporting_participant)
    topology(session).require_served_here(
        certificate.exporting_participant, "reminding the importing authority"
    )
    note = (note or "").strip() or None
    if note is not None and len(note) > 2000:
        raise InvalidInput.field("note", "at most 2000 characters")
    count, last = reminder_counts(session, [certificate.id]).get(certificate.id, (0, None))
    now = clock.now()
    problems = rules.reminder_problems(certificate.status, last_sent_at=last, now=now)
    if problems:
        raise ShipmentRefused(problems)
    days = (clock.today() - certificate.issued_on).days
    # Served elsewhere: the exchange carries it, in the message this id names.
    elsewhere = topology(session).destination(certificate.importing_participant) is not None
    reminder = ConfirmationReminder(
        certificate_id=certificate.id,
        sent_at=now,
        sent_by=principal.actor,
        route=ReminderRoute.EXCHANGE if elsewhere else ReminderRoute.HERE,
        message_id=str(uuid.uuid4()) if elsewhere else None,
        note=note,
    )
    session.add(reminder)
    events.publish(session, clock, ImporterReminded(certificate, reminder, count + 1))
    where = "through the exchange, to its own system" if elsewhere else "in its inbox on this system"
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tags.CERTIFICATE_REMINDER_SENT,
        object_type="certificate",
        object_id=certificate.number,
        after={"reminders": count + 1, "route": reminder.route},
        note=f"reminder {count + 1} to the KP authority of {certificate.importing_participant} ({where}): "
        f"no import confirmation {days} days after issue" + (f" — {note}" if note else ""),
    )
    return reminder
