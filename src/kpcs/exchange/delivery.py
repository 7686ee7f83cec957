"""The exchange worker: enrolls a node with its hub, keeps the hub's copy of the node's
keys current, and delivers the outbox, retrying with backoff until each message is in.

One worker thread per process. Several processes may run at once (web workers, a
restarted node): a message is claimed with a short lease by a conditional update, so two
workers rarely send the same one, and when they do the receiver's inbox makes the second
delivery a no-op.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.permissions import SYSTEM, exchange_peer
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.config import Settings
from kpcs.db import UnitOfWork
from kpcs.exchange import services
from kpcs.exchange.messages import HUB, MESSAGE_TYPE, envelope, next_attempt
from kpcs.exchange.models import DeliveryState, HubLink, MessageKind, Node, OutboxMessage
from kpcs.exchange.topology import hub_link
from kpcs.participants.snapshot import current_revision
from kpcs.signing.jws import sign_compact
from kpcs.signing.keys import KeyRing
from kpcs.signing.models import INSTANCE_OWNER, KeyPurpose
from kpcs.signing.trust_list import TrustedKey, sign_trust_list

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
"""How often the outbox is looked at when nothing woke the worker: a message written by
this process wakes it at once (see :func:`kpcs.exchange.services.outbox_written`); one
written by another process (the CLI, another web worker) waits at most this long."""
LEASE = timedelta(seconds=30)
BATCH = 50
TIMEOUT = httpx.Timeout(10.0, connect=3.0)
RETRYABLE = {401, 403, 408, 409, 425, 429}
"""Refusals that may pass once something is fixed or learnt (a token, a key): retried.
Any other 4xx is final: the message is marked failed for an operator to look at."""

MESSAGES_PATH = "/api/v1/exchange/messages"


def signed_trust_list(keyring: KeyRing, clock: Clock, issuer: str) -> tuple[TrustedKey, str]:
    """This instance's trust list, signed by its trust-list key, with that key."""
    signer = keyring.active(KeyPurpose.TRUST_LIST, INSTANCE_OWNER, actor=SYSTEM)
    trust = keyring.trust_list()
    key = trust.keys[signer.kid]
    token = sign_trust_list(
        trust, signer=key, private_key=signer.private_key, issued_at=clock.now(), issuer=issuer
    )
    return key, token


