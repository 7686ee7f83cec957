"""Use cases of export dossiers: submit, assess (experts, statistics), decide, answer a
request for more information, list with the week's clock, and the check a certificate
from a restricted participant must pass. Every change is audited in its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, can, is_participant_bound, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.certificates import rules
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.dossiers import domain
from kpcs.dossiers.domain import Decision, DossierStatus
from kpcs.dossiers.events import DossierAwaitsDecision
from kpcs.dossiers.models import ExportDossier
from kpcs.dossiers.schemas import (
    DecisionCreate,
    DossierCreate,
    ExpertAssessmentCreate,
    InformationCreate,
    StatisticsAssessmentCreate,
)
from kpcs.errors import Conflict, FieldProblem, InvalidInput, NotFound
from kpcs.events import publish
from kpcs.footprints import services as footprints
from kpcs.participants.registry import ParticipantStatus
from kpcs.participants.snapshot import registry_snapshot
from kpcs.workbench import findings


def zones_in_force(session: Session, participant: str, on: date) -> tuple[str, ...] | None:
    """The participant's compliant zones on ``on``; ``None`` when it is not restricted then."""
    facts = registry_snapshot(session).participants.get(participant)
    entry = facts.status_on(on) if facts else None
    if entry is None or entry.status is not ParticipantStatus.RESTRICTED:
        return None
    return tuple(entry.zones)


def _line_dict(line: domain.Line, note: str | None = None) -> dict[str, str]:
    stored = {"hs_code": line.hs_code, "origin": line.origin, "carats": str(line.carats),
              "value_usd": str(line.value_usd)}  # fmt: skip
    if note:
        stored["classification_note"] = note
    return stored


def _lines(dossier: ExportDossier) -> tuple[domain.Line, ...]:
    return tuple(
        domain.Line(row["hs_code"], row["origin"], Decimal(row["carats"]), Decimal(row["value_usd"]))
        for row in dossier.lines
    )


def facts(dossier: ExportDossier) -> domain.DossierFacts:
    """The dossier as the certificate rules see it."""
    return domain.DossierFacts(
        id=dossier.id,
        participant=dossier.participant_code,
        status=dossier.status,
        zone=dossier.zone,
        carats=dossier.carats,
        value_usd=dossier.value_usd,
        lines=_lines(dossier),
        parcel_count=dossier.parcel_count,
        certificate_number=dossier.certificate_number,
    )


def public(dossier: ExportDossier, today: date) -> dict[str, Any]:
    """A dossier as the API and pages show it, with the week's clock."""
    week = domain.week_clock(dossier.status, dossier.clock_started_at, dossier.decided_at, today)
    return {
        "id": dossier.id,
        "participant": dossier.participant_code,
        "exporting_country": dossier.exporting_country,
        "zone": dossier.zone,
        "carats": float(dossier.carats),
        "value_usd": float(dossier.value_usd),
        "lines": [
            {**row, "carats": float(row["carats"]), "value_usd": float(row["value_usd"])}
            for row in dossier.lines
        ],
        "parcel_count": dossier.parcel_count,
        "parcels": list(dossier.parcels),
        "notes": dossier.notes,
        "photos": domain.EXPERT_CHECKS,
        "status": dossier.status.value,
        "submitted_at": dossier.submitted_at.isoformat(),
        "submitted_by": dossier.submitted_by,
        "decision_due_on": week.due_on.isoformat(),
        "days_left": week.days_left,
        "overdue": week.overdue,
        "expert_assessment": dossier.expert_assessment,
        "statistics_assessment": dossier.statistics_assessment,
        "decision": dossier.decision,
        "certificate": dossier.certificate_number,
        "warnings": list(dossier.warnings or []),
        "assortment": footprints.assortment_public(dossier.assortment),
    }


def _shown(session: Session, principal: Principal, dossier: ExportDossier, today: date) -> dict[str, Any]:
    """One dossier as its reader sees it: :func:`public` and the footprint check."""
    shown = public(dossier, today) | {"footprint": footprints.check_public(session, principal, dossier)}
    # The experts' findings on its warnings (issue 20, item 5): a closed warning shows as closed.
    shown["warnings"] = findings.annotated(session, dossier.warnings or [])
    shown["findings"] = findings.findings_on(session, dossier=dossier.id)
    return shown


