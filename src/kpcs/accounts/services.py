"""Use cases of accounts: users, API tokens, and signing in and out of the web pages."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from kpcs.accounts.models import ApiToken, Role, User, WebSession
from kpcs.accounts.permissions import Action, Principal, PrincipalKind, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from kpcs.participants.models import Participant

TOKEN_PREFIX = "kpcs_"
MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Roles that act for one participant's authority and so must name it.
_PARTICIPANT_ROLES = frozenset({Role.AUTHORITY, Role.CUSTOMS})

_hasher = PasswordHasher()
# Verified when the user does not exist, so that "no such user" takes as long as "wrong
# password" and usernames cannot be probed by timing.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def digest(secret: str) -> str:
    """SHA-256 hex of a high-entropy secret (token, session id).

    Tokens and session ids are 256-bit random values, so a fast hash is safe here: there is
    nothing to brute-force. Passwords, which people choose, get argon2 instead.
    """
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_participant(session: Session, code: str | None, roles: set[Role]) -> str | None:
    if code is None:
        needing = sorted(r.value for r in roles & _PARTICIPANT_ROLES)
        if needing:
            raise InvalidInput.field(
                "participant", f"role {', '.join(needing)} acts for a participant: name it"
            )
        return None
    code = code.upper()
    participant = session.get(Participant, code)
    if participant is None:
        raise InvalidInput.field("participant", f"no participant with code {code!r}")
    if not participant.kind.trades and roles & _PARTICIPANT_ROLES:
        raise InvalidInput.field("participant", f"{code} is an observer and has no KP authority")
    return code


def _parse_roles(roles: list[str] | list[Role]) -> set[Role]:
    parsed: set[Role] = set()
    for role in roles:
        try:
            parsed.add(Role(role))
        except ValueError:
            valid = ", ".join(r.value for r in Role)
            raise InvalidInput.field("role", f"unknown role {role!r}; valid roles: {valid}") from None
    if not parsed:
        raise InvalidInput.field("role", "at least one role is required")
    return parsed


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.field("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")


# --- users -----------------------------------------------------------------------------


@dataclass(frozen=True)
class UserView:
    """A user as admins see it (never the password hash)."""

    id: int
    username: str
    full_name: str
    participant_code: str | None
    roles: list[str]
    is_active: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    email: str | None = None


def _user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        participant_code=user.participant_code,
        roles=sorted(user.roles),
        is_active=user.is_active,
        created_at=user.created_at,
        last_sign_in_at=user.last_sign_in_at,
        email=user.email,
    )


def create_user(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    *,
    username: str,
    full_name: str,
    password: str,
    roles: list[str] | list[Role],
    participant: str | None = None,
) -> UserView:
    """Create a user who signs in with ``username`` and ``password``."""
    require(principal, Action.MANAGE_USERS)
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput.field("username", "2-64 characters: lower-case letters, digits, '.', '_' or '-'")
    if not full_name.strip():
        raise InvalidInput.field("full_name", "a full name is required")
    _check_password(password)
    parsed_roles = _parse_roles(roles)
    with uow:
        code = _check_participant(uow.session, participant, parsed_roles)
        if uow.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"a user named {username!r} already exists")
        user = User(
            username=username,
            full_name=full_name.strip(),
            password_hash=_hasher.hash(password),
            participant_code=code,
            roles=sorted(r.value for r in parsed_roles),
            is_active=True,
            failed_sign_ins=0,
            created_at=clock.now(),
        )
        uow.session.add(user)
        uow.flush()
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.USER_CREATED,
            object_type="user",
            object_id=username,
            after={"full_name": user.full_name, "participant": code, "roles": user.roles},
        )
        uow.commit()
        return _user_view(user)


def list_users(session: Session, principal: Principal) -> list[UserView]:
    """Every user, by username."""
    require(principal, Action.MANAGE_USERS)
    return [_user_view(u) for u in session.scalars(sa.select(User).order_by(User.username))]


def _get_user(session: Session, username: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def _end_sessions(session: Session, user_id: int, at: datetime) -> None:
    """End every open web session of a user."""
    for web_session in session.scalars(
        sa.select(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    ):
        web_session.ended_at = at


def set_password(
    uow: UnitOfWork, principal: Principal, clock: Clock, *, username: str, password: str
) -> None:
    """Set a user's password (an admin's reset, or users changing their own)."""
    _check_password(password)
    with uow:
        user = _get_user(uow.session, username)
        if principal.user_id != user.id:
            require(principal, Action.MANAGE_USERS)
        user.password_hash = _hasher.hash(password)
        user.failed_sign_ins = 0
        user.locked_until = None
        # A new password ends every open session of the user: whoever knew the old one is out.
        _end_sessions(uow.session, user.id, clock.now())
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.USER_PASSWORD_CHANGED,
            object_type="user",
            object_id=user.username,
        )
        uow.commit()


def set_active(
    uow: UnitOfWork, principal: Principal, clock: Clock, *, username: str, active: bool
) -> UserView:
    """Deactivate (ending its sessions) or reactivate a user."""
    require(principal, Action.MANAGE_USERS)
    with uow:
        user = _get_user(uow.session, username)
        if user.is_active == active:
            raise Conflict(f"user {user.username!r} is already {'active' if active else 'inactive'}")
        user.is_active = active
        if not active:
            _end_sessions(uow.session, user.id, clock.now())
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.USER_ACTIVATED if active else tags.USER_DEACTIVATED,
            object_type="user",
            object_id=user.username,
            before={"is_active": not active},
            after={"is_active": active},
        )
        uow.commit()
        return _user_view(user)


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def set_email(
    uow: UnitOfWork, principal: Principal, clock: Clock, *, username: str, email: str | None
) -> UserView:
    """Set (or, with None, remove) the address a user's notifications are e-mailed to."""
    require(principal, Action.MANAGE_USERS)
    return _store_email(uow, principal, clock, username, email)


