"""Audit events written straight into a test's database, at chosen instants and by chosen
actors, the way the services record them (through :func:`kpcs.audit.services.record`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Principal, PrincipalKind
from kpcs.audit.services import record
from kpcs.clock import FixedClock


@dataclass(frozen=True)
class Event:
    """One event to write; ``actor`` is how the log names it, e.g. ``user:alice``."""

    at: datetime
    actor: str
    tag: str
    object_type: str
    object_id: str
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    note: str | None = None
    participant: str | None = None


def principal_for(actor: str, participant: str | None = None) -> Principal:
    """The principal the log would name ``actor`` (``user:alice``, ``cli:ops``, ``system``)."""
    kind, _, name = actor.partition(":")
    if not name:
        return Principal(kind=PrincipalKind(kind), name=kind, participant_code=participant)
    return Principal(kind=PrincipalKind(kind), name=name, participant_code=participant)


def add_events(session_factory: Callable[[], Session], events: Iterable[Event]) -> list[int]:
    """Write ``events`` in the order given (ids ascend with it); returns their ids."""
    with session_factory() as session:
        written = [
            record(
                session,
                actor=principal_for(e.actor, e.participant),
                clock=FixedClock(e.at),
                tag=e.tag,
                object_type=e.object_type,
                object_id=e.object_id,
                before=e.before,
                after=e.after,
                note=e.note,
            )
            for e in events
        ]
        session.commit()
        return [w.id for w in written]
