"""The certificate as a W3C Verifiable Credential 2.0, secured as a compact JWS.

The payload is built here (pure) and parsed back by verifiers. Contexts are never
fetched: the W3C base context is recognised by its fixed URL (VC 2.0 requires it first),
and the KP context that defines the certificate's terms ships inside kpcs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib import resources
from typing import Any

from kpcs.certificates.document import STATEMENT, TITLE

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
KP_CONTEXT = "https://w3id.org/kpcs/v1"
CREDENTIAL_TYPE = "KimberleyProcessCertificate"
JWS_TYPE = "vc+jwt"


def kp_context_document() -> dict[str, Any]:
    """The KP JSON-LD context shipped with kpcs (also served at ``/contexts/kpcs-v1.jsonld``)."""
    text = (resources.files("kpcs.certificates") / "contexts" / "kpcs-v1.jsonld").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def _money(value: Decimal) -> float:
    # JSON numbers, as the contract says; two decimals survive a float exactly enough for
    # display, and the certificate record keeps the exact Decimal.
    return float(value)


@dataclass(frozen=True)
class CredentialLine:
    """A line as it appears in the credential."""

    hs_code: str
    origin: str
    carats: Decimal
    value_usd: Decimal
    departed_origin_on: date | None = None


@dataclass(frozen=True)
class Container:
    """The tamper-resistant container (Core Document, Section IV(c)) and the optional
    procedures of Annex I, C: transparent security bags, the number on the container."""

    description: str | None
    seal_numbers: tuple[str, ...] = ()
    transparent_security_bags: bool = False
    number_on_container: bool = False

    def as_json(self) -> dict[str, Any]:
        """The container as the credential and the table state it (unstated parts left out)."""
        stated: dict[str, Any] = {}
        if self.description:
            stated["description"] = self.description
        stated["seal_numbers"] = list(self.seal_numbers)
        stated["transparent_security_bags"] = self.transparent_security_bags
        stated["number_on_container"] = self.number_on_container
        return stated


@dataclass(frozen=True)
class OptionalElements:
    """The optional elements of a certificate (Annex I, B and C; Sections III(d), IV(c)).

    Each is stated in the credential only when present, so that a certificate without them
    is signed exactly as before they existed.
    """

    container: Container | None = None
    transit: tuple[str, ...] = ()
    """Participants the shipment transits (Section III(d))."""
    quality_characteristics: str | None = None
    """Quality characteristics of the rough diamonds in the shipment (Annex I, B)."""
    additional_information: str | None = None
    """Characteristics of the certificate: additional data (Annex I, B)."""


@dataclass(frozen=True)
class CredentialData:
    """Everything the credential states."""

    number: str
    issuing_participant: str
    issuing_authority: str
    exporting_country: str
    importing_country: str
    importing_participant: str
    exporter_name: str
    exporter_address: str
    importer_name: str
    importer_address: str
    parcel_count: int
    lines: tuple[CredentialLine, ...]
    issued_on: date
    expires_on: date
    issued_at: datetime
    optional: OptionalElements = OptionalElements()


def _line(line: CredentialLine) -> dict[str, Any]:
    stated: dict[str, Any] = {
        "hs_code": line.hs_code,
        "origin": line.origin,
        "carats": _money(line.carats),
        "value_usd": _money(line.value_usd),
    }
    if line.departed_origin_on is not None:
        stated["departed_origin_on"] = line.departed_origin_on.isoformat()
    return stated


def _optional(optional: OptionalElements) -> dict[str, Any]:
    """The optional elements that are present, as credential subject fields (added after
    the minimum elements: the keys of an older credential are untouched)."""
    stated: dict[str, Any] = {}
    if optional.container is not None:
        stated["container"] = optional.container.as_json()
    if optional.transit:
        stated["transit"] = list(optional.transit)
    if optional.quality_characteristics:
        stated["quality_characteristics"] = optional.quality_characteristics
    if optional.additional_information:
        stated["additional_information"] = optional.additional_information
    return stated


def read_optional(subject: dict[str, Any]) -> OptionalElements:
    """The optional elements a credential subject states (none for an older credential).

    For a credential that verified: its content is the issuer's, but is read defensively
    (a wrong type is left out rather than trusted).
    """
    container = subject.get("container")
    seals = container.get("seal_numbers") if isinstance(container, dict) else None
    description = container.get("description") if isinstance(container, dict) else None
    transit = subject.get("transit")
    quality = subject.get("quality_characteristics")
    additional = subject.get("additional_information")
    return OptionalElements(
        container=Container(
            description=description if isinstance(description, str) else None,
            seal_numbers=tuple(str(seal) for seal in seals) if isinstance(seals, list) else (),
            transparent_security_bags=container.get("transparent_security_bags") is True,
            number_on_container=container.get("number_on_container") is True,
        )
        if isinstance(container, dict)
        else None,
        transit=tuple(str(code) for code in transit) if isinstance(transit, list) else (),
        quality_characteristics=quality if isinstance(quality, str) else None,
        additional_information=additional if isinstance(additional, str) else None,
    )


def build_payload(data: CredentialData) -> dict[str, Any]:
    """The VC 2.0 payload of a certificate (``credentialSubject`` holds the certificate)."""
    total_carats = sum((line.carats for line in data.lines), Decimal(0))
    total_value = sum((line.value_usd for line in data.lines), Decimal(0))
    valid_until = datetime.combine(data.expires_on, time(23, 59, 59), tzinfo=UTC)
    return {
        "@context": [VC_V2_CONTEXT, KP_CONTEXT],
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "id": f"urn:kpcs:certificate:{data.number}",
        "issuer": {"id": f"urn:kpcs:participant:{data.issuing_participant}", "name": data.issuing_authority},
        "validFrom": data.issued_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "validUntil": valid_until.isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "title": TITLE,
            "statement": STATEMENT,
            "number": data.number,
            "issuing_participant": data.issuing_participant,
            "issuing_authority": data.issuing_authority,
            "exporting_country": data.exporting_country,
            "importing_country": data.importing_country,
            "importing_participant": data.importing_participant,
            "exporter": {"name": data.exporter_name, "address": data.exporter_address},
            "importer": {"name": data.importer_name, "address": data.importer_address},
            "parcel_count": data.parcel_count,
            "lines": [_line(line) for line in data.lines],
            "total_carats": _money(total_carats),
            "total_value_usd": _money(total_value),
            "issued_on": data.issued_on.isoformat(),
            "expires_on": data.expires_on.isoformat(),
            **_optional(data.optional),
        },
    }


@dataclass(frozen=True)
class Claims:
    """What a verifier reads from a credential's payload."""

    number: str
    issuing_participant: str
    issued_at: datetime
    expires_at: datetime
    subject: dict[str, Any]


