"""The register of decisions as the API shows and takes it."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kpcs.decisions.domain import DecisionStatus


class NamedCode(BaseModel):
    """A participant or working body, by code and name."""

    code: str
    name: str


class DecisionRef(BaseModel):
    """Another decision, as a link."""

    id: int
    title: str
    number: str | None
    year: int | None
    status: DecisionStatus


class DecisionPublic(BaseModel):
    """One administrative decision with what it concerns, what it replaced and its sources."""

    id: int
    key: str
    title: str
    number: str | None
    year: int | None
    adopted_on: date | None
    adopted_by: str
    status: DecisionStatus
    status_sources: list[str]
    status_note: str | None
    summary: str
    text: str | None
    link: str | None
    participants: list[NamedCode]
    bodies: list[NamedCode]
    supersedes: list[DecisionRef]
    superseded_by: list[DecisionRef]
    sources: list[str] = Field(
        description="citations '<source id> <locator>' (a communiqué and its paragraph)"
    )
    recorded_by: str
    recorded_at: datetime
    edited_by: str | None
    edited_at: datetime | None


def _strip(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("participants", "bodies", mode="after", check_fields=False)
    @classmethod
    def _codes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        return list(dict.fromkeys(code.strip().upper() for code in value if code.strip()))

    @field_validator("sources", "status_sources", mode="after", check_fields=False)
    @classmethod
    def _citations(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = [c.strip() for c in value]
        if any(not c for c in cleaned):
            raise ValueError("a citation must not be empty")
        return cleaned


class DecisionCreate(_Body):
    """Body of ``POST /decisions``: a decision to add to the register (admins)."""

    title: str = Field(min_length=1, max_length=1000)
    number: str | None = Field(default=None, max_length=80)
    year: int | None = Field(default=None, ge=2000, le=2100)
    adopted_on: date | None = None
    adopted_by: str = Field(default="Plenary", min_length=1, max_length=200)
    status: DecisionStatus = DecisionStatus.IN_FORCE
    status_note: str | None = Field(default=None, max_length=2000)
    summary: str = Field(min_length=1, max_length=10_000)
    text: str | None = Field(default=None, max_length=200_000)
    link: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    participants: list[str] = Field(default_factory=list, max_length=100)
    bodies: list[str] = Field(default_factory=list, max_length=20)
    supersedes: list[int] = Field(default_factory=list, max_length=20)
    sources: list[str] = Field(min_length=1, max_length=50, description="where the decision is recorded")
    status_sources: list[str] = Field(default_factory=list, max_length=50)

    @field_validator("title", "summary", "adopted_by", mode="after")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("number", "status_note", "text", mode="after")
    @classmethod
    def _optional(cls, value: str | None) -> str | None:
        return _strip(value)


class DecisionUpdate(_Body):
    """Body of ``PATCH /decisions/{id}``: the fields to change (admins); lists replace."""

    title: str | None = Field(default=None, min_length=1, max_length=1000)
    number: str | None = Field(default=None, max_length=80)
    year: int | None = Field(default=None, ge=2000, le=2100)
    adopted_on: date | None = None
    adopted_by: str | None = Field(default=None, min_length=1, max_length=200)
    status: DecisionStatus | None = None
    status_note: str | None = Field(default=None, max_length=2000)
    summary: str | None = Field(default=None, min_length=1, max_length=10_000)
    text: str | None = Field(default=None, max_length=200_000)
    link: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    participants: list[str] | None = Field(default=None, max_length=100)
    bodies: list[str] | None = Field(default=None, max_length=20)
    sources: list[str] | None = Field(default=None, min_length=1, max_length=50)
    status_sources: list[str] | None = Field(default=None, max_length=50)


class Supersession(BaseModel):
    """Body of ``POST /decisions/{id}/supersedes``: the older decision this one replaced."""

    model_config = ConfigDict(extra="forbid")

    superseded: int = Field(ge=1, le=2_147_483_647, description="id of the decision replaced")
    source: str = Field(min_length=1, max_length=500, description="where the replacement is recorded")