def _store_email(
    uow: UnitOfWork, principal: Principal, clock: Clock, username: str, email: str | None
) -> UserView:
    if email is not None:
        email = email.strip()
        if len(email) > 254 or not _EMAIL.match(email):
            raise InvalidInput.field("email", "give an e-mail address such as name@example.org")
    with uow:
        user = _get_user(uow.session, username)
        before = user.email
        user.email = email
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.USER_EMAIL_SET,
            object_type="user",
            object_id=user.username,
            before={"email": before},
            after={"email": email},
        )
        uow.commit()
        return _user_view(user)


def own_email(session: Session, principal: Principal) -> str | None:
    """The address the signed-in user's notifications go to (None for a token)."""
    require(principal, Action.VIEW_OWN_ACCOUNT)
    if principal.kind is not PrincipalKind.USER:
        return None
    return session.scalar(sa.select(User.email).where(User.username == principal.name))


def set_own_email(uow: UnitOfWork, principal: Principal, clock: Clock, email: str | None) -> UserView:
    """A signed-in user chooses where their notifications are e-mailed (none: the inbox only)."""
    require(principal, Action.VIEW_OWN_ACCOUNT)
    if principal.kind is not PrincipalKind.USER:
        raise InvalidInput.field("email", "only people who sign in have an address; a token has none")
    return _store_email(uow, principal, clock, principal.name, email or None)


def principal_for_user(user: User) -> Principal:
    """The principal a signed-in user acts as."""
    return Principal(
        kind=PrincipalKind.USER,
        name=user.username,
        participant_code=user.participant_code,
        roles=frozenset(Role(r) for r in user.roles),
        user_id=user.id,
    )


# --- sign-in sessions --------------------------------------------------------------------


@dataclass(frozen=True)
class SignedIn:
    """A new web session: the cookie value and the CSRF token for its forms."""

    session_id: str
    csrf_token: str
    principal: Principal
    expires_at: datetime