class CredentialFormatError(ValueError):
    """The payload is not a KP certificate credential."""


def _parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str):
        raise CredentialFormatError(f"'{name}' is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CredentialFormatError(f"'{name}' is not a date and time") from exc
    if parsed.tzinfo is None:
        raise CredentialFormatError(f"'{name}' has no time zone")
    return parsed


def read_claims(payload: dict[str, Any]) -> Claims:
    """Check the payload's VC structure and return what verification needs."""
    context = payload.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2_CONTEXT:
        raise CredentialFormatError("it is not a W3C Verifiable Credential 2.0 (wrong '@context')")
    if KP_CONTEXT not in context:
        raise CredentialFormatError("it does not use the KP credential context")
    types = payload.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types or CREDENTIAL_TYPE not in types:
        raise CredentialFormatError("it is not a Kimberley Process certificate credential")
    subject = payload.get("credentialSubject")
    if not isinstance(subject, dict):
        raise CredentialFormatError("it has no 'credentialSubject'")
    number = subject.get("number")
    participant = subject.get("issuing_participant")
    if not isinstance(number, str) or not number or not isinstance(participant, str) or not participant:
        raise CredentialFormatError("it does not state the certificate number and issuing participant")
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != f"urn:kpcs:participant:{participant}":
        raise CredentialFormatError("its issuer does not match the issuing participant")
    if not number.startswith(f"{participant}-"):
        raise CredentialFormatError(f"its number {number} does not begin with the issuing participant's code")
    return Claims(
        number=number,
        issuing_participant=participant,
        issued_at=_parse_time(payload.get("validFrom"), "validFrom"),
        expires_at=_parse_time(payload.get("validUntil"), "validUntil"),
        subject=subject,
    )
