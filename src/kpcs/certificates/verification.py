"""Verifying a certificate credential: offline from a trust list, then (online) against
what the issuing system knows of the certificate now.

Pure functions: the web app and the CLI give them a trust list, the current time and,
when online, the facts from the database. Problems are plain sentences for a customs
officer; ``valid`` is true only when there are none.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from kpcs.certificates.credential import JWS_TYPE, CredentialFormatError, read_claims
from kpcs.certificates.qr import QR_PREFIX, decode_qr_text
from kpcs.signing.domain import KeyPurpose
from kpcs.signing.jws import MalformedToken, header_problems, is_base64url, parse_compact, signature_valid
from kpcs.signing.trust_list import TrustList


@dataclass(frozen=True)
class Verification:
    """The outcome of checking one credential."""

    valid: bool
    number: str | None = None
    status: str = "unknown"
    problems: tuple[str, ...] = ()
    kid: str | None = None
    issuing_participant: str | None = None
    subject: dict[str, Any] | None = None
    signature_verified: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The ``POST /verify`` response body."""
        return {
            "valid": self.valid,
            "number": self.number,
            "status": self.status,
            "problems": list(self.problems),
            "kid": self.kid,
            "issuing_participant": self.issuing_participant,
            "signature_verified": self.signature_verified,
            "certificate": self.subject if self.signature_verified else None,
        }


def credential_text(text: str) -> str:
    """The compact JWS from what a user pasted: the JWS itself or a QR code's ``KPC1:`` text."""
    stripped = text.strip()
    if stripped.upper().startswith(QR_PREFIX):
        try:
            return decode_qr_text(stripped)
        except ValueError as exc:
            raise MalformedToken(f"the QR code text is not a KP credential: {exc}") from exc
    return stripped


def _fail(problems: list[str], **known: Any) -> Verification:
    return Verification(valid=False, status=known.pop("status", "unknown"), problems=tuple(problems), **known)


def verify_offline(token: str, trust: TrustList, *, now: datetime) -> Verification:
    """Check signature, key and dates, with nothing but the trust list.

    Raises :class:`MalformedToken` (a 4xx at the edge) for input that is not a compact JWS
    at all; everything else, forged or altered, comes back as ``valid: false`` with reasons.
    """
    parsed = parse_compact(token)
    problems = header_problems(parsed.header, expected_typ=JWS_TYPE)
    kid = parsed.header.get("kid") if isinstance(parsed.header.get("kid"), str) else None
    if problems:
        return _fail(problems, kid=kid)
    assert kid is not None
    key = trust.get(kid)
    if key is None:
        return _fail(
            [
                f"signed with a key that is not in the trust list (kid {kid}): not issued by a known "
                "KP authority"
            ],
            kid=kid,
        )
    if key.purpose is not KeyPurpose.CERTIFICATES:
        return _fail([f"signed with a key that does not sign certificates (kid {kid})"], kid=kid)
    if not signature_valid(parsed, key.verify_key):
        number = _number_hint(parsed)
        return _fail(
            [
                "the signature does not match: the certificate was altered after it was signed, "
                "or it was not signed by the key it names"
            ],
            kid=kid,
            number=number,
        )
    try:
        claims = read_claims(parsed.payload())
    except CredentialFormatError as exc:
        return _fail([f"the signed content is not a KP certificate: {exc}"], kid=kid, signature_verified=True)
    found: list[str] = []
    if claims.issuing_participant != key.participant:
        found.append(
            f"the key belongs to {key.participant} but the certificate claims to be issued by "
            f"{claims.issuing_participant}"
        )
    if key.revoked_at is not None:
        found.append(
            f"signed with a key revoked on {key.revoked_at:%Y-%m-%d}"
            + (f" ({key.revoked_reason})" if key.revoked_reason else "")
            + ": nothing it signed is trusted"
        )
    window = key.window_problem(claims.issued_at)
    if window:
        found.append(window)
    status = "issued"
    if claims.expires_at < now:
        found.append(f"expired on {claims.expires_at:%Y-%m-%d}")
        status = "expired"
    return Verification(
        valid=not found,
        number=claims.number,
        status=status,
        problems=tuple(found),
        kid=kid,
        issuing_participant=claims.issuing_participant,
        subject=claims.subject,
        signature_verified=True,
    )


