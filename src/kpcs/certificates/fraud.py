"""The register of fraudulent certificates: authorities report suspected forgeries, the
public reads the register, and every verification of a listed number says so."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.certificates.models import FraudReport
from kpcs.certificates.schemas import FraudReportPublic
from kpcs.certificates.verifying import number_key
from kpcs.clock import Clock
from kpcs.content_store import ContentStore
from kpcs.countries import country_name, is_country
from kpcs.db import UnitOfWork
from kpcs.errors import FieldProblem, InvalidInput, NotFound
from kpcs.participants.models import Participant

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# Evidence is what an officer has: a scan or photo of the forged paper, or a PDF.
EVIDENCE_TYPES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}


@dataclass(frozen=True)
class Evidence:
    """An uploaded evidence file."""

    filename: str
    content: bytes


class EvidenceStore(ContentStore):
    """Evidence files under ``KPCS_DATA_DIR/evidence``, named by their SHA-256."""

    what = "evidence"


def _evidence_type(content: bytes) -> tuple[str, str] | None:
    for magic, kind in EVIDENCE_TYPES.items():
        if content.startswith(magic):
            return kind
    return None


def _public(report: FraudReport, names: dict[str, str]) -> FraudReportPublic:
    claimed = report.claimed_participant
    return FraudReportPublic(
        id=report.id,
        number_as_printed=report.number_as_printed,
        claimed_participant=claimed,
        claimed_participant_name=names.get(claimed) or country_name(claimed),
        notes=report.notes,
        has_evidence=report.evidence_sha256 is not None,
        evidence_name=report.evidence_name,
        reporter_participant=report.reporter_participant,
        reported_at=report.reported_at,
    )


def _names(session: Session) -> dict[str, str]:
    return dict(session.execute(sa.select(Participant.code, Participant.name)).all())


def report_fraud(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    store: EvidenceStore,
    *,
    number: str,
    claimed_participant: str,
    notes: str,
    evidence: Evidence | None,
) -> FraudReportPublic:
    """Add a suspected forgery to the register (authorities and customs)."""
    require(principal, Action.REPORT_FRAUD)
    problems: list[FieldProblem] = []
    number = number.strip()
    claimed = claimed_participant.strip().upper()
    if not number or len(number) > 100:
        problems.append(FieldProblem("number", "the number as it appears on the document (1-100 characters)"))
    if claimed != "EU" and not is_country(claimed):
        problems.append(
            FieldProblem(
                "claimed_participant",
                "the alpha-2 code of the country the forgery claims "
                "to come from (a non-participant such as KE is allowed), or EU",
            )
        )
    if not notes.strip():
        problems.append(FieldProblem("notes", "say how the forgery was found and what gives it away"))
    kind: tuple[str, str] | None = None
    if evidence is not None:
        if len(evidence.content) > MAX_EVIDENCE_BYTES:
            problems.append(FieldProblem("evidence", f"at most {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"))
        elif (kind := _evidence_type(evidence.content)) is None:
            problems.append(FieldProblem("evidence", "a PDF, PNG or JPEG file"))
    if problems:
        raise InvalidInput("the report has errors", problems=problems)
    digest = store.save(evidence.content) if evidence is not None and kind is not None else None
    with uow:
        report = FraudReport(
            number_as_printed=number,
            number_key=number_key(number),
            claimed_participant=claimed,
            notes=notes.strip(),
            evidence_name=(Path(evidence.filename).name[:200] or "evidence") if evidence else None,
            evidence_type=kind[0] if kind else None,
            evidence_sha256=digest,
            evidence_size=len(evidence.content) if evidence else None,
            reporter_participant=principal.participant_code,
            reported_at=clock.now(),
            reported_by=principal.actor,
        )
        uow.session.add(report)
        uow.flush()
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.FRAUD_REPORTED,
            object_type="fraud_report",
            object_id=str(report.id),
            after={"number": number, "claimed_participant": claimed, "evidence_sha256": digest},
        )
        uow.commit()
        return _public(report, _names(uow.session))


def list_fraud_reports(session: Session, *, search: str | None = None) -> list[FraudReportPublic]:
    """The public register, newest first."""
    stmt = sa.select(FraudReport).order_by(FraudReport.reported_at.desc(), FraudReport.id.desc())
    if search:
        stmt = stmt.where(FraudReport.number_key.contains(number_key(search), autoescape=True))
    names = _names(session)
    return [_public(r, names) for r in session.scalars(stmt)]


def fraud_evidence(
    session: Session, principal: Principal, store: EvidenceStore, report_id: int
) -> tuple[bytes, str, str]:
    """The evidence file of a report: (content, media type, file name); authorities only."""
    require(principal, Action.VIEW_FRAUD_EVIDENCE)
    report = session.get(FraudReport, report_id)
    if report is None or report.evidence_sha256 is None:
        raise NotFound(f"no evidence for fraud report {report_id}")
    return (
        store.read(report.evidence_sha256),
        report.evidence_type or "application/octet-stream",
        report.evidence_name or "evidence",
    )
