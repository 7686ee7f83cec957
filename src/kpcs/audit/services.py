"""Writing and reading the audit log.

Reading is for admins only (:attr:`Action.VIEW_AUDIT`) and records nothing: the log of
who read the log would drown the changes it exists for. Every reader (the API, the page,
the CSV export, the CLI) filters through one :class:`AuditFilter`, so that a filter means
the same everywhere.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from typing import Any, Final, NotRequired, TypedDict, Unpack

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, require, scoped
from kpcs.audit.changes import FieldChange, describe_changes, full_json
from kpcs.audit.models import AuditEvent
from kpcs.audit.tags import known_tags
from kpcs.clock import Clock
from kpcs.errors import FieldProblem, InvalidInput


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

    @property
    def changes(self) -> list[FieldChange]:
        """The keys that differ between the snapshots (see :func:`describe_changes`)."""
        return describe_changes(self.before, self.after)

    @property
    def before_json(self) -> str | None:
        """The whole ``before`` snapshot as indented JSON, if there is one."""
        return None if self.before is None else full_json(self.before)

    @property
    def after_json(self) -> str | None:
        """The whole ``after`` snapshot as indented JSON, if there is one."""
        return None if self.after is None else full_json(self.after)


def _view(e: AuditEvent) -> AuditEventView:
    return AuditEventView(
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


# --- filtering -------------------------------------------------------------------------------


def _blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@dataclass(frozen=True)
class AuditFilter:
    """Which events to read; a field left ``None`` does not filter.

    * ``actor``: one actor exactly (``user:admin``), or every actor of a kind when it ends
      with a colon (``user:``, ``token:``, ``cli:``, ``node:``). Exact by default, because
      ``user:ann`` must not also bring ``user:anna``'s changes into an investigation.
    * ``tag``: a prefix, so that ``certificate:`` finds every certificate event and
      ``certificate:issued`` one kind (tags are listed in :mod:`kpcs.audit.tags`).
    * ``object_type`` and ``object_id``: exactly.
    * ``since`` and ``until``: UTC days, both included.
    """

    actor: str | None = None
    tag: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise InvalidInput.field(
                "until", f"{self.until} is before since ({self.since}): no day is in that range"
            )

    @classmethod
    def parse(
        cls,
        *,
        actor: str | None = None,
        tag: str | None = None,
        object_type: str | None = None,
        object_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> AuditFilter:
        """The filter as typed in a form or a query string: blanks mean "any", dates are
        ``YYYY-MM-DD``; :class:`InvalidInput` names every field that is wrong."""
        problems: list[FieldProblem] = []
        days: dict[str, date | None] = {}
        for name, text in (("since", since), ("until", until)):
            value = _blank_to_none(text)
            try:
                days[name] = date.fromisoformat(value) if value else None
            except ValueError:
                problems.append(FieldProblem(name, f"{value!r} is not a date: give it as YYYY-MM-DD"))
        if problems:
            raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems)
        return cls(
            actor=_blank_to_none(actor),
            tag=_blank_to_none(tag),
            object_type=_blank_to_none(object_type),
            object_id=_blank_to_none(object_id),
            since=days["since"],
            until=days["until"],
        )

    def as_query(self) -> dict[str, str]:
        """The filters in force as query parameters, for links that keep them."""
        fields = {
            "actor": self.actor,
            "tag": self.tag,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {name: value for name, value in fields.items() if value}


def parse_filter(principal: Principal, **typed: str | None) -> AuditFilter:
    """:meth:`AuditFilter.parse`, for a caller who may read the log: permission is checked
    first, so that someone who may not read it learns nothing, not even that a date is wrong."""
    require(principal, Action.VIEW_AUDIT)
    return AuditFilter.parse(**typed)


def _conditions(where: AuditFilter) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if where.actor:
        found.append(
            AuditEvent.actor.startswith(where.actor, autoescape=True)
            if where.actor.endswith(":")
            else AuditEvent.actor == where.actor
        )
    if where.tag:
        found.append(AuditEvent.tag.startswith(where.tag, autoescape=True))
    if where.object_type:
        found.append(AuditEvent.object_type == where.object_type)
    if where.object_id:
        found.append(AuditEvent.object_id == where.object_id)
    if where.since:
        found.append(AuditEvent.occurred_at >= datetime.combine(where.since, time.min, UTC))
    if where.until and where.until < date.max:
        # Before the first instant of the next day: the whole of ``until`` is included,
        # however precise the stored times are.
        next_day = datetime.combine(where.until + timedelta(days=1), time.min, UTC)
        found.append(AuditEvent.occurred_at < next_day)
    return found


def _matching(principal: Principal, where: AuditFilter) -> sa.Select[AuditEvent]:
    return scoped(sa.select(AuditEvent), principal, Action.VIEW_AUDIT).where(*_conditions(where))


def _count(session: Session, principal: Principal, where: AuditFilter, *extra: sa.ColumnElement[bool]) -> int:
    stmt = scoped(sa.select(sa.func.count()).select_from(AuditEvent), principal, Action.VIEW_AUDIT)
    return session.scalar(stmt.where(*_conditions(where), *extra)) or 0


# --- reading ---------------------------------------------------------------------------------


def newest_events(
    session: Session,
    principal: Principal,
    where: AuditFilter,
    *,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEventView]:
    """Matching events, newest first; ``before_id`` pages back through older ones."""
    stmt = _matching(principal, where)
    if before_id is not None:
        stmt = stmt.where(AuditEvent.id < before_id)
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(max(1, limit))
    return [_view(e) for e in session.scalars(stmt)]


def list_events(
    session: Session,
    principal: Principal,
    *,
    tag: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[AuditEventView]:
    """Newest events first, filtered as :class:`AuditFilter` says (the keyword form, for
    callers that filter by hand, like the CLI); ``before_id`` pages back through older
    events, ``limit`` is at most 1000."""
    require(principal, Action.VIEW_AUDIT)
    where = AuditFilter(
        actor=actor or None,
        tag=tag or None,
        object_type=object_type or None,
        object_id=object_id or None,
        since=since,
        until=until,
    )
    return newest_events(session, principal, where, before_id=before_id, limit=min(limit, 1000))


PAGE_SIZE: Final = 50


@dataclass(frozen=True)
class AuditPage:
    """One page of matching events, newest first, and where it stands among them all."""

    events: list[AuditEventView]
    total: int
    newer_count: int
    """How many matching events are newer than the first one shown."""

    @property
    def first(self) -> int:
        """Position of the first event shown among all the matching ones (from 1)."""
        return self.newer_count + 1 if self.events else 0

    @property
    def last(self) -> int:
        """Position of the last event shown."""
        return self.newer_count + len(self.events)

    @property
    def newer(self) -> int | None:
        """``after_id`` of the page of newer events, if there are any."""
        return self.events[0].id if self.events and self.newer_count else None

    @property
    def older(self) -> int | None:
        """``before_id`` of the page of older events, if there are any."""
        return self.events[-1].id if self.events and self.last < self.total else None


def page_events(
    session: Session,
    principal: Principal,
    where: AuditFilter,
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """A page of matching events, newest first, by keyset on the id: the newest page, the
    page just older than ``before_id``, or the page just newer than ``after_id``.

    Keyset rather than offset: new events arriving while an admin pages back do not shift
    what the next page shows, and a page deep in a long log costs what the first one does.
    """
    require(principal, Action.VIEW_AUDIT)
    if before_id is not None and after_id is not None:
        raise InvalidInput.field("after_id", "page by before_id or by after_id, not both at once")
    events: list[AuditEventView] | None = None
    if after_id is not None:
        stmt = _matching(principal, where).where(AuditEvent.id > after_id)
        above = [_view(e) for e in session.scalars(stmt.order_by(AuditEvent.id.asc()).limit(size))]
        # Near the newest end, "newer" shows the newest page whole, as the first visit did.
        events = above[::-1] if len(above) == size else None
    if events is None:
        events = newest_events(session, principal, where, before_id=before_id, limit=size)
    total = _count(session, principal, where)
    newer = _count(session, principal, where, AuditEvent.id > events[0].id) if events else 0
    return AuditPage(events=events, total=total, newer_count=newer)


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers to choose from (typing anything else works too)."""

    actors: list[str]
    """Kinds of actor (``user:``) and every actor seen, up to a limit."""
    tags: list[str]
    """The known tags and their families (``certificate:``)."""
    object_types: list[str]