def sign_in(uow: UnitOfWork, clock: Clock, *, username: str, password: str, hours: int) -> SignedIn:
    """Check a password and open a web session.

    Failures are counted on the user and audited, but never lock the account: a lock that
    wrong passwords set is one any stranger can set on the admin. The web layer slows the
    client that keeps failing instead (:mod:`kpcs.accounts.backoff`). An unknown or inactive
    user gets the same error after the same argon2 work as a wrong password, so neither
    the answer nor its timing tells which usernames exist.
    """
    failure = NotAuthenticated("wrong username or password")
    now = clock.now()
    with uow:
        user = uow.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
        if user is None or not user.is_active:
            _verify(_DUMMY_HASH, password)
            raise failure
        actor = principal_for_user(user)
        if not _verify(user.password_hash, password):
            user.failed_sign_ins += 1
            record(
                uow.session,
                actor=actor,
                clock=clock,
                tag=tags.USER_SIGN_IN_FAILED,
                object_type="user",
                object_id=user.username,
                after={"failed_sign_ins": user.failed_sign_ins},
            )
            uow.commit()
            raise failure
        session_id = secrets.token_urlsafe(32)
        csrf_token = secrets.token_urlsafe(32)
        expires_at = now + timedelta(hours=hours)
        uow.session.add(
            WebSession(
                id_hash=digest(session_id),
                user_id=user.id,
                csrf_token=csrf_token,
                created_at=now,
                expires_at=expires_at,
            )
        )
        user.failed_sign_ins = 0
        user.locked_until = None
        user.last_sign_in_at = now
        record(
            uow.session,
            actor=actor,
            clock=clock,
            tag=tags.USER_SIGNED_IN,
            object_type="user",
            object_id=user.username,
        )
        uow.commit()
        return SignedIn(session_id=session_id, csrf_token=csrf_token, principal=actor, expires_at=expires_at)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class ActiveSession:
    """A valid web session, resolved from its cookie."""

    principal: Principal
    csrf_token: str
    full_name: str


def resolve_session(session: Session, clock: Clock, session_id: str) -> ActiveSession | None:
    """The signed-in user behind a session cookie, or ``None`` if it is unknown or over."""
    row = session.scalar(sa.select(WebSession).where(WebSession.id_hash == digest(session_id)))
    if row is None or row.ended_at is not None or row.expires_at <= clock.now():
        return None
    user = row.user
    if not user.is_active:
        return None
    return ActiveSession(
        principal=principal_for_user(user), csrf_token=row.csrf_token, full_name=user.full_name
    )


def sign_out(uow: UnitOfWork, clock: Clock, session_id: str) -> None:
    """End a web session (no error if it had already ended)."""
    with uow:
        row = uow.session.scalar(sa.select(WebSession).where(WebSession.id_hash == digest(session_id)))
        if row is None or row.ended_at is not None:
            return
        row.ended_at = clock.now()
        record(
            uow.session,
            actor=principal_for_user(row.user),
            clock=clock,
            tag=tags.USER_SIGNED_OUT,
            object_type="user",
            object_id=row.user.username,
        )
        uow.commit()


# --- API tokens --------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenView:
    """An API token as listed (never the secret)."""

    id: int
    prefix: str
    name: str
    participant_code: str | None
    role: str
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def state(self) -> str:
        """``active`` or ``revoked`` (expiry is shown by its date)."""
        return "revoked" if self.revoked_at else "active"


