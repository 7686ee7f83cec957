"""What a printed KP certificate shows: every minimum element of Annex I of the Core
Document, as plain values (no ORM), so that rendering is a pure function of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

TITLE = "Kimberley Process Certificate"
STATEMENT = (
    "The rough diamonds in this shipment have been handled in accordance with the provisions "
    "of the Kimberley Process Certification Scheme for rough diamonds"
)


@dataclass(frozen=True)
class Party:
    """An exporter or importer: name and address, as the certificate states them."""

    name: str
    address: str


@dataclass(frozen=True)
class Line:
    """One line of the shipment: HS code, country of origin (or "mixed"), carats, value."""

    hs_code: str
    origin: str
    origin_name: str
    carats: Decimal
    value_usd: Decimal
    departed_origin_on: date | None = None


@dataclass(frozen=True)
class ReturnSlip:
    """The import confirmation part (Annex I, B): what the importing authority received."""

    received_on: date
    confirmed_by: str
    hs_codes_received: tuple[str, ...] | None = None
    seals: tuple[tuple[str, bool], ...] | None = None
    """(seal number, found intact) for each seal reported."""
    discrepancies: tuple[str, ...] = ()


@dataclass(frozen=True)
class CertificateDocument:
    """Everything printed on a certificate (Annex I, section A, plus the signature data)."""

    number: str
    status: str
    issued_on: date
    expires_on: date
    issuing_authority: str
    exporting_participant: str
    exporting_participant_name: str
    exporting_country: str
    exporting_country_name: str
    importing_participant: str
    importing_participant_name: str
    importing_country: str
    importing_country_name: str
    exporter: Party
    importer: Party
    parcel_count: int
    lines: tuple[Line, ...]
    kid: str
    credential: str
    verification_hint: str = (
        "Verify at any kpcs instance (page /verify), or offline with the command kpcs verify."
    )
    notes: tuple[str, ...] = field(default_factory=tuple)
    # The optional elements (Annex I, B and C; Sections III(d), IV(c)), printed when stated.
    container_description: str | None = None
    seal_numbers: tuple[str, ...] = ()
    transparent_security_bags: bool = False
    number_on_container: bool = False
    transit: tuple[tuple[str, str], ...] = ()
    """(participant code, name) of each participant transited."""
    quality_characteristics: str | None = None
    additional_information: str | None = None
    return_slip: ReturnSlip | None = None

    @property
    def has_optional_elements(self) -> bool:
        """Whether the certificate states any optional element."""
        return bool(
            self.container_description
            or self.seal_numbers
            or self.transparent_security_bags
            or self.number_on_container
            or self.transit
            or self.quality_characteristics
            or self.additional_information
        )

    @property
    def total_carats(self) -> Decimal:
        """Sum of the lines' carats."""
        return sum((line.carats for line in self.lines), Decimal("0"))

    @property
    def total_value_usd(self) -> Decimal:
        """Sum of the lines' values."""
        return sum((line.value_usd for line in self.lines), Decimal("0"))