def _visible(session: Session, principal: Principal, dossier_id: int) -> ExportDossier:
    """A dossier the principal may see; 404 otherwise (another participant's is not leaked)."""
    require(principal, Action.VIEW_EXPORT_DOSSIERS)
    dossier = session.get(ExportDossier, dossier_id)
    if dossier is None or not can(
        principal, Action.VIEW_EXPORT_DOSSIERS, participant=dossier.participant_code
    ):
        raise NotFound(f"no export dossier {dossier_id} that you may see")
    return dossier


def submit(uow: UnitOfWork, principal: Principal, clock: Clock, body: DossierCreate) -> dict[str, Any]:
    """Record a restricted participant's proposed export; the week starts now."""
    require(principal, Action.SUBMIT_EXPORT_DOSSIER)
    today = clock.today()
    with uow:
        session = uow.session
        country = body.exporting_country.upper()
        party = registry_snapshot(session).trading_under(country, today)
        if party is None:
            raise InvalidInput.field("exporting_country", f"{country!r} is not a participant's country")
        require(principal, Action.SUBMIT_EXPORT_DOSSIER, participant=party.code)
        problems = _amount_problems(body)
        if (wrong := domain.zone_problem(body.zone, zones_in_force(session, party.code, today))) is not None:
            problems.append(FieldProblem("zone", wrong))
        if problems:
            raise InvalidInput("the export dossier cannot be submitted", problems=problems)
        now = clock.now()
        lines = tuple(domain.Line(x.hs_code, x.origin, x.carats, x.value_usd) for x in body.lines)
        dossier = ExportDossier(
            participant_code=party.code,
            exporting_country=country,
            zone=body.zone,
            carats=body.carats,
            value_usd=body.value_usd,
            lines=[
                _line_dict(line, (given.classification_note or "").strip() or None)
                for line, given in zip(lines, body.lines, strict=True)
            ],
            parcel_count=body.parcel_count,
            parcels=[parcel.strip() for parcel in body.parcels],
            notes=body.notes.strip(),
            status=DossierStatus.SUBMITTED,
            submitted_at=now,
            submitted_by=principal.actor,
            clock_started_at=now,
            expert_assessment=None,
            statistics_assessment=None,
            decision=None,
            decided_at=None,
            certificate_number=None,
            assortment=footprints.assortment_json(footprints.assortment_of(body.assortment))
            if body.assortment is not None
            else None,
        )
        session.add(dossier)
        session.flush()
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.EXPORT_DOSSIER_SUBMITTED,
            object_type="export-dossier",
            object_id=str(dossier.id),
            after={
                "participant": party.code,
                "zone": body.zone,
                "carats": str(body.carats),
                "value_usd": str(body.value_usd),
            },
        )
        _awaits_decision(session, clock, dossier)
        uow.commit()
        return _shown(session, principal, dossier, today)


def _awaits_decision(session: Session, clock: Clock, dossier: ExportDossier) -> None:
    """Tell whoever takes it (the Monitoring Team's notifications) that the week runs."""
    week = domain.week_clock(dossier.status, dossier.clock_started_at, dossier.decided_at, clock.today())
    awaits = DossierAwaitsDecision(dossier.id, dossier.participant_code, dossier.zone, week.due_on)
    publish(session, clock, awaits)


def _amount_problems(body: DossierCreate) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for field, amount in (("carats", body.carats), ("value_usd", body.value_usd)):
        if (wrong := rules.decimals_problem(amount)) is not None:
            problems.append(FieldProblem(field, wrong))
    for i, line in enumerate(body.lines):
        if (wrong := rules.hs_code_problem(line.hs_code)) is not None:
            problems.append(FieldProblem(f"lines[{i}].hs_code", wrong))
        for field, amount in (("carats", line.carats), ("value_usd", line.value_usd)):
            if (wrong := rules.decimals_problem(amount)) is not None:
                problems.append(FieldProblem(f"lines[{i}].{field}", wrong))
        if (wrong := rules.synthetic_declared(line.classification_note)) is not None:
            problems.append(FieldProblem(f"lines[{i}].classification_note", wrong, rule="synthetic-declared"))
    if body.lines and not problems:
        if sum((x.carats for x in body.lines), Decimal(0)) != body.carats:
            problems.append(FieldProblem("carats", "must equal the total of the lines' carats"))
        if sum((x.value_usd for x in body.lines), Decimal(0)) != body.value_usd:
            problems.append(FieldProblem("value_usd", "must equal the total of the lines' values"))
    if any(not parcel.strip() for parcel in body.parcels):
        problems.append(FieldProblem("parcels", "a parcel's description may not be blank"))
    if body.parcels and body.parcel_count is not None and len(body.parcels) != body.parcel_count:
        problems.append(FieldProblem("parcel_count", f"the parcel list has {len(body.parcels)} parcels"))
    if body.assortment is not None and rules.decimals_problem(body.carats) is None:
        problems += footprints.assortment_problems(body.assortment, carats=body.carats)
    return problems


