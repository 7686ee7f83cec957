"""Reading certificates: one certificate with its timeline and reminders, the lists (outgoing,
inbox, unconfirmed), and the printable document, each scoped to what the caller may see.

Split from :mod:`kpcs.certificates.services`, which keeps the use cases that change things.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from kpcs.accounts.permissions import Action, Principal, scoped
from kpcs.audit import tags
from kpcs.audit.models import AuditEvent
from kpcs.certificates import rules
from kpcs.certificates.document import CertificateDocument, Line, Party, ReturnSlip
from kpcs.certificates.models import (
    Certificate,
    CertificateStatus,
    ConfirmationReminder,
    ImportConfirmation,
)
from kpcs.certificates.schemas import (
    CertificateDetail,
    CertificatePublic,
    CertificateSummary,
    ConfirmationPublic,
    ContainerPublic,
    LinePublic,
    LossReportPublic,
    PartyPublic,
    ReminderPublic,
    SealPublic,
    TimelineEntry,
    WarningPublic,
)
from kpcs.clock import Clock
from kpcs.countries import country_name
from kpcs.errors import InvalidInput, NotFound
from kpcs.participants.models import Participant
from kpcs.workbench import findings


def load_visible(session: Session, principal: Principal, number: str) -> Certificate:
    """A certificate the principal may see; 404 otherwise (existence is not leaked)."""
    stmt = (
        scoped(sa.select(Certificate), principal, Action.VIEW_CERTIFICATES)
        .where(Certificate.number == number.strip().upper())
        .options(
            selectinload(Certificate.lines),
            selectinload(Certificate.confirmation),
            selectinload(Certificate.loss_reports),
            selectinload(Certificate.reminders),
        )
    )
    certificate = session.scalar(stmt)
    if certificate is None:
        raise NotFound(f"no certificate {number!r} that you may see")
    return certificate


def public_certificate(c: Certificate, today: date) -> CertificatePublic:
    """The certificate object of the API (CONTRACT.md), as of ``today`` (expiry)."""
    confirmation = c.confirmation
    return CertificatePublic(
        number=c.number,
        status=rules.effective_status(c.status, c.expires_on, today),
        exporting_country=c.exporting_country,
        importing_country=c.importing_country,
        exporting_participant=c.exporting_participant,
        importing_participant=c.importing_participant,
        exporter=PartyPublic(name=c.exporter_name, address=c.exporter_address),
        importer=PartyPublic(name=c.importer_name, address=c.importer_address),
        parcel_count=c.parcel_count,
        lines=[
            LinePublic(
                hs_code=line.hs_code,
                origin=line.origin,
                carats=line.carats,
                value_usd=line.value_usd,
                departed_origin_on=line.departed_origin_on,
                classification_note=line.classification_note,
            )
            for line in c.lines
        ],
        total_carats=c.total_carats,
        total_value_usd=c.total_value_usd,
        issued_on=c.issued_on,
        expires_on=c.expires_on,
        issuing_authority=c.issuing_authority,
        kid=c.kid,
        credential=c.credential,
        warnings=[WarningPublic.model_validate(w) for w in c.warnings or []],
        container=ContainerPublic.model_validate(c.container) if c.container else None,
        transit=list(c.transit_participants or []),
        quality_characteristics=c.quality_characteristics,
        additional_information=c.additional_information,
        confirmation=ConfirmationPublic(
            received_on=confirmation.received_on,
            carats_received=confirmation.carats_received,
            value_usd_received=confirmation.value_usd_received,
            parcels_received=confirmation.parcels_received,
            hs_codes_received=confirmation.hs_codes_received,
            seals=[SealPublic.model_validate(seal) for seal in confirmation.seals]
            if confirmation.seals is not None
            else None,
            discrepancies=list(confirmation.discrepancies),
            note=confirmation.note,
            confirmed_at=confirmation.confirmed_at,
            confirmed_by=confirmation.confirmed_by,
        )
        if confirmation
        else None,
        cancellation={
            "reason": c.cancellation_reason.value if c.cancellation_reason else None,
            "note": c.cancellation_note,
            "cancelled_at": c.cancelled_at.isoformat() if c.cancelled_at else None,
            "cancelled_by": c.cancelled_by,
        }
        if c.status is CertificateStatus.CANCELLED
        else None,
        loss_reports=[
            LossReportPublic(
                kind=r.kind,
                note=r.note,
                reporter_participant=r.reporter_participant,
                reported_at=r.reported_at,
            )
            for r in c.loss_reports
        ],
    )


_TIMELINE_WORDS = {
    tags.CERTIFICATE_ISSUED: "issued and signed",
    tags.CERTIFICATE_IMPORT_CONFIRMED: "import confirmed",
    tags.CERTIFICATE_CANCELLED: "cancelled",
    tags.CERTIFICATE_REPORTED_LOST: "reported lost",
    tags.CERTIFICATE_REPORTED_STOLEN: "reported stolen",
    tags.CERTIFICATE_NOTIFIED: "pre-notification delivered",
    tags.CERTIFICATE_RECEIVED: "received from the exporter's system",
    tags.CERTIFICATE_CONFIRMATION_DELIVERED: "import confirmation delivered",
    tags.CERTIFICATE_CANCELLATION_DELIVERED: "cancellation delivered",
    tags.CERTIFICATE_MESSAGE_HELD: "message held for review",
    tags.CERTIFICATE_REMINDER_SENT: "reminder sent to the importing authority",
    tags.CERTIFICATE_REMINDER_RECEIVED: "reminder received from the exporting authority",
    tags.CERTIFICATE_REMINDER_DELIVERED: "reminder delivered",
    tags.PHOTO_ADDED: "photo of the parcels added",
    tags.PHOTO_REUSE_FLAGGED: "photo flagged as re-used",
    tags.EXPERT_FINDING_RECORDED: "expert finding recorded",
}


def get_certificate(session: Session, principal: Principal, clock: Clock, number: str) -> CertificateDetail:
    """One certificate with its timeline, for the exporting or importing side."""
    certificate = load_visible(session, principal, number)
    events = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "certificate", AuditEvent.object_id == certificate.number)
        .order_by(AuditEvent.id)
    ).all()
    timeline = [
        TimelineEntry(at=e.occurred_at, event=_TIMELINE_WORDS.get(e.tag, e.tag), actor=e.actor, detail=e.note)
        for e in events
    ]
    shown = public_certificate(certificate, clock.today()).model_dump()
    # A warning the experts closed shows as closed, with their finding (issue 20, item 5).
    shown["warnings"] = findings.annotated(session, certificate.warnings or [], certificate_id=certificate.id)
    return CertificateDetail(
        **shown,
        timeline=timeline,
        reminders=[reminder_public(r) for r in certificate.reminders],
    )


def list_certificates(
    session: Session,
    principal: Principal,
    clock: Clock,
    *,
    direction: str | None = None,
    status: str | None = None,
    partner: str | None = None,
    search: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[CertificateSummary]:
    """The caller's certificates, newest first; ``direction`` is outgoing or incoming."""
    today = clock.today()
    stmt = scoped(sa.select(Certificate), principal, Action.VIEW_CERTIFICATES).options(
        selectinload(Certificate.confirmation)
    )
    own = principal.participant_code
    if direction not in (None, "", "outgoing", "incoming"):
        raise InvalidInput.field("direction", "outgoing or incoming")
    if direction and own is None:
        raise InvalidInput.field(
            "direction", "only a participant's authority has outgoing and incoming certificates"
        )
    if direction == "outgoing":
        stmt = stmt.where(Certificate.exporting_participant == own)
    elif direction == "incoming":
        stmt = stmt.where(Certificate.importing_participant == own)
    if status:
        stmt = _status_filter(stmt, status, today)
    if partner:
        code = partner.strip().upper()
        stmt = stmt.where(
            sa.or_(Certificate.exporting_participant == code, Certificate.importing_participant == code)
        )
    if search:
        stmt = stmt.where(Certificate.number.contains(search.strip().upper(), autoescape=True))
    stmt = (
        stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(max(1, min(limit, 1000)))
        .offset(max(0, offset))
    )
    return _summaries(session, list(session.scalars(stmt)), today)


