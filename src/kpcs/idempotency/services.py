"""Claiming an idempotency key, storing the answer it stands for, and finding it again.

A key is claimed before the request runs (a row without an answer), in its own short
transaction, so that a concurrent retry finds it taken; the answer is stored after. Only
successful answers are kept: a refused request created nothing, so its key is released
and a corrected retry may use it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.idempotency.models import IdempotencyKey

KEEP_FOR = timedelta(hours=24)
"""How long a key holds its answer; a retry later than that creates anew."""
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Claimed:
    """The key was free: run the request, then :func:`store_answer` or :func:`release`."""

    id: int


@dataclass(frozen=True)
class Running:
    """The key's first request has not answered yet."""


@dataclass(frozen=True)
class Answered:
    """The key's first answer, to give again if the request is the same."""

    method: str
    path: str
    fingerprint: str
    status: int
    headers: dict[str, Any]
    body: bytes


def claim(
    uow: UnitOfWork, clock: Clock, *, principal: str, key: str, method: str, path: str
) -> Claimed | Running | Answered:
    """Take ``principal``'s ``key`` for a new request, or say what already holds it."""
    now = clock.now()
    with uow:
        # Expired keys are deleted as new ones come in: the index on created_at keeps it cheap.
        uow.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < now - KEEP_FOR))
        row = IdempotencyKey(principal=principal, key=key, method=method, path=path, created_at=now)
        uow.session.add(row)
        try:
            uow.flush()
        except IntegrityError:
            # Another request holds the key: the unique constraint decided who runs.
            uow.session.rollback()
        else:
            uow.commit()
            return Claimed(id=row.id)
        held = uow.session.scalar(
            sa.select(IdempotencyKey).where(IdempotencyKey.principal == principal, IdempotencyKey.key == key)
        )
        if held is None:  # released between our insert and this read: the caller may retry
            return Running()
        if held.status is None or held.fingerprint is None:
            return Running()
        return Answered(
            method=held.method,
            path=held.path,
            fingerprint=held.fingerprint,
            status=held.status,
            headers=dict(held.response_headers or {}),
            body=held.response_body or b"",
        )


def store_answer(
    uow: UnitOfWork, claimed: Claimed, *, fingerprint: str, status: int, headers: dict[str, Any], body: bytes
) -> None:
    """Keep the first answer of a claimed key."""
    with uow:
        uow.session.execute(
            sa.update(IdempotencyKey)
            .where(IdempotencyKey.id == claimed.id)
            .values(fingerprint=fingerprint, status=status, response_headers=headers, response_body=body)
        )
        uow.commit()


def release(uow: UnitOfWork, claimed: Claimed) -> None:
    """Free a key whose request did not succeed (it created nothing)."""
    with uow:
        uow.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.id == claimed.id))
        uow.commit()
