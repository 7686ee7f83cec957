"""What the registry looks like from outside: API bodies and responses."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kpcs.participants.models import MembershipRole
from kpcs.participants.registry import DateBound, ParticipantKind, ParticipantStatus, RegimeKind


class ParticipantPublic(BaseModel):
    """A registry entry as listed (CONTRACT: ``{code, name, kind, status, countries}``)."""

    code: str
    name: str
    kind: ParticipantKind
    status: ParticipantStatus = Field(description="status in force on the date asked for")
    countries: list[str]


class StatusEntryPublic(BaseModel):
    """One line of a status history."""

    status: ParticipantStatus
    effective_on: date
    date_bound: DateBound | None = Field(
        default=None,
        description="`not_later_than` when no source gives the day: the change took effect on "
        "`effective_on` at the latest (the date of the source that first attests it)",
    )
    reason: str
    zones: list[str]
    sources: list[str] = Field(default_factory=list, description="citations for the fact")
    recorded_by: str
    recorded_at: datetime


class CountryNotePublic(BaseModel):
    """Why a country is among those a participant stands for, with its sources."""

    country: str
    note: str
    sources: list[str]


class RegimePublic(BaseModel):
    """A special regime over part of a participant's trade (for the record: the
    certificate rules follow the participant's status, not its regimes)."""

    kind: RegimeKind
    area: str
    starts_on: date | None = Field(description="null when no source gives the start")
    ends_on: date | None = Field(description="null while in force, or when no source gives the end")
    description: str
    sources: list[str]


class AuthorityPublic(BaseModel):
    """A participant's KP authority."""

    name: str
    sources: list[str]
    default_validity_days: int
    max_validity_days: int


class MembershipPublic(BaseModel):
    """A seat on a working body in one year."""

    body: str
    body_name: str
    year: int
    role: MembershipRole
    sources: list[str]


class ParticipantDetail(ParticipantPublic):
    """One participant with its history, authorities and working-body seats."""

    status_history: list[StatusEntryPublic]
    participant_since: date | None
    zones: list[str] = Field(description="compliant zones in force, when restricted")
    regimes: list[RegimePublic] = Field(default_factory=list)
    country_notes: list[CountryNotePublic] = Field(default_factory=list)
    authorities: list[AuthorityPublic]
    memberships: list[MembershipPublic]
    chaired_kp_in: list[int]
    vice_chaired_kp_in: list[int]


class StatusChangeCreate(BaseModel):
    """Body of ``POST /participants/{code}/status``."""

    model_config = ConfigDict(extra="forbid")

    status: ParticipantStatus
    reason: str = Field(min_length=1, max_length=2000)
    effective_on: date
    zones: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("reason")
    @classmethod
    def _strip_reason(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("a reason is required")
        return value

    @field_validator("zones")
    @classmethod
    def _strip_zones(cls, value: list[str]) -> list[str]:
        return [zone.strip() for zone in value]


class BodyMemberPublic(BaseModel):
    """A participant holding a role on a body in a year."""

    code: str
    name: str
    role: MembershipRole


class BodyYearPublic(BaseModel):
    """Who sat on a working body in one year."""

    year: int
    members: list[BodyMemberPublic]
    sources: list[str]


class WorkingBodyPublic(BaseModel):
    """A working group or committee with its seats by year, latest year first."""

    code: str
    name: str
    purpose: str
    sources: list[str]
    years: list[BodyYearPublic]


class ChairYearPublic(BaseModel):
    """The KP Chair and Vice-Chair of a year."""

    year: int
    chair: str | None
    chair_name: str | None
    vice_chair: str | None
    vice_chair_name: str | None
    sources: list[str]


class SourcePublic(BaseModel):
    """A document the registry cites."""

    id: str
    title: str
    reference: str
