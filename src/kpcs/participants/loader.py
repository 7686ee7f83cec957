"""Loading the registry data file into the database (run by ``kpcs db upgrade``).

Idempotent: loading the same file twice changes nothing the second time. The file owns
the rows it created (status entries ``recorded_by='registry'``, working-body seats,
chairs, sources) and brings them in line with itself; status changes entered by an
admin are never touched. Every change the file makes is in one audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from kpcs.accounts.permissions import SYSTEM
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.participants.datafile import ParticipantEntry, RegistryFile
from kpcs.participants.models import (
    REGISTRY_RECORDER,
    Authority,
    KPChair,
    MembershipRole,
    Participant,
    ParticipantRegime,
    ParticipantStatusChange,
    RegistrySource,
    WorkingBody,
    WorkingBodyMembership,
)
from kpcs.participants.snapshot import bump_revision


@dataclass
class LoadReport:
    """What a load changed, by kind of row."""

    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], kind: str) -> None:
        """Add one to ``bucket[kind]``."""
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        """True if the load changed anything."""
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        """One line for the CLI and the audit note."""
        if not self.changed:
            return "registry up to date"
        parts = []
        for label, bucket in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            if bucket:
                parts.append(label + " " + ", ".join(f"{n} {k}" for k, n in sorted(bucket.items())))
        return "; ".join(parts)


def _set_if_changed(obj: object, values: Mapping[str, object]) -> bool:
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def apply_registry(session: Session, data: RegistryFile, *, clock: Clock) -> LoadReport:
    """Bring the database's registry in line with ``data`` (inside the caller's transaction)."""
    report = LoadReport()
    _apply_sources(session, data, report)
    _apply_participants(session, data, report, clock)
    session.flush()
    _apply_working_bodies(session, data, report)
    _apply_chairs(session, data, report)
    if report.changed:
        bump_revision(session)
        record(
            session,
            actor=SYSTEM,
            clock=clock,
            tag=tags.REGISTRY_LOADED,
            object_type="registry",
            object_id=data.as_of.isoformat(),
            after={"added": report.added, "updated": report.updated, "removed": report.removed},
            note=f"registry data file as of {data.as_of.isoformat()}: {report.summary()}",
        )
    return report


def _apply_sources(session: Session, data: RegistryFile, report: LoadReport) -> None:
    existing = {s.id: s for s in session.scalars(sa.select(RegistrySource))}
    for entry in data.sources:
        row = existing.get(entry.id)
        if row is None:
            session.add(RegistrySource(id=entry.id, title=entry.title, reference=entry.reference))
            report.count(report.added, "sources")
        elif _set_if_changed(row, {"title": entry.title, "reference": entry.reference}):
            report.count(report.updated, "sources")


def _apply_participants(session: Session, data: RegistryFile, report: LoadReport, clock: Clock) -> None:
    existing = {
        p.code: p
        for p in session.scalars(
            sa.select(Participant).options(
                selectinload(Participant.status_history),
                selectinload(Participant.authorities),
                selectinload(Participant.regimes),
            )
        )
    }
    now = clock.now()
    for entry in data.participants:
        participant = existing.get(entry.code)
        values = {
            "name": entry.name,
            "kind": entry.kind,
            "countries": list(entry.countries),
            "country_notes": [note.model_dump(mode="json") for note in entry.country_notes],
        }
        if participant is None:
            participant = Participant(code=entry.code, **values)
            session.add(participant)
            report.count(report.added, "participants")
        elif _set_if_changed(participant, values):
            report.count(report.updated, "participants")

        owned = {
            (c.effective_on, c.status): c
            for c in participant.status_history
            if c.recorded_by == REGISTRY_RECORDER
        }
        for item in entry.history:
            fields = {
                "date_bound": item.date_bound,
                "reason": item.reason,
                "zones": list(item.zones),
                "sources": list(item.sources),
                "unsourced": item.unsourced,
            }
            row = owned.pop((item.effective_on, item.status), None)
            if row is None:
                participant.status_history.append(
                    ParticipantStatusChange(
                        participant_code=entry.code,
                        status=item.status,
                        effective_on=item.effective_on,
                        recorded_at=now,
                        recorded_by=REGISTRY_RECORDER,
                        **fields,
                    )
                )
                report.count(report.added, "status entries")
            elif _set_if_changed(row, fields):
                report.count(report.updated, "status entries")
        for stale in owned.values():
            participant.status_history.remove(stale)
            session.delete(stale)
            report.count(report.removed, "status entries")

        _apply_regimes(session, participant, entry, report)

        if entry.authority is not None:
            names = {a.name: a for a in participant.authorities}
            authority = names.get(entry.authority.name)
            if authority is None:
                session.add(
                    Authority(
                        participant_code=entry.code,
                        name=entry.authority.name,
                        sources=list(entry.authority.sources),
                        default_validity_days=60,
                        max_validity_days=60,
                    )
                )
                report.count(report.added, "authorities")
            elif _set_if_changed(authority, {"sources": list(entry.authority.sources)}):
                report.count(report.updated, "authorities")


def _apply_regimes(
    session: Session, participant: Participant, entry: ParticipantEntry, report: LoadReport
) -> None:
    # Regimes come only from the data file (no use case records one), so the file owns
    # them all: each is matched on (kind, area), and one the file no longer lists goes.
    owned = {(r.kind, r.area): r for r in participant.regimes}
    for item in entry.regimes:
        fields = {
            "starts_on": item.starts_on,
            "ends_on": item.ends_on,
            "description": item.description,
            "sources": list(item.sources),
            "unsourced": item.unsourced,
        }
        row = owned.pop((item.kind, item.area), None)
        if row is None:
            participant.regimes.append(
                ParticipantRegime(participant_code=entry.code, kind=item.kind, area=item.area, **fields)
            )
            report.count(report.added, "regimes")
        elif _set_if_changed(row, fields):
            report.count(report.updated, "regimes")
    for stale in owned.values():
        participant.regimes.remove(stale)
        session.delete(stale)
        report.count(report.removed, "regimes")


def _apply_working_bodies(session: Session, data: RegistryFile, report: LoadReport) -> None:
    bodies = {b.code: b for b in session.scalars(sa.select(WorkingBody))}
    seats = {
        (m.body_code, m.year, m.participant_code, m.role): m
        for m in session.scalars(sa.select(WorkingBodyMembership))
    }
    for entry in data.working_bodies:
        values = {
            "name": entry.name,
            "kind": entry.kind,
            "active_from": entry.active_from,
            "active_to": entry.active_to,
            "purpose": entry.purpose,
            "sources": list(entry.sources),
        }
        body = bodies.get(entry.code)
        if body is None:
            session.add(WorkingBody(code=entry.code, **values))
            report.count(report.added, "working bodies")
        elif _set_if_changed(body, values):
            report.count(report.updated, "working bodies")
    session.flush()
    for entry in data.working_bodies:
        for term in entry.terms:
            wanted: list[tuple[str, MembershipRole]] = []
            if term.chair:
                wanted.append((term.chair, MembershipRole.CHAIR))
            if term.vice_chair:
                wanted.append((term.vice_chair, MembershipRole.VICE_CHAIR))
            wanted += [(c, MembershipRole.MEMBER) for c in term.members]
            wanted += [(c, MembershipRole.PROVISIONAL_MEMBER) for c in term.provisional_members]
            wanted += [(c, MembershipRole.OBSERVER) for c in term.observers]
            for code, role in dict.fromkeys(wanted):
                key = (entry.code, term.year, code, role)
                row = seats.pop(key, None)
                if row is None:
                    session.add(
                        WorkingBodyMembership(
                            body_code=entry.code,
                            year=term.year,
                            participant_code=code,
                            role=role,
                            sources=list(term.sources),
                        )
                    )
                    report.count(report.added, "working-body seats")
                elif _set_if_changed(row, {"sources": list(term.sources)}):
                    report.count(report.updated, "working-body seats")
    for stale in seats.values():
        session.delete(stale)
        report.count(report.removed, "working-body seats")


def _apply_chairs(session: Session, data: RegistryFile, report: LoadReport) -> None:
    chairs = {c.year: c for c in session.scalars(sa.select(KPChair))}
    for entry in data.chairs:
        values = {
            "chair_code": entry.chair,
            "vice_chair_code": entry.vice_chair,
            "sources": list(entry.sources),
        }
        row = chairs.pop(entry.year, None)
        if row is None:
            session.add(KPChair(year=entry.year, **values))
            report.count(report.added, "chair years")
        elif _set_if_changed(row, values):
            report.count(report.updated, "chair years")
    for stale in chairs.values():
        session.delete(stale)
        report.count(report.removed, "chair years")
