"""The registry data file (``participants/data/registry.yaml``): its schema and checks.

The file is the single source of the registry's facts; every fact cites a source, or
says why none could be found. Parsing is strict so that a typo fails ``kpcs db upgrade``
loudly instead of loading a wrong status history.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kpcs.errors import RegistryDataError
from kpcs.participants.bodies import BodyKind
from kpcs.participants.registry import DateBound, ParticipantKind, ParticipantStatus, RegimeKind

_CODE = r"^[A-Z][A-Z0-9]{1,7}$"
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Strict):
    """A fact with its citations (``"<source id> <locator>"``), or why it has none."""

    sources: list[str] = Field(default_factory=list)
    unsourced: str | None = None

    @model_validator(mode="after")
    def _cited_or_explained(self) -> Self:
        if not self.sources and not (self.unsourced and self.unsourced.strip()):
            raise ValueError("cite at least one source, or say why none exists in `unsourced`")
        return self

    def source_ids(self) -> set[str]:
        """The source ids this fact cites."""
        return {citation.split()[0] for citation in self.sources if citation.split()}


class SourceEntry(_Strict):
    """A document the registry cites."""

    id: str
    title: str
    reference: str


class HistoryEntry(Cited):
    """One status change, as the data file records it."""

    status: ParticipantStatus
    effective_on: date
    date_bound: DateBound | None = Field(
        default=None, description="set when no source gives the day: the date is only a bound"
    )
    reason: str = Field(min_length=1)
    zones: list[str] = Field(default_factory=list)


class RegimeEntry(Cited):
    """A special regime over part of a participant's trade (e.g. supervised exports from
    one mining area), with the dates it ran between; a date no source gives is left out."""

    kind: RegimeKind
    area: str = Field(min_length=1)
    starts_on: date | None = None
    ends_on: date | None = None
    description: str = Field(min_length=1)


class AuthorityEntry(Cited):
    """A KP authority named by a source."""

    name: str = Field(min_length=1)


class CountryNote(Cited):
    """Why a country is among those a participant stands for, where that is not
    self-evident (a territory that takes part through a member state's participant)."""

    country: str = Field(pattern=r"^[A-Z]{2}$")
    note: str = Field(min_length=1)


class ParticipantEntry(_Strict):
    """A participant or observer with its status history."""

    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    kind: ParticipantKind
    countries: list[str] = Field(default_factory=list)
    country_notes: list[CountryNote] = Field(default_factory=list)
    authority: AuthorityEntry | None = None
    history: list[HistoryEntry] = Field(min_length=1)
    regimes: list[RegimeEntry] = Field(default_factory=list)


class ChairEntry(Cited):
    """The KP Chair and Vice-Chair of a year."""

    year: int = Field(ge=2000, le=2100)
    chair: str | None = None
    vice_chair: str | None = None


class TermEntry(Cited):
    """Who sat on a working body in a year."""

    year: int = Field(ge=2000, le=2100)
    chair: str | None = None
    vice_chair: str | None = None
    members: list[str] = Field(default_factory=list)
    provisional_members: list[str] = Field(default_factory=list)
    observers: list[str] = Field(default_factory=list)

    def codes(self) -> set[str]:
        """Every participant code this term names."""
        named = {self.chair, self.vice_chair}
        return (
            {c for c in named if c} | set(self.members) | set(self.provisional_members) | set(self.observers)
        )


class WorkingBodyEntry(Cited):
    """A working group or committee."""

    code: str = Field(pattern=_CODE)
    name: str = Field(min_length=1)
    kind: BodyKind = BodyKind.WORKING_GROUP
    active_from: int | None = Field(default=None, ge=2000, le=2100)
    active_to: int | None = Field(default=None, ge=2000, le=2100)
    purpose: str = ""
    terms: list[TermEntry] = Field(default_factory=list)


class RegistryFile(_Strict):
    """The whole data file."""

    as_of: date
    sources: list[SourceEntry]
    participants: list[ParticipantEntry]
    chairs: list[ChairEntry] = Field(default_factory=list)
    working_bodies: list[WorkingBodyEntry] = Field(default_factory=list)

    def cross_reference_problems(self) -> list[str]:
        """Everything that refers to something that does not exist, or contradicts itself."""
        problems: list[str] = []
        source_ids = [s.id for s in self.sources]
        problems += [f"source id {s!r} is not [a-z0-9-]" for s in source_ids if not _SOURCE_ID.match(s)]
        problems += [f"source id {s!r} is defined twice" for s in _dupes(source_ids)]
        codes = [p.code for p in self.participants]
        problems += [f"participant {c} is defined twice" for c in _dupes(codes)]
        known_sources, known_codes = set(source_ids), set(codes)

        def check_cited(where: str, fact: Cited) -> None:
            for missing in sorted(fact.source_ids() - known_sources):
                problems.append(f"{where}: cites unknown source {missing!r}")

        for p in self.participants:
            if p.kind is ParticipantKind.OBSERVER and p.countries:
                problems.append(f"{p.code}: an observer stands for no country")
            if p.kind.trades and not p.countries:
                kind = p.kind.value.replace("_", " ")
                problems.append(f"{p.code}: a {kind} stands for at least one country")
            if p.history[0].status is not ParticipantStatus.ACTIVE:
                problems.append(f"{p.code}: history must begin with admission (active)")
            for before, after in zip(p.history, p.history[1:], strict=False):
                if after.effective_on < before.effective_on:
                    problems.append(f"{p.code}: history is not oldest-first at {after.effective_on}")
            for entry in p.history:
                where = f"{p.code} {entry.effective_on} {entry.status}"
                check_cited(where, entry)
                if entry.status is ParticipantStatus.RESTRICTED and not entry.zones:
                    problems.append(f"{where}: restricted without zones")
                if entry.status is not ParticipantStatus.RESTRICTED and entry.zones:
                    problems.append(f"{where}: zones on a status other than restricted")
            if p.authority:
                check_cited(f"{p.code} authority", p.authority)
            for regime in p.regimes:
                where = f"{p.code} regime {regime.area}"
                check_cited(where, regime)
                if regime.starts_on and regime.ends_on and regime.ends_on < regime.starts_on:
                    problems.append(f"{where}: ends before it starts")
                if not p.kind.trades:
                    problems.append(f"{where}: an observer does not trade")
            for note in p.country_notes:
                check_cited(f"{p.code} country {note.country}", note)
                if note.country not in p.countries:
                    problems.append(f"{p.code}: note on {note.country}, a country it does not stand for")
            areas = [r.area for r in p.regimes]
            problems += [f"{p.code}: regime for {a} given twice" for a in _dupes(areas)]
        for chair in self.chairs:
            check_cited(f"chairs {chair.year}", chair)
            for code in (chair.chair, chair.vice_chair):
                if code and code not in known_codes:
                    problems.append(f"chairs {chair.year}: unknown code {code}")
        problems += [f"chairs: year {y} given twice" for y in _dupes([c.year for c in self.chairs])]
        for body in self.working_bodies:
            check_cited(body.code, body)
            if body.active_from and body.active_to and body.active_to < body.active_from:
                problems.append(f"{body.code}: active_to is before active_from")
            for term in body.terms:
                check_cited(f"{body.code} {term.year}", term)
                for code in sorted(term.codes() - known_codes):
                    problems.append(f"{body.code} {term.year}: unknown code {code}")
        return problems


def _dupes(values: list[str] | list[int]) -> list[str]:
    seen: set[object] = set()
    dupes: list[str] = []
    for value in values:
        if value in seen:
            dupes.append(str(value))
        seen.add(value)
    return dupes


def default_registry_path() -> Path:
    """The data file shipped inside the package."""
    return Path(str(resources.files("kpcs.participants") / "data" / "registry.yaml"))


def parse_registry(text: str, *, origin: str = "registry.yaml") -> RegistryFile:
    """Parse and check the data file; raise :class:`RegistryDataError` naming every problem."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RegistryDataError(f"{origin}: not valid YAML: {exc}") from exc
    try:
        data = RegistryFile.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise RegistryDataError(f"{origin}: {details}") from exc
    problems = data.cross_reference_problems()
    if problems:
        raise RegistryDataError(f"{origin}: " + "; ".join(problems))
    return data


def load_registry_file(path: Path | None = None) -> RegistryFile:
    """Read and check the registry data file (the packaged one by default)."""
    path = path or default_registry_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryDataError(f"cannot read the registry data file {path}: {exc.strerror}") from exc
    return parse_registry(text, origin=str(path))
