"""Certificates from outside: request bodies and responses of the API (CONTRACT.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from kpcs.certificates.domain import LossKind
from kpcs.db import DB_INT_MAX

# Money and weight are JSON numbers (CONTRACT: "both as JSON numbers"); inside they are
# exact Decimals.
Amount = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


def _upper(value: str) -> str:
    return value.strip().upper()


class PartyIn(BaseModel):
    """An exporter or importer."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=300)
    address: str = Field(max_length=600)


class LineIn(BaseModel):
    """One line of the shipment."""

    model_config = ConfigDict(extra="forbid")

    hs_code: str = Field(max_length=12, examples=["7102.31"])
    origin: str = Field(max_length=8, description="ISO 3166-1 alpha-2 code or 'mixed'", examples=["BW"])
    carats: Decimal = Field(max_digits=16, examples=[1520.35])
    value_usd: Decimal = Field(max_digits=18, examples=[310250.00])
    departed_origin_on: date | None = Field(
        default=None,
        description="the day the diamonds left the country of origin, stated by the exporter: a line "
        "whose origin is suspended on the date of issue is accepted only if they left before the "
        "suspension began",
    )
    classification_note: str | None = Field(
        default=None,
        max_length=500,
        description="why the line has its HS code, where it could be questioned (the 7102.31/7102.39 "
        "disputes the 2021 plenary named, communiqué §35); kept with the line, not signed. A note "
        'declaring the goods synthetic ("synthetic", "lab-grown") is refused',
    )

    @field_validator("origin")
    @classmethod
    def _origin(cls, value: str) -> str:
        value = value.strip()
        return "mixed" if value.lower() == "mixed" else value.upper()

    @field_validator("hs_code")
    @classmethod
    def _hs(cls, value: str) -> str:
        return value.strip()


