"""Use cases of the exchange: where a participant is served, writing messages to the
outbox, receiving them exactly once, enrolling nodes, and the operator's view.

The hub serves every participant that has no node of its own; a node serves one. A
change that another system must learn of writes an outbox row in its own transaction
(:func:`enqueue`); :mod:`kpcs.exchange.delivery` sends it. :func:`receive` stores each
message id once and applies its effect in the same transaction, so a message delivered
twice has its effect once, and one that arrives before the certificate it concerns waits
for it.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kpcs import events
from kpcs.accounts.permissions import Action, Principal, exchange_peer, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.certificates.credential import read_optional
from kpcs.certificates.events import (
    CertificateCancelled,
    CertificateIssued,
    ImportConfirmed,
    ImporterReminded,
    ReminderReceived,
)
from kpcs.certificates.models import (
    CancellationReason,
    Certificate,
    CertificateLine,
    CertificateStatus,
    ConfirmationReminder,
    ImportConfirmation,
    ReminderRoute,
)
from kpcs.certificates.valuation import forget_after
from kpcs.certificates.verification import verify_offline
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kpcs.exchange.messages import HUB, Message, MessageRefused, read_message
from kpcs.exchange.models import (
    DeliveryState,
    EnrollmentToken,
    HubLink,
    InboxMessage,
    InboxState,
    MessageKind,
    Node,
    OutboxMessage,
)
from kpcs.exchange.topology import destination_of, hub_link, topology
from kpcs.participants.events import ParticipantStatusChanged
from kpcs.participants.models import Participant, ParticipantStatusChange
from kpcs.participants.registry import ParticipantStatus, StatusEntry
from kpcs.participants.services import take_status_change
from kpcs.participants.snapshot import bump_revision
from kpcs.signing.keys import KeyRing, import_keys
from kpcs.signing.models import INSTANCE_OWNER, KeyPurpose
from kpcs.signing.trust_list import TrustedKey, TrustList, open_signed_trust_list

ENROLLMENT_VALID_FOR = timedelta(days=7)

outbox_written = threading.Event()
"""Set when this process commits an outbox message: the exchange worker wakes at once
instead of at its next poll (a pre-notification crosses hub and node in a fraction of a
second, and an idle worker costs one query a second)."""
_OUTBOX_FLAG = "kpcs_outbox_written"


@event.listens_for(Session, "after_commit")
def _wake_the_worker(session: Session) -> None:
    if session.info.pop(_OUTBOX_FLAG, False):
        outbox_written.set()


def _add_to_outbox(session: Session, message: OutboxMessage) -> None:
    session.add(message)
    session.info[_OUTBOX_FLAG] = True


def token_hash(token: str) -> str:
    """How tokens are kept: their SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_hub_link(uow: UnitOfWork, clock: Clock, participant: str, hub_url: str) -> HubLink:
    """Make this database a node of ``participant`` linked to ``hub_url`` (idempotent)."""
    with uow:
        if uow.session.get(Participant, participant) is None:
            raise InvalidInput.field("KPCS_NODE", f"{participant} is not a participant in the registry")
        link = hub_link(uow.session)
        if link is not None:
            if link.participant != participant:
                raise Conflict(f"this database belongs to the node of {link.participant}, not {participant}")
            if link.hub_url != hub_url.rstrip("/"):
                link.hub_url = hub_url.rstrip("/")
                uow.commit()
            return link
        callback = secrets.token_urlsafe(32)
        link = HubLink(
            id=1,
            participant=participant,
            hub_url=hub_url.rstrip("/"),
            callback_token=callback,
            callback_token_hash=token_hash(callback),
        )
        uow.session.add(link)
        bump_revision(uow.session)
        uow.commit()
        return link


# --- writing messages ------------------------------------------------------------------------