def _number_hint(parsed: Any) -> str | None:
    """The number an unverified payload claims (to look it up in the fraud register).

    A payload that is not even base64url JSON makes the token malformed (a 4xx), not a
    forgery to report on.
    """
    try:
        subject = parsed.payload().get("credentialSubject")
    except MalformedToken:
        if is_base64url(parsed.payload_b64):
            return None  # a changed byte turned the payload into noise: a forgery, not bad input
        raise
    number = subject.get("number") if isinstance(subject, dict) else None
    return number if isinstance(number, str) and len(number) <= 100 else None


@dataclass(frozen=True)
class LossNote:
    """A lost or stolen report as the verifier sees it."""

    kind: str
    reported_on: date
    reporter: str | None


@dataclass(frozen=True)
class FraudNote:
    """An entry of the fraud register matching the number."""

    reported_on: date
    claimed_participant: str
    reporter: str | None


@dataclass(frozen=True)
class RegistryFacts:
    """What the system of record knows about a certificate number now."""

    known: bool
    status: str = "unknown"
    credential_on_record: str | None = None
    cancelled_on: date | None = None
    cancellation_reason: str | None = None
    received_on: date | None = None
    confirmed_by: str | None = None
    losses: tuple[LossNote, ...] = field(default_factory=tuple)
    frauds: tuple[FraudNote, ...] = field(default_factory=tuple)
    logged: bool | None = None
    """Whether the transparency log holds the credential on record, for a certificate issued
    here; None for a copy received through the exchange (the issuing node logs it)."""


NOT_CHECKED_OFFLINE = (
    "that the certificate was issued: that its number is on record and its credential in the "
    "transparency log (a correctly signed credential that was never issued looks the same offline)",
    "its current status: cancellation, import confirmation, loss or theft reports and the fraud register",
)
"""What a check with nothing but a trust list cannot tell; offline verifiers say so."""


def not_logged_problem(number: str) -> str:
    """What a verifier is told of a certificate on record here that the log does not hold."""
    return (
        f"not in the transparency log: no entry of the log holds the credential on record as {number}, "
        "so it was not issued the way every certificate is"
    )


def apply_facts(result: Verification, facts: RegistryFacts, *, presented: str) -> Verification:
    """Add what the registry knows to a check: that the certificate was issued (on record, the
    same credential, in the log), and since then cancelled, imported, lost or reported forged.

    A correctly signed credential is not enough: a stolen key, or an authority issuing off
    the books, signs credentials that no register holds and no log shows.
    """
    found = list(result.problems)
    status = result.status
    for fraud in facts.frauds:
        found.append(
            f"a certificate numbered {result.number} claiming to come from {fraud.claimed_participant} "
            f"was reported as fraudulent on {fraud.reported_on.isoformat()}"
            + (f" by {fraud.reporter}" if fraud.reporter else "")
        )
    if not facts.known and result.signature_verified:
        found.append(
            f"no record of a certificate numbered {result.number}: it was never issued, although "
            "the credential is correctly signed (what a stolen key or an off-the-books certificate "
            "looks like)"
        )
    if facts.known and result.signature_verified:
        status = facts.status
        if facts.credential_on_record is not None and facts.credential_on_record != presented.strip():
            found.append(
                "this is not the credential on record for this number: two different signed "
                "certificates carry the same number"
            )
        elif facts.logged is False:
            found.append(not_logged_problem(str(result.number)))
        if facts.cancelled_on is not None:
            found.append(
                f"cancelled on {facts.cancelled_on.isoformat()}"
                + (f" ({facts.cancellation_reason})" if facts.cancellation_reason else "")
            )
        if facts.received_on is not None:
            found.append(
                f"already imported: receipt confirmed by {facts.confirmed_by or 'the importing authority'} "
                f"on {facts.received_on.isoformat()}"
            )
        for loss in facts.losses:
            found.append(
                f"reported {loss.kind} on {loss.reported_on.isoformat()}"
                + (f" by {loss.reporter}" if loss.reporter else "")
            )
    return replace(result, problems=tuple(dict.fromkeys(found)), valid=not found, status=status)
