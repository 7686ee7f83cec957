"""Use cases of certificates that change something: issue, confirm import, cancel, report
lost (reading them is :mod:`kpcs.certificates.reading`).

Each use case owns its transaction and writes its audit record in it; the rules it applies
come from :mod:`kpcs.certificates.rules`, and who may see what from
:func:`kpcs.accounts.permissions.scoped`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kpcs import events
from kpcs.accounts.permissions import Action, Principal, PrincipalKind, can, require
from kpcs.audit import tags
from kpcs.audit.services import audit_event, record
from kpcs.certificates import rules, store
from kpcs.certificates.credential import (
    JWS_TYPE,
    Container,
    CredentialData,
    CredentialLine,
    OptionalElements,
    build_payload,
)
from kpcs.certificates.events import CertificateCancelled, CertificateIssued, ImportConfirmed
from kpcs.certificates.models import (
    CancellationReason,
    Certificate,
    CertificateLine,
    CertificateSerial,
    CertificateStatus,
    ImportConfirmation,
    LossReport,
)
from kpcs.certificates.reading import load_visible, public_certificate
from kpcs.certificates.schemas import (
    CancellationCreate,
    CertificateCreate,
    CertificatePublic,
    ConfirmationCreate,
    LossReportCreate,
)
from kpcs.certificates.valuation import forget_after, valuation_findings
from kpcs.clock import Clock
from kpcs.countries import country_name
from kpcs.db import UnitOfWork
from kpcs.dossiers import services as dossiers
from kpcs.dossiers.domain import Line as DossierLine
from kpcs.errors import Conflict, DomainError, FieldProblem, InvalidInput
from kpcs.exchange.topology import topology
from kpcs.participants.models import Authority
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import AuthorityFacts, RegistrySnapshot, bump_revision, registry_snapshot
from kpcs.signing.jws import sign_compact
from kpcs.signing.keys import KeyRing
from kpcs.signing.models import KeyPurpose


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


def _origins(snapshot: RegistrySnapshot, body: CertificateCreate, on: date) -> dict[str, rules.OriginHistory]:
    """The participant each line's country of origin is under, with its status history."""
    found: dict[str, rules.OriginHistory] = {}
    for line in body.lines:
        if line.origin in found or line.origin == rules.MIXED:
            continue
        facts = snapshot.trading_under(line.origin, on)
        if facts is not None and facts.kind is ParticipantKind.PARTICIPANT:
            found[line.origin] = rules.OriginHistory(facts.code, facts.name, facts.history)
    return found


def _transit(snapshot: RegistrySnapshot, codes: list[str], on: date) -> dict[str, rules.Standing]:
    """Each transit code the registry knows: the participant itself, or the participant
    that stands for that country (the rule then asks for the participant's code)."""
    found: dict[str, rules.Standing] = {}
    for code in codes:
        facts = snapshot.participants.get(code) or snapshot.trading_under(code, on)
        if facts is not None:
            found[code] = rules.Standing(facts.code, facts.name, facts.kind, facts.status_on(on))
    return found


def _container(body: CertificateCreate) -> Container | None:
    given = body.container
    if given is None:
        return None
    return Container(
        description=(given.description or "").strip() or None,
        seal_numbers=tuple(given.seal_numbers),
        transparent_security_bags=given.transparent_security_bags,
        number_on_container=given.number_on_container,
    )


def _optional_elements(body: CertificateCreate) -> OptionalElements:
    return OptionalElements(
        container=_container(body),
        transit=tuple(body.transit),
        quality_characteristics=(body.quality_characteristics or "").strip() or None,
        additional_information=(body.additional_information or "").strip() or None,
    )


