"""Request bodies of footprints, and the assortment a dossier may declare."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_TEXT = 20_000


class LotIn(BaseModel):
    """The stones of one sieve class in a shipment."""

    model_config = ConfigDict(extra="forbid")

    stones: int = Field(ge=0, le=100_000_000, examples=[120])
    carats: Decimal = Field(ge=0, max_digits=16, decimal_places=2, examples=[40.5])


class AssortmentIn(BaseModel):
    """A shipment's assortment: stones and carats per sieve class (the classes' carats add up
    to the dossier's), and the colour and quality shares of its carats (fractions adding up
    to 1). Sieve classes: -7, +7-11, +11, 2-4gr, 1-2ct, 2-5ct, 5-10.8ct, +10.8ct; colours:
    white, off-white, yellow, brown, grey, fancy; qualities: gem, near-gem, industrial."""

    model_config = ConfigDict(extra="forbid")

    sieve_classes: dict[str, LotIn] = Field(
        max_length=20,
        examples=[{"+11": {"stones": 300, "carats": 60.5}, "2-4gr": {"stones": 80, "carats": 50}}],
    )
    colours: dict[str, float] = Field(max_length=20, examples=[{"white": 0.6, "yellow": 0.3, "brown": 0.1}])
    qualities: dict[str, float] = Field(
        max_length=20, examples=[{"gem": 0.5, "near-gem": 0.3, "industrial": 0.2}]
    )


class FootprintCreate(BaseModel):
    """A footprint the Diamond Expert Team enters for a production zone."""

    model_config = ConfigDict(extra="forbid")

    participant: str = Field(min_length=2, max_length=8, examples=["CF"])
    zone: str = Field(min_length=1, max_length=200, examples=["Berbérati"])
    sizes: dict[str, float] = Field(
        max_length=20,
        description="share of the carats in each sieve class",
        examples=[{"+11": 0.4, "2-4gr": 0.6}],
    )
    colours: dict[str, float] = Field(max_length=20, description="share of the carats in each colour")
    qualities: dict[str, float] = Field(max_length=20, description="share of the carats in each quality")
    usd_per_carat: Decimal = Field(gt=0, max_digits=18, decimal_places=2, examples=[185.0])
    stones: int = Field(ge=1, le=100_000_000, description="how many stones the footprint rests on")
    as_of: date | None = Field(default=None, description="the day it describes (default: today)")
    notes: str = Field(default="", max_length=MAX_TEXT)

    @field_validator("participant", "zone")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class FootprintCompute(BaseModel):
    """Compute a zone's footprint from its approved dossiers that declare an assortment."""

    model_config = ConfigDict(extra="forbid")

    participant: str = Field(min_length=2, max_length=8, examples=["CF"])
    zone: str = Field(min_length=1, max_length=200, examples=["Berbérati"])
    notes: str = Field(default="", max_length=MAX_TEXT)

    @field_validator("participant", "zone")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()
