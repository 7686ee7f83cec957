"""Request bodies of export dossiers (CONTRACT.md: POST /export-dossiers and its decision)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field, field_validator

from kpcs.certificates.schemas import LineIn
from kpcs.dossiers.domain import Decision, ExpertConclusion
from kpcs.footprints.schemas import AssortmentIn

MAX_TEXT = 20_000


class DossierCreate(BaseModel):
    """A proposed export shipment of a restricted participant."""

    exporting_country: str = Field(min_length=2, max_length=2, examples=["CF"])
    zone: str = Field(min_length=1, max_length=200, examples=["Berbérati"])
    carats: Decimal = Field(max_digits=16, examples=[1250.5])
    value_usd: Decimal = Field(max_digits=18, examples=[185000.0])
    notes: str = Field(default="", max_length=MAX_TEXT)
    lines: list[LineIn] = Field(default_factory=list, max_length=50)
    parcel_count: int | None = Field(default=None, ge=1, le=100_000)
    parcels: list[str] = Field(
        default_factory=list, max_length=1000, description="the parcel list, one description each"
    )
    assortment: AssortmentIn | None = Field(
        default=None,
        description="the shipment's assortment (stones and carats per sieve class, colour and quality "
        "shares), read against the footprint of the zone it claims",
    )

    @field_validator("zone", "exporting_country")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class ExpertAssessmentCreate(BaseModel):
    """The Diamond Expert Team's assessment; kpcs keeps the footprint check it was made with."""

    conclusion: ExpertConclusion
    notes: str = Field(min_length=1, max_length=MAX_TEXT)


class StatisticsAssessmentCreate(BaseModel):
    """The statistics working group's assessment; the statistical report is attached by kpcs."""

    conclusion: str = Field(min_length=1, max_length=MAX_TEXT, description="the group's reading")


class DecisionCreate(BaseModel):
    """The Monitoring Team's decision, with its reason."""

    decision: Decision
    reason: str = Field(min_length=1, max_length=MAX_TEXT)


class InformationCreate(BaseModel):
    """The authority's answer to a request for more information; the week starts again."""

    notes: str = Field(min_length=1, max_length=MAX_TEXT)