def enqueue(
    session: Session,
    clock: Clock,
    kind: MessageKind,
    *,
    sender: str,
    recipient: str,
    body: dict[str, Any],
    destination: str | None = None,
    revision: int | None = None,
    message_id: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction, if ``recipient`` is served
    elsewhere (None otherwise: nothing to send). ``message_id``: an id the caller already
    recorded (a reminder names the message that carries it); a new one otherwise."""
    destination = destination or topology(session, revision).destination(recipient)
    if destination is None:
        return None
    now = clock.now()
    message = OutboxMessage(
        id=message_id or str(uuid.uuid4()),
        kind=kind,
        sender=sender,
        recipient=recipient,
        destination=destination,
        certificate_number=body.get("number"),
        body=body,
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    _add_to_outbox(session, message)
    return message


def notify_issued(session: Session, clock: Clock, event: CertificateIssued) -> None:
    """Subscriber of :class:`CertificateIssued`: the pre-notification of a new certificate to
    the importing participant, when another system serves it."""
    certificate, revision = event.certificate, event.revision
    enqueue(
        session,
        clock,
        MessageKind.PRE_NOTIFICATION,
        sender=certificate.exporting_participant,
        recipient=certificate.importing_participant,
        body={"number": certificate.number, "credential": certificate.credential},
        revision=revision,
    )


def notify_confirmed(session: Session, clock: Clock, event: ImportConfirmed) -> None:
    """Subscriber of :class:`ImportConfirmed`: the return slip, back to the exporting participant."""
    certificate = event.certificate
    confirmation = certificate.confirmation
    assert confirmation is not None
    enqueue(
        session,
        clock,
        MessageKind.IMPORT_CONFIRMATION,
        sender=certificate.importing_participant,
        recipient=certificate.exporting_participant,
        body={
            "number": certificate.number,
            "received_on": confirmation.received_on.isoformat(),
            "carats_received": _text(confirmation.carats_received),
            "value_usd_received": _text(confirmation.value_usd_received),
            "parcels_received": confirmation.parcels_received,
            "hs_codes_received": confirmation.hs_codes_received,
            "seals": confirmation.seals,
            "discrepancies": confirmation.discrepancies,
            "note": confirmation.note,
            "confirmed_at": confirmation.confirmed_at.isoformat(),
            "confirmed_by": confirmation.confirmed_by,
        },
    )


def notify_cancelled(session: Session, clock: Clock, event: CertificateCancelled) -> None:
    """Subscriber of :class:`CertificateCancelled`: the exporter voided a certificate, the
    importer must not accept the goods on it."""
    certificate = event.certificate
    enqueue(
        session,
        clock,
        MessageKind.CANCELLATION,
        sender=certificate.exporting_participant,
        recipient=certificate.importing_participant,
        body={
            "number": certificate.number,
            "reason": certificate.cancellation_reason.value if certificate.cancellation_reason else "other",
            "note": certificate.cancellation_note,
            "cancelled_at": certificate.cancelled_at.isoformat() if certificate.cancelled_at else None,
        },
    )


def send_reminder(session: Session, clock: Clock, event: ImporterReminded) -> None:
    """Subscriber of :class:`ImporterReminded`: the reminder, to the importer's own system when
    another one serves it (the reminder already names the message)."""
    certificate, reminder = event.certificate, event.reminder
    if reminder.message_id is None:
        return  # served here: the importer's inbox shows the reminder
    enqueue(
        session,
        clock,
        MessageKind.CONFIRMATION_REMINDER,
        sender=certificate.exporting_participant,
        recipient=certificate.importing_participant,
        body={
            "number": certificate.number,
            "sent_at": reminder.sent_at.isoformat(),
            "reminder": event.sequence,
            "note": reminder.note,
        },
        message_id=reminder.message_id,
    )


def broadcast_trust_list(session: Session, clock: Clock, *, except_for: str | None = None) -> None:
    """Tell every node that the hub's keys changed (the list itself is signed when sent)."""
    for node in session.scalars(sa.select(Node).where(Node.participant != (except_for or ""))):
        enqueue(
            session,
            clock,
            MessageKind.TRUST_LIST,
            sender=HUB,
            recipient=node.participant,
            body={},
            destination=node.participant,
        )


def broadcast_status_change(session: Session, clock: Clock, event: ParticipantStatusChanged) -> None:
    """Subscriber of :class:`ParticipantStatusChanged`: on the hub, tell every national node,
    whose registry otherwise stays the shipped file's (a node would keep issuing to a
    participant suspended here). A node's own changes stay on the node."""
    if hub_link(session) is not None:
        return
    for node in session.scalars(sa.select(Node)):
        _enqueue_status(session, clock, node.participant, event.code, event.entry)


def _enqueue_status(session: Session, clock: Clock, node: str, code: str, entry: StatusEntry) -> None:
    enqueue(
        session,
        clock,
        MessageKind.PARTICIPANT_STATUS,
        sender=HUB,
        recipient=node,
        body=status_body(code, entry),
        destination=node,
    )


def status_body(code: str, entry: StatusEntry) -> dict[str, Any]:
    """A status change as a message carries it."""
    return {
        "participant": code,
        "status": entry.status.value,
        "effective_on": entry.effective_on.isoformat(),
        "reason": entry.reason,
        "zones": list(entry.zones),
    }


def _status_entry(body: dict[str, Any]) -> tuple[str, StatusEntry]:
    """The status change a message carries; refused whole when a field is wrong."""
    code, zones, reason = body.get("participant"), body.get("zones"), body.get("reason")
    if not isinstance(code, str) or not isinstance(reason, str):
        raise MessageRefused("a status change names its 'participant' and gives its 'reason'")
    if not isinstance(zones, list) or not all(isinstance(zone, str) for zone in zones):
        raise MessageRefused("a status change's 'zones' is a list of zone names")
    try:
        status = ParticipantStatus(str(body.get("status")))
        effective_on = date.fromisoformat(str(body.get("effective_on")))
    except ValueError:
        raise MessageRefused("a status change has a known 'status' and an 'effective_on' date") from None
    return code, StatusEntry(status=status, effective_on=effective_on, reason=reason, zones=tuple(zones))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- receiving -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """What receiving a message did."""

    id: str
    result: str  # "accepted" or "duplicate"
    state: str | None = None
    note: str | None = None


@dataclass
class Caller:
    """Who delivered a message: the hub (to a node) or a node (to the hub)."""

    participant: str | None  # the node's participant; None when the hub calls a node


def caller_from_token(session: Session, token: str | None, clock: Clock) -> Caller:
    """Authenticate the other side of an exchange call by its bearer token."""
    if not token:
        from kpcs.errors import NotAuthenticated

        raise NotAuthenticated("exchange calls carry the token given at enrollment")
    digest = token_hash(token)
    link = hub_link(session)
    if link is not None:
        if not secrets.compare_digest(digest, link.callback_token_hash):
            raise PermissionDenied("this token is not the hub's token for this node")
        return Caller(participant=None)
    node = session.scalar(sa.select(Node).where(Node.token_hash == digest))
    if node is None:
        raise PermissionDenied("no enrolled node holds this token")
    return Caller(participant=node.participant)


def receive(uow: UnitOfWork, keyring: KeyRing, clock: Clock, signed: str, caller: Caller) -> Receipt:
    """Store a message once and apply (or forward) it, all in one transaction."""
    with uow:
        session = uow.session
        link = hub_link(session)
        hub_key = _pinned_hub_key(link)
        message = read_message(signed, keyring.trust_list(session), hub_key=hub_key)
        if link is None and message.sender != caller.participant:
            raise PermissionDenied(
                f"the node of {caller.participant} may only send its own messages, not {message.sender}'s"
            )
        if link is not None and message.recipient != link.participant:
            raise MessageRefused(f"this node serves {link.participant}, not {message.recipient}")
        if session.get(InboxMessage, message.id) is not None:
            return Receipt(id=message.id, result="duplicate")
        now = clock.now()
        forward_to = destination_of(session, message.recipient) if link is None else None
        if forward_to is not None:
            state, note = InboxState.FORWARDED, f"forwarded to the node of {forward_to}"
            _add_to_outbox(
                session,
                OutboxMessage(
                    id=message.id,
                    kind=message.kind,
                    sender=message.sender,
                    recipient=message.recipient,
                    destination=forward_to,
                    certificate_number=message.certificate_number,
                    body=message.body,
                    signed=message.signed,
                    state=DeliveryState.PENDING,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                ),
            )
        else:
            state, note = _apply(session, keyring, clock, message, link)
        session.add(
            InboxMessage(
                id=message.id,
                kind=message.kind,
                sender=message.sender,
                recipient=message.recipient,
                certificate_number=message.certificate_number,
                signed=message.signed,
                sent_at=message.sent_at,
                received_at=now,
                state=state,
                applied_at=now if state is InboxState.APPLIED else None,
                note=note,
            )
        )
        if state is InboxState.APPLIED and message.kind is MessageKind.PRE_NOTIFICATION:
            _apply_waiting(session, keyring, clock, message.certificate_number, link)
        _touch(session, caller, now)
        try:
            uow.commit()
        except IntegrityError:
            # The same message, delivered twice at the same moment: the other copy won.
            return Receipt(id=message.id, result="duplicate")
        return Receipt(id=message.id, result="accepted", state=state.value, note=note)


def _touch(session: Session, caller: Caller, now: datetime) -> None:
    if caller.participant is None:
        link = hub_link(session)
        if link is not None:
            link.last_contact_at = now
    elif (node := session.get(Node, caller.participant)) is not None:
        node.last_contact_at = now


def _pinned_hub_key(link: HubLink | None) -> TrustedKey | None:
    if link is None or link.hub_trust_kid is None or link.hub_trust_x is None:
        return None
    return TrustedKey(
        kid=link.hub_trust_kid,
        purpose=KeyPurpose.TRUST_LIST,
        owner=INSTANCE_OWNER,
        x=link.hub_trust_x,
        valid_from=datetime.min,
    )


def _apply(
    session: Session, keyring: KeyRing, clock: Clock, message: Message, link: HubLink | None
) -> tuple[InboxState, str]:
    """Apply one message here; a message about a certificate not here yet waits for it."""
    if message.kind is MessageKind.TRUST_LIST:
        if link is None:
            raise MessageRefused("the hub does not take trust lists from nodes (nodes send their keys)")
        changed = apply_trust_list(session, clock, str(message.body.get("trust_list", "")), link)
        return InboxState.APPLIED, f"{changed} key(s) added or updated"
    if message.kind is MessageKind.PARTICIPANT_STATUS:
        if link is None or message.sender != HUB:
            raise MessageRefused("status changes come from the hub, to national nodes")
        code, entry = _status_entry(message.body)
        if session.get(Participant, code) is None:
            raise MessageRefused(f"{code} is not a participant in this node's registry")
        return InboxState.APPLIED, take_status_change(session, clock, exchange_peer(HUB), code, entry)
    number = message.certificate_number
    if number is None:
        raise MessageRefused("the message does not name its certificate ('number')")
    if message.kind is MessageKind.PRE_NOTIFICATION:
        return InboxState.APPLIED, _store_copy(session, keyring, clock, message)
    certificate = session.scalar(sa.select(Certificate).where(Certificate.number == number))
    if certificate is None:
        return InboxState.WAITING, f"{number} is not here yet; applied when its pre-notification arrives"
    return InboxState.APPLIED, _apply_to(session, clock, message, certificate)


def _apply_to(session: Session, clock: Clock, message: Message, certificate: Certificate) -> str:
    peer = exchange_peer(message.sender)
    body = message.body
    if message.kind is MessageKind.IMPORT_CONFIRMATION:
        if certificate.exporting_participant != message.recipient or (
            certificate.importing_participant != message.sender
        ):
            raise MessageRefused(f"{message.sender} is not the importer of {certificate.number}")
        if certificate.status is CertificateStatus.CONFIRMED:
            return "already confirmed"
        if certificate.status is CertificateStatus.CANCELLED:
            return _hold(
                session,
                clock,
                message,
                certificate,
                f"{message.sender} confirmed the import of a certificate cancelled here",
                "the certificate was cancelled here; the confirmation is recorded, not applied",
            )
        received_on = date.fromisoformat(str(body["received_on"]))
        certificate.confirmation = ImportConfirmation(
            received_on=received_on,
            carats_received=_decimal(body.get("carats_received")),
            value_usd_received=_decimal(body.get("value_usd_received")),
            parcels_received=body.get("parcels_received"),
            # Absent from the slips of systems older than the return slip's HS codes and seals.
            hs_codes_received=body.get("hs_codes_received"),
            seals=body.get("seals"),
            discrepancies=list(body.get("discrepancies") or []),
            note=body.get("note"),
            confirmed_at=datetime.fromisoformat(str(body["confirmed_at"])),
            confirmed_by=f"{message.sender}:{body.get('confirmed_by', '')}"[:120],
        )
        certificate.status = CertificateStatus.CONFIRMED
        record(
            session,
            actor=peer,
            clock=clock,
            tag=tags.CERTIFICATE_IMPORT_CONFIRMED,
            object_type="certificate",
            object_id=certificate.number,
            before={"status": "issued"},
            after={"status": "confirmed", "received_on": received_on},
            note=f"return slip from {message.sender}, received on {received_on}",
        )
        return "import confirmed"
    if message.kind is MessageKind.CANCELLATION:
        if certificate.exporting_participant != message.sender:
            raise MessageRefused(f"{message.sender} is not the exporter of {certificate.number}")
        if certificate.status is CertificateStatus.CANCELLED:
            return "already cancelled"
        if certificate.status is CertificateStatus.CONFIRMED:
            return _hold(
                session,
                clock,
                message,
                certificate,
                f"{message.sender} cancelled a certificate whose import was confirmed here",
                "the import was already confirmed here; the cancellation is recorded, not applied",
            )
        try:
            reason = CancellationReason(str(body.get("reason")))
        except ValueError:
            reason = CancellationReason.OTHER
        certificate.status = CertificateStatus.CANCELLED
        certificate.cancelled_at = datetime.fromisoformat(str(body["cancelled_at"]))
        certificate.cancelled_by = f"node:{message.sender}"
        certificate.cancellation_reason = reason
        certificate.cancellation_note = body.get("note")
        record(
            session,
            actor=peer,
            clock=clock,
            tag=tags.CERTIFICATE_CANCELLED,
            object_type="certificate",
            object_id=certificate.number,
            before={"status": "issued"},
            after={"status": "cancelled"},
            note=f"cancelled by {message.sender}: {reason.value.replace('_', ' ')}",
        )
        return "cancelled"
    if message.kind is MessageKind.CONFIRMATION_REMINDER:
        return _remember_reminder(session, clock, message, certificate)
    raise MessageRefused(f"a {message.kind.value} message does not concern a certificate")


def _remember_reminder(session: Session, clock: Clock, message: Message, certificate: Certificate) -> str:
    """The exporter chases its return slip: the importing authority sees the reminder on
    the certificate and in its inbox (unless the confirmation is already on its way)."""
    if certificate.exporting_participant != message.sender:
        raise MessageRefused(f"{message.sender} is not the exporter of {certificate.number}")
    if certificate.status is not CertificateStatus.ISSUED:
        return f"not shown: the certificate is {certificate.status.value} here"
    try:
        sent_at = datetime.fromisoformat(str(message.body.get("sent_at")))
    except ValueError:
        sent_at = message.sent_at
    if sent_at.tzinfo is None:  # a peer's clock without a zone: the envelope's time is the one we trust
        sent_at = message.sent_at
    note = message.body.get("note")
    note = str(note)[:2000] if note else None
    reminder = ConfirmationReminder(
        certificate_id=certificate.id,
        sent_at=sent_at,
        sent_by=f"node:{message.sender}",
        route=ReminderRoute.RECEIVED,
        message_id=message.id,
        note=note,
    )
    session.add(reminder)
    events.publish(session, clock, ReminderReceived(certificate, reminder))
    record(
        session,
        actor=exchange_peer(message.sender),
        clock=clock,
        tag=tags.CERTIFICATE_REMINDER_RECEIVED,
        object_type="certificate",
        object_id=certificate.number,
        note=f"the KP authority of {message.sender} asks for the import confirmation"
        + (f" — {note}" if note else ""),
    )
    return "reminder shown to the importing authority"


def _hold(
    session: Session, clock: Clock, message: Message, certificate: Certificate, conflict: str, outcome: str
) -> str:
    """Record, on the certificate's timeline, a message that contradicts its state here."""
    record(
        session,
        actor=exchange_peer(message.sender),
        clock=clock,
        tag=tags.CERTIFICATE_MESSAGE_HELD,
        object_type="certificate",
        object_id=certificate.number,
        note=f"{conflict}: look into it",
    )
    return outcome


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _store_copy(session: Session, keyring: KeyRing, clock: Clock, message: Message) -> str:
    """Keep the importer's copy of a certificate issued elsewhere, after checking it."""
    credential = message.body.get("credential")
    if not isinstance(credential, str):
        raise MessageRefused("a pre-notification carries the signed credential")
    result = verify_offline(credential, keyring.trust_list(session), now=clock.now())
    if not result.signature_verified or result.subject is None:
        raise MessageRefused("the credential does not verify: " + "; ".join(result.problems))
    if result.issuing_participant != message.sender or result.number != message.certificate_number:
        raise MessageRefused("the credential is not the sender's certificate named in the message")
    s = result.subject
    if s.get("importing_participant") != message.recipient:
        raise MessageRefused(
            f"the certificate is for {s.get('importing_participant')}, not {message.recipient}"
        )
    if session.scalar(sa.select(Certificate.id).where(Certificate.number == result.number)) is not None:
        return "already here"
    now = clock.now()
    lines = [
        CertificateLine(
            position=i,
            hs_code=str(line["hs_code"]),
            origin=str(line["origin"]),
            carats=Decimal(str(line["carats"])),
            value_usd=Decimal(str(line["value_usd"])),
            departed_origin_on=date.fromisoformat(line["departed_origin_on"])
            if isinstance(line.get("departed_origin_on"), str)
            else None,
        )
        for i, line in enumerate(s["lines"])
    ]
    optional = read_optional(s)
    forget_after(session, message.sender, date.fromisoformat(s["issued_on"]))
    certificate = Certificate(
        number=result.number,
        status=CertificateStatus.ISSUED,
        exporting_participant=message.sender,
        importing_participant=message.recipient,
        exporting_country=s["exporting_country"],
        importing_country=s["importing_country"],
        exporter_name=s["exporter"]["name"],
        exporter_address=s["exporter"]["address"],
        importer_name=s["importer"]["name"],
        importer_address=s["importer"]["address"],
        parcel_count=int(s["parcel_count"]),
        total_carats=sum((line.carats for line in lines), Decimal(0)),
        total_value_usd=sum((line.value_usd for line in lines), Decimal(0)),
        issued_on=date.fromisoformat(s["issued_on"]),
        expires_on=date.fromisoformat(s["expires_on"]),
        issuing_authority=s["issuing_authority"],
        kid=result.kid,
        credential=credential,
        issued_at=message.sent_at,
        issued_by=f"node:{message.sender}",
        received_at=now,
        confirmation=None,
        loss_reports=[],
        warnings=[],
        lines=lines,
        container=optional.container.as_json() if optional.container else None,
        transit_participants=list(optional.transit) or None,
        quality_characteristics=optional.quality_characteristics,
        additional_information=optional.additional_information,
    )
    session.add(certificate)
    session.flush()
    record(
        session,
        actor=exchange_peer(message.sender),
        clock=clock,
        tag=tags.CERTIFICATE_RECEIVED,
        object_type="certificate",
        object_id=certificate.number,
        after={"exporting_participant": message.sender, "kid": result.kid},
        note=f"pre-notification from {message.sender}"
        + ("" if result.valid else f" ({'; '.join(result.problems)})"),
    )
    return "certificate received" + ("" if result.valid else f" with problems: {'; '.join(result.problems)}")


def _apply_waiting(
    session: Session, keyring: KeyRing, clock: Clock, number: str | None, link: HubLink | None
) -> None:
    """Apply what arrived before the certificate did (a confirmation, a cancellation)."""
    waiting = session.scalars(
        sa.select(InboxMessage)
        .where(InboxMessage.certificate_number == number, InboxMessage.state == InboxState.WAITING)
        .order_by(InboxMessage.sent_at, InboxMessage.received_at)
    ).all()
    if not waiting:
        return
    trust = keyring.trust_list(session)
    certificate = session.scalar(sa.select(Certificate).where(Certificate.number == number))
    assert certificate is not None
    for row in waiting:
        message = read_message(row.signed, trust, hub_key=_pinned_hub_key(link))
        row.note = _apply_to(session, clock, message, certificate)
        row.state = InboxState.APPLIED
        row.applied_at = clock.now()


def apply_trust_list(session: Session, clock: Clock, signed: str, link: HubLink) -> int:
    """Take the hub's signed trust list: the keys of every other participant's authority."""
    opened = open_signed_trust_list(signed, pinned_kid=link.hub_trust_kid)
    owners = {key.owner for key in opened.trust_list.keys.values()} - {link.participant, INSTANCE_OWNER}
    return import_keys(
        session, clock, list(opened.trust_list.keys.values()), actor=exchange_peer(HUB), owners=owners
    )


# --- enrollment ------------------------------------------------------------------------------


def create_enrollment(uow: UnitOfWork, principal: Principal, clock: Clock, participant: str, url: str) -> str:
    """A one-time token for ``participant``'s node at ``url`` (printed once, kept hashed)."""
    require(principal, Action.MANAGE_NODES)
    participant = participant.strip().upper()
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise InvalidInput.field("url", "give the node's address, starting with http:// or https://")
    with uow:
        if hub_link(uow.session) is not None:
            raise Conflict("this is a national node: nodes are enrolled on the hub")
        if uow.session.get(Participant, participant) is None:
            raise NotFound(f"{participant} is not a participant in the registry")
        token = "kpcs-enroll-" + secrets.token_urlsafe(24)
        now = clock.now()
        uow.session.add(
            EnrollmentToken(
                token_hash=token_hash(token),
                participant=participant,
                url=url,
                created_at=now,
                created_by=principal.actor,
                expires_at=now + ENROLLMENT_VALID_FOR,
            )
        )
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.NODE_ENROLLMENT_CREATED,
            object_type="node",
            object_id=participant,
            after={"url": url, "expires_at": now + ENROLLMENT_VALID_FOR},
        )
        uow.commit()
        return token