def _draft(body: CertificateCreate) -> rules.Draft:
    container = _container(body)
    return rules.Draft(
        exporting_country=body.exporting_country,
        importing_country=body.importing_country,
        exporter_name=body.exporter.name,
        exporter_address=body.exporter.address,
        importer_name=body.importer.name,
        importer_address=body.importer.address,
        parcel_count=body.parcel_count,
        lines=tuple(
            rules.DraftLine(
                line.hs_code,
                line.origin,
                line.carats,
                line.value_usd,
                line.departed_origin_on,
                (line.classification_note or "").strip() or None,
            )
            for line in body.lines
        ),
        expires_on=body.expires_on,
        export_dossier=body.export_dossier,
        container=rules.DraftContainer(
            container.description,
            container.seal_numbers,
            container.transparent_security_bags,
            container.number_on_container,
        )
        if container is not None
        else None,
        transit=tuple(body.transit),
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
        origins=_origins(snapshot, body, today),
        transit=_transit(snapshot, body.transit, today),
    )
    if body.export_dossier is not None:
        # The dossier stands in for the restricted regime's refusal; its own rules decide.
        problems = [problem for problem in problems if problem.rule != "restricted-exporter"]
        draft = dossiers.CertificateDraft(
            exporter=exporter.code,
            lines=tuple(
                DossierLine(line.hs_code, line.origin, line.carats, line.value_usd) for line in body.lines
            ),
            parcel_count=body.parcel_count,
        )
        problems += [
            rules.Problem("export_dossier", "export-dossier", message)
            for message in dossiers.certificate_problems(session, body.export_dossier, draft, today)
        ]
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
        topology(uow.session, snapshot.revision).require_served_here(exporter.code, "issuing")
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
            CredentialLine(line.hs_code, line.origin, line.carats, line.value_usd, line.departed_origin_on)
            for line in body.lines
        )
        optional = _optional_elements(body)
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
            optional=optional,
        )
        forget_after(uow.session, exporter.code, today)  # a clock set back: later days' samples go
        findings = valuation_findings(uow.session, exporter.code, lines, today)
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
            warnings=[finding.as_json() for finding in findings],
            container=optional.container.as_json() if optional.container else None,
            transit_participants=list(optional.transit) or None,
            quality_characteristics=optional.quality_characteristics,
            additional_information=optional.additional_information,
            lines=[
                CertificateLine(
                    position=i,
                    hs_code=line.hs_code,
                    origin=line.origin,
                    carats=line.carats,
                    value_usd=line.value_usd,
                    departed_origin_on=line.departed_origin_on,
                    classification_note=(given.classification_note or "").strip() or None,
                )
                for i, (line, given) in enumerate(zip(lines, body.lines, strict=True))
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
        # A restricted exporter's dossier is claimed just before the write (one conditional
        # update: of two issues racing on it, one wins), and given back if the write fails.
        if body.export_dossier is not None and not dossiers.claim_for_certificate(
            uow.session, principal, clock, body.export_dossier, number
        ):
            raise ShipmentRefused(
                [
                    rules.Problem(
                        "export_dossier", "export-dossier", "another certificate took the dossier first"
                    )
                ]
            )
        try:
            store.write_issued(uow.session, certificate, event)
            # Last, so the log's lock is held only for the append: the certificate, its log
            # entry and its pre-notification commit together or not at all, even if the
            # process dies in between (kpcs.wiring says who takes the event).
            events.publish(uow.session, clock, CertificateIssued(certificate, snapshot.revision))
            uow.commit()
        except Exception:
            if body.export_dossier is not None:
                uow.session.rollback()
                dossiers.release_claim(uow.session, body.export_dossier, number)
            raise
        return public_certificate(certificate, today)


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
        topology(uow.session).require_served_here(certificate.importing_participant, "confirming an import")
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
        seals = {seal.number: seal.intact for seal in body.seals} if body.seals is not None else None
        _refuse(rules.return_slip_problems(body.hs_codes_received, [s.number for s in body.seals or ()]))
        hs_codes_received = None if body.hs_codes_received is None else sorted(set(body.hs_codes_received))
        found = rules.discrepancies(
            carats=certificate.total_carats,
            value_usd=certificate.total_value_usd,
            parcels=certificate.parcel_count,
            carats_received=body.carats_received,
            value_usd_received=body.value_usd_received,
            parcels_received=body.parcels_received,
            hs_codes=[line.hs_code for line in certificate.lines],
            hs_codes_received=hs_codes_received,
            seal_numbers=(certificate.container or {}).get("seal_numbers") or [],
            seals_received=seals,
        )
        certificate.confirmation = ImportConfirmation(
            received_on=body.received_on,
            carats_received=body.carats_received,
            value_usd_received=body.value_usd_received,
            parcels_received=body.parcels_received,
            hs_codes_received=hs_codes_received,
            seals=[{"number": seal.number, "intact": seal.intact} for seal in body.seals]
            if body.seals is not None
            else None,
            discrepancies=found,
            note=(body.note or "").strip() or None,
            confirmed_at=clock.now(),
            confirmed_by=principal.actor,
        )
        certificate.status = CertificateStatus.CONFIRMED
        events.publish(uow.session, clock, ImportConfirmed(certificate))
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.CERTIFICATE_IMPORT_CONFIRMED,
            object_type="certificate",
            object_id=certificate.number,
            before={"status": "issued"},
            after={
                "status": "confirmed",
                "received_on": body.received_on,
                "hs_codes_received": hs_codes_received,
                "seals": certificate.confirmation.seals,
                "discrepancies": found,
            },
            note=(
                "differences from the certificate: "
                + ", ".join(f"{d['field']} {d['certificate']} → {d['received']}" for d in found)
            )
            if found
            else None,
        )
        uow.commit()
        return public_certificate(certificate, today)


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
        topology(uow.session).require_served_here(certificate.exporting_participant, "cancelling")
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
        events.publish(uow.session, clock, CertificateCancelled(certificate))
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
        return public_certificate(certificate, clock.today())


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
        return public_certificate(certificate, clock.today())
