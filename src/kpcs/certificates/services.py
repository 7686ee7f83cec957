"""Use cases of certificates: issue, list, read, confirm import, cancel, report lost.

Each use case owns its transaction and writes its audit record in it; the rules it applies
come from :mod:`kpcs.certificates.rules`, and who may see what from
:func:`kpcs.accounts.permissions.scoped`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from kpcs.accounts.permissions import Action, Principal, PrincipalKind, can, require, scoped
from kpcs.audit import tags
from kpcs.audit.models import AuditEvent
from kpcs.audit.services import audit_event, record
from kpcs.certificates import rules, store
from kpcs.certificates.credential import JWS_TYPE, CredentialData, CredentialLine, build_payload
from kpcs.certificates.document import CertificateDocument, Line, Party
from kpcs.certificates.models import (
    CancellationReason,
    Certificate,
    CertificateLine,
    CertificateSerial,
    CertificateStatus,
    ConfirmationReminder,
    ImportConfirmation,
    LossReport,
)
from kpcs.certificates.schemas import (
    CancellationCreate,
    CertificateCreate,
    CertificateDetail,
    CertificatePublic,
    CertificateSummary,
    ConfirmationCreate,
    ConfirmationPublic,
    LinePublic,
    LossReportCreate,
    LossReportPublic,
    PartyPublic,
    ReminderPublic,
    TimelineEntry,
    WarningPublic,
)
from kpcs.clock import Clock
from kpcs.countries import country_name
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, DomainError, FieldProblem, InvalidInput, NotFound
from kpcs.exchange import services as exchange
from kpcs.expertise.valuation import Reference, reference_from, valuation_warnings
from kpcs.participants.models import Authority, Participant
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import AuthorityFacts, RegistrySnapshot, bump_revision, registry_snapshot
from kpcs.signing.jws import sign_compact
from kpcs.signing.keys import KeyRing
from kpcs.signing.models import KeyPurpose
from kpcs.translog.services import log_credential


class ShipmentRefused(DomainError):
    """A certificate request breaks rules of the Scheme; ``problems`` lists each one."""

    def __init__(self, problems: list[rules.Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems), rule=problems[0].rule)
        self.problems = [FieldProblem(p.field, p.message, rule=p.rule) for p in problems]
        self.rules = [p.rule for p in problems]


# --- the registry as the rules need it ----------------------------------------------------


def _standing(snapshot: RegistrySnapshot, country: str, on: date) -> rules.Standing:
    """The participant a country trades under on ``on``, as the rules need it."""
    facts = snapshot.trading_under(country, on)
    if facts is None:
        return rules.Standing(
            code=country, name=country_name(country), kind=ParticipantKind.PARTICIPANT, status=None
        )
    return rules.Standing(code=facts.code, name=facts.name, kind=facts.kind, status=facts.status_on(on))


def _create_authority(
    session: Session, principal: Principal, clock: Clock, participant: rules.Standing
) -> Authority:
    """Record a KP authority for a participant whose authority the registry does not name."""
    authority = Authority(
        participant_code=participant.code,
        name=f"KP Authority of {participant.name}",
        sources=[],
        default_validity_days=60,
        max_validity_days=60,
    )
    session.add(authority)
    session.flush()
    bump_revision(session)
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tags.AUTHORITY_CREATED,
        object_type="authority",
        object_id=participant.code,
        after={"name": authority.name},
    )
    return authority


def _draft(body: CertificateCreate) -> rules.Draft:
    return rules.Draft(
        exporting_country=body.exporting_country,
        importing_country=body.importing_country,
        exporter_name=body.exporter.name,
        exporter_address=body.exporter.address,
        importer_name=body.importer.name,
        importer_address=body.importer.address,
        parcel_count=body.parcel_count,
        lines=tuple(
            rules.DraftLine(line.hs_code, line.origin, line.carats, line.value_usd) for line in body.lines
        ),
        expires_on=body.expires_on,
        export_dossier=body.export_dossier,
    )


def _check(
    session: Session, principal: Principal, clock: Clock, body: CertificateCreate
) -> tuple[list[rules.Problem], rules.Standing, rules.Standing, RegistrySnapshot]:
    today = clock.today()
    snapshot = registry_snapshot(session)
    exporter = _standing(snapshot, body.exporting_country, today)
    importer = _standing(snapshot, body.importing_country, today)
    facts = snapshot.participants.get(exporter.code)
    max_days = facts.authority.max_validity_days if facts and facts.authority else 60
    # The server's operator issues for any participant hosted here; everyone else for their own.
    issuer = None if principal.kind is PrincipalKind.OPERATOR else principal.participant_code
    problems = rules.check_draft(
        _draft(body),
        exporter=exporter,
        importer=importer,
        issuer_participant=issuer,
        today=today,
        max_validity_days=max_days,
    )
    if body.export_dossier is not None:
        problems.append(
            rules.Problem(
                "export_dossier",
                "export-dossier",
                f"no approved export dossier {body.export_dossier} is recorded",
            )
        )
    return problems, exporter, importer, snapshot


def check_certificate(
    session: Session, principal: Principal, clock: Clock, body: CertificateCreate
) -> list[rules.Problem]:
    """Every rule the request would break, without issuing (the form's live validation)."""
    require(principal, Action.ISSUE_CERTIFICATE)
    problems, *_ = _check(session, principal, clock, body)
    return problems


def export_refusals(session: Session, principal: Principal, clock: Clock) -> list[rules.Problem]:
    """Why the caller's participant cannot export today, in the rules' words (empty when it
    can, and for the operator, who issues for any participant hosted here).

    The issue page says this up front: a suspended participant's clerk must learn why, not
    meet an empty list of countries.
    """
    code = principal.participant_code
    if code is None:
        return []
    today = clock.today()
    standing = _standing(registry_snapshot(session), code, today)
    return rules.standing_problems(standing, role="export", field="exporting_country", on=today)


_references: dict[tuple[str, str, str, date], Reference] = {}
_references_lock = threading.Lock()


def _valuation_references(
    session: Session, participant: str, hs_codes: set[str], today: date
) -> dict[str, Reference]:
    """The exporter's median $/ct per HS code over the last 12 months (CONTRACT.md).

    A reference, once there is one, is kept for the day in this process: it moves slowly,
    and recomputing a median over a year of certificates on every issue would cost more
    than the issue. Below the minimum it is recomputed each time (few rows to read).
    """
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    found: dict[str, Reference] = {}
    for hs_code in sorted(hs_codes):
        key = (database, participant, hs_code, today)
        cached = _references.get(key)
        if cached is not None:
            found[hs_code] = cached
            continue
        rows = session.execute(
            sa.select(
                CertificateLine.certificate_id,
                sa.func.sum(CertificateLine.value_usd),
                sa.func.sum(CertificateLine.carats),
            )
            .join(Certificate, Certificate.id == CertificateLine.certificate_id)
            .where(
                Certificate.exporting_participant == participant,
                Certificate.status != CertificateStatus.CANCELLED,
                Certificate.issued_on > today - timedelta(days=365),
                CertificateLine.hs_code == hs_code,
            )
            .group_by(CertificateLine.certificate_id)
        ).all()
        unit_values = [(row[0], Decimal(row[1]) / Decimal(row[2])) for row in rows if row[2]]
        reference = reference_from(hs_code, unit_values)
        if reference is not None:
            with _references_lock:
                if len(_references) > 10_000:
                    _references.clear()
                _references[key] = reference
            found[hs_code] = reference
    return found


AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


_SERIALS: sa.Table = CertificateSerial.__table__  # type: ignore[assignment]


def _next_serial(dialect: str) -> sa.Executable:
    """The upsert that takes a participant's next serial (built once per dialect: a number
    is taken on every issue)."""
    insert = postgresql_insert(_SERIALS) if dialect == "postgresql" else sqlite_insert(_SERIALS)
    return (
        insert.values(participant_code=sa.bindparam("participant"), year=sa.bindparam("year"), last_serial=1)
        .on_conflict_do_update(
            index_elements=["participant_code", "year"], set_={"last_serial": _SERIALS.c.last_serial + 1}
        )
        .returning(_SERIALS.c.last_serial)
    )


_NEXT_SERIAL = {dialect: _next_serial(dialect) for dialect in ("postgresql", "sqlite")}


def _allocate_number(session: Session, participant: str, year: int) -> str:
    """Take the next number for ``participant`` in ``year``, committed at once.

    One upsert, run on the session's connection in autocommit mode (``AUTOCOMMIT``, set
    by the caller before its first read), creates the counter at 1 or increments it: the
    counter row is locked only while the database runs that statement, not for the rest of
    the issue (signing, storing), and not while this thread waits for its turn to send a
    COMMIT, so issuers of one participant do not queue behind each other. The price is a
    gap in the numbers if the issue then fails, never a duplicate (the unique constraint on
    numbers is the last guard). Refusals happen before a number is taken. The same session
    is used throughout, so a request never holds two connections (which deadlocks a full
    pool).
    """
    connection = session.connection()
    statement = _NEXT_SERIAL[connection.dialect.name]
    serial = connection.execute(statement, {"participant": participant, "year": year}).scalar_one()
    session.commit()  # ends the autocommit block; the certificate is written in a fresh transaction
    return rules.format_number(participant, year, serial)


def issue_certificate(
    uow: UnitOfWork, principal: Principal, clock: Clock, keyring: KeyRing, body: CertificateCreate
) -> CertificatePublic:
    """Issue, sign and record a certificate, or refuse naming every broken rule."""
    require(principal, Action.ISSUE_CERTIFICATE)
    with uow:
        # Until the certificate is written, issuing only reads and takes its number: in
        # autocommit, with no transaction to begin and commit around them.
        uow.session.connection(execution_options=AUTOCOMMIT)
        problems, exporter, importer, snapshot = _check(uow.session, principal, clock, body)
        if problems:
            raise ShipmentRefused(problems)
        require(principal, Action.ISSUE_CERTIFICATE, participant=exporter.code)
        exchange.topology(uow.session, snapshot.revision).require_served_here(exporter.code, "issuing")
        now = clock.now()
        today = clock.today()
        # The number, then the key: both may commit (every number; a participant's first
        # key), which must happen before the certificate is written.
        number = _allocate_number(uow.session, exporter.code, today.year)
        key = keyring.active(
            KeyPurpose.CERTIFICATES,
            exporter.code,
            actor=principal,
            session=uow.session,
            revision=snapshot.revision,
        )
        authority = snapshot.participants[exporter.code].authority
        if authority is None:
            created = _create_authority(uow.session, principal, clock, exporter)
            authority = AuthorityFacts(created.name, created.default_validity_days, created.max_validity_days)
        expires_on = rules.expiry_date(today, body.expires_on, authority.default_validity_days)
        lines = tuple(
            CredentialLine(line.hs_code, line.origin, line.carats, line.value_usd) for line in body.lines
        )
        data = CredentialData(
            number=number,
            issuing_participant=exporter.code,
            issuing_authority=authority.name,
            exporting_country=body.exporting_country,
            importing_country=body.importing_country,
            importing_participant=importer.code,
            exporter_name=body.exporter.name.strip(),
            exporter_address=body.exporter.address.strip(),
            importer_name=body.importer.name.strip(),
            importer_address=body.importer.address.strip(),
            parcel_count=body.parcel_count,
            lines=lines,
            issued_on=today,
            expires_on=expires_on,
            issued_at=now,
        )
        references = _valuation_references(
            uow.session, exporter.code, {line.hs_code for line in lines}, today
        )
        findings = valuation_warnings(
            ((line.hs_code, line.carats, line.value_usd) for line in lines), references
        )
        credential = sign_compact(build_payload(data), private_key=key.private_key, kid=key.kid, typ=JWS_TYPE)
        certificate = Certificate(
            number=number,
            status=CertificateStatus.ISSUED,
            exporting_participant=exporter.code,
            importing_participant=importer.code,
            exporting_country=body.exporting_country,
            importing_country=body.importing_country,
            exporter_name=data.exporter_name,
            exporter_address=data.exporter_address,
            importer_name=data.importer_name,
            importer_address=data.importer_address,
            parcel_count=body.parcel_count,
            total_carats=sum((line.carats for line in lines), Decimal(0)),
            total_value_usd=sum((line.value_usd for line in lines), Decimal(0)),
            issued_on=today,
            expires_on=expires_on,
            issuing_authority=authority.name,
            kid=key.kid,
            credential=credential,
            issued_at=now,
            issued_by=principal.actor,
            confirmation=None,
            loss_reports=[],
            warnings=[{"type": w.type, "message": w.message} for w in findings],
            lines=[
                CertificateLine(
                    position=i,
                    hs_code=line.hs_code,
                    origin=line.origin,
                    carats=line.carats,
                    value_usd=line.value_usd,
                )
                for i, line in enumerate(lines)
            ],
        )
        event = audit_event(
            actor=principal,
            clock=clock,
            tag=tags.CERTIFICATE_ISSUED,
            object_type="certificate",
            object_id=number,
            after={
                "exporting_participant": exporter.code,
                "importing_participant": importer.code,
                "total_carats": str(certificate.total_carats),
                "total_value_usd": str(certificate.total_value_usd),
                "expires_on": expires_on,
                "kid": key.kid,
            },
        )
        store.write_issued(uow.session, certificate, event)
        # Last, so the log's lock is held only for the append: the certificate and its log
        # entry commit together or not at all, even if the process dies in between.
        exchange.notify_issued(uow.session, clock, certificate, snapshot.revision)
        log_credential(uow.session, clock, certificate)
        uow.commit()
        return _public(certificate, today)


# --- reading ---------------------------------------------------------------------------------


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


def _public(c: Certificate, today: date) -> CertificatePublic:
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
            LinePublic(hs_code=line.hs_code, origin=line.origin, carats=line.carats, value_usd=line.value_usd)
            for line in c.lines
        ],
        total_carats=c.total_carats,
        total_value_usd=c.total_value_usd,
        issued_on=c.issued_on,
        expires_on=c.expires_on,
        issuing_authority=c.issuing_authority,
        kid=c.kid,
        credential=c.credential,
        warnings=[WarningPublic(type=w["type"], message=w["message"]) for w in c.warnings or []],
        confirmation=ConfirmationPublic(
            received_on=confirmation.received_on,
            carats_received=confirmation.carats_received,
            value_usd_received=confirmation.value_usd_received,
            parcels_received=confirmation.parcels_received,
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
    return CertificateDetail(
        **_public(certificate, clock.today()).model_dump(),
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


# --- changes ---------------------------------------------------------------------------------


def _refuse(problems: list[rules.Problem]) -> None:
    if problems:
        raise ShipmentRefused(problems)


def confirm_import(
    uow: UnitOfWork, principal: Principal, clock: Clock, number: str, body: ConfirmationCreate
) -> CertificatePublic:
    """The return slip: the importing authority confirms receipt, once; differences between
    the goods and the certificate are recorded and shown to both sides."""
    with uow:
        certificate = load_visible(uow.session, principal, number)
        require(principal, Action.CONFIRM_IMPORT, participant=certificate.importing_participant)
        exchange.topology(uow.session).require_served_here(
            certificate.importing_participant, "confirming an import"
        )
        today = clock.today()
        _refuse(
            rules.confirmation_problems(
                certificate.status,
                issued_on=certificate.issued_on,
                expires_on=certificate.expires_on,
                received_on=body.received_on,
                today=today,
            )
        )
        for field, amount in (
            ("carats_received", body.carats_received),
            ("value_usd_received", body.value_usd_received),
        ):
            if amount is not None and (wrong := rules.decimals_problem(amount)):
                raise InvalidInput.field(field, wrong)
        found = rules.discrepancies(
            carats=certificate.total_carats,
            value_usd=certificate.total_value_usd,
            parcels=certificate.parcel_count,
            carats_received=body.carats_received,
            value_usd_received=body.value_usd_received,
            parcels_received=body.parcels_received,
        )
        certificate.confirmation = ImportConfirmation(
            received_on=body.received_on,
            carats_received=body.carats_received,
            value_usd_received=body.value_usd_received,
            parcels_received=body.parcels_received,
            discrepancies=found,
            note=(body.note or "").strip() or None,
            confirmed_at=clock.now(),
            confirmed_by=principal.actor,
        )
        certificate.status = CertificateStatus.CONFIRMED
        exchange.notify_confirmed(uow.session, clock, certificate)
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.CERTIFICATE_IMPORT_CONFIRMED,
            object_type="certificate",
            object_id=certificate.number,
            before={"status": "issued"},
            after={"status": "confirmed", "received_on": body.received_on, "discrepancies": found},
            note=(
                "differences from the certificate: "
                + ", ".join(f"{d['field']} {d['certificate']} → {d['received']}" for d in found)
            )
            if found
            else None,
        )
        uow.commit()
        return _public(certificate, today)


def cancel_certificate(
    uow: UnitOfWork, principal: Principal, clock: Clock, number: str, body: CancellationCreate
) -> CertificatePublic:
    """Cancel (void) a certificate not yet used for an import."""
    try:
        reason, note = rules.parse_cancellation_reason(body.reason, body.note)
    except ValueError as exc:
        raise InvalidInput.field("reason", str(exc)) from None
    if reason is CancellationReason.OTHER and not note:
        raise InvalidInput.field("note", "say why, when the reason is 'other'")
    with uow:
        certificate = load_visible(uow.session, principal, number)
        require(principal, Action.CANCEL_CERTIFICATE, participant=certificate.exporting_participant)
        exchange.topology(uow.session).require_served_here(certificate.exporting_participant, "cancelling")
        if certificate.status is CertificateStatus.CANCELLED:
            raise Conflict(
                f"{certificate.number} was already cancelled on {certificate.cancelled_at:%Y-%m-%d}"
            )
        if certificate.status is CertificateStatus.CONFIRMED:
            raise Conflict(
                f"{certificate.number} covered an import confirmed on "
                f"{certificate.confirmation.received_on if certificate.confirmation else '?'}: "
                "it can no longer be cancelled"
            )
        certificate.status = CertificateStatus.CANCELLED
        certificate.cancelled_at = clock.now()
        certificate.cancelled_by = principal.actor
        certificate.cancellation_reason = reason
        certificate.cancellation_note = note
        exchange.notify_cancelled(uow.session, clock, certificate)
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.CERTIFICATE_CANCELLED,
            object_type="certificate",
            object_id=certificate.number,
            before={"status": "issued"},
            after={"status": "cancelled", "reason": reason, "note": note},
            note=f"{reason.value.replace('_', ' ')}" + (f": {note}" if note else ""),
        )
        uow.commit()
        return _public(certificate, clock.today())