@dataclass(frozen=True)
class Enrolled:
    """What the hub gives a node that enrolled: its token and the hub's trust list."""

    node_token: str
    hub_trust_kid: str
    hub_trust_x: str
    trust_list: str


def enroll(
    uow: UnitOfWork,
    keyring: KeyRing,
    clock: Clock,
    *,
    token: str,
    participant: str,
    callback_token: str,
    keys: list[TrustedKey],
    signed_trust_list: Any,
) -> Enrolled:
    """Enroll a node with its one-time token: its keys join the trust list, its address is
    kept, and it gets the token it presents from now on. A retry by the same node (the same
    key) after a lost answer enrolls it again; anyone else is refused."""
    with uow:
        session = uow.session
        if hub_link(session) is not None:
            raise Conflict("this is a national node, not a hub")
        row = session.get(EnrollmentToken, token_hash(token))
        now = clock.now()
        if row is None or row.participant != participant:
            raise PermissionDenied("this enrollment token is unknown or was made for another participant")
        if row.expires_at < now:
            raise PermissionDenied(
                f"this enrollment token expired on {row.expires_at:%Y-%m-%d}: make a new one"
            )
        own = [k for k in keys if k.purpose is KeyPurpose.CERTIFICATES and k.owner == participant]
        active = [k for k in own if k.status == "active"]
        if len(active) != 1:
            raise InvalidInput.field(
                "keys", f"send the node's keys, exactly one of them active for {participant}"
            )
        if row.used_at is not None and row.used_by_kid not in {k.kid for k in own}:
            raise PermissionDenied("this enrollment token was already used by another node")
        row.used_at = row.used_at or now
        row.used_by_kid = row.used_by_kid or active[0].kid
        node_token = "kpcs-node-" + secrets.token_urlsafe(32)
        node = session.get(Node, participant)
        if node is None:
            node = Node(participant=participant, enrolled_at=now, enrolled_with=row.token_hash)
            session.add(node)
        node.url = row.url
        node.token_hash = token_hash(node_token)
        node.callback_token = callback_token
        node.last_contact_at = now
        node.last_error = None
        import_keys(session, clock, own, actor=exchange_peer(participant), owners={participant})
        bump_revision(session)  # the topology changed: the hub no longer issues for this participant
        record(
            session,
            actor=exchange_peer(participant),
            clock=clock,
            tag=tags.NODE_ENROLLED,
            object_type="node",
            object_id=participant,
            after={"url": row.url, "kid": active[0].kid},
        )
        broadcast_trust_list(session, clock, except_for=participant)
        _send_status_history(session, clock, participant)
        uow.commit()
    signer, trust_list = signed_trust_list()
    return Enrolled(
        node_token=node_token, hub_trust_kid=signer.kid, hub_trust_x=signer.x, trust_list=trust_list
    )


