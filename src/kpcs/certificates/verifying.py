"""Online verification: the offline check plus what this system knows of the number now
(issued and logged, cancelled, already imported, reported lost or stolen, on the fraud register)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.certificates import rules
from kpcs.certificates.models import (
    CancellationReason,
    Certificate,
    CertificateStatus,
    FraudReport,
    ImportConfirmation,
    LossReport,
)
from kpcs.certificates.verification import (
    FraudNote,
    LossNote,
    RegistryFacts,
    Verification,
    apply_facts,
    credential_text,
    not_logged_problem,
    verify_offline,
)
from kpcs.clock import Clock
from kpcs.participants.models import RegistryRevision
from kpcs.participants.snapshot import current_revision
from kpcs.signing.jws import MalformedToken
from kpcs.signing.keys import KeyRing
from kpcs.translog.leaves import candidate_leaf_hashes
from kpcs.translog.models import LogLeaf

if TYPE_CHECKING:
    from kpcs.certificates.schemas import NumberCheck


def number_key(number: str) -> str:
    """A number reduced for matching: upper case, without spaces, dashes, dots or slashes,
    so that 'BW-2025-000001', 'bw 2025 000001' and 'BW2025000001' are the same."""
    return re.sub(r"[\s\-./]", "", number).upper()


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


def _losses(session: Session, certificate_id: int) -> tuple[LossNote, ...]:
    return tuple(
        LossNote(kind=r.kind.value, reported_on=r.reported_at.date(), reporter=r.reporter_participant)
        for r in session.scalars(
            sa.select(LossReport).where(LossReport.certificate_id == certificate_id).order_by(LossReport.id)
        )
    )


def _lookup_statement() -> sa.Executable:
    """Built once: constructing a statement costs more than running it."""
    has_losses = sa.exists().where(LossReport.certificate_id == Certificate.id)
    has_frauds = sa.exists().where(FraudReport.number_key == sa.bindparam("key"))
    leaf_hash = sa.select(LogLeaf.leaf_hash).where(LogLeaf.certificate_id == Certificate.id).scalar_subquery()
    return (
        sa.select(
            RegistryRevision.revision,
            Certificate.id,
            Certificate.status,
            Certificate.expires_on,
            Certificate.credential,
            Certificate.cancelled_at,
            Certificate.cancellation_reason,
            Certificate.importing_participant,
            Certificate.received_at,
            ImportConfirmation.received_on,
            has_losses.label("has_losses"),
            has_frauds.label("has_frauds"),
            leaf_hash.label("leaf_hash"),
        )
        .select_from(RegistryRevision)
        .outerjoin(Certificate, Certificate.number == sa.bindparam("number"))
        .outerjoin(ImportConfirmation, ImportConfirmation.certificate_id == Certificate.id)
        .where(RegistryRevision.id == 1)
    )


_LOOKUP = _lookup_statement()


def _logged(number: str, credential: str, leaf_hash: bytes | None) -> bool:
    """Whether the log's leaf for this certificate commits to the credential on record (in
    either form of leaf): a credential replaced in the database after it was logged is not."""
    return leaf_hash is not None and leaf_hash in candidate_leaf_hashes(number, credential)


def _lookup(session: Session, clock: Clock, number: str) -> tuple[int, RegistryFacts]:
    """The registry revision and what is recorded about ``number``, in one round trip.

    Verification runs at every border crossing; the common case (a known certificate, no
    loss or fraud report) costs a single query. Loss and fraud details are fetched only when
    the flags say there are some.
    """
    number = number.strip().upper()
    # Core, not ORM: the row is read as plain values, without the ORM's result machinery.
    row = session.connection().execute(_LOOKUP, {"number": number, "key": number_key(number)}).one()
    frauds = _frauds(session, number) if row.has_frauds else ()
    if row.id is None:
        return row.revision, RegistryFacts(known=False, frauds=frauds)
    status = rules.effective_status(CertificateStatus(row.status), row.expires_on, clock.today())
    reason = CancellationReason(row.cancellation_reason) if row.cancellation_reason else None
    return row.revision, RegistryFacts(
        known=True,
        status=status,
        credential_on_record=row.credential,
        cancelled_on=row.cancelled_at.date() if row.cancelled_at else None,
        cancellation_reason=reason.value.replace("_", " ") if reason else None,
        received_on=row.received_on,
        confirmed_by=row.importing_participant if row.received_on else None,
        losses=_losses(session, row.id) if row.has_losses else (),
        frauds=frauds,
        # A copy received through the exchange is logged by the node that issued it.
        logged=_logged(number, row.credential, row.leaf_hash) if row.received_at is None else None,
    )


def registry_facts(session: Session, clock: Clock, number: str) -> RegistryFacts:
    """What this system records about ``number`` now."""
    return _lookup(session, clock, number)[1]


def verify_online(session: Session, keyring: KeyRing, clock: Clock, presented: str) -> Verification:
    """Verify a credential (or a QR code's text) against the trust list and the registry.

    The signature is checked against the trust list this process already holds; the lookup
    of the number also returns the registry revision, and only if a key changed since is the
    trust list reloaded and the signature checked again. (The web app hands it a session in
    autocommit, so the whole check is one round trip to the database.)

    A credential the held list cannot even attribute (its key is not in it) costs one more
    read of the revision: it may be signed by a key this system published a moment ago, in
    this process or another (a participant's first certificate), and a customs officer must
    never be told a genuine certificate is not valid because a cache was behind.
    """
    token = credential_text(presented)
    revision, trust = keyring.cached_trust_list() or keyring.trust_list_with_revision(session)
    result = verify_offline(token, trust, now=clock.now())
    if result.number is None:
        if current_revision(session) == revision:
            return result
        revision, trust = keyring.trust_list_with_revision(session)
        result = verify_offline(token, trust, now=clock.now())
        if result.number is None:
            return result
    current, facts = _lookup(session, clock, result.number)
    if current != revision:
        result = verify_offline(token, keyring.trust_list(session), now=clock.now())
        if result.number is None:
            return result
    return apply_facts(result, facts, presented=token)


def check_number(session: Session, clock: Clock, number: str) -> NumberCheck:
    """What the registry knows of a certificate number, for a paper certificate in hand."""
    # The API schemas (pydantic models, slow to build) are imported here and not at the top:
    # `kpcs verify` online needs this module but not this function.
    from kpcs.certificates.schemas import NumberCheck

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
        if facts.logged is False:
            problems.append(not_logged_problem(cleaned.upper()))
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