def _open(dossier: ExportDossier) -> None:
    if dossier.status is not DossierStatus.SUBMITTED:
        raise Conflict(f"export dossier {dossier.id} is {dossier.status}, not awaiting assessment")


def assess_expertise(
    uow: UnitOfWork, principal: Principal, clock: Clock, dossier_id: int, body: ExpertAssessmentCreate
) -> dict[str, Any]:
    """The Diamond Expert Team's assessment (recorded by the Monitoring Team's members)."""
    require(principal, Action.ASSESS_DOSSIER_EXPERTISE)
    with uow:
        dossier = _visible(uow.session, principal, dossier_id)
        _open(dossier)
        before = dossier.expert_assessment
        dossier.expert_assessment = {
            "conclusion": body.conclusion.value,
            "notes": body.notes.strip(),
            "checks": domain.EXPERT_CHECKS,
            "footprint": footprints.today_check(uow.session, dossier, clock.today()),
            "by": principal.actor,
            "at": clock.now().isoformat(),
        }
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.EXPORT_DOSSIER_EXPERT_ASSESSED,
            object_type="export-dossier",
            object_id=str(dossier.id),
            before=before,
            after={"conclusion": body.conclusion.value},
        )
        uow.commit()
        return _shown(uow.session, principal, dossier, clock.today())


def assess_statistics(
    uow: UnitOfWork, principal: Principal, clock: Clock, dossier_id: int, body: StatisticsAssessmentCreate
) -> dict[str, Any]:
    """The statistics working group's assessment, with kpcs's statistical report attached:
    the shipment against the exporter's history, other exporters and the origin's production."""
    from kpcs.statistics.analysis.services import assess_export

    require(principal, Action.ASSESS_DOSSIER_STATISTICS)
    with uow:
        dossier = _visible(uow.session, principal, dossier_id)
        _open(dossier)
        lines = _lines(dossier)
        main = max(lines, key=lambda line: line.value_usd) if lines else None
        report = assess_export(
            uow.session,
            principal,
            clock.today(),
            exporter=dossier.participant_code,
            carats=float(dossier.carats),
            value_usd=float(dossier.value_usd),
            hs_code=main.hs_code if main else "7102.31",
            origin=main.origin if main else dossier.exporting_country,
        )
        before = dossier.statistics_assessment
        dossier.statistics_assessment = {
            "conclusion": body.conclusion.strip(),
            "level": report["level"],
            "report": report,
            "by": principal.actor,
            "at": clock.now().isoformat(),
        }
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.EXPORT_DOSSIER_STATISTICS_ASSESSED,
            object_type="export-dossier",
            object_id=str(dossier.id),
            before={"level": before["level"]} if before else None,
            after={"level": report["level"]},
        )
        uow.commit()
        return _shown(uow.session, principal, dossier, clock.today())