def _send_status_history(session: Session, clock: Clock, node: str) -> None:
    """A new node knows the shipped registry only: send it every change made on the hub
    since (one it already has changes nothing there)."""
    for change in session.scalars(
        sa.select(ParticipantStatusChange)
        .where(ParticipantStatusChange.recorded_by != "registry")
        .order_by(ParticipantStatusChange.effective_on, ParticipantStatusChange.id)
    ):
        _enqueue_status(session, clock, node, change.participant_code, change.to_entry())


def take_node_keys(uow: UnitOfWork, clock: Clock, caller: Caller, keys: list[TrustedKey]) -> int:
    """A node's keys changed (rotation, revocation): update them here and tell the others."""
    assert caller.participant is not None
    with uow:
        changed = import_keys(
            uow.session, clock, keys, actor=exchange_peer(caller.participant), owners={caller.participant}
        )
        if changed:
            broadcast_trust_list(uow.session, clock, except_for=caller.participant)
        _touch(uow.session, caller, clock.now())
        uow.commit()
        return changed


def own_keys(trust: TrustList, participant: str) -> list[dict[str, Any]]:
    """This node's authority keys as JWKs, for the hub."""
    return [
        key.to_jwk()
        for key in trust.keys.values()
        if key.purpose is KeyPurpose.CERTIFICATES and key.owner == participant
    ]


