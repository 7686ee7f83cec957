"""Use cases of the registry: reading it, and changing a participant's status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from kpcs import events
from kpcs.accounts.permissions import Action, Principal, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import DomainError, FieldProblem, InvalidInput, NotFound
from kpcs.participants.events import ParticipantStatusChanged
from kpcs.participants.models import (
    Authority,
    KPChair,
    MembershipRole,
    Participant,
    ParticipantStatusChange,
    RegistrySource,
    WorkingBody,
    WorkingBodyMembership,
)
from kpcs.participants.registry import (
    ParticipantKind,
    ParticipantStatus,
    StatusEntry,
    participant_since,
    status_on,
    validate_new_entry,
)
from kpcs.participants.schemas import (
    AuthorityPublic,
    BodyMemberPublic,
    BodyYearPublic,
    ChairYearPublic,
    CountryNotePublic,
    MembershipPublic,
    ParticipantDetail,
    ParticipantPublic,
    RegimePublic,
    SourcePublic,
    StatusChangeCreate,
    StatusEntryPublic,
    WorkingBodyPublic,
)
from kpcs.participants.snapshot import bump_revision


def _status_in_force(participant: Participant, on: date) -> StatusEntry | None:
    return status_on(participant.history_entries(), on)


def _public_status(entry: StatusEntry | None) -> ParticipantStatus:
    # Not yet admitted on that date: for every rule of the Scheme that is the same as
    # having left it (no certificates to or from it), so it reads as "withdrawn".
    return entry.status if entry is not None else ParticipantStatus.WITHDRAWN


def _load(session: Session, code: str) -> Participant:
    participant = session.scalars(
        sa.select(Participant)
        .where(Participant.code == code.upper())
        .options(
            selectinload(Participant.status_history),
            selectinload(Participant.authorities),
            selectinload(Participant.regimes),
        )
    ).one_or_none()
    if participant is None:
        raise NotFound(f"no participant or observer with code {code!r}")
    return participant


def status_of(session: Session, code: str, on: date) -> StatusEntry | None:
    """The status entry in force for ``code`` on ``on`` (``None``: not a participant then).

    This is what certificate and statistics rules ask: "could X trade on date D?"
    """
    return _status_in_force(_load(session, code), on)


def list_participants(
    session: Session,
    *,
    on: date,
    kind: ParticipantKind | None = None,
    status: ParticipantStatus | None = None,
    search: str | None = None,
) -> list[ParticipantPublic]:
    """The registry as it stood on ``on``, by name, filtered by kind, status and text."""
    stmt = sa.select(Participant).options(selectinload(Participant.status_history))
    if kind is not None:
        stmt = stmt.where(Participant.kind == kind)
    rows: list[ParticipantPublic] = []
    needle = (search or "").strip().lower()
    for participant in session.scalars(stmt.order_by(Participant.name)):
        public = ParticipantPublic(
            code=participant.code,
            name=participant.name,
            kind=participant.kind,
            status=_public_status(_status_in_force(participant, on)),
            countries=list(participant.countries),
        )
        if status is not None and public.status is not status:
            continue
        if needle and needle not in participant.name.lower() and needle != participant.code.lower():
            continue
        rows.append(public)
    return rows


def get_participant(session: Session, code: str, *, on: date) -> ParticipantDetail:
    """One participant with its full history, authorities and working-body seats."""
    participant = _load(session, code)
    in_force = _status_in_force(participant, on)
    memberships = session.execute(
        sa.select(WorkingBodyMembership, WorkingBody.name)
        .join(WorkingBody, WorkingBody.code == WorkingBodyMembership.body_code)
        .where(WorkingBodyMembership.participant_code == participant.code)
        .order_by(WorkingBodyMembership.year.desc(), WorkingBodyMembership.body_code)
    ).all()
    chairs = session.scalars(
        sa.select(KPChair).where(
            sa.or_(KPChair.chair_code == participant.code, KPChair.vice_chair_code == participant.code)
        )
    ).all()
    history = sorted(participant.status_history, key=lambda c: (c.effective_on, c.id))
    return ParticipantDetail(
        code=participant.code,
        name=participant.name,
        kind=participant.kind,
        status=_public_status(in_force),
        countries=list(participant.countries),
        zones=list(in_force.zones) if in_force else [],
        participant_since=participant_since(participant.history_entries()),
        status_history=[
            StatusEntryPublic(
                status=c.status,
                effective_on=c.effective_on,
                date_bound=c.date_bound,
                reason=c.reason,
                zones=list(c.zones),
                sources=list(c.sources),
                recorded_by=c.recorded_by,
                recorded_at=c.recorded_at,
            )
            for c in history
        ],
        regimes=[
            RegimePublic(
                kind=r.kind,
                area=r.area,
                starts_on=r.starts_on,
                ends_on=r.ends_on,
                description=r.description,
                sources=list(r.sources),
            )
            for r in participant.regimes
        ],
        country_notes=[
            CountryNotePublic(country=n["country"], note=n["note"], sources=list(n.get("sources") or []))
            for n in participant.country_notes
        ],
        authorities=[
            AuthorityPublic(
                name=a.name,
                sources=list(a.sources),
                default_validity_days=a.default_validity_days,
                max_validity_days=a.max_validity_days,
            )
            for a in participant.authorities
        ],
        memberships=[
            MembershipPublic(
                body=m.body_code, body_name=body_name, year=m.year, role=m.role, sources=list(m.sources)
            )
            for m, body_name in memberships
        ],
        chaired_kp_in=sorted(c.year for c in chairs if c.chair_code == participant.code),
        vice_chaired_kp_in=sorted(c.year for c in chairs if c.vice_chair_code == participant.code),
    )


def change_status(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    code: str,
    change: StatusChangeCreate,
) -> ParticipantDetail:
    """Append a status change to a participant's history (admins only), with its audit record.

    Nothing is overwritten: the new entry takes effect on ``effective_on`` and the earlier
    entries stay, so "what was X's status on date D" keeps its answer for every past D.
    """
    require(principal, Action.CHANGE_PARTICIPANT_STATUS, participant=code)
    with uow:
        participant = _load(uow.session, code)
        if participant.kind is ParticipantKind.OBSERVER and change.status in (
            ParticipantStatus.SUSPENDED,
            ParticipantStatus.RESTRICTED,
            ParticipantStatus.EXPORT_BANNED,
        ):
            raise DomainError(
                f"{participant.code} is an observer: observers do not trade, so they can be "
                "admitted or withdrawn but not suspended, restricted or banned from exporting",
                field="status",
                rule="observer-status",
            )
        entry = StatusEntry(
            status=change.status,
            effective_on=change.effective_on,
            reason=change.reason,
            zones=tuple(change.zones),
        )
        history = participant.history_entries()
        problems = validate_new_entry(history, entry)
        if problems:
            raise InvalidInput(
                "; ".join(f"{f}: {m}" for f, m in problems),
                problems=[FieldProblem(f, m) for f, m in problems],
            )
        before = status_on(history, clock.today())
        uow.session.add(
            ParticipantStatusChange(
                participant_code=participant.code,
                status=entry.status,
                effective_on=entry.effective_on,
                reason=entry.reason,
                zones=list(entry.zones),
                sources=[],
                unsourced=None,
                recorded_at=clock.now(),
                recorded_by=principal.actor,
            )
        )
        bump_revision(uow.session)
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.PARTICIPANT_STATUS_CHANGED,
            object_type="participant",
            object_id=participant.code,
            before=_entry_snapshot(before),
            after=_entry_snapshot(entry),
        )
        events.publish(uow.session, clock, ParticipantStatusChanged(participant.code, entry))
        uow.commit()
        uow.session.expire_all()
        return get_participant(uow.session, participant.code, on=clock.today())


def take_status_change(
    session: Session, clock: Clock, actor: Principal, code: str, entry: StatusEntry
) -> str:
    """Append a status entry decided elsewhere (the hub, for a national node), in the
    caller's transaction; says what it did.

    The hub validated the entry against its own history; a node mirrors it. An entry the
    node already has (from the shipped registry, or an earlier copy of the message) changes
    nothing, so the same change arriving twice has its effect once.
    """
    participant = _load(session, code)
    history = participant.history_entries()
    if any(
        known.status is entry.status
        and known.effective_on == entry.effective_on
        and tuple(known.zones) == tuple(entry.zones)
        for known in history
    ):
        return f"{participant.code} is already {entry.status} from {entry.effective_on.isoformat()} here"
    before = status_on(history, clock.today())
    session.add(
        ParticipantStatusChange(
            participant_code=participant.code,
            status=entry.status,
            effective_on=entry.effective_on,
            reason=entry.reason,
            zones=list(entry.zones),
            sources=[],
            unsourced=None,
            recorded_at=clock.now(),
            recorded_by=actor.actor,
        )
    )
    bump_revision(session)
    record(
        session,
        actor=actor,
        clock=clock,
        tag=tags.PARTICIPANT_STATUS_CHANGED,
        object_type="participant",
        object_id=participant.code,
        before=_entry_snapshot(before),
        after=_entry_snapshot(entry),
        note="decided on the hub",
    )
    return f"{participant.code} is {entry.status} from {entry.effective_on.isoformat()}"


def _entry_snapshot(entry: StatusEntry | None) -> dict[str, object] | None:
    if entry is None:
        return None
    return {
        "status": entry.status,
        "effective_on": entry.effective_on,
        "reason": entry.reason,
        "zones": list(entry.zones),
    }


def list_working_bodies(session: Session) -> list[WorkingBodyPublic]:
    """Every working body with its seats grouped by year, latest year first."""
    names = dict(session.execute(sa.select(Participant.code, Participant.name)).all())
    bodies: list[WorkingBodyPublic] = []
    role_order = {role: index for index, role in enumerate(MembershipRole)}
    for body in session.scalars(
        sa.select(WorkingBody).options(selectinload(WorkingBody.memberships)).order_by(WorkingBody.code)
    ):
        by_year: dict[int, list[WorkingBodyMembership]] = {}
        for membership in body.memberships:
            by_year.setdefault(membership.year, []).append(membership)
        years = [
            BodyYearPublic(
                year=year,
                members=[
                    BodyMemberPublic(
                        code=m.participant_code,
                        name=names.get(m.participant_code, m.participant_code),
                        role=m.role,
                    )
                    for m in sorted(
                        seats, key=lambda m: (role_order[m.role], names.get(m.participant_code, ""))
                    )
                ],
                sources=sorted({s for m in seats for s in m.sources}),
            )
            for year, seats in sorted(by_year.items(), reverse=True)
        ]
        bodies.append(
            WorkingBodyPublic(
                code=body.code, name=body.name, purpose=body.purpose, sources=list(body.sources), years=years
            )
        )
    return bodies


def list_chairs(session: Session) -> list[ChairYearPublic]:
    """The KP Chair and Vice-Chair by year, latest first."""
    names = dict(session.execute(sa.select(Participant.code, Participant.name)).all())
    return [
        ChairYearPublic(
            year=c.year,
            chair=c.chair_code,
            chair_name=names.get(c.chair_code) if c.chair_code else None,
            vice_chair=c.vice_chair_code,
            vice_chair_name=names.get(c.vice_chair_code) if c.vice_chair_code else None,
            sources=list(c.sources),
        )
        for c in session.scalars(sa.select(KPChair).order_by(KPChair.year.desc()))
    ]


def list_sources(session: Session) -> list[SourcePublic]:
    """Every document the registry cites."""
    return [
        SourcePublic(id=s.id, title=s.title, reference=s.reference)
        for s in session.scalars(sa.select(RegistrySource).order_by(RegistrySource.id))
    ]


@dataclass(frozen=True)
class TradingCountry:
    """A country that trades under a participant (a member state trades under the EU)."""

    code: str
    name: str
    participant: str
    participant_name: str


def trading_countries(session: Session, on: date) -> list[TradingCountry]:
    """Countries whose participant (or trading entity) is active, restricted or banned from
    exporting on ``on``, by name (for forms: such a country may still import or export
    on conditions)."""
    from kpcs.countries import country_name

    found: dict[str, TradingCountry] = {}
    for participant in session.scalars(
        sa.select(Participant).options(selectinload(Participant.status_history))
    ):
        entry = _status_in_force(participant, on)
        if not participant.kind.trades or entry is None:
            continue
        if entry.status not in (
            ParticipantStatus.ACTIVE,
            ParticipantStatus.RESTRICTED,
            ParticipantStatus.EXPORT_BANNED,
        ):
            continue
        for code in participant.countries:
            # A trading entity goes by the name the KP lists it under ("Chinese Taipei").
            entity = participant.kind is ParticipantKind.TRADING_ENTITY
            name = participant.name if entity else country_name(code)
            found[code] = TradingCountry(code, name, participant.code, participant.name)
    return sorted(found.values(), key=lambda c: c.name)


def configure_authority(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    code: str,
    *,
    default_validity_days: int,
    max_validity_days: int,
) -> AuthorityPublic:
    """Set how long the certificates of a participant's authority are valid (admins)."""
    require(principal, Action.CONFIGURE_AUTHORITY, participant=code)
    problems = []
    if not 1 <= max_validity_days <= 366:
        problems.append(FieldProblem("max_validity_days", "between 1 and 366 days"))
    if not 1 <= default_validity_days <= max_validity_days:
        problems.append(FieldProblem("default_validity_days", "between 1 day and the maximum"))
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems)
    with uow:
        participant = _load(uow.session, code)
        if not participant.kind.trades:
            raise DomainError(f"{participant.code} is an observer and has no KP authority", field="code")
        authority = participant.authorities[0] if participant.authorities else None
        if authority is None:
            authority = Authority(
                participant_code=participant.code,
                name=f"KP Authority of {participant.name}",
                sources=[],
                default_validity_days=60,
                max_validity_days=60,
            )
            uow.session.add(authority)
            uow.flush()
        before = {
            "default_validity_days": authority.default_validity_days,
            "max_validity_days": authority.max_validity_days,
        }
        authority.default_validity_days = default_validity_days
        authority.max_validity_days = max_validity_days
        bump_revision(uow.session)
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.AUTHORITY_UPDATED,
            object_type="authority",
            object_id=participant.code,
            before=before,
            after={"default_validity_days": default_validity_days, "max_validity_days": max_validity_days},
        )
        uow.commit()
        return AuthorityPublic(
            name=authority.name,
            sources=list(authority.sources),
            default_validity_days=default_validity_days,
            max_validity_days=max_validity_days,
        )
