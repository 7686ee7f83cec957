"""Request bodies of the experts' workbench."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kpcs.workbench.domain import MAX_FINDING


class FindingCreate(BaseModel):
    """The Diamond Expert Team's finding on a warning, which closes it: ``confirmed`` (the
    suspicion holds — a re-used photo, a wrong value, goods not of the zone) or ``cleared``
    (it does not — a different parcel, an explained value, goods that fit the zone), and what
    the experts found, in their words."""

    model_config = ConfigDict(extra="forbid")

    conclusion: Literal["confirmed", "cleared"] = Field(examples=["confirmed"])
    finding: str = Field(
        min_length=1,
        max_length=MAX_FINDING,
        examples=["The same parcel photo as BW-2025-000012, cropped: the parcels were not re-photographed"],
    )
