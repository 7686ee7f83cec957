"""An in-memory snapshot of the registry, for the hot paths (issuing, checking).

Rebuilt when the registry revision moves, so a status change recorded by any process is
seen by the next certificate issued anywhere.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from kpcs.participants.models import Authority, Participant, RegistryRevision
from kpcs.participants.registry import ParticipantKind, ParticipantStatus, StatusEntry, status_on


def bump_revision(session: Session) -> None:
    """Mark the registry as changed (in the caller's transaction).

    Called by every change to participants, their status, their authorities and the
    signing keys, so that every process's cached copies are rebuilt on next use.
    """
    updated = session.execute(
        sa.update(RegistryRevision)
        .where(RegistryRevision.id == 1)
        .values(revision=RegistryRevision.revision + 1)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(RegistryRevision(id=1, revision=1))


@dataclass(frozen=True)
class AuthorityFacts:
    """A participant's KP authority as issuing needs it."""

    name: str
    default_validity_days: int
    max_validity_days: int


@dataclass(frozen=True)
class ParticipantFacts:
    """What the rules need to know of a participant."""

    code: str
    name: str
    kind: ParticipantKind
    countries: tuple[str, ...]
    history: tuple[StatusEntry, ...]
    authority: AuthorityFacts | None = None

    def status_on(self, on: date) -> StatusEntry | None:
        """The status in force on ``on``."""
        return status_on(self.history, on)


@dataclass(frozen=True)
class RegistrySnapshot:
    """Participants by code, and which participants stand for each country."""

    revision: int
    participants: dict[str, ParticipantFacts]
    by_country: dict[str, tuple[str, ...]]

    def trading_under(self, country: str, on: date) -> ParticipantFacts | None:
        """The participant a country trades under on ``on``: itself if it is a participant
        then, else the participant that stands for it (the EU for a member state), else
        itself as a former participant, else ``None``."""
        own = self.participants.get(country)
        if own is not None:
            entry = own.status_on(on)
            if entry is not None and entry.status is not ParticipantStatus.WITHDRAWN:
                return own
        for code in self.by_country.get(country, ()):
            return self.participants[code]
        return own


_cache: dict[str, tuple[int, RegistrySnapshot]] = {}
_lock = threading.Lock()


# Read before every issue and every check: built once, as a Core statement on the table,
# it skips the ORM's statement compilation on each call.
_REVISION = sa.select(RegistryRevision.__table__.c.revision).where(RegistryRevision.__table__.c.id == 1)


def current_revision(session: Session) -> int:
    """The registry revision the database is at."""
    return session.connection().scalar(_REVISION) or 0


def registry_snapshot(session: Session) -> RegistrySnapshot:
    """The registry as of the database's current revision (cached per database)."""
    revision = current_revision(session)
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    cached = _cache.get(key)
    if cached is not None and cached[0] == revision:
        return cached[1]
    participants: dict[str, ParticipantFacts] = {}
    by_country: dict[str, list[str]] = {}
    rows = session.scalars(
        sa.select(Participant).options(
            selectinload(Participant.status_history), selectinload(Participant.authorities)
        )
    )
    for row in rows:
        first: Authority | None = row.authorities[0] if row.authorities else None
        authority = (
            AuthorityFacts(first.name, first.default_validity_days, first.max_validity_days)
            if first
            else None
        )
        facts = ParticipantFacts(
            code=row.code,
            name=row.name,
            kind=row.kind,
            countries=tuple(row.countries),
            history=tuple(row.history_entries()),
            authority=authority,
        )
        participants[row.code] = facts
        if row.kind.trades:
            for country in row.countries:
                by_country.setdefault(country, []).append(row.code)
    snapshot = RegistrySnapshot(revision, participants, {k: tuple(v) for k, v in by_country.items()})
    with _lock:
        _cache[key] = (revision, snapshot)
    return snapshot