class ContainerIn(BaseModel):
    """The tamper-resistant container the shipment travels in (Core Document, Section IV(c):
    rough diamonds are exported in tamper-resistant containers; Annex I, C: optional
    procedures), with the numbers of the seals that close it."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(
        default=None, max_length=300, examples=["steel case, sealed by the Government Diamond Valuator"]
    )
    seal_numbers: list[str] = Field(default_factory=list, max_length=50, examples=[["BW-S-004512"]])
    transparent_security_bags: bool = Field(
        default=False, description="the diamonds travel in transparent security bags (Annex I, C)"
    )
    number_on_container: bool = Field(
        default=False, description="the certificate number is replicated on the container (Annex I, C)"
    )

    @field_validator("seal_numbers")
    @classmethod
    def _seals(cls, value: list[str]) -> list[str]:
        return [seal.strip() for seal in value]


class CertificateCreate(BaseModel):
    """Body of ``POST /certificates``.

    Beyond the minimum elements of Annex I, A, the optional elements of the certificate
    (Annex I, B and C; Sections III(d) and IV(c)) may be given: ``container``, ``transit``,
    ``quality_characteristics`` and ``additional_information``; and on each line
    ``departed_origin_on``.
    """

    model_config = ConfigDict(extra="forbid")

    exporting_country: str = Field(max_length=2, min_length=2, examples=["BW"])
    importing_country: str = Field(max_length=2, min_length=2, examples=["BE"])
    exporter: PartyIn
    importer: PartyIn
    parcel_count: int = Field(ge=0, le=100_000)
    lines: list[LineIn] = Field(max_length=50)
    expires_on: date | None = None
    export_dossier: int | None = Field(
        default=None, ge=1, le=DB_INT_MAX, description="approved dossier, for restricted exporters"
    )
    container: ContainerIn | None = Field(
        default=None, description="the tamper-resistant container and its seals (Section IV(c); Annex I, C)"
    )
    transit: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="participant codes of the registry the shipment passes through on its way "
        "(Section III(d): it must leave each one unopened)",
        examples=[["AE"]],
    )
    quality_characteristics: str | None = Field(
        default=None,
        max_length=2000,
        description="quality characteristics of the rough diamonds in the shipment (Annex I, B)",
    )
    additional_information: str | None = Field(
        default=None,
        max_length=2000,
        description="additional data the issuing authority prints on its certificates (Annex I, B)",
    )

    _countries = field_validator("exporting_country", "importing_country")(_upper)

    @field_validator("transit")
    @classmethod
    def _transit(cls, value: list[str]) -> list[str]:
        return [_upper(code) for code in value]


class LinePublic(BaseModel):
    """A line of an issued certificate."""

    hs_code: str
    origin: str
    carats: Amount
    value_usd: Amount
    departed_origin_on: date | None = None
    classification_note: str | None = None

    @model_serializer(mode="wrap")
    def _without_unstated(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A line states its date of departure (and its classification note) only when the
        # exporter gave one: a line without it reads exactly as it did before the field existed.
        data: dict[str, Any] = handler(self)
        for optional in ("departed_origin_on", "classification_note"):
            if data.get(optional) is None:
                data.pop(optional, None)
        return data


class ContainerPublic(BaseModel):
    """The container and seals a certificate states (Section IV(c); Annex I, C)."""

    description: str | None = None
    seal_numbers: list[str] = Field(default_factory=list)
    transparent_security_bags: bool = False
    number_on_container: bool = False


class SealIn(BaseModel):
    """A seal as the importing authority found it."""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=50)
    intact: bool

    @field_validator("number")
    @classmethod
    def _number(cls, value: str) -> str:
        return value.strip()


class SealPublic(BaseModel):
    """A seal as the return slip reports it."""

    number: str
    intact: bool


class PartyPublic(BaseModel):
    """An exporter or importer on an issued certificate."""

    name: str
    address: str


class WarningPublic(BaseModel):
    """A non-blocking finding of the expert checks: the contract's ``type`` and ``message``; for
    a valuation warning the figures behind it, for a re-used photo (``photo-reused``, found after
    issue) the new photo, the earlier one it looks like and the match (its page:
    ``/photo-matches/{match}``); ``null`` where they do not apply (issue 20)."""

    type: str
    message: str
    line: int | None = Field(default=None, description="the certificate line, from 1")
    hs_code: str | None = None
    origin: str | None = None
    usd_per_carat: float | None = Field(default=None, description="the line's US$ per carat")
    reference_usd_per_carat: float | None = Field(default=None, description="the valuation reference")
    basis: str | None = Field(
        default=None,
        description="where the reference comes from: `origin` (the exporter's certificates of this HS "
        "code and origin), `participant` (of this HS code) or `published` (the origin's production $/ct)",
    )
    certificates: int | None = Field(default=None, description="certificates behind the reference")
    spread: float | None = Field(default=None, description="robust standard deviation of ln($/ct)")
    distance: float | None = Field(
        default=None,
        description="valuation: ln(ratio) / spread, negative below; re-used photo: the bits of the "
        "perceptual hashes that differ",
    )
    ratio: float | None = Field(default=None, description="the line's $/ct ÷ the reference")
    photo: int | None = None
    similar_photo: int | None = None
    difference: float | None = Field(
        default=None,
        description="re-used photo: how much of the two pictures' detail differs once aligned (0 the "
        "same picture; reported up to a limit: docs/photos.md); null if the earlier "
        "photo's file could not be compared",
    )
    close_difference: float | None = Field(
        default=None,
        description="re-used photo: the share of the blocks with detail that differ when looked at "
        "closely, at up to 768 pixels (0 the same picture; docs/photos.md); "
        "null if the earlier photo's file could not be read",
    )
    close_blocks_differing: int | None = Field(
        default=None,
        description="re-used photo: how many blocks with detail differ when looked at closely (what "
        "decides: at most 2 in the same picture; docs/photos.md); null if the earlier photo's file "
        "could not be read",
    )
    match: int | None = None
    # The warning's key on the experts' workbench, {kind, id}, for the page's finding form; not
    # part of the certificate object (the workbench's own list gives it: issue 20, item 5).
    review: dict[str, Any] | None = Field(default=None, exclude=True)
    finding: dict[str, Any] | None = Field(
        default=None,
        description="the Diamond Expert Team's finding once the warning is closed: `conclusion` "
        "(confirmed or cleared), `words`, `finding`, `recorded_by`, `recorded_at`; `null` while open",
    )


class ConfirmationPublic(BaseModel):
    """The return slip, once the importing authority has sent it."""

    received_on: date
    carats_received: Amount | None
    value_usd_received: Amount | None
    parcels_received: int | None
    hs_codes_received: list[str] | None = Field(
        default=None, description="the HS codes of the goods received (Annex I, B: the return slip)"
    )
    seals: list[SealPublic] | None = Field(
        default=None, description="the seals found on the container, intact or not"
    )
    discrepancies: list[dict[str, Any]]
    note: str | None
    confirmed_at: datetime
    confirmed_by: str


class LossReportPublic(BaseModel):
    """A lost or stolen report."""

    kind: LossKind
    note: str
    reporter_participant: str | None
    reported_at: datetime


class ReminderPublic(BaseModel):
    """A reminder to the importing authority that the certificate awaits its return slip."""

    sent_at: datetime
    sent_by: str
    route: str = Field(description="here, exchange (sent to the importer's system) or received")
    note: str | None


class TimelineEntry(BaseModel):
    """One event in a certificate's life."""

    at: datetime
    event: str
    actor: str
    detail: str | None = None


