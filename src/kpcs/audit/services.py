"""Writing and reading the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, NotRequired, TypedDict, Unpack

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, scoped
from kpcs.audit.models import AuditEvent
from kpcs.clock import Clock


def _jsonable(value: Any) -> Any:
    """Snapshot values as JSON: dates as ISO strings, enums by value, tuples as lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


class EventFields(TypedDict):
    """What an audit event says: who, when (the clock), what, and the change."""

    actor: Principal
    clock: Clock
    tag: str
    object_type: str
    object_id: str
    before: NotRequired[Mapping[str, Any] | None]
    after: NotRequired[Mapping[str, Any] | None]
    note: NotRequired[str | None]


def audit_event(**fields: Unpack[EventFields]) -> AuditEvent:
    """An audit event, not yet in any session: for a caller that writes it itself."""
    actor, before, after = fields["actor"], fields.get("before"), fields.get("after")
    return AuditEvent(
        occurred_at=fields["clock"].now(),
        actor=actor.actor,
        actor_participant=actor.participant_code,
        tag=fields["tag"],
        object_type=fields["object_type"],
        object_id=fields["object_id"],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        note=fields.get("note"),
    )


def record(session: Session, **fields: Unpack[EventFields]) -> AuditEvent:
    """Add an audit event to the caller's transaction (it commits or rolls back with it)."""
    event = audit_event(**fields)
    session.add(event)
    return event


@dataclass(frozen=True)
class AuditEventView:
    """An audit event as shown to admins."""

    id: int
    occurred_at: datetime
    actor: str
    actor_participant: str | None
    tag: str
    object_type: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (CLI ``--json`` and the API)."""
        data = dict(self.__dict__)
        data["occurred_at"] = self.occurred_at.isoformat()
        return data


def list_events(
    session: Session,
    principal: Principal,
    *,
    tag: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[AuditEventView]:
    """Newest events first, filtered; ``before_id`` pages back through older events."""
    stmt = scoped(sa.select(AuditEvent), principal, Action.VIEW_AUDIT)
    if tag:
        stmt = stmt.where(AuditEvent.tag.startswith(tag, autoescape=True))
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(max(1, min(limit, 1000)))
    return [
        AuditEventView(
            id=e.id,
            occurred_at=e.occurred_at,
            actor=e.actor,
            actor_participant=e.actor_participant,
            tag=e.tag,
            object_type=e.object_type,
            object_id=e.object_id,
            before=e.before,
            after=e.after,
            note=e.note,
        )
        for e in session.scalars(stmt)
    ]