def report_loss(
    uow: UnitOfWork, principal: Principal, clock: Clock, number: str, body: LossReportCreate
) -> CertificatePublic:
    """Record that a certificate was lost or stolen; every verification will say so."""
    with uow:
        certificate = load_visible(uow.session, principal, number)
        if not (
            can(principal, Action.REPORT_LOSS, participant=certificate.exporting_participant)
            or can(principal, Action.REPORT_LOSS, participant=certificate.importing_participant)
        ):
            require(principal, Action.REPORT_LOSS, participant=certificate.exporting_participant)
        report = LossReport(
            kind=body.kind,
            note=body.note.strip(),
            reporter_participant=principal.participant_code,
            reported_at=clock.now(),
            reported_by=principal.actor,
        )
        certificate.loss_reports.append(report)
        tag = (
            tags.CERTIFICATE_REPORTED_LOST if body.kind.value == "lost" else tags.CERTIFICATE_REPORTED_STOLEN
        )
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tag,
            object_type="certificate",
            object_id=certificate.number,
            after={"kind": body.kind, "note": report.note},
            note=report.note,
        )
        uow.commit()
        return _public(certificate, clock.today())


def certificate_document(
    session: Session, principal: Principal, clock: Clock, number: str
) -> CertificateDocument:
    """What the printed certificate shows."""
    c = load_visible(session, principal, number)
    names = dict(
        session.execute(
            sa.select(Participant.code, Participant.name).where(
                Participant.code.in_([c.exporting_participant, c.importing_participant])
            )
        ).all()
    )
    notes: list[str] = []
    if c.status is CertificateStatus.CANCELLED and c.cancelled_at:
        notes.append(
            f"Cancelled on {c.cancelled_at:%Y-%m-%d}: {(c.cancellation_reason or '').replace('_', ' ')}"
            + (f" ({c.cancellation_note})" if c.cancellation_note else "")
        )
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
            Line(line.hs_code, line.origin, rules.origin_label(line.origin), line.carats, line.value_usd)
            for line in c.lines
        ),
        kid=c.kid,
        credential=c.credential,
        notes=tuple(notes),
    )