class CertificatePublic(BaseModel):
    """The certificate object of the API."""

    number: str
    status: str = Field(description="issued, confirmed, cancelled or expired")
    exporting_country: str
    importing_country: str
    exporting_participant: str
    importing_participant: str
    exporter: PartyPublic
    importer: PartyPublic
    parcel_count: int
    lines: list[LinePublic]
    total_carats: Amount
    total_value_usd: Amount
    issued_on: date
    expires_on: date
    issuing_authority: str
    kid: str
    credential: str
    warnings: list[WarningPublic] = Field(default_factory=list)
    container: ContainerPublic | None = None
    transit: list[str] = Field(default_factory=list)
    quality_characteristics: str | None = None
    additional_information: str | None = None
    confirmation: ConfirmationPublic | None = None
    cancellation: dict[str, Any] | None = None
    loss_reports: list[LossReportPublic] = Field(default_factory=list)


class CertificateDetail(CertificatePublic):
    """A certificate with its timeline and the reminders sent about it (the certificate page)."""

    timeline: list[TimelineEntry]
    reminders: list[ReminderPublic] = Field(default_factory=list)


class CertificateSummary(BaseModel):
    """A row of the outgoing or incoming list."""

    number: str
    status: str
    exporting_participant: str
    importing_participant: str
    exporter_name: str
    importer_name: str
    total_carats: Amount
    total_value_usd: Amount
    parcel_count: int
    issued_on: date
    expires_on: date
    received_on: date | None
    has_discrepancies: bool
    days_open: int | None = Field(None, description="days since issue while unconfirmed")
    reminders: int = Field(0, description="reminders sent to the importing authority")
    last_reminded_at: datetime | None = None


class ConfirmationCreate(BaseModel):
    """Body of ``POST /certificates/{number}/import-confirmation``."""

    model_config = ConfigDict(extra="forbid")

    received_on: date
    carats_received: Decimal | None = Field(default=None, max_digits=16)
    value_usd_received: Decimal | None = Field(default=None, max_digits=18)
    parcels_received: int | None = Field(default=None, ge=0, le=100_000)
    hs_codes_received: list[str] | None = Field(
        default=None,
        max_length=10,
        description="the HS codes of the goods received (the return slip's HS code, Annex I, B)",
        examples=[["7102.31"]],
    )
    seals: list[SealIn] | None = Field(
        default=None,
        max_length=50,
        description="the container's seals as found: each number, intact or not; a seal of the "
        "certificate left out is reported as not found",
    )
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("hs_codes_received")
    @classmethod
    def _hs(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [code.strip() for code in value]


class ReminderCreate(BaseModel):
    """Body of ``POST /certificates/{number}/reminders``."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class RemindersCreate(BaseModel):
    """Body of ``POST /certificates/unconfirmed/reminders``: chase every certificate still
    unconfirmed ``days`` after issue."""

    model_config = ConfigDict(extra="forbid")

    days: int = Field(default=30, ge=0, le=3650)
    note: str | None = Field(default=None, max_length=2000)


class RemindersSent(BaseModel):
    """What a round of reminders did."""

    sent: list[str]
    skipped: dict[str, str] = Field(description="certificate number -> why no reminder went")


class CancellationCreate(BaseModel):
    """Body of ``POST /certificates/{number}/cancellation``."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        max_length=500,
        description="printing_error, transposition_error, shipment_withdrawn, shipment_returned, "
        "lost_in_transit or other (words are accepted too; free text is kept as 'other')",
    )
    note: str | None = Field(default=None, max_length=2000)


class LossReportCreate(BaseModel):
    """Body of ``POST /certificates/{number}/loss-reports``."""

    model_config = ConfigDict(extra="forbid")

    kind: LossKind
    note: str = Field(min_length=1, max_length=2000)


class VerifyRequest(BaseModel):
    """Body of ``POST /verify``."""

    credential: str = Field(description="the compact JWS, or the text of the QR code (KPC1:…)")


class VerifyResponse(BaseModel):
    """Result of ``POST /verify``."""

    valid: bool
    number: str | None
    status: str
    problems: list[str]
    kid: str | None = None
    issuing_participant: str | None = None
    signature_verified: bool = False
    certificate: dict[str, Any] | None = None


class NumberCheck(BaseModel):
    """What the registry knows about a certificate number (no credential at hand)."""

    number: str
    known: bool
    status: str
    problems: list[str]
    exporting_participant: str | None = None
    importing_participant: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None


class FraudReportPublic(BaseModel):
    """An entry of the public register of fraudulent certificates."""

    id: int
    number_as_printed: str
    claimed_participant: str
    claimed_participant_name: str
    notes: str
    has_evidence: bool
    evidence_name: str | None
    reporter_participant: str | None
    reported_at: datetime
