"""Loading the packaged register of decisions (``decisions/data/decisions.yaml``) at
``kpcs db upgrade``.

Idempotent: a second load changes nothing. The file owns the decisions it created until an
admin changes one (``edited_by`` set); from then on the admin's version stands. Decisions are
never deleted by a load. Every load that changes something leaves one audit event.
"""

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
from kpcs.decisions.domain import SEED_RECORDER, DecisionStatus
from kpcs.decisions.models import Decision, DecisionBody, DecisionParticipant, DecisionSupersession
from kpcs.errors import RegistryDataError
from kpcs.participants.models import Participant, RegistrySource, WorkingBody


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceEntry(_Strict):
    """A document the register cites that the participant registry does not list."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    reference: str


class DecisionEntry(_Strict):
    """One decision as the data file records it."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    title: str = Field(min_length=1)
    number: str | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)
    adopted_on: date | None = None
    adopted_by: str = Field(min_length=1)
    status: DecisionStatus
    status_sources: list[str] = Field(min_length=1)
    status_note: str | None = None
    summary: str = Field(min_length=1)
    text: str | None = None
    link: str | None = None
    participants: list[str] = Field(default_factory=list)
    bodies: list[str] = Field(default_factory=list)
    supersedes: list[str] = Field(default_factory=list)
    sources: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _dated_consistently(self) -> Self:
        if self.adopted_on and self.year and self.adopted_on.year != self.year:
            raise ValueError(f"adopted_on {self.adopted_on} is not in year {self.year}")
        return self


class DecisionsFile(_Strict):
    """The whole data file."""

    sources: list[SourceEntry] = Field(default_factory=list)
    decisions: list[DecisionEntry]

    def problems(self, known_sources: set[str]) -> list[str]:
        """Keys given twice, supersessions of unknown keys, citations of unknown sources."""
        found: list[str] = []
        keys = [d.key for d in self.decisions]
        found += [f"decision {k} is given twice" for k in sorted({k for k in keys if keys.count(k) > 1})]
        sources = known_sources | {s.id for s in self.sources}
        for d in self.decisions:
            found += [f"{d.key}: supersedes unknown decision {k}" for k in d.supersedes if k not in keys]
            for citation in [*d.sources, *d.status_sources]:
                if citation.split()[0] not in sources:
                    found.append(f"{d.key}: cites unknown source {citation.split()[0]!r}")
        return found


def default_path() -> Path:
    """The data file shipped inside the package."""
    return Path(str(resources.files("kpcs.decisions") / "data" / "decisions.yaml"))


def read(path: Path | None = None) -> DecisionsFile:
    """Parse the data file, or raise :class:`RegistryDataError` naming what is wrong."""
    path = path or default_path()
    try:
        return DecisionsFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryDataError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise RegistryDataError(f"{path}: {details}") from exc


def _fields(entry: DecisionEntry) -> dict[str, Any]:
    return {
        "title": entry.title,
        "number": entry.number,
        "year": entry.year,
        "adopted_on": entry.adopted_on,
        "adopted_by": entry.adopted_by,
        "status": entry.status,
        "status_sources": list(entry.status_sources),
        "status_note": entry.status_note,
        "summary": entry.summary,
        "text": entry.text,
        "link": entry.link,
        "sources": list(entry.sources),
    }


def apply_decisions(session: Session, *, clock: Clock, data: DecisionsFile | None = None) -> dict[str, int]:
    """Bring the register in line with the data file (inside the caller's transaction, after
    the participant registry is loaded: decisions name its participants, bodies and sources).
    Returns how many decisions were added and updated."""
    data = data or read()
    known_sources = {s.id: s for s in session.scalars(sa.select(RegistrySource))}
    problems = data.problems(set(known_sources))
    participants = set(session.scalars(sa.select(Participant.code)))
    bodies = set(session.scalars(sa.select(WorkingBody.code)))
    for d in data.decisions:
        problems += [f"{d.key}: unknown participant {c}" for c in d.participants if c not in participants]
        problems += [f"{d.key}: unknown working body {c}" for c in d.bodies if c not in bodies]
    if problems:
        raise RegistryDataError("decisions.yaml: " + "; ".join(problems))

    counts = {"added": 0, "updated": 0, "sources": 0}
    for source in data.sources:
        cited = known_sources.get(source.id)
        if cited is None:
            session.add(RegistrySource(id=source.id, title=source.title, reference=source.reference))
            counts["sources"] += 1
        elif (cited.title, cited.reference) != (source.title, source.reference):
            cited.title, cited.reference = source.title, source.reference
            counts["sources"] += 1

    existing = {d.key: d for d in session.scalars(sa.select(Decision))}
    owned: dict[str, Decision] = {}
    for entry in data.decisions:
        row = existing.get(entry.key)
        if row is None:
            row = Decision(
                key=entry.key, recorded_by=SEED_RECORDER, recorded_at=clock.now(), **_fields(entry)
            )
            session.add(row)
            session.flush()
            counts["added"] += 1
        elif row.edited_by is not None:
            continue  # an admin corrected it: theirs stands
        else:
            changed = False
            for name, value in _fields(entry).items():
                if getattr(row, name) != value:
                    setattr(row, name, value)
                    changed = True
            counts["updated"] += changed
        owned[entry.key] = row

    for entry in data.decisions:
        row = owned.get(entry.key)
        if row is None:
            continue
        changed = _sync(
            session,
            DecisionParticipant,
            DecisionParticipant.decision_id == row.id,
            {(row.id, c) for c in entry.participants},
            lambda pair: DecisionParticipant(decision_id=pair[0], participant_code=pair[1]),
            lambda link: (link.decision_id, link.participant_code),
        )
        changed |= _sync(
            session,
            DecisionBody,
            DecisionBody.decision_id == row.id,
            {(row.id, c) for c in entry.bodies},
            lambda pair: DecisionBody(decision_id=pair[0], body_code=pair[1]),
            lambda link: (link.decision_id, link.body_code),
        )
        wanted = {(row.id, (owned.get(k) or existing[k]).id) for k in entry.supersedes}
        changed |= _sync(
            session,
            DecisionSupersession,
            DecisionSupersession.decision_id == row.id,
            wanted,
            lambda pair: DecisionSupersession(decision_id=pair[0], superseded_id=pair[1]),
            lambda link: (link.decision_id, link.superseded_id),
        )
        if changed and existing.get(entry.key) is row:
            counts["updated"] += 1

    if any(counts.values()):
        record(
            session,
            actor=SYSTEM,
            clock=clock,
            tag=tags.DECISIONS_LOADED,
            object_type="decisions",
            object_id="data-file",
            after=counts,
            note=f"register of decisions: {counts['added']} added, {counts['updated']} updated",
        )
    return counts


def _sync(
    session: Session,
    model: Any,
    where: Any,
    wanted: set[tuple[int, Any]],
    make: Any,
    key_of: Any,
) -> bool:
    """Make the link rows matching ``where`` exactly ``wanted``; True if any changed."""
    have = {key_of(link): link for link in session.scalars(sa.select(model).where(where))}
    for stale in set(have) - wanted:
        session.delete(have[stale])
    session.add_all(make(pair) for pair in wanted - set(have))
    return set(have) != wanted
