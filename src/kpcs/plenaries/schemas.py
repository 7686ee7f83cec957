"""The plenary calendar and the chairs of the working bodies, as the API and pages show them."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from kpcs.plenaries.models import MeetingKind


class CommuniquePublic(BaseModel):
    """A meeting's communiqué that kpcs ships (a registry source)."""

    id: str
    title: str
    reference: str


class PersonPublic(BaseModel):
    """A person a source names as chairing the KP or a body."""

    name: str
    office: str
    body: str | None
    participant: str | None
    from_year: int
    to_year: int
    note: str | None
    sources: list[str]


class MeetingPublic(BaseModel):
    """A Plenary or Intersessional meeting."""

    id: int
    key: str
    year: int
    kind: MeetingKind
    ordinal: int | None
    place: str | None = Field(description="null where no source names it")
    country: str | None
    starts_on: date | None
    ends_on: date | None
    period: str = Field(description="when, as the source says it")
    chair: str | None = Field(description="the participant in the KP Chair")
    chair_name: str | None
    chair_from: str | None = Field(
        description="'source' when a source names the meeting's chair, 'registry' when it is the "
        "KP Chair of that year in the registry, null when neither is known"
    )
    chair_people: list[str] = Field(description="persons a source names as the KP Chair then")
    communique: CommuniquePublic | None
    sources: list[str]


class BodyChairYear(BaseModel):
    """Who chaired a working body in one year, or that the sources do not say."""

    year: int
    chair: str | None
    chair_name: str | None
    vice_chair: str | None
    vice_chair_name: str | None
    outgoing_kp_chair: bool = Field(description="the chair held the KP Chair the year before")
    people: list[str]
    sources: list[str]