def _status_filter(stmt: sa.Select[Any], status: str, today: date) -> sa.Select[Any]:
    if status in ("discrepancies", "confirmed with discrepancies"):
        # JSON arrays have a length function on both databases.
        return stmt.join(ImportConfirmation, ImportConfirmation.certificate_id == Certificate.id).where(
            sa.func.json_array_length(ImportConfirmation.discrepancies) > 0
        )
    if status == "expired":
        return stmt.where(Certificate.status == CertificateStatus.ISSUED, Certificate.expires_on < today)
    if status == "issued":
        return stmt.where(Certificate.status == CertificateStatus.ISSUED, Certificate.expires_on >= today)
    try:
        return stmt.where(Certificate.status == CertificateStatus(status))
    except ValueError:
        raise InvalidInput.field(
            "status", "issued, confirmed, discrepancies (confirmed with discrepancies), cancelled or expired"
        ) from None


def reminder_counts(session: Session, certificate_ids: Iterable[int]) -> dict[int, tuple[int, datetime]]:
    """How many reminders each certificate's importer has had, and when the last one went."""
    ids = list(certificate_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(
            ConfirmationReminder.certificate_id,
            sa.func.count(),
            sa.func.max(ConfirmationReminder.sent_at),
        )
        .where(ConfirmationReminder.certificate_id.in_(ids))
        .group_by(ConfirmationReminder.certificate_id)
    )
    return {row[0]: (int(row[1]), _aware(row[2])) for row in rows}