class Deliverer:
    """Sends due outbox messages (and, on a node, enrolls it and sends its keys)."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        keyring: KeyRing,
        clock: Clock,
        http: httpx.Client | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.keyring = keyring
        self.clock = clock
        self.http = http or httpx.Client(timeout=TIMEOUT)
        self._enroll_after: datetime | None = None
        self._enroll_attempts = 0

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    # --- one round -------------------------------------------------------------------------

    def run_once(self) -> int:
        """Enroll if needed, send keys if they changed, deliver what is due; returns how
        many messages were delivered."""
        with self.session_factory() as session:
            link = hub_link(session)
            enrolled = link is None or link.enrolled_at is not None
            stale_keys = (
                link is not None and enrolled and link.keys_revision_sent != current_revision(session)
            )
        if not enrolled:
            self._try_enroll()
            return 0
        if stale_keys:
            self._send_keys()
        return self.deliver_due()

    def seconds_to_next_due(self) -> float:
        """How long until the earliest retry falls due (a poll interval if none is waiting)."""
        with self.session_factory() as session:
            # A message another worker is sending (leased) is due again only when its lease ends.
            leased = sa.and_(
                OutboxMessage.lease_until.is_not(None),
                OutboxMessage.lease_until > OutboxMessage.next_attempt_at,
            )
            pending = OutboxMessage.state == DeliveryState.PENDING
            times = [
                session.scalar(sa.select(sa.func.min(OutboxMessage.next_attempt_at)).where(pending, ~leased)),
                session.scalar(sa.select(sa.func.min(OutboxMessage.lease_until)).where(pending, leased)),
            ]
        found = [t for t in times if t is not None]
        if not found:
            return POLL_SECONDS
        due: datetime = min(found)
        return max(0.02, (due - self.clock.now()).total_seconds())

    def deliver_due(self) -> int:
        """Claim and send every due message (in batches); returns how many arrived."""
        delivered = 0
        for message_id in self._claim():
            if self._deliver(message_id):
                delivered += 1
        return delivered

    def _claim(self) -> list[str]:
        now = self.clock.now()
        with self.uow() as uow:
            due = uow.session.scalars(
                sa.select(OutboxMessage.id)
                .where(
                    OutboxMessage.state == DeliveryState.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                    sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
                )
                .order_by(OutboxMessage.created_at)
                .limit(BATCH)
            ).all()
            if not due:
                return []
            claimed: list[str] = []
            for message_id in due:
                result = uow.session.execute(
                    sa.update(OutboxMessage)
                    .where(
                        OutboxMessage.id == message_id,
                        OutboxMessage.state == DeliveryState.PENDING,
                        sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
                    )
                    .values(lease_until=now + LEASE)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(message_id)
            uow.commit()
            return claimed

    def _deliver(self, message_id: str) -> bool:
        with self.session_factory() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None or message.state is not DeliveryState.PENDING:
                return False
            url, token = self._address(session, message.destination)
            signed = message.signed
            if signed is None:
                payload = (message.id, message.kind, message.sender, message.recipient, dict(message.body))
        if signed is None:
            # Signed outside any transaction: signing may create the sender's first key,
            # which commits on its own (SQLite has one writer at a time).
            signed = self._sign(*payload)
            with self.uow() as uow:
                uow.session.execute(
                    sa.update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, OutboxMessage.signed.is_(None))
                    .values(signed=signed)
                )
                # Whoever signed first wins, so that every attempt sends the same bytes.
                signed = uow.session.scalar(
                    sa.select(OutboxMessage.signed).where(OutboxMessage.id == message_id)
                )
                uow.commit()
            assert signed is not None
        error: str | None
        final = False
        try:
            response = self.http.post(
                f"{url}{MESSAGES_PATH}",
                json={"message": signed},
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        else:
            if response.is_success:
                error = None
            else:
                error = f"HTTP {response.status_code}: {_detail(response)}"
                final = response.status_code < 500 and response.status_code not in RETRYABLE
        self._record_outcome(message_id, error, final)
        return error is None

    def _record_outcome(self, message_id: str, error: str | None, final: bool) -> None:
        now = self.clock.now()
        with self.uow() as uow:
            message = uow.session.get(OutboxMessage, message_id)
            if message is None:
                return
            message.attempts += 1
            message.lease_until = None
            if error is None:
                message.state = DeliveryState.DELIVERED
                message.delivered_at = now
                message.last_error = None
                self._timeline(uow.session, message)
            elif final:
                message.state = DeliveryState.FAILED
                message.last_error = error
                record(
                    uow.session,
                    actor=SYSTEM,
                    clock=self.clock,
                    tag=tags.MESSAGE_FAILED,
                    object_type="message",
                    object_id=message.id,
                    after={"destination": message.destination, "error": error},
                )
            else:
                message.last_error = error
                message.next_attempt_at = next_attempt(now, message.attempts)
            self._contact(uow.session, message.destination, now, error)
            uow.commit()

    def _timeline(self, session: Session, message: OutboxMessage) -> None:
        """Delivery of a certificate's message shows on the certificate's timeline."""
        tag = {
            MessageKind.PRE_NOTIFICATION: tags.CERTIFICATE_NOTIFIED,
            MessageKind.IMPORT_CONFIRMATION: tags.CERTIFICATE_CONFIRMATION_DELIVERED,
            MessageKind.CANCELLATION: tags.CERTIFICATE_CANCELLATION_DELIVERED,
            MessageKind.CONFIRMATION_REMINDER: tags.CERTIFICATE_REMINDER_DELIVERED,
        }.get(message.kind)
        if tag is None or message.certificate_number is None:
            return
        if hub_link(session) is None and session.get(Node, message.sender) is not None:
            return  # the hub relays a node's message: the certificate is not in the hub's books
        where = "the hub" if message.destination == HUB else f"the national node of {message.destination}"
        record(
            session,
            actor=exchange_peer(message.destination),
            clock=self.clock,
            tag=tag,
            object_type="certificate",
            object_id=message.certificate_number,
            note=f"delivered to {where} for {message.recipient} after {message.attempts} attempt(s)",
        )

    def _contact(self, session: Session, destination: str, now: datetime, error: str | None) -> None:
        peer: HubLink | Node | None = (
            hub_link(session) if destination == HUB else session.get(Node, destination)
        )
        if peer is None:
            return
        if error is None:
            peer.last_contact_at = now
        peer.last_error = error

    def _address(self, session: Session, destination: str) -> tuple[str, str]:
        if destination == HUB:
            link = hub_link(session)
            assert link is not None and link.hub_token is not None
            return link.hub_url, link.hub_token
        node = session.get(Node, destination)
        assert node is not None
        return node.url, node.callback_token

    def _sign(
        self, message_id: str, kind: MessageKind, sender: str, recipient: str, body: dict[str, Any]
    ) -> str:
        """The message as a compact JWS, signed by the sender (the hub's trust-list key for what
        the hub says as itself: trust lists, signed afresh so that a node gets the newest, and
        participants' status changes)."""
        if kind is MessageKind.TRUST_LIST:
            _, body["trust_list"] = signed_trust_list(self.keyring, self.clock, "hub")
        if sender == HUB:
            signer = self.keyring.active(KeyPurpose.TRUST_LIST, INSTANCE_OWNER, actor=SYSTEM)
        else:
            signer = self.keyring.active(KeyPurpose.CERTIFICATES, sender, actor=SYSTEM)
        payload = envelope(message_id, kind, sender, recipient, self.clock.now(), body)
        return sign_compact(payload, private_key=signer.private_key, kid=signer.kid, typ=MESSAGE_TYPE)

    # --- a node and its hub ------------------------------------------------------------------

    def _try_enroll(self) -> None:
        now = self.clock.now()
        if self._enroll_after is not None and now < self._enroll_after:
            return
        try:
            self.enroll()
        except Exception as exc:  # the hub may be down: try again later, say why
            self._enroll_attempts += 1
            self._enroll_after = next_attempt(now, self._enroll_attempts)
            logger.warning("enrolling with the hub failed (attempt %s): %s", self._enroll_attempts, exc)
            with self.uow() as uow:
                link = hub_link(uow.session)
                if link is not None:
                    link.last_error = f"enrollment: {exc}"
                    uow.commit()

    def enroll(self) -> None:
        """Register this node with its hub using the one-time enrollment token."""
        token = self.settings.enrollment_token
        if not token:
            raise RuntimeError("KPCS_ENROLLMENT_TOKEN is not set: run `kpcs nodes enroll` on the hub")
        with self.session_factory() as session:
            link = hub_link(session)
            assert link is not None
            participant, hub_url, callback = link.participant, link.hub_url, link.callback_token
        self.keyring.active(KeyPurpose.CERTIFICATES, participant, actor=SYSTEM)
        revision, trust = self.keyring.trust_list_with_revision()
        response = self.http.post(
            f"{hub_url}/api/v1/exchange/enroll",
            json={
                "enrollment_token": token,
                "participant": participant,
                "callback_token": callback,
                "keys": services.own_keys(trust, participant),
            },
        )
        if not response.is_success:
            raise RuntimeError(f"the hub answered HTTP {response.status_code}: {_detail(response)}")
        answer = response.json()
        with self.uow() as uow:
            link = hub_link(uow.session)
            assert link is not None
            link.hub_token = answer["node_token"]
            link.hub_trust_kid = answer["hub_trust_kid"]
            link.hub_trust_x = answer["hub_trust_x"]
            link.enrolled_at = self.clock.now()
            link.last_contact_at = link.enrolled_at
            link.last_error = None
            link.callback_token = None
            services.apply_trust_list(uow.session, self.clock, answer["trust_list"], link)
            # The keys just imported moved the revision; the node's own keys are with the hub.
            uow.session.flush()
            link.keys_revision_sent = current_revision(uow.session)
            record(
                uow.session,
                actor=SYSTEM,
                clock=self.clock,
                tag=tags.NODE_ENROLLED,
                object_type="node",
                object_id=participant,
                after={"hub": hub_url, "hub_trust_kid": link.hub_trust_kid},
            )
            uow.commit()
        logger.info(
            "enrolled with the hub at %s as the node of %s (revision %s)", hub_url, participant, revision
        )

    def _send_keys(self) -> None:
        with self.session_factory() as session:
            link = hub_link(session)
            assert link is not None and link.hub_token is not None
            participant, hub_url, hub_token = link.participant, link.hub_url, link.hub_token
        revision, trust = self.keyring.trust_list_with_revision()
        try:
            response = self.http.post(
                f"{hub_url}/api/v1/exchange/keys",
                json={"keys": services.own_keys(trust, participant)},
                headers={"Authorization": f"Bearer {hub_token}"},
            )
            ok = response.is_success
            error = None if ok else f"keys: HTTP {response.status_code}: {_detail(response)}"
        except httpx.HTTPError as exc:
            ok, error = False, f"keys: {type(exc).__name__}: {exc}"
        with self.uow() as uow:
            link = hub_link(uow.session)
            assert link is not None
            if ok:
                link.keys_revision_sent = revision
                link.last_contact_at = self.clock.now()
            link.last_error = error
            uow.commit()

    def pull_trust_list(self) -> int:
        """Fetch the hub's signed trust list now (a message named a key not seen yet)."""
        with self.session_factory() as session:
            link = hub_link(session)
            if link is None or link.hub_trust_kid is None:
                return 0
            hub_url = link.hub_url
        response = self.http.get(f"{hub_url}/api/v1/trust-list/signed")
        response.raise_for_status()
        with self.uow() as uow:
            link = hub_link(uow.session)
            assert link is not None
            changed = services.apply_trust_list(uow.session, self.clock, response.text, link)
            uow.commit()
            return changed


def _detail(response: httpx.Response) -> str:
    try:
        detail: Any = response.json().get("detail")
    except ValueError:
        detail = response.text[:200]
    return str(detail)[:500]


class ExchangeWorker:
    """Runs a :class:`Deliverer` in a daemon thread until stopped: at once when this
    process committed an outbox message, otherwise every ``poll`` seconds."""

    def __init__(self, deliverer: Deliverer, *, poll: float = POLL_SECONDS) -> None:
        self.deliverer = deliverer
        self.poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"kpcs-exchange-{uuid.uuid4().hex[:6]}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current round (at most one HTTP timeout away), so that no
        connection is still in use when the app disposes of its engine."""
        self._stop.set()
        services.outbox_written.set()
        self._thread.join()
        self.deliverer.http.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            services.outbox_written.clear()
            try:
                busy = self.deliverer.run_once()
            except Exception:  # a database or peer briefly away must not stop delivery
                logger.exception("exchange round failed; retrying")
                busy = 0
            if not busy:
                wait = min(self.poll, self.deliverer.seconds_to_next_due())
                services.outbox_written.wait(wait)