def filter_choices(session: Session, principal: Principal, *, most: int = 500) -> FilterChoices:
    """The actors and object types seen in the log (the first ``most`` of each, in
    alphabetical order: read from their indexes) and the known tags."""
    require(principal, Action.VIEW_AUDIT)
    actors = list(
        session.scalars(sa.select(AuditEvent.actor).distinct().order_by(AuditEvent.actor).limit(most))
    )
    kinds = sorted({a.partition(":")[0] + ":" for a in actors if ":" in a})
    object_types = list(
        session.scalars(
            sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type).limit(most)
        )
    )
    return FilterChoices(actors=kinds + actors, tags=known_tags(), object_types=object_types)


# --- CSV export ------------------------------------------------------------------------------


CSV_COLUMNS: Final = (
    "id",
    "occurred_at",
    "actor",
    "actor_participant",
    "tag",
    "object_type",
    "object_id",
    "before",
    "after",
    "note",
)


def csv_row(event: AuditEventView) -> list[str]:
    """One event as a CSV row in :data:`CSV_COLUMNS` order: the time in ISO 8601 UTC, the
    snapshots as JSON, empty cells where there is nothing."""

    def snapshot(value: dict[str, Any] | None) -> str:
        return "" if value is None else json.dumps(value, ensure_ascii=False)

    return [
        str(event.id),
        event.occurred_at.astimezone(UTC).isoformat(),
        event.actor,
        event.actor_participant or "",
        event.tag,
        event.object_type,
        event.object_id,
        snapshot(event.before),
        snapshot(event.after),
        event.note or "",
    ]


def export_csv(
    session_factory: Callable[[], Session],
    principal: Principal,
    where: AuditFilter,
    *,
    batch_size: int = 1000,
) -> Iterator[str]:
    """Every matching event as CSV text (header first, newest first), in chunks of
    ``batch_size`` rows, for a response to stream.

    Permission is checked now, before the first chunk is asked for. Each batch is read in
    a session of its own, by keyset (events older than the last one sent), so a long log
    is never in memory at once and no transaction stays open while a slow client reads;
    events recorded during the download are newer than the first batch and left out.
    """
    require(principal, Action.VIEW_AUDIT)
    return _csv_chunks(session_factory, principal, where, batch_size)


def _csv_chunks(
    session_factory: Callable[[], Session], principal: Principal, where: AuditFilter, batch_size: int
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    before_id: int | None = None
    while True:
        with session_factory() as session:
            batch = newest_events(session, principal, where, before_id=before_id, limit=batch_size)
        writer.writerows(csv_row(e) for e in batch)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(batch) < batch_size:
            return
        before_id = batch[-1].id