def _aware(value: datetime | str) -> datetime:
    """An aggregate of a date-time column may come back as text on SQLite: read it as UTC."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def reminder_public(reminder: ConfirmationReminder) -> ReminderPublic:
    """A reminder as the API and the pages show it."""
    return ReminderPublic(
        sent_at=reminder.sent_at, sent_by=reminder.sent_by, route=reminder.route.value, note=reminder.note
    )


def _summaries(session: Session, certificates: list[Certificate], today: date) -> list[CertificateSummary]:
    """List rows, each with how often its importer was reminded (one query for all)."""
    reminded = reminder_counts(session, [c.id for c in certificates])
    return [_summary(c, today, *reminded.get(c.id, (0, None))) for c in certificates]


def _summary(
    c: Certificate, today: date, reminder_count: int = 0, last_reminded_at: datetime | None = None
) -> CertificateSummary:
    confirmation = c.confirmation
    open_ = c.status is CertificateStatus.ISSUED
    return CertificateSummary(
        number=c.number,
        status=rules.effective_status(c.status, c.expires_on, today),
        exporting_participant=c.exporting_participant,
        importing_participant=c.importing_participant,
        exporter_name=c.exporter_name,
        importer_name=c.importer_name,
        total_carats=c.total_carats,
        total_value_usd=c.total_value_usd,
        parcel_count=c.parcel_count,
        issued_on=c.issued_on,
        expires_on=c.expires_on,
        received_on=confirmation.received_on if confirmation else None,
        has_discrepancies=bool(confirmation and confirmation.discrepancies),
        days_open=(today - c.issued_on).days if open_ else None,
        reminders=reminder_count,
        last_reminded_at=last_reminded_at,
    )


def unconfirmed(
    session: Session, principal: Principal, clock: Clock, *, days: int
) -> list[CertificateSummary]:
    """The caller's exported certificates still without a return slip ``days`` after issue
    (what the import-confirmation decision asks exporting authorities to chase)."""
    if days < 0:
        raise InvalidInput.field("days", "zero or more")
    today = clock.today()
    stmt = (
        scoped(sa.select(Certificate), principal, Action.VIEW_CERTIFICATES)
        .where(
            Certificate.status == CertificateStatus.ISSUED,
            Certificate.issued_on <= today - timedelta(days=days),
        )
        .options(selectinload(Certificate.confirmation))
    )
    if principal.participant_code is not None:
        stmt = stmt.where(Certificate.exporting_participant == principal.participant_code)
    return _summaries(
        session, list(session.scalars(stmt.order_by(Certificate.issued_on, Certificate.id))), today
    )


def certificate_document(
    session: Session, principal: Principal, clock: Clock, number: str
) -> CertificateDocument:
    """What the printed certificate shows."""
    c = load_visible(session, principal, number)
    names = dict(
        session.execute(
            sa.select(Participant.code, Participant.name).where(
                Participant.code.in_(
                    [c.exporting_participant, c.importing_participant, *(c.transit_participants or ())]
                )
            )
        ).all()
    )
    notes: list[str] = []
    if c.status is CertificateStatus.CANCELLED and c.cancelled_at:
        notes.append(
            f"Cancelled on {c.cancelled_at:%Y-%m-%d}: {(c.cancellation_reason or '').replace('_', ' ')}"
            + (f" ({c.cancellation_note})" if c.cancellation_note else "")
        )
    # The expert checks' valuation warnings (issue 20), for the authorities who print it.
    notes += [
        f"Valuation check at issue (it did not block the certificate): {w['message']}"
        for w in c.warnings or []
        if w.get("type") in ("undervaluation", "overvaluation")
    ]
    container = c.container or {}
    confirmation = c.confirmation
    return CertificateDocument(
        number=c.number,
        status=rules.effective_status(c.status, c.expires_on, clock.today()),
        issued_on=c.issued_on,
        expires_on=c.expires_on,
        issuing_authority=c.issuing_authority,
        exporting_participant=c.exporting_participant,
        exporting_participant_name=names.get(c.exporting_participant, c.exporting_participant),
        exporting_country=c.exporting_country,
        exporting_country_name=country_name(c.exporting_country),
        importing_participant=c.importing_participant,
        importing_participant_name=names.get(c.importing_participant, c.importing_participant),
        importing_country=c.importing_country,
        importing_country_name=country_name(c.importing_country),
        exporter=Party(c.exporter_name, c.exporter_address),
        importer=Party(c.importer_name, c.importer_address),
        parcel_count=c.parcel_count,
        lines=tuple(
            Line(
                line.hs_code,
                line.origin,
                rules.origin_label(line.origin),
                line.carats,
                line.value_usd,
                line.departed_origin_on,
            )
            for line in c.lines
        ),
        kid=c.kid,
        credential=c.credential,
        notes=tuple(notes),
        container_description=container.get("description"),
        seal_numbers=tuple(container.get("seal_numbers") or ()),
        transparent_security_bags=bool(container.get("transparent_security_bags")),
        number_on_container=bool(container.get("number_on_container")),
        transit=tuple((code, names.get(code, country_name(code))) for code in c.transit_participants or ()),
        quality_characteristics=c.quality_characteristics,
        additional_information=c.additional_information,
        return_slip=ReturnSlip(
            received_on=confirmation.received_on,
            confirmed_by=confirmation.confirmed_by,
            hs_codes_received=tuple(confirmation.hs_codes_received)
            if confirmation.hs_codes_received is not None
            else None,
            seals=tuple((seal["number"], bool(seal["intact"])) for seal in confirmation.seals)
            if confirmation.seals is not None
            else None,
            discrepancies=tuple(
                f"{d['field'].replace('_', ' ')}: certificate {d['certificate']}, received {d['received']}"
                for d in confirmation.discrepancies
            ),
        )
        if confirmation is not None
        else None,
    )
