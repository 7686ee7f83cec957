"""Use cases of technical assistance: a need or an offer recorded (by the participant's
authority, or by the WGM for anyone, an observer such as DDI included), the list read with
its filters and as CSV, the matches of open needs to open offers, and an entry moved along
its course (matched with a counterpart, in progress, closed). Every change is audited; the
rules are in ``domain.py``.

Who sees what: the needs and offers are public (the 2014 plenary asked for the list of
needs to be posted on the KP website), but whom to contact is shown only to the signed-in.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.assistance import domain
from kpcs.assistance.domain import EntryKind, Region, Status, Topic
from kpcs.assistance.models import AssistanceEntry
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import DB_INT_MAX, UnitOfWork
from kpcs.errors import Conflict, InvalidInput, NotFound
from kpcs.participants.models import Participant

MAX_DESCRIPTION = 10_000
"""The longest description kept (a few pages)."""

_E = TypeVar("_E", EntryKind, Topic, Region, Status)


def _enum(kind: type[_E], field: str, value: str) -> _E:
    try:
        return kind(value.strip().lower())
    except ValueError:
        raise InvalidInput.field(field, f"must be one of {', '.join(k.value for k in kind)}") from None


def _text(field: str, value: str, *, limit: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput.field(field, "must not be empty")
    if len(text) > limit:
        raise InvalidInput.field(field, f"at most {limit} characters")
    return text


@dataclass(frozen=True)
class EntryFilter:
    """What a list of needs and offers is narrowed to (every reader uses the same one)."""

    kind: str | None = None
    topic: str | None = None
    region: str | None = None
    status: str | None = None
    participant: str | None = None

    def checked(self) -> EntryFilter:
        """The filter with each value checked against its vocabulary (a 422 naming the field)."""
        return EntryFilter(
            kind=_enum(EntryKind, "kind", self.kind).value if self.kind else None,
            topic=_enum(Topic, "topic", self.topic).value if self.topic else None,
            region=_enum(Region, "region", self.region).value if self.region else None,
            status=_enum(Status, "status", self.status).value if self.status else None,
            participant=self.participant.strip().upper() if self.participant else None,
        )


def _public(row: AssistanceEntry, principal: Principal) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "participant": row.participant,
        "topic": row.topic,
        "topic_label": domain.TOPIC_LABELS[Topic(row.topic)],
        "region": row.region,
        "title": row.title,
        "description": row.description,
        # whom to contact is for the Scheme's members, not for the public page
        "contact": row.contact if principal.is_authenticated else None,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "status": row.status,
        "matched_with": row.matched_with,
        "created_at": row.created_at,
        "created_by": row.created_by if principal.is_authenticated else None,
        "updated_at": row.updated_at,
    }


def _facts(row: AssistanceEntry) -> domain.Entry:
    return domain.Entry(
        id=row.id,
        kind=EntryKind(row.kind),
        participant=row.participant,
        topic=Topic(row.topic),
        region=Region(row.region),
        status=Status(row.status),
    )


def _rows(session: Session, chosen: EntryFilter) -> list[AssistanceEntry]:
    query = sa.select(AssistanceEntry).order_by(AssistanceEntry.id.desc())
    for column, value in (
        (AssistanceEntry.kind, chosen.kind),
        (AssistanceEntry.topic, chosen.topic),
        (AssistanceEntry.region, chosen.region),
        (AssistanceEntry.status, chosen.status),
        (AssistanceEntry.participant, chosen.participant),
    ):
        if value:
            query = query.where(column == value)
    return list(session.scalars(query))


def entries(
    session: Session, principal: Principal, chosen: EntryFilter | None = None
) -> list[dict[str, Any]]:
    """The needs and offers, newest first, narrowed by ``chosen``."""
    require(principal, Action.VIEW_ASSISTANCE)
    return [_public(row, principal) for row in _rows(session, (chosen or EntryFilter()).checked())]


def _get(session: Session, principal: Principal, entry_id: int) -> AssistanceEntry:
    require(principal, Action.VIEW_ASSISTANCE)
    row = session.get(AssistanceEntry, entry_id) if 1 <= entry_id <= DB_INT_MAX else None
    if row is None:
        raise NotFound(f"no technical assistance entry {entry_id}")
    return row


def entry(session: Session, principal: Principal, entry_id: int) -> dict[str, Any]:
    """One need or offer, with its counterpart once matched, and while it is open the
    entries of the other kind it matches, each with the reason."""
    row = _get(session, principal, entry_id)
    counterpart = session.get(AssistanceEntry, row.matched_with) if row.matched_with else None
    candidates = []
    if Status(row.status) is Status.OPEN:
        other = EntryKind.OFFER if row.kind == EntryKind.NEED.value else EntryKind.NEED
        for found in _rows(session, EntryFilter(kind=other.value, topic=row.topic, status=Status.OPEN.value)):
            need, offer = (row, found) if other is EntryKind.OFFER else (found, row)
            reason = domain.match_reason(_facts(need), _facts(offer))
            if reason is not None:
                candidates.append(_public(found, principal) | {"reason": reason})
    return _public(row, principal) | {
        "counterpart": _public(counterpart, principal) if counterpart else None,
        "candidates": candidates,
        "next_statuses": sorted(s.value for s in domain.NEXT[Status(row.status)]),
    }


def matches(
    session: Session, principal: Principal, *, topic: str | None = None, region: str | None = None
) -> list[dict[str, Any]]:
    """Every open need with every open offer that fits it, and why (the DDI tool of 2014 §39):
    ``topic`` and ``region`` narrow it to the needs of that topic and region."""
    require(principal, Action.VIEW_ASSISTANCE)
    chosen = EntryFilter(topic=topic, region=region).checked()
    rows = _rows(session, EntryFilter(topic=chosen.topic, status=Status.OPEN.value))
    by_id = {row.id: row for row in rows}
    found = domain.matches(_facts(row) for row in reversed(rows))  # oldest need first
    return [
        {
            "need": _public(by_id[m.need], principal),
            "offer": _public(by_id[m.offer], principal),
            "reason": m.reason,
        }
        for m in found
        if chosen.region is None or by_id[m.need].region == chosen.region
    ]


CSV_COLUMNS = (
    "id",
    "kind",
    "participant",
    "topic",
    "region",
    "title",
    "contact",
    "starts_on",
    "ends_on",
    "status",
    "matched_with",
    "created_at",
)
"""The columns of the CSV export, always the same (``contact`` is empty for the public)."""


def export_csv(session: Session, principal: Principal, chosen: EntryFilter | None = None) -> str:
    """The needs and offers as CSV (the same filter as the list), oldest first."""
    rows = entries(session, principal, chosen)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in reversed(rows):
        writer.writerow(
            [
                "" if row[c] is None else (row[c].isoformat() if isinstance(row[c], date) else row[c])
                for c in CSV_COLUMNS
            ]
        )
    return buffer.getvalue()


def _audit(
    session: Session,
    principal: Principal,
    clock: Clock,
    tag: str,
    row: AssistanceEntry,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tag,
        object_type=f"assistance-{row.kind}",
        object_id=str(row.id),
        before=before,
        after=after,
        note=note,
    )


def create(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    *,
    kind: str,
    participant: str,
    topic: str,
    region: str,
    title: str,
    description: str,
    contact: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> dict[str, Any]:
    """Record a need or an offer of ``participant`` (its authority, or the WGM for anyone):
    open, until matched."""
    code = participant.strip().upper()
    require(principal, Action.RECORD_ASSISTANCE, participant=code)
    chosen_kind = _enum(EntryKind, "kind", kind)
    chosen_topic, chosen_region = _enum(Topic, "topic", topic), _enum(Region, "region", region)
    what = _text("title", title, limit=200)
    said = _text("description", description, limit=MAX_DESCRIPTION)
    who = _text("contact", contact, limit=200)
    wrong = domain.refuse_period(starts_on, ends_on)
    if wrong:
        raise InvalidInput.field("ends_on", wrong)
    with uow:
        if uow.session.get(Participant, code) is None:
            raise InvalidInput.field("participant", f"{code or '(none)'} is not in the registry")
        now = clock.now()
        row = AssistanceEntry(
            kind=chosen_kind.value,
            participant=code,
            topic=chosen_topic.value,
            region=chosen_region.value,
            title=what,
            description=said,
            contact=who,
            starts_on=starts_on,
            ends_on=ends_on,
            status=Status.OPEN.value,
            matched_with=None,
            created_at=now,
            created_by=principal.actor,
            updated_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        after = {
            "kind": row.kind,
            "participant": code,
            "topic": row.topic,
            "region": row.region,
            "title": what,
            "status": row.status,
        }
        _audit(uow.session, principal, clock, tags.ASSISTANCE_RECORDED, row, after=after)
        uow.commit()
        return entry(uow.session, principal, row.id)


def _move(
    session: Session,
    principal: Principal,
    clock: Clock,
    row: AssistanceEntry,
    status: Status,
    matched_with: int | None,
    note: str | None,
) -> None:
    before = {"status": row.status, "matched_with": row.matched_with}
    row.status, row.matched_with, row.updated_at = status.value, matched_with, clock.now()
    after = {"status": row.status, "matched_with": row.matched_with}
    _audit(
        session, principal, clock, tags.ASSISTANCE_STATUS_CHANGED, row, before=before, after=after, note=note
    )


def set_status(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    entry_id: int,
    *,
    status: str,
    counterpart: int | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Move an entry along its course (its participant's authority, or the WGM).

    ``matched`` names the ``counterpart``: an open entry of the other kind that fits it by the
    matching rule; both are then matched with each other (the two sides have agreed, and the
    counterpart leaves the list of open entries). A matched entry set back to ``open`` frees its
    counterpart too, if that is still matched with it. ``in progress`` and ``closed`` move this
    entry only."""
    new = _enum(Status, "status", status)
    why = (note or "").strip() or None
    if why is not None and len(why) > MAX_DESCRIPTION:
        raise InvalidInput.field("note", f"at most {MAX_DESCRIPTION} characters")
    if new is Status.MATCHED and counterpart is None:
        raise InvalidInput.field("counterpart", "name the entry it is matched with")
    if new is not Status.MATCHED and counterpart is not None:
        raise InvalidInput.field("counterpart", "only a match names a counterpart")
    if counterpart is not None and not 1 <= counterpart <= DB_INT_MAX:
        raise InvalidInput.field("counterpart", f"there is no entry {counterpart}")
    with uow:
        row = _get(uow.session, principal, entry_id)
        require(principal, Action.RECORD_ASSISTANCE, participant=row.participant)
        refusal = domain.refuse_move(Status(row.status), new)
        if refusal:
            raise Conflict(f"technical assistance entry {entry_id}: {refusal}")
        if new is Status.MATCHED:
            other = uow.session.get(AssistanceEntry, counterpart)
            if other is None:
                raise InvalidInput.field("counterpart", f"there is no entry {counterpart}")
            need, offer = (row, other) if row.kind == EntryKind.NEED.value else (other, row)
            if domain.fit_reason(_facts(need), _facts(offer)) is None:
                raise InvalidInput.field(
                    "counterpart",
                    f"entry {other.id} does not fit: a need is matched with an offer of another "
                    "participant, on the same topic, given in the need's region or worldwide",
                )
            if Status(other.status) is not Status.OPEN:
                raise Conflict(f"technical assistance entry {other.id} is {other.status}, not open")
            _move(uow.session, principal, clock, row, new, other.id, why)
            _move(uow.session, principal, clock, other, Status.MATCHED, row.id, why)
        else:
            previous = row.matched_with
            keeps = new is not Status.OPEN
            _move(uow.session, principal, clock, row, new, previous if keeps else None, why)
            if not keeps and previous is not None:
                other = uow.session.get(AssistanceEntry, previous)
                if other is not None and other.matched_with == row.id and other.status == Status.MATCHED:
                    _move(uow.session, principal, clock, other, Status.OPEN, None, why)
        uow.commit()
        return entry(uow.session, principal, entry_id)
