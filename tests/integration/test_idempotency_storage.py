"""Idempotency keys in the database, on SQLite and PostgreSQL: one claim wins, the answer
is kept for a day, a released key is free again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.idempotency import services

REQUEST = {"principal": "token:kpcs_ab12", "key": "k-1", "method": "POST", "path": "/api/v1/certificates"}


def test_one_claim_wins_and_its_answer_is_found_again(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    first = services.claim(UnitOfWork(session_factory), clock, **REQUEST)
    assert isinstance(first, services.Claimed)
    assert isinstance(services.claim(UnitOfWork(session_factory), clock, **REQUEST), services.Running)
    # Another caller's key of the same name is its own.
    other = services.claim(UnitOfWork(session_factory), clock, **(REQUEST | {"principal": "user:alice"}))
    assert isinstance(other, services.Claimed)
    services.store_answer(
        UnitOfWork(session_factory),
        first,
        fingerprint="f" * 64,
        status=201,
        headers={"content-type": "application/json"},
        body=b'{"number": "BW-2026-000001"}',
    )
    again = services.claim(UnitOfWork(session_factory), clock, **REQUEST)
    assert again == services.Answered(
        method="POST",
        path="/api/v1/certificates",
        fingerprint="f" * 64,
        status=201,
        headers={"content-type": "application/json"},
        body=b'{"number": "BW-2026-000001"}',
    )
    later = FixedClock(clock.now() + services.KEEP_FOR + timedelta(seconds=1))
    assert isinstance(services.claim(UnitOfWork(session_factory), later, **REQUEST), services.Claimed)


def test_a_released_key_can_be_claimed_again(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    claimed = services.claim(UnitOfWork(session_factory), clock, **REQUEST)
    assert isinstance(claimed, services.Claimed)
    services.release(UnitOfWork(session_factory), claimed)
    assert isinstance(services.claim(UnitOfWork(session_factory), clock, **REQUEST), services.Claimed)
