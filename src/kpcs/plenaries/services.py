"""Reading the plenary calendar, and the chairs of each working body year by year (with the
years the sources leave unknown shown as such)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.errors import InvalidInput
from kpcs.participants.models import (
    KPChair,
    MembershipRole,
    Participant,
    RegistrySource,
    WorkingBody,
    WorkingBodyMembership,
)
from kpcs.plenaries.models import ChairPerson, Meeting, MeetingKind
from kpcs.plenaries.schemas import BodyChairYear, CommuniquePublic, MeetingPublic, PersonPublic


def _names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(sa.select(Participant.code, Participant.name))}


def people(session: Session, *, body: str | None = None, kp: bool = False) -> list[PersonPublic]:
    """The persons named as chairing ``body`` (or, with ``kp``, the KP itself), oldest first."""
    query = sa.select(ChairPerson).order_by(ChairPerson.from_year, ChairPerson.name)
    if kp:
        query = query.where(ChairPerson.body_code.is_(None))
    elif body:
        query = query.where(ChairPerson.body_code == body)
    return [
        PersonPublic(
            name=p.name,
            office=p.office,
            body=p.body_code,
            participant=p.participant_code,
            from_year=p.from_year,
            to_year=p.to_year,
            note=p.note,
            sources=list(p.sources),
        )
        for p in session.scalars(query)
    ]


def meetings(
    session: Session, *, year: int | None = None, kind: MeetingKind | None = None
) -> list[MeetingPublic]:
    """Every Plenary and Intersessional meeting the sources name, oldest first."""
    if year is not None and not 2000 <= year <= 2100:
        raise InvalidInput.field("year", "a year between 2000 and 2100")
    query = sa.select(Meeting).order_by(
        Meeting.year, Meeting.starts_on.is_(None), Meeting.starts_on, Meeting.kind
    )
    if year is not None:
        query = query.where(Meeting.year == year)
    if kind is not None:
        query = query.where(Meeting.kind == kind)
    found = list(session.scalars(query))
    names = _names(session)
    kp_chairs = {c.year: c.chair_code for c in session.scalars(sa.select(KPChair))}
    communiques = {
        s.id: s
        for s in session.scalars(
            sa.select(RegistrySource).where(
                RegistrySource.id.in_({m.communique for m in found if m.communique})
            )
        )
    }
    kp_people = people(session, kp=True)
    result = []
    for m in found:
        chair, chair_from = m.chair_code, "source" if m.chair_code else None
        if chair is None and kp_chairs.get(m.year):
            chair, chair_from = kp_chairs[m.year], "registry"
        source = communiques.get(m.communique) if m.communique else None
        result.append(
            MeetingPublic(
                id=m.id,
                key=m.key,
                year=m.year,
                kind=m.kind,
                ordinal=m.ordinal,
                place=m.place,
                country=m.country,
                starts_on=m.starts_on,
                ends_on=m.ends_on,
                period=m.period,
                chair=chair,
                chair_name=names.get(chair) if chair else None,
                chair_from=chair_from,
                chair_people=[
                    p.name
                    for p in kp_people
                    if p.participant == chair and p.from_year <= m.year <= p.to_year and chair
                ],
                communique=CommuniquePublic(id=source.id, title=source.title, reference=source.reference)
                if source
                else None,
                sources=list(m.sources),
            )
        )
    return result


def body_chairs(session: Session, last_year: int) -> dict[str, list[BodyChairYear]]:
    """For each working body, its chair and vice-chair in every year from its first known year
    to its last (``last_year`` for a body still at work), latest first; a year no source covers
    has no chair, which the page says. A chair who held the KP Chair the year before is marked
    (the CPC is usually chaired by the outgoing KP Chair)."""
    names = _names(session)
    kp_chairs = {c.year: c.chair_code for c in session.scalars(sa.select(KPChair))}
    seats: dict[tuple[str, int], dict[str, object]] = defaultdict(lambda: {"sources": []})
    years_seen: dict[str, set[int]] = defaultdict(set)
    for m in session.scalars(sa.select(WorkingBodyMembership)):
        years_seen[m.body_code].add(m.year)
        if m.role in (MembershipRole.CHAIR, MembershipRole.VICE_CHAIR):
            cell = seats[(m.body_code, m.year)]
            cell[m.role.value] = m.participant_code
            sources = cell["sources"]
            assert isinstance(sources, list)
            sources.extend(s for s in m.sources if s not in sources)
    persons: dict[str, list[ChairPerson]] = defaultdict(list)
    for p in session.scalars(sa.select(ChairPerson).where(ChairPerson.body_code.is_not(None))):
        assert p.body_code is not None
        persons[p.body_code].append(p)
    result: dict[str, list[BodyChairYear]] = {}
    for body in session.scalars(sa.select(WorkingBody)):
        known = years_seen[body.code] | {y for p in persons[body.code] for y in (p.from_year, p.to_year)}
        first = min([y for y in (body.active_from, *known) if y is not None], default=None)
        if first is None:
            result[body.code] = []
            continue
        last = body.active_to or max([last_year, *known])
        rows = []
        for year in range(last, first - 1, -1):
            cell = seats.get((body.code, year), {})
            chair = cell.get("chair")
            vice = cell.get("vice_chair")
            assert chair is None or isinstance(chair, str)
            assert vice is None or isinstance(vice, str)
            named = [p for p in persons[body.code] if p.from_year <= year <= p.to_year]
            sources = list(cell.get("sources", [])) if (chair or vice) else []  # type: ignore[call-overload]
            sources += [s for p in named for s in p.sources if s not in sources]
            rows.append(
                BodyChairYear(
                    year=year,
                    chair=chair,
                    chair_name=names.get(chair) if chair else None,
                    vice_chair=vice,
                    vice_chair_name=names.get(vice) if vice else None,
                    outgoing_kp_chair=bool(chair and kp_chairs.get(year - 1) == chair),
                    people=[p.name for p in named],
                    sources=sources,
                )
            )
        result[body.code] = rows
    return result
