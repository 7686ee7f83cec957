"""Tables of the notifications: the inbox, and the e-mails still to send."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpcs.db import Base


class MailState(StrEnum):
    """Where an e-mail stands."""

    PENDING = "pending"  # not yet accepted by the SMTP server; retried with backoff
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # refused for good, or too many attempts


class Notification(Base):
    """Something people holding ``role`` (for ``participant``, when given) must act on."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_recipient", "role", "participant", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(
        sa.String(200), unique=True, comment="what it is about, once: a second notify with it is ignored"
    )
    role: Mapped[str] = mapped_column(sa.String(32), comment="the role that must act")
    participant: Mapped[str | None] = mapped_column(
        sa.String(8), comment="for that participant's holders of the role; none: scheme-wide"
    )
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    link: Mapped[str] = mapped_column(sa.String(500), comment="the page where it is acted on")
    created_at: Mapped[datetime]

    mails: Mapped[list[NotificationMail]] = relationship(back_populates="notification")


class NotificationMail(Base):
    """One e-mail of a notification to one address: written with it, sent until accepted."""

    __tablename__ = "notification_mails"
    __table_args__ = (sa.Index("ix_notification_mails_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id", ondelete="CASCADE"))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    state: Mapped[MailState]
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    notification: Mapped[Notification] = relationship(back_populates="mails")