# --- the operator's view ---------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """Outgoing messages to one destination."""

    destination: str
    url: str | None
    pending: int
    delivered: int
    failed: int
    oldest_pending_at: datetime | None
    last_contact_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class ExchangeStatus:
    """Queues, failures and the last contact of each peer."""

    role: str  # "hub" or "node"
    participant: str | None
    hub_url: str | None
    enrolled_at: datetime | None
    queues: list[Queue]
    waiting: int
    received: int
    failures: list[dict[str, Any]] = field(default_factory=list)


def exchange_status(session: Session, principal: Principal) -> ExchangeStatus:
    """What an operator needs to see whether messages flow."""
    require(principal, Action.MANAGE_NODES)
    counts: dict[str, dict[str, Any]] = {}
    for destination, state, count, oldest in session.execute(
        sa.select(
            OutboxMessage.destination,
            OutboxMessage.state,
            sa.func.count(),
            sa.func.min(OutboxMessage.created_at),
        ).group_by(OutboxMessage.destination, OutboxMessage.state)
    ):
        entry = counts.setdefault(destination, {"pending": 0, "delivered": 0, "failed": 0, "oldest": None})
        entry[DeliveryState(state).value] = count
        if state == DeliveryState.PENDING:
            entry["oldest"] = oldest
    link = hub_link(session)
    queues: list[Queue] = []
    if link is not None:
        entry = counts.get(HUB, {})
        queues.append(
            Queue(
                HUB,
                link.hub_url,
                entry.get("pending", 0),
                entry.get("delivered", 0),
                entry.get("failed", 0),
                entry.get("oldest"),
                link.last_contact_at,
                link.last_error,
            )
        )
    else:
        for node in session.scalars(sa.select(Node).order_by(Node.participant)):
            entry = counts.get(node.participant, {})
            queues.append(
                Queue(
                    node.participant,
                    node.url,
                    entry.get("pending", 0),
                    entry.get("delivered", 0),
                    entry.get("failed", 0),
                    entry.get("oldest"),
                    node.last_contact_at,
                    node.last_error,
                )
            )
    failures = [
        {
            "id": m.id,
            "kind": m.kind.value,
            "destination": m.destination,
            "certificate": m.certificate_number,
            "attempts": m.attempts,
            "error": m.last_error,
        }
        for m in session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.state == DeliveryState.FAILED)
            .order_by(OutboxMessage.created_at.desc())
            .limit(50)
        )
    ]
    waiting = session.scalar(sa.select(sa.func.count()).where(InboxMessage.state == InboxState.WAITING)) or 0
    received = session.scalar(sa.select(sa.func.count()).select_from(InboxMessage)) or 0
    return ExchangeStatus(
        role="node" if link is not None else "hub",
        participant=link.participant if link is not None else None,
        hub_url=link.hub_url if link is not None else None,
        enrolled_at=link.enrolled_at if link is not None else None,
        queues=queues,
        waiting=waiting,
        received=received,
        failures=failures,
    )


def retry_failed(uow: UnitOfWork, principal: Principal, clock: Clock, message_id: str) -> None:
    """Send a failed message again (after the cause was fixed)."""
    require(principal, Action.MANAGE_NODES)
    with uow:
        message = uow.session.get(OutboxMessage, message_id)
        if message is None:
            raise NotFound(f"no outgoing message {message_id}")
        if message.state is not DeliveryState.FAILED:
            raise Conflict(f"message {message_id} is {message.state.value}, not failed")
        message.state = DeliveryState.PENDING
        message.next_attempt_at = clock.now()
        message.attempts = 0
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.MESSAGE_RETRIED,
            object_type="message",
            object_id=message_id,
            before={"state": "failed"},
            after={"state": "pending"},
        )
        uow.commit()
