"""Tables of the exchange between kpcs instances: the hub's enrolled nodes and one-time
enrollment tokens, a node's link to its hub, and the outbox and inbox of signed messages.

The outbox is transactional: a message is written in the same transaction as the change
that causes it (an issue, a confirmation, a cancellation), and a deliverer sends it later,
again and again until the receiver has it. The inbox is keyed by the message id, so a
message received twice has its effect once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base


class MessageKind(StrEnum):
    """What a message says."""

    PRE_NOTIFICATION = "pre-notification"  # a certificate is on its way to the importer
    IMPORT_CONFIRMATION = "import-confirmation"  # the return slip, back to the exporter
    CANCELLATION = "cancellation"  # the exporter voided a certificate
    CONFIRMATION_REMINDER = "confirmation-reminder"  # the exporter chases a missing return slip
    TRUST_LIST = "trust-list"  # the hub's keys, for a node to verify what others sign
    PARTICIPANT_STATUS = "participant-status"  # the hub suspended, restricted or re-admitted a participant


class DeliveryState(StrEnum):
    """Where an outgoing message stands. Delivery is not acceptance: a delivered
    pre-notification is in the importer's system; its confirmation is another message."""

    PENDING = "pending"  # not yet received; retried with backoff
    DELIVERED = "delivered"  # the receiver stored it (or already had it)
    FAILED = "failed"  # the receiver refused it for good (a 4xx); an operator must look


class InboxState(StrEnum):
    """What a received message did."""

    APPLIED = "applied"  # its effect is in this database
    WAITING = "waiting"  # it concerns a certificate not here yet; applied when it arrives
    FORWARDED = "forwarded"  # the hub passed it on to the recipient's node


class Node(Base):
    """A national node enrolled at this hub: it issues for its participant itself."""

    __tablename__ = "exchange_nodes"

    participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"), primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(300), comment="the node's base address")
    token_hash: Mapped[str] = mapped_column(
        sa.String(64), unique=True, comment="SHA-256 of the token the node presents to the hub"
    )
    callback_token: Mapped[str] = mapped_column(
        sa.String(100), comment="the token the hub presents to the node (the node keeps its hash)"
    )
    enrolled_at: Mapped[datetime]
    enrolled_with: Mapped[str] = mapped_column(sa.String(64), comment="hash of the enrollment token used")
    last_contact_at: Mapped[datetime | None] = mapped_column(comment="last call either way that succeeded")
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class EnrollmentToken(Base):
    """A one-time token printed by ``kpcs nodes enroll``, for one participant's node."""

    __tablename__ = "exchange_enrollment_tokens"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    url: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_kid: Mapped[str | None] = mapped_column(
        sa.String(64), comment="the node key that enrolled with it (a retry with the same key is allowed)"
    )


class HubLink(Base):
    """On a national node, the single row naming its participant and its hub."""

    __tablename__ = "exchange_hub_link"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    hub_url: Mapped[str] = mapped_column(sa.String(300))
    hub_token: Mapped[str | None] = mapped_column(
        sa.String(100), comment="what this node presents to the hub; set by enrollment"
    )
    callback_token_hash: Mapped[str] = mapped_column(
        sa.String(64), comment="SHA-256 of the token the hub presents to this node"
    )
    callback_token: Mapped[str | None] = mapped_column(
        sa.String(100), comment="kept until enrollment succeeds, then cleared"
    )
    hub_trust_kid: Mapped[str | None] = mapped_column(
        sa.String(64), comment="the hub's trust-list key, pinned at enrollment"
    )
    hub_trust_x: Mapped[str | None] = mapped_column(sa.String(64))
    enrolled_at: Mapped[datetime | None]
    keys_revision_sent: Mapped[int | None] = mapped_column(
        comment="registry revision whose keys the hub has; keys are sent again when it moves"
    )
    last_contact_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class OutboxMessage(Base):
    """A message to send: written with the change that causes it, sent until delivered."""

    __tablename__ = "exchange_outbox"
    __table_args__ = (sa.Index("ix_exchange_outbox_due", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True, comment="UUID, the idempotency key")
    kind: Mapped[MessageKind]
    sender: Mapped[str] = mapped_column(sa.String(8), comment="participant code, or 'hub'")
    recipient: Mapped[str] = mapped_column(sa.String(8), comment="participant code the message is for")
    destination: Mapped[str] = mapped_column(
        sa.String(8), comment="where it is sent: 'hub', or the participant whose node receives it"
    )
    certificate_number: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    signed: Mapped[str | None] = mapped_column(
        sa.Text, comment="the compact JWS as sent (signed at first attempt, or as received when forwarded)"
    )
    state: Mapped[DeliveryState]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    lease_until: Mapped[datetime | None] = mapped_column(comment="a deliverer is sending it until then")
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class InboxMessage(Base):
    """A message received, once: its id is the key, so a second delivery changes nothing."""

    __tablename__ = "exchange_inbox"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    kind: Mapped[MessageKind]
    sender: Mapped[str] = mapped_column(sa.String(8))
    recipient: Mapped[str] = mapped_column(sa.String(8))
    certificate_number: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    signed: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime]
    state: Mapped[InboxState]
    applied_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(sa.Text, comment="what applying it did, in words")
