"""Online verification: the offline check plus what this system knows of the number now
(cancelled, already imported, reported lost or stolen, on the fraud register)."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from kpcs.certificates import rules
from kpcs.certificates.models import Certificate, FraudReport
from kpcs.certificates.qr import QR_PREFIX, decode_qr_text
from kpcs.certificates.schemas import NumberCheck
from kpcs.certificates.verification import (
    FraudNote,
    LossNote,
    RegistryFacts,
    Verification,
    apply_facts,
    verify_offline,
)
from kpcs.clock import Clock
from kpcs.signing.jws import MalformedToken
from kpcs.signing.keys import KeyRing


def number_key(number: str) -> str:
    """A number reduced for matching: upper case, without spaces, dashes, dots or slashes,
    so that 'BW-2025-000001', 'bw 2025 000001' and 'BW2025000001' are the same."""
    return re.sub(r"[\s\-./]", "", number).upper()


def credential_text(text: str) -> str:
    """The compact JWS from what a user pasted: the JWS itself or a QR code's ``KPC1:`` text."""
    stripped = text.strip()
    if stripped.upper().startswith(QR_PREFIX):
        try:
            return decode_qr_text(stripped)
        except ValueError as exc:
            raise MalformedToken(f"the QR code text is not a KP credential: {exc}") from exc
    return stripped


def _frauds(session: Session, number: str) -> tuple[FraudNote, ...]:
    return tuple(
        FraudNote(
            reported_on=f.reported_at.date(),
            claimed_participant=f.claimed_participant,
            reporter=f.reporter_participant,
        )
        for f in session.scalars(
            sa.select(FraudReport)
            .where(FraudReport.number_key == number_key(number))
            .order_by(FraudReport.id)
        )
    )


def registry_facts(session: Session, clock: Clock, number: str) -> RegistryFacts:
    """What this system records about ``number`` now."""
    certificate = session.scalar(
        sa.select(Certificate)
        .where(Certificate.number == number.strip().upper())
        .options(selectinload(Certificate.confirmation), selectinload(Certificate.loss_reports))
    )
    frauds = _frauds(session, number)
    if certificate is None:
        return RegistryFacts(known=False, frauds=frauds)
    confirmation = certificate.confirmation
    return RegistryFacts(
        known=True,
        status=rules.effective_status(certificate.status, certificate.expires_on, clock.today()),
        credential_on_record=certificate.credential,
        cancelled_on=certificate.cancelled_at.date() if certificate.cancelled_at else None,
        cancellation_reason=(
            certificate.cancellation_reason.value.replace("_", " ")
            if certificate.cancellation_reason
            else None
        ),
        received_on=confirmation.received_on if confirmation else None,
        confirmed_by=certificate.importing_participant if confirmation else None,
        losses=tuple(
            LossNote(kind=r.kind.value, reported_on=r.reported_at.date(), reporter=r.reporter_participant)
            for r in certificate.loss_reports
        ),
        frauds=frauds,
    )


def verify_online(session: Session, keyring: KeyRing, clock: Clock, presented: str) -> Verification:
    """Verify a credential (or a QR code's text) against the trust list and the registry."""
    token = credential_text(presented)
    result = verify_offline(token, keyring.trust_list(), now=clock.now())
    if result.number is None:
        return result
    return apply_facts(result, registry_facts(session, clock, result.number), presented=token)


def check_number(session: Session, clock: Clock, number: str) -> NumberCheck:
    """What the registry knows of a certificate number, for a paper certificate in hand."""
    cleaned = number.strip()
    if not cleaned or len(cleaned) > 100:
        raise MalformedToken("give the certificate number as printed (at most 100 characters)")
    facts = registry_facts(session, clock, cleaned)
    problems = [
        f"a certificate numbered {cleaned} claiming to come from {f.claimed_participant} was reported as "
        f"fraudulent on {f.reported_on.isoformat()}"
        for f in facts.frauds
    ]
    certificate = (
        session.scalar(sa.select(Certificate).where(Certificate.number == cleaned.upper()))
        if facts.known
        else None
    )
    if not facts.known:
        problems.append(
            "no certificate with this number was issued in this system: check the credential or "
            "ask the issuing authority"
        )
    else:
        if facts.cancelled_on:
            problems.append(f"cancelled on {facts.cancelled_on.isoformat()} ({facts.cancellation_reason})")
        if facts.received_on:
            problems.append(
                f"already imported: receipt confirmed by {facts.confirmed_by} on "
                f"{facts.received_on.isoformat()}"
            )
        if facts.status == "expired":
            problems.append("expired")
        problems += [f"reported {loss.kind} on {loss.reported_on.isoformat()}" for loss in facts.losses]
    return NumberCheck(
        number=cleaned,
        known=facts.known,
        status=facts.status,
        problems=problems,
        exporting_participant=certificate.exporting_participant if certificate else None,
        importing_participant=certificate.importing_participant if certificate else None,
        issued_on=certificate.issued_on if certificate else None,
        expires_on=certificate.expires_on if certificate else None,
    )