def decide(
    uow: UnitOfWork, principal: Principal, clock: Clock, dossier_id: int, body: DecisionCreate
) -> dict[str, Any]:
    """The Monitoring Team's decision: approve (both assessments recorded), reject, or ask
    the authority for more information (the week stops until it answers)."""
    require(principal, Action.DECIDE_EXPORT_DOSSIER)
    with uow:
        dossier = _visible(uow.session, principal, dossier_id)
        wrong = domain.decision_problem(
            dossier.status,
            body.decision,
            expert_done=dossier.expert_assessment is not None,
            statistics_done=dossier.statistics_assessment is not None,
        )
        if wrong is not None:
            raise Conflict(wrong)
        now = clock.now()
        before = dossier.status.value
        dossier.status = {
            Decision.APPROVED: DossierStatus.APPROVED,
            Decision.REJECTED: DossierStatus.REJECTED,
            Decision.MORE_INFORMATION: DossierStatus.MORE_INFORMATION,
        }[body.decision]
        dossier.decision = {"decision": body.decision.value, "reason": body.reason.strip(),
                            "by": principal.actor, "at": now.isoformat()}  # fmt: skip
        dossier.decided_at = now
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.EXPORT_DOSSIER_DECIDED,
            object_type="export-dossier",
            object_id=str(dossier.id),
            before={"status": before},
            after={"status": dossier.status.value, "reason": body.reason.strip()},
        )
        uow.commit()
        return _shown(uow.session, principal, dossier, clock.today())


def give_information(
    uow: UnitOfWork, principal: Principal, clock: Clock, dossier_id: int, body: InformationCreate
) -> dict[str, Any]:
    """The authority answers a request for more information; the dossier is submitted again
    and a new week starts."""
    require(principal, Action.SUBMIT_EXPORT_DOSSIER)
    with uow:
        dossier = _visible(uow.session, principal, dossier_id)
        require(principal, Action.SUBMIT_EXPORT_DOSSIER, participant=dossier.participant_code)
        if dossier.status is not DossierStatus.MORE_INFORMATION:
            raise Conflict(f"export dossier {dossier.id} is {dossier.status}: no information was asked for")
        now = clock.now()
        dossier.notes = f"{dossier.notes}\n\n[{now.date().isoformat()}] {body.notes.strip()}".strip()
        dossier.status = DossierStatus.SUBMITTED
        dossier.clock_started_at = now
        dossier.decided_at = None
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.EXPORT_DOSSIER_INFORMATION_GIVEN,
            object_type="export-dossier",
            object_id=str(dossier.id),
            before={"status": DossierStatus.MORE_INFORMATION.value},
            after={"status": DossierStatus.SUBMITTED.value},
        )
        _awaits_decision(uow.session, clock, dossier)
        uow.commit()
        return _shown(uow.session, principal, dossier, clock.today())


def get(session: Session, principal: Principal, today: date, dossier_id: int) -> dict[str, Any]:
    """One dossier the principal may see."""
    return _shown(session, principal, _visible(session, principal, dossier_id), today)


MAX_PAGE = 500
"""The most dossiers one listing request returns."""
PAGE = 100
"""Dossiers per listing page unless the caller asks for fewer (or more, up to :data:`MAX_PAGE`)."""


def _listing(
    principal: Principal,
    today: date,
    *,
    participant: str | None,
    status: DossierStatus | None,
    overdue: bool,
) -> sa.Select[ExportDossier]:
    """The dossiers the principal may see, filtered in SQL; ``overdue``: undecided past the week."""
    require(principal, Action.VIEW_EXPORT_DOSSIERS)
    stmt = sa.select(ExportDossier)
    if is_participant_bound(principal):
        stmt = stmt.where(ExportDossier.participant_code == principal.participant_code)
    if participant:
        stmt = stmt.where(ExportDossier.participant_code == participant)
    if status is not None:
        stmt = stmt.where(ExportDossier.status == status)
    if overdue:
        stmt = stmt.where(
            ExportDossier.status.in_(sorted(domain.OPEN)),
            ExportDossier.clock_started_at < domain.overdue_if_started_before(today),
        )
    return stmt


