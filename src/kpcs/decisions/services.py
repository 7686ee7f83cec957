"""Use cases of the register of administrative decisions: searching it, reading one decision,
and an admin adding, correcting or superseding one. Every change is audited."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.decisions.domain import DecisionStatus, slug, would_cycle
from kpcs.decisions.models import Decision, DecisionBody, DecisionParticipant, DecisionSupersession
from kpcs.decisions.schemas import (
    DecisionCreate,
    DecisionPublic,
    DecisionRef,
    DecisionUpdate,
    NamedCode,
    Supersession,
)
from kpcs.errors import Conflict, InvalidInput, NotFound
from kpcs.participants.models import Participant, WorkingBody

MAX_QUERY = 200
"""The longest search text taken."""


def _ref(decision: Decision) -> DecisionRef:
    return DecisionRef(
        id=decision.id,
        title=decision.title,
        number=decision.number,
        year=decision.year,
        status=decision.status,
    )


def _public(session: Session, decisions: list[Decision]) -> list[DecisionPublic]:
    """The decisions with their links, in four queries whatever their number."""
    ids = [d.id for d in decisions]
    if not ids:
        return []
    participants: dict[int, list[NamedCode]] = defaultdict(list)
    for decision_id, code, name in session.execute(
        sa.select(DecisionParticipant.decision_id, Participant.code, Participant.name)
        .join(Participant, Participant.code == DecisionParticipant.participant_code)
        .where(DecisionParticipant.decision_id.in_(ids))
        .order_by(Participant.name)
    ):
        participants[decision_id].append(NamedCode(code=code, name=name))
    bodies: dict[int, list[NamedCode]] = defaultdict(list)
    for decision_id, code, name in session.execute(
        sa.select(DecisionBody.decision_id, WorkingBody.code, WorkingBody.name)
        .join(WorkingBody, WorkingBody.code == DecisionBody.body_code)
        .where(DecisionBody.decision_id.in_(ids))
        .order_by(WorkingBody.code)
    ):
        bodies[decision_id].append(NamedCode(code=code, name=name))
    links = session.execute(
        sa.select(DecisionSupersession.decision_id, DecisionSupersession.superseded_id).where(
            sa.or_(DecisionSupersession.decision_id.in_(ids), DecisionSupersession.superseded_id.in_(ids))
        )
    ).all()
    linked_ids = {i for pair in links for i in pair}
    linked = {d.id: d for d in session.scalars(sa.select(Decision).where(Decision.id.in_(linked_ids)))}
    supersedes: dict[int, list[DecisionRef]] = defaultdict(list)
    superseded_by: dict[int, list[DecisionRef]] = defaultdict(list)
    for newer, older in sorted(links):
        supersedes[newer].append(_ref(linked[older]))
        superseded_by[older].append(_ref(linked[newer]))
    return [
        DecisionPublic(
            id=d.id,
            key=d.key,
            title=d.title,
            number=d.number,
            year=d.year,
            adopted_on=d.adopted_on,
            adopted_by=d.adopted_by,
            status=d.status,
            status_sources=list(d.status_sources),
            status_note=d.status_note,
            summary=d.summary,
            text=d.text,
            link=d.link,
            participants=participants[d.id],
            bodies=bodies[d.id],
            supersedes=supersedes[d.id],
            superseded_by=superseded_by[d.id],
            sources=list(d.sources),
            recorded_by=d.recorded_by,
            recorded_at=d.recorded_at,
            edited_by=d.edited_by,
            edited_at=d.edited_at,
        )
        for d in decisions
    ]


def search(
    session: Session,
    *,
    q: str | None = None,
    body: str | None = None,
    participant: str | None = None,
    status: DecisionStatus | None = None,
    year: int | None = None,
) -> list[DecisionPublic]:
    """The decisions matching every filter given, newest first (undated ones last).

    ``q`` is looked for, case-insensitively, in the title, number, summary, text, adopting
    body and citations; ``body`` and ``participant`` are codes the decision concerns.
    """
    needle = (q or "").strip().lower()
    if len(needle) > MAX_QUERY:
        raise InvalidInput.field("q", f"at most {MAX_QUERY} characters")
    query = sa.select(Decision)
    if body:
        query = query.where(
            Decision.id.in_(sa.select(DecisionBody.decision_id).where(DecisionBody.body_code == body.upper()))
        )
    if participant:
        query = query.where(
            Decision.id.in_(
                sa.select(DecisionParticipant.decision_id).where(
                    DecisionParticipant.participant_code == participant.upper()
                )
            )
        )
    if status is not None:
        query = query.where(Decision.status == status)
    if year is not None:
        query = query.where(Decision.year == year)
    query = query.order_by(Decision.year.is_(None), Decision.year.desc(), Decision.title, Decision.id)
    found = list(session.scalars(query))
    if needle:
        # Matched in Python: the register holds tens of decisions, and the citations are a JSON
        # list that each database stores and escapes differently (SQLite keeps "¶" as \u00b6).
        found = [d for d in found if needle in _haystack(d)]
    return _public(session, found)


def _haystack(decision: Decision) -> str:
    """Everything a search looks in, lower-cased."""
    parts = [
        decision.title,
        decision.number,
        decision.summary,
        decision.text,
        decision.adopted_by,
        decision.key,
    ]
    return " ".join([p for p in parts if p] + list(decision.sources)).lower()


def get(session: Session, decision_id: int) -> DecisionPublic:
    """One decision, or :class:`NotFound`."""
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise NotFound(f"no decision {decision_id}")
    return _public(session, [decision])[0]


def _check_codes(
    session: Session, field: str, codes: list[str], model: type[Participant | WorkingBody]
) -> None:
    column = model.code
    known = set(session.scalars(sa.select(column).where(column.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        what = "participants or observers" if model is Participant else "working bodies"
        raise InvalidInput.field(field, f"not in the registry's {what}: {', '.join(unknown)}")


def _set_links(
    session: Session, decision: Decision, participants: list[str] | None, bodies: list[str] | None
) -> None:
    if participants is not None:
        _check_codes(session, "participants", participants, Participant)
        session.execute(sa.delete(DecisionParticipant).where(DecisionParticipant.decision_id == decision.id))
        session.add_all(
            DecisionParticipant(decision_id=decision.id, participant_code=c) for c in participants
        )
    if bodies is not None:
        _check_codes(session, "bodies", bodies, WorkingBody)
        session.execute(sa.delete(DecisionBody).where(DecisionBody.decision_id == decision.id))
        session.add_all(DecisionBody(decision_id=decision.id, body_code=c) for c in bodies)


def _codes_of(session: Session, decision_id: int) -> dict[str, list[str]]:
    return {
        "participants": sorted(
            session.scalars(
                sa.select(DecisionParticipant.participant_code).where(
                    DecisionParticipant.decision_id == decision_id
                )
            )
        ),
        "bodies": sorted(
            session.scalars(sa.select(DecisionBody.body_code).where(DecisionBody.decision_id == decision_id))
        ),
    }


def _supersession_map(session: Session) -> dict[int, list[int]]:
    graph: dict[int, list[int]] = defaultdict(list)
    for newer, older in session.execute(
        sa.select(DecisionSupersession.decision_id, DecisionSupersession.superseded_id)
    ):
        graph[newer].append(older)
    return graph


def _link_supersession(
    session: Session, newer: Decision, older_id: int, source: str, *, field: str = "superseded"
) -> Decision:
    """Record that ``newer`` replaced ``older_id`` and mark the older one superseded."""
    older = session.get(Decision, older_id)
    if older is None:
        raise InvalidInput.field(field, f"no decision {older_id}")
    if session.get(DecisionSupersession, (newer.id, older.id)) is not None:
        raise Conflict(f"decision {newer.id} already supersedes decision {older.id}")
    if would_cycle(_supersession_map(session), newer.id, older.id):
        raise InvalidInput.field(
            field, f"decision {older.id} cannot be superseded by {newer.id}: it would supersede itself"
        )
    session.add(DecisionSupersession(decision_id=newer.id, superseded_id=older.id))
    older.status = DecisionStatus.SUPERSEDED
    older.status_sources = [*older.status_sources, source]
    return older


_EDITABLE = (
    "title",
    "number",
    "year",
    "adopted_on",
    "adopted_by",
    "status",
    "status_note",
    "summary",
    "text",
    "link",
    "sources",
    "status_sources",
)


def _snapshot(decision: Decision) -> dict[str, Any]:
    return {name: getattr(decision, name) for name in _EDITABLE}


def create(uow: UnitOfWork, principal: Principal, clock: Clock, body: DecisionCreate) -> DecisionPublic:
    """Add a decision to the register (admins); the decisions it names in ``supersedes``
    become superseded."""
    require(principal, Action.MANAGE_DECISIONS)
    with uow:
        session = uow.session
        base = slug(body.year, body.title)
        taken = set(session.scalars(sa.select(Decision.key).where(Decision.key.startswith(base))))
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base[:76]}-{n}"
        decision = Decision(
            key=key,
            title=body.title,
            number=body.number,
            year=body.year,
            adopted_on=body.adopted_on,
            adopted_by=body.adopted_by,
            status=body.status,
            status_sources=list(body.status_sources) or list(body.sources),
            status_note=body.status_note,
            summary=body.summary,
            text=body.text,
            link=body.link,
            sources=list(body.sources),
            recorded_by=principal.actor,
            recorded_at=clock.now(),
        )
        session.add(decision)
        session.flush()
        _set_links(session, decision, body.participants, body.bodies)
        replaced = [
            _link_supersession(session, decision, older, f"decision {decision.id}", field="supersedes")
            for older in dict.fromkeys(body.supersedes)
        ]
        after = (
            _snapshot(decision) | _codes_of(session, decision.id) | {"supersedes": [d.id for d in replaced]}
        )
        _audit(session, principal, clock, tags.DECISION_CREATED, decision, after=after)
        for older in replaced:
            _audit(
                session,
                principal,
                clock,
                tags.DECISION_SUPERSEDED,
                older,
                after={"status": older.status, "superseded_by": decision.id},
            )
        uow.commit()
        return get(session, decision.id)


def update(
    uow: UnitOfWork, principal: Principal, clock: Clock, decision_id: int, body: DecisionUpdate
) -> DecisionPublic:
    """Correct a decision (admins): only the fields sent change; a seeded decision changed
    here is no longer updated from the data file."""
    require(principal, Action.MANAGE_DECISIONS)
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidInput("nothing to change: send at least one field", problems=[])
    for required in ("title", "summary", "adopted_by", "status", "sources"):
        if required in changes and changes[required] is None:
            raise InvalidInput.field(required, "must not be null")
    with uow:
        session = uow.session
        decision = session.get(Decision, decision_id)
        if decision is None:
            raise NotFound(f"no decision {decision_id}")
        before = _snapshot(decision) | _codes_of(session, decision.id)
        for name in _EDITABLE:
            if name in changes:
                setattr(decision, name, changes[name])
        _set_links(session, decision, changes.get("participants"), changes.get("bodies"))
        session.flush()
        after = _snapshot(decision) | _codes_of(session, decision.id)
        if after == before:
            raise Conflict(f"decision {decision_id} already reads so: nothing changed")
        decision.edited_by, decision.edited_at = principal.actor, clock.now()
        changed = sorted(k for k in after if after[k] != before[k])
        _audit(
            session,
            principal,
            clock,
            tags.DECISION_UPDATED,
            decision,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
        uow.commit()
        return get(session, decision.id)


def supersede(
    uow: UnitOfWork, principal: Principal, clock: Clock, decision_id: int, body: Supersession
) -> DecisionPublic:
    """Record that decision ``decision_id`` replaced ``body.superseded`` (admins); the older
    decision's status becomes superseded, citing ``body.source``."""
    require(principal, Action.MANAGE_DECISIONS)
    with uow:
        session = uow.session
        newer = session.get(Decision, decision_id)
        if newer is None:
            raise NotFound(f"no decision {decision_id}")
        older = session.get(Decision, body.superseded)
        before = {"status": older.status, "status_sources": list(older.status_sources)} if older else None
        older = _link_supersession(session, newer, body.superseded, body.source.strip())
        older.edited_by, older.edited_at = principal.actor, clock.now()
        _audit(
            session,
            principal,
            clock,
            tags.DECISION_SUPERSEDED,
            older,
            before=before,
            after={"status": older.status, "status_sources": older.status_sources, "superseded_by": newer.id},
        )
        uow.commit()
        return get(session, newer.id)


def _audit(
    session: Session,
    principal: Principal,
    clock: Clock,
    tag: str,
    decision: Decision,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tag,
        object_type="decision",
        object_id=str(decision.id),
        before=before,
        after=after,
        note=decision.title[:200],
    )