def _token_view(token: ApiToken) -> TokenView:
    return TokenView(
        id=token.id,
        prefix=token.prefix,
        name=token.name,
        participant_code=token.participant_code,
        role=token.role.value,
        created_at=token.created_at,
        created_by=token.created_by,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


@dataclass(frozen=True)
class NewToken:
    """A token just created: the secret is shown this once and never stored."""

    secret: str
    token: TokenView


def create_token(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    *,
    role: str | Role,
    participant: str | None,
    name: str = "",
    expires_in_days: int | None = None,
) -> NewToken:
    """Create an API token for ``participant`` with ``role``."""
    require(principal, Action.MANAGE_TOKENS)
    parsed = _parse_roles([role])
    if expires_in_days is not None and expires_in_days < 1:
        raise InvalidInput.field("expires_in_days", "must be at least 1")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with uow:
        code = _check_participant(uow.session, participant, parsed)
        (role_value,) = parsed
        token = ApiToken(
            token_hash=digest(secret),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            name=name.strip() or f"{role_value.value} token{' for ' + code if code else ''}",
            participant_code=code,
            role=role_value,
            created_at=now,
            created_by=principal.actor,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
        uow.session.add(token)
        uow.flush()
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.TOKEN_CREATED,
            object_type="api_token",
            object_id=str(token.id),
            after={
                "prefix": token.prefix,
                "name": token.name,
                "participant": code,
                "role": role_value,
                "expires_at": token.expires_at,
            },
        )
        uow.commit()
        return NewToken(secret=secret, token=_token_view(token))


def list_tokens(session: Session, principal: Principal, *, include_revoked: bool = False) -> list[TokenView]:
    """API tokens, newest first."""
    require(principal, Action.MANAGE_TOKENS)
    stmt = sa.select(ApiToken).order_by(ApiToken.id.desc())
    if not include_revoked:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    return [_token_view(t) for t in session.scalars(stmt)]


def revoke_token(uow: UnitOfWork, principal: Principal, clock: Clock, *, token_ref: str) -> TokenView:
    """Revoke a token named by its id or its prefix; it stops working at once."""
    require(principal, Action.MANAGE_TOKENS)
    with uow:
        stmt = sa.select(ApiToken)
        if token_ref.isdigit():
            stmt = stmt.where(ApiToken.id == int(token_ref))
        else:
            stmt = stmt.where(ApiToken.prefix == token_ref)
        matches = uow.session.scalars(stmt).all()
        if not matches:
            raise NotFound(f"no token with id or prefix {token_ref!r}")
        if len(matches) > 1:
            raise Conflict(f"prefix {token_ref!r} matches {len(matches)} tokens: use the id")
        (token,) = matches
        if token.revoked_at is not None:
            raise Conflict(f"token {token.id} was already revoked on {token.revoked_at:%Y-%m-%d}")
        token.revoked_at = clock.now()
        token.revoked_by = principal.actor
        forget_cached_token(token.token_hash)
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.TOKEN_REVOKED,
            object_type="api_token",
            object_id=str(token.id),
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at},
        )
        uow.commit()
        return _token_view(token)


# Refreshing last_used_at on every request would make each API call a write; once every
# few minutes is enough to tell a live token from a forgotten one.
_LAST_USED_GRANULARITY = timedelta(minutes=5)

# A national system calls the API many times a second with the same token; looking the
# token up once every few seconds instead of on every call takes two database round trips
# off each request. The price: a token revoked in another process keeps working for at
# most this long there (in this process, revocation clears the cache at once).
TOKEN_CACHE_SECONDS = 5.0
_token_cache: dict[str, tuple[float, Principal, datetime | None]] = {}
_token_cache_lock = threading.Lock()


def forget_cached_token(token_hash: str) -> None:
    """Drop a token from this process's cache (after revoking it)."""
    with _token_cache_lock:
        _token_cache.pop(token_hash, None)


def authenticate_token(uow: UnitOfWork, clock: Clock, secret: str) -> Principal:
    """The principal behind a bearer token; :class:`NotAuthenticated` if it is not valid."""
    if not secret.startswith(TOKEN_PREFIX):
        raise NotAuthenticated("malformed API token")
    now = clock.now()
    token_hash = digest(secret)
    cached = _token_cache.get(token_hash)
    if cached is not None and time.monotonic() < cached[0] and (cached[2] is None or cached[2] > now):
        return cached[1]
    with uow:
        token = uow.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash))
        if token is None:
            raise NotAuthenticated("unknown API token")
        if token.revoked_at is not None:
            raise NotAuthenticated("this API token has been revoked")
        if token.expires_at is not None and token.expires_at <= now:
            raise NotAuthenticated("this API token has expired")
        if token.last_used_at is None or now - token.last_used_at > _LAST_USED_GRANULARITY:
            token.last_used_at = now
            uow.commit()
        principal = Principal(
            kind=PrincipalKind.TOKEN,
            name=token.prefix,
            participant_code=token.participant_code,
            roles=frozenset({token.role}),
            token_id=token.id,
        )
        with _token_cache_lock:
            if len(_token_cache) > 10_000:
                _token_cache.clear()
            _token_cache[token_hash] = (time.monotonic() + TOKEN_CACHE_SECONDS, principal, token.expires_at)
        return principal
