"""Users, tokens and sessions in the database: secrets never stored, revocation and
lock-out effective, every change audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts import services
from kpcs.accounts.models import ApiToken, Role, User, WebSession
from kpcs.accounts.permissions import PrincipalKind
from kpcs.audit.models import AuditEvent
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from tests.conftest import OPERATOR


def _tags(session: Session) -> list[str]:
    return list(
        session.scalars(
            sa.select(AuditEvent.tag).where(AuditEvent.tag.like("account:%")).order_by(AuditEvent.id)
        )
    )


def test_token_secret_is_not_stored_and_authenticates(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    new = services.create_token(
        UnitOfWork(session_factory), OPERATOR, clock, role="authority", participant="bw"
    )
    assert new.secret.startswith("kpcs_") and len(new.secret) > 40
    with session_factory() as session:
        row = session.scalars(sa.select(ApiToken)).one()
        assert new.secret not in (row.token_hash, row.prefix, row.name)
        assert row.participant_code == "BW"
    principal = services.authenticate_token(UnitOfWork(session_factory), clock, new.secret)
    assert principal.kind is PrincipalKind.TOKEN and principal.roles == {Role.AUTHORITY}
    assert principal.participant_code == "BW"


def test_revoked_and_expired_tokens_fail(session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    first = services.create_token(
        UnitOfWork(session_factory), OPERATOR, clock, role="statistics", participant=None
    )
    services.revoke_token(UnitOfWork(session_factory), OPERATOR, clock, token_ref=str(first.token.id))
    with pytest.raises(NotAuthenticated, match="revoked"):
        services.authenticate_token(UnitOfWork(session_factory), clock, first.secret)
    with pytest.raises(Conflict):
        services.revoke_token(UnitOfWork(session_factory), OPERATOR, clock, token_ref=first.token.prefix)
    second = services.create_token(
        UnitOfWork(session_factory), OPERATOR, clock, role="customs", participant="IN", expires_in_days=1
    )
    later = FixedClock(clock.now() + timedelta(days=2))
    with pytest.raises(NotAuthenticated, match="expired"):
        services.authenticate_token(UnitOfWork(session_factory), later, second.secret)
    with pytest.raises(NotAuthenticated, match="unknown"):
        services.authenticate_token(UnitOfWork(session_factory), clock, "kpcs_" + "x" * 43)
    with session_factory() as session:
        assert _tags(session) == ["account:token:created", "account:token:revoked", "account:token:created"]


@pytest.mark.parametrize(
    ("role", "participant", "field"),
    [
        ("authority", None, "participant"),
        ("customs", "WDC", "participant"),
        ("authority", "XX", "participant"),
        ("emperor", "BW", "role"),
    ],
)
def test_token_input_errors(
    session_factory: sessionmaker[Session], clock: FixedClock, role: str, participant: str | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        services.create_token(
            UnitOfWork(session_factory), OPERATOR, clock, role=role, participant=participant
        )
    assert raised.value.problems[0].field == field


def test_only_admins_manage_tokens(session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    new = services.create_token(
        UnitOfWork(session_factory), OPERATOR, clock, role="authority", participant="BW"
    )
    authority = services.authenticate_token(UnitOfWork(session_factory), clock, new.secret)
    with pytest.raises(PermissionDenied):
        services.create_token(UnitOfWork(session_factory), authority, clock, role="admin", participant=None)
    with session_factory() as session, pytest.raises(PermissionDenied):
        services.list_tokens(session, authority)


def test_password_is_hashed_and_sign_in_opens_a_session(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    services.create_user(
        UnitOfWork(session_factory),
        OPERATOR,
        clock,
        username="Clerk.BW",
        full_name="A Clerk",
        password="a long password",
        roles=["authority"],
        participant="BW",
    )
    with session_factory() as session:
        user = session.scalars(sa.select(User)).one()
        assert user.username == "clerk.bw" and user.password_hash.startswith("$argon2id$")
    signed = services.sign_in(
        UnitOfWork(session_factory), clock, username="clerk.bw", password="a long password", hours=8
    )
    with session_factory() as session:
        active = services.resolve_session(session, clock, signed.session_id)
        assert active is not None and active.principal.participant_code == "BW"
        assert session.scalars(sa.select(WebSession.id_hash)).one() != signed.session_id
        assert (
            services.resolve_session(session, FixedClock(clock.now() + timedelta(hours=9)), signed.session_id)
            is None
        )
    services.sign_out(UnitOfWork(session_factory), clock, signed.session_id)
    with session_factory() as session:
        assert services.resolve_session(session, clock, signed.session_id) is None
        assert _tags(session) == ["account:user:created", "account:user:signed-in", "account:user:signed-out"]


def test_failures_are_audited_but_never_lock_the_account(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    services.create_user(
        UnitOfWork(session_factory),
        OPERATOR,
        clock,
        username="bob",
        full_name="Bob",
        password="the right one",
        roles=["statistics"],
    )
    for _ in range(8):
        with pytest.raises(NotAuthenticated, match="wrong username or password"):
            services.sign_in(
                UnitOfWork(session_factory), clock, username="bob", password="wrong guess", hours=1
            )
    # A stranger's guesses must not lock Bob out: the web layer slows the guesser instead.
    assert services.sign_in(
        UnitOfWork(session_factory), clock, username="bob", password="the right one", hours=1
    )
    with session_factory() as session:
        tags = _tags(session)
        assert tags.count("account:user:sign-in-failed") == 8 and "account:user:locked" not in tags


def test_unknown_user_and_deactivated_user(session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    with pytest.raises(NotAuthenticated, match="wrong username or password"):
        services.sign_in(
            UnitOfWork(session_factory), clock, username="nobody", password="whatever12", hours=1
        )
    services.create_user(
        UnitOfWork(session_factory),
        OPERATOR,
        clock,
        username="carol",
        full_name="Carol",
        password="carols password",
        roles=["monitoring"],
    )
    signed = services.sign_in(
        UnitOfWork(session_factory), clock, username="carol", password="carols password", hours=1
    )
    services.set_active(UnitOfWork(session_factory), OPERATOR, clock, username="carol", active=False)
    with session_factory() as session:
        assert services.resolve_session(session, clock, signed.session_id) is None
    with pytest.raises(NotAuthenticated):
        services.sign_in(
            UnitOfWork(session_factory), clock, username="carol", password="carols password", hours=1
        )


def test_new_password_ends_sessions(session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    services.create_user(
        UnitOfWork(session_factory),
        OPERATOR,
        clock,
        username="dan",
        full_name="Dan",
        password="first password",
        roles=["admin"],
    )
    signed = services.sign_in(
        UnitOfWork(session_factory), clock, username="dan", password="first password", hours=1
    )
    services.set_password(
        UnitOfWork(session_factory), signed.principal, clock, username="dan", password="second password"
    )
    with session_factory() as session:
        assert services.resolve_session(session, clock, signed.session_id) is None


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"username": "x"}, InvalidInput),
        ({"username": "bad name"}, InvalidInput),
        ({"password": "short"}, InvalidInput),
        ({"roles": []}, InvalidInput),
        ({"full_name": "  "}, InvalidInput),
        ({"roles": ["authority"], "participant": None}, InvalidInput),
    ],
)
def test_user_input_errors(
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    kwargs: dict,
    error: type[Exception],  # type: ignore[type-arg]
) -> None:
    values = {
        "username": "erin",
        "full_name": "Erin",
        "password": "long enough pw",
        "roles": ["admin"],
        "participant": None,
    }
    values.update(kwargs)
    with pytest.raises(error):
        services.create_user(UnitOfWork(session_factory), OPERATOR, clock, **values)
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_duplicate_user_and_unknown_user(session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    args = {"username": "fay", "full_name": "Fay", "password": "long enough pw", "roles": ["admin"]}
    services.create_user(UnitOfWork(session_factory), OPERATOR, clock, **args)
    with pytest.raises(Conflict):
        services.create_user(UnitOfWork(session_factory), OPERATOR, clock, **args)
    with pytest.raises(NotFound):
        services.set_active(UnitOfWork(session_factory), OPERATOR, clock, username="ghost", active=False)
