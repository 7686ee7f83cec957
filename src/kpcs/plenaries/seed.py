"""Loading the packaged plenary calendar and named chairpersons
(``plenaries/data/plenaries.yaml``) at ``kpcs db upgrade``: idempotent, the file owns these
rows (no one edits them in kpcs), one audit event when a load changes anything."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import SYSTEM
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.errors import RegistryDataError
from kpcs.participants.models import Participant, RegistrySource, WorkingBody
from kpcs.plenaries.models import ChairPerson, Meeting, MeetingKind

_KEY = r"^[a-z0-9][a-z0-9-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MeetingEntry(_Strict):
    """A meeting as the data file records it."""

    key: str = Field(pattern=_KEY, max_length=80)
    year: int = Field(ge=2000, le=2100)
    kind: MeetingKind
    ordinal: int | None = Field(default=None, ge=1)
    place: str | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    starts_on: date | None = None
    ends_on: date | None = None
    period: str = Field(min_length=1)
    chair: str | None = None
    communique: str | None = None
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        for day in (self.starts_on, self.ends_on):
            if day and day.year != self.year:
                raise ValueError(f"{day} is not in {self.year}")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class PersonEntry(_Strict):
    """A person named as chairing the KP (``body`` null) or a body."""

    key: str = Field(pattern=_KEY, max_length=80)
    name: str = Field(min_length=1)
    office: str = Field(min_length=1)
    body: str | None = None
    participant: str | None = None
    from_year: int = Field(ge=2000, le=2100)
    to_year: int = Field(ge=2000, le=2100)
    note: str | None = None
    sources: list[str] = Field(min_length=1)


class CalendarFile(_Strict):
    """The whole data file."""

    meetings: list[MeetingEntry]
    people: list[PersonEntry] = Field(default_factory=list)


def default_path() -> Path:
    """The data file shipped inside the package."""
    return Path(str(resources.files("kpcs.plenaries") / "data" / "plenaries.yaml"))


def read(path: Path | None = None) -> CalendarFile:
    """Parse the data file, or raise :class:`RegistryDataError` naming what is wrong."""
    path = path or default_path()
    try:
        return CalendarFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryDataError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise RegistryDataError(f"{path}: {details}") from exc


def _check(session: Session, data: CalendarFile) -> None:
    sources = set(session.scalars(sa.select(RegistrySource.id)))
    participants = set(session.scalars(sa.select(Participant.code)))
    bodies = set(session.scalars(sa.select(WorkingBody.code)))
    problems: list[str] = []
    for kind, keys in (("meeting", [m.key for m in data.meetings]), ("person", [p.key for p in data.people])):
        problems += [f"{kind} {k} is given twice" for k in sorted({k for k in keys if keys.count(k) > 1})]
    for m in data.meetings:
        problems += [
            f"{m.key}: cites unknown source {c.split()[0]!r}"
            for c in m.sources
            if c.split()[0] not in sources
        ]
        if m.chair and m.chair not in participants:
            problems.append(f"{m.key}: unknown chair {m.chair}")
        if m.communique and m.communique not in sources:
            problems.append(f"{m.key}: unknown communiqué {m.communique}")
    for p in data.people:
        problems += [
            f"{p.key}: cites unknown source {c.split()[0]!r}"
            for c in p.sources
            if c.split()[0] not in sources
        ]
        if p.body and p.body not in bodies:
            problems.append(f"{p.key}: unknown working body {p.body}")
        if p.participant and p.participant not in participants:
            problems.append(f"{p.key}: unknown participant {p.participant}")
        if p.to_year < p.from_year:
            problems.append(f"{p.key}: to_year is before from_year")
    if problems:
        raise RegistryDataError("plenaries.yaml: " + "; ".join(problems))


def _upsert(session: Session, model: Any, rows: dict[str, dict[str, Any]]) -> tuple[int, int, int]:
    existing = {row.key: row for row in session.scalars(sa.select(model))}
    added = updated = 0
    for key, values in rows.items():
        row = existing.pop(key, None)
        if row is None:
            session.add(model(key=key, **values))
            added += 1
            continue
        changed = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        updated += changed
    for stale in existing.values():
        session.delete(stale)
    return added, updated, len(existing)


def apply_calendar(session: Session, *, clock: Clock, data: CalendarFile | None = None) -> dict[str, int]:
    """Bring the calendar and the named chairpersons in line with the data file (inside the
    caller's transaction, after the participant registry is loaded)."""
    data = data or read()
    _check(session, data)
    meetings = {
        m.key: {
            "year": m.year,
            "kind": m.kind,
            "ordinal": m.ordinal,
            "place": m.place,
            "country": m.country,
            "starts_on": m.starts_on,
            "ends_on": m.ends_on,
            "period": m.period,
            "chair_code": m.chair,
            "communique": m.communique,
            "sources": list(m.sources),
        }
        for m in data.meetings
    }
    people = {
        p.key: {
            "name": p.name,
            "office": p.office,
            "body_code": p.body,
            "participant_code": p.participant,
            "from_year": p.from_year,
            "to_year": p.to_year,
            "note": p.note,
            "sources": list(p.sources),
        }
        for p in data.people
    }
    m_added, m_updated, m_removed = _upsert(session, Meeting, meetings)
    p_added, p_updated, p_removed = _upsert(session, ChairPerson, people)
    counts = {
        "meetings added": m_added,
        "meetings updated": m_updated,
        "meetings removed": m_removed,
        "people added": p_added,
        "people updated": p_updated,
        "people removed": p_removed,
    }
    if any(counts.values()):
        record(
            session,
            actor=SYSTEM,
            clock=clock,
            tag=tags.PLENARIES_LOADED,
            object_type="plenary-calendar",
            object_id="data-file",
            after=counts,
            note="plenary calendar: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n),
        )
    return counts
