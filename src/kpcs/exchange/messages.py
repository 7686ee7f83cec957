"""Signed messages between kpcs instances: the envelope, its signature, and retry timing.

Pure functions (no database, no network). A message is a compact JWS (EdDSA) whose
payload is ``{"id", "kind", "from", "to", "sent_at", "body"}``; it is signed by the
sending participant's authority key (or, for trust-list updates, the hub's trust-list
key), so that whoever relays it (the hub) cannot forge or alter it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kpcs.errors import Conflict, InvalidInput
from kpcs.exchange.models import MessageKind
from kpcs.signing.jws import MalformedToken, header_problems, parse_compact, signature_valid
from kpcs.signing.models import KeyPurpose
from kpcs.signing.trust_list import TrustedKey, TrustList

MESSAGE_TYPE = "kpcs-message+jwt"
HUB = "hub"
"""``from`` of messages the hub signs as itself (trust-list updates)."""

FIRST_RETRY_SECONDS = 0.5
MAX_RETRY_SECONDS = 60.0
"""Backoff doubles from half a second to a minute: a node back after an hour is served
within a minute, and a dead one costs one attempt a minute."""


class MessageRefused(InvalidInput):
    """A received message that can never be accepted (bad signature, wrong sender)."""


class UnknownSigner(Conflict):
    """Signed by a key this instance does not know yet (it may learn it: retry later)."""


@dataclass(frozen=True)
class Message:
    """A verified message."""

    id: str
    kind: MessageKind
    sender: str
    recipient: str
    sent_at: datetime
    body: dict[str, Any]
    signed: str

    @property
    def certificate_number(self) -> str | None:
        """The certificate it is about, if any."""
        number = self.body.get("number")
        return number if isinstance(number, str) else None


def envelope(
    message_id: str, kind: MessageKind, sender: str, recipient: str, sent_at: datetime, body: dict[str, Any]
) -> dict[str, Any]:
    """The payload to sign."""
    return {
        "id": message_id,
        "kind": kind.value,
        "from": sender,
        "to": recipient,
        "sent_at": sent_at.isoformat(),
        "body": body,
    }


def _field(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value or len(value) > 64:
        raise MessageRefused(f"the message's '{name}' is missing or not a short text")
    return value


def read_message(signed: str, trust: TrustList, *, hub_key: TrustedKey | None = None) -> Message:
    """Verify ``signed`` and return its content.

    A participant's message must be signed by an authority key of that participant that is
    not revoked; a message from the hub, by the hub's pinned trust-list key ``hub_key``.
    """
    try:
        parsed = parse_compact(signed)
    except MalformedToken as exc:
        raise MessageRefused(f"the message is not a compact JWS: {exc.message}") from None
    problems = header_problems(parsed.header, expected_typ=MESSAGE_TYPE)
    if problems:
        raise MessageRefused("; ".join(problems))
    payload = parsed.payload()
    sender = _field(payload, "from")
    kid = str(parsed.header["kid"])
    if sender == HUB:
        if hub_key is None or hub_key.kid != kid:
            raise MessageRefused("the message claims to come from the hub but is not signed by its key")
        key = hub_key
    else:
        found = trust.get(kid)
        if found is None:
            raise UnknownSigner(f"the message is signed with a key this system does not know yet (kid {kid})")
        if found.purpose is not KeyPurpose.CERTIFICATES or found.owner != sender:
            raise MessageRefused(f"the message claims to come from {sender} but is signed by another's key")
        if found.revoked_at is not None:
            raise MessageRefused(f"the message is signed with a key revoked on {found.revoked_at:%Y-%m-%d}")
        key = found
    if not signature_valid(parsed, key.verify_key):
        raise MessageRefused("the message's signature does not match: it was altered or forged")
    try:
        kind = MessageKind(_field(payload, "kind"))
    except ValueError:
        raise MessageRefused(f"unknown message kind {payload.get('kind')!r}") from None
    body = payload.get("body")
    if not isinstance(body, dict):
        raise MessageRefused("the message has no 'body' object")
    try:
        sent_at = datetime.fromisoformat(_field(payload, "sent_at"))
    except ValueError:
        raise MessageRefused("the message's 'sent_at' is not a date and time") from None
    return Message(
        id=_field(payload, "id"),
        kind=kind,
        sender=sender,
        recipient=_field(payload, "to"),
        sent_at=sent_at,
        body=body,
        signed=signed,
    )


def next_attempt(now: datetime, attempts: int, *, rng: random.Random | None = None) -> datetime:
    """When to try again after ``attempts`` failed tries: doubling, capped, with jitter so
    that a hub back from an outage is not hit by every node at the same instant."""
    doublings = min(max(0, attempts - 1), 32)  # capped long before 2**n overflows a float
    delay = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2**doublings)
    jitter = (rng or random).uniform(0.8, 1.2)
    return now + timedelta(seconds=delay * jitter)