def list_dossiers(
    session: Session,
    principal: Principal,
    today: date,
    *,
    participant: str | None = None,
    status: DossierStatus | None = None,
    overdue: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Dossiers the principal may see, newest first, each with its week's clock; ``overdue``:
    only those still undecided after their week; ``limit`` and ``offset`` page through them
    (``limit`` None: all, as the CLI lists them)."""
    stmt = _listing(principal, today, participant=participant, status=status, overdue=overdue)
    stmt = stmt.order_by(ExportDossier.submitted_at.desc(), ExportDossier.id.desc()).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [public(dossier, today) for dossier in session.scalars(stmt)]


def count_dossiers(
    session: Session,
    principal: Principal,
    today: date,
    *,
    participant: str | None = None,
    status: DossierStatus | None = None,
    overdue: bool = False,
) -> int:
    """How many dossiers :func:`list_dossiers` would list with the same filters, unpaged."""
    listing = _listing(principal, today, participant=participant, status=status, overdue=overdue)
    return session.scalar(sa.select(sa.func.count()).select_from(listing.subquery())) or 0


# --- the certificate side -------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateDraft:
    """What of a certificate request the dossier is checked against."""

    exporter: str
    lines: tuple[domain.Line, ...]
    parcel_count: int


def certificate_problems(
    session: Session, dossier_id: int, draft: CertificateDraft, today: date
) -> list[str]:
    """Why a certificate cannot be issued on the dossier (empty: it can)."""
    dossier = session.get(ExportDossier, dossier_id)
    if dossier is None:
        return [f"no export dossier {dossier_id} is recorded"]
    return domain.certificate_problems(
        facts(dossier),
        exporter=draft.exporter,
        zones_in_force=zones_in_force(session, draft.exporter, today),
        lines=draft.lines,
        parcel_count=draft.parcel_count,
    )


def release_claim(session: Session, dossier_id: int, number: str) -> None:
    """Give the dossier back when certificate ``number`` could not be written after all."""
    session.execute(
        sa.update(ExportDossier)
        .where(ExportDossier.id == dossier_id, ExportDossier.certificate_number == number)
        .values(certificate_number=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def claim_for_certificate(
    session: Session, principal: Principal, clock: Clock, dossier_id: int, number: str
) -> bool:
    """Mark the approved dossier as carried by certificate ``number``; False if another
    certificate took it first. One conditional update, so two issues racing on the same
    dossier cannot both win (issuing runs in autocommit: see certificates.services)."""
    claimed = session.execute(
        sa.update(ExportDossier)
        .where(
            ExportDossier.id == dossier_id,
            ExportDossier.certificate_number.is_(None),
            ExportDossier.status == DossierStatus.APPROVED,
        )
        .values(certificate_number=number)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tags.EXPORT_DOSSIER_CERTIFIED,
        object_type="export-dossier",
        object_id=str(dossier_id),
        after={"certificate": number},
    )
    return True


CROSS_CHECK_COLUMNS = (
    "number",
    "exporting_participant",
    "importing_participant",
    "issued_on",
    "expires_on",
    "days_unconfirmed",
    "total_carats",
    "total_value_usd",
    "export_dossier",
)


def cross_check(session: Session, principal: Principal, today: date) -> list[dict[str, Any]]:
    """The Monitoring Team's cross-check: certificates issued by a participant while it was
    restricted that their importer never confirmed (cancelled ones aside), oldest first."""
    from kpcs.certificates.domain import CertificateStatus
    from kpcs.certificates.models import Certificate

    require(principal, Action.VIEW_RESTRICTED_CROSS_CHECK)
    snapshot = registry_snapshot(session)
    restricted = {
        code
        for code, party in snapshot.participants.items()
        if any(entry.status is ParticipantStatus.RESTRICTED for entry in party.history)
    }
    if not restricted:
        return []
    rows = session.execute(
        sa.select(Certificate, ExportDossier.id)
        .outerjoin(ExportDossier, ExportDossier.certificate_number == Certificate.number)
        .where(
            Certificate.exporting_participant.in_(sorted(restricted)),
            Certificate.status == CertificateStatus.ISSUED,
        )
        .order_by(Certificate.issued_on, Certificate.number)
    ).all()
    found = []
    for certificate, dossier_id in rows:
        entry = snapshot.participants[certificate.exporting_participant].status_on(certificate.issued_on)
        if entry is None or entry.status is not ParticipantStatus.RESTRICTED:
            continue
        found.append(
            {
                "number": certificate.number,
                "exporting_participant": certificate.exporting_participant,
                "importing_participant": certificate.importing_participant,
                "issued_on": certificate.issued_on.isoformat(),
                "expires_on": certificate.expires_on.isoformat(),
                "days_unconfirmed": (today - certificate.issued_on).days,
                "total_carats": float(certificate.total_carats),
                "total_value_usd": float(certificate.total_value_usd),
                "export_dossier": dossier_id,
            }
        )
    return found
