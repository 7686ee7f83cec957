"""Tables of users, API tokens and web sessions. Secrets are never stored: passwords as
argon2 hashes, tokens and session ids as SHA-256 digests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpcs.db import Base


class Role(StrEnum):
    """What a principal does in the Scheme (CONTRACT.md's roles)."""

    ADMIN = "admin"
    AUTHORITY = "authority"
    CUSTOMS = "customs"
    STATISTICS = "statistics"
    MONITORING = "monitoring"


class User(Base):
    """A person who signs in to the web pages."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True, comment="lower-case")
    full_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(200), comment="argon2id")
    participant_code: Mapped[str | None] = mapped_column(sa.ForeignKey("participants.code"))
    roles: Mapped[list[str]] = mapped_column(comment="Role values")
    email: Mapped[str | None] = mapped_column(
        sa.String(254), comment="where notifications are e-mailed; none: the inbox only"
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_sign_ins: Mapped[int] = mapped_column(default=0, comment="consecutive failures; reset on success")
    locked_until: Mapped[datetime | None] = mapped_column(
        comment="sign-in refused until then, after too many failures"
    )
    created_at: Mapped[datetime]
    last_sign_in_at: Mapped[datetime | None]


class ApiToken(Base):
    """A bearer token for the API, belonging to a participant with one role."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(
        sa.String(64), unique=True, comment="SHA-256 hex of the whole token"
    )
    prefix: Mapped[str] = mapped_column(
        sa.String(16), comment="first characters, shown in lists to tell tokens apart"
    )
    name: Mapped[str] = mapped_column(sa.String(200), comment="what the token is for")
    participant_code: Mapped[str | None] = mapped_column(sa.ForeignKey("participants.code"))
    role: Mapped[Role]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(sa.String(120))
    last_used_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser. The cookie holds a random id; the table holds its digest,
    so a stolen database does not yield live sessions, and sign-out really ends one."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
