"""Tables of certificates, their lines, import confirmations, loss reports, number
serials, reminders, and the register of fraudulent certificates. The vocabulary (statuses,
reasons) lives in :mod:`kpcs.certificates.domain`, re-exported here for the tables' users."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpcs.certificates.domain import (
    CancellationReason,
    CertificateStatus,
    LossKind,
    ReminderRoute,
)
from kpcs.db import Base

__all__ = [
    "CancellationReason",
    "Certificate",
    "CertificateLine",
    "CertificateSerial",
    "CertificateStatus",
    "ConfirmationReminder",
    "FraudReport",
    "ImportConfirmation",
    "LossKind",
    "LossReport",
    "ReminderRoute",
]

Carats = sa.Numeric(16, 2)
Money = sa.Numeric(18, 2)


class Certificate(Base):
    """A KP certificate issued in kpcs: the record behind a signed credential."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.Index("ix_certificates_exporting_issued", "exporting_participant", "issued_on"),
        sa.Index("ix_certificates_importing_issued", "importing_participant", "issued_on"),
        # The statistics read a year of the whole world's certificates.
        sa.Index("ix_certificates_issued_on", "issued_on"),
        sa.CheckConstraint("total_carats > 0", name="positive_carats"),
        sa.CheckConstraint("total_value_usd > 0", name="positive_value"),
        sa.CheckConstraint("parcel_count >= 1", name="parcels"),
        sa.CheckConstraint("expires_on > issued_on", name="validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(
        sa.String(32), unique=True, comment="e.g. BW-2025-000001; never reused"
    )
    status: Mapped[CertificateStatus]
    exporting_participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    importing_participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    exporting_country: Mapped[str] = mapped_column(sa.String(2))
    importing_country: Mapped[str] = mapped_column(sa.String(2))
    exporter_name: Mapped[str] = mapped_column(sa.String(300))
    exporter_address: Mapped[str] = mapped_column(sa.String(600))
    importer_name: Mapped[str] = mapped_column(sa.String(300))
    importer_address: Mapped[str] = mapped_column(sa.String(600))
    parcel_count: Mapped[int]
    total_carats: Mapped[Decimal] = mapped_column(Carats)
    total_value_usd: Mapped[Decimal] = mapped_column(Money)
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    issuing_authority: Mapped[str] = mapped_column(sa.String(300), comment="authority name as printed")
    kid: Mapped[str] = mapped_column(sa.ForeignKey("signing_keys.kid"))
    credential: Mapped[str] = mapped_column(sa.Text, comment="the compact JWS, as issued")
    issued_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(sa.String(120))
    received_at: Mapped[datetime | None] = mapped_column(
        comment="when this copy arrived from the exporter's system; NULL if issued here"
    )
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[str | None] = mapped_column(sa.String(120))
    cancellation_reason: Mapped[CancellationReason | None]
    cancellation_note: Mapped[str | None] = mapped_column(sa.Text)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON,
        server_default=sa.text("'[]'"),
        comment="[{type, message}] from the expert checks at issue (they never block)",
    )
    # The optional elements of the Core Document (Annex I, B and C; Sections III(d), IV(c)):
    # NULL where the certificate does not state them, as on every certificate issued before.
    container: Mapped[dict[str, Any] | None] = mapped_column(
        sa.JSON(none_as_null=True),
        comment="{description, seal_numbers, transparent_security_bags, number_on_container}: "
        "the tamper-resistant container (Section IV(c); Annex I, C)",
    )
    transit_participants: Mapped[list[str] | None] = mapped_column(
        sa.JSON(none_as_null=True),
        comment="participant codes the shipment transits, unopened (Section III(d))",
    )
    quality_characteristics: Mapped[str | None] = mapped_column(
        sa.Text, comment="quality characteristics of the rough diamonds (Annex I, B)"
    )
    additional_information: Mapped[str | None] = mapped_column(
        sa.Text, comment="additional data printed on the certificate (Annex I, B)"
    )

    lines: Mapped[list[CertificateLine]] = relationship(
        back_populates="certificate", order_by="CertificateLine.position", cascade="all, delete-orphan"
    )
    confirmation: Mapped[ImportConfirmation | None] = relationship(back_populates="certificate")
    loss_reports: Mapped[list[LossReport]] = relationship(
        back_populates="certificate", order_by="LossReport.id"
    )
    reminders: Mapped[list[ConfirmationReminder]] = relationship(
        back_populates="certificate", order_by="ConfirmationReminder.id"
    )


class CertificateLine(Base):
    """One line of a certificate: HS code, origin, carats, value."""

    __tablename__ = "certificate_lines"
    __table_args__ = (sa.UniqueConstraint("certificate_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id", ondelete="CASCADE"))
    position: Mapped[int]
    hs_code: Mapped[str] = mapped_column(sa.String(7))
    origin: Mapped[str] = mapped_column(sa.String(5), comment="alpha-2 code or 'mixed'")
    carats: Mapped[Decimal] = mapped_column(Carats)
    value_usd: Mapped[Decimal] = mapped_column(Money)
    departed_origin_on: Mapped[date | None] = mapped_column(
        comment="the day the diamonds left their origin, as the exporter states it (origin rule)"
    )
    classification_note: Mapped[str | None] = mapped_column(
        sa.Text, comment="why the line has its HS code (e.g. a 7102.31/7102.39 question); not signed"
    )

    certificate: Mapped[Certificate] = relationship(back_populates="lines")


class ImportConfirmation(Base):
    """The return slip: the importing authority confirms receipt, once."""

    __tablename__ = "import_confirmations"
    __table_args__ = (sa.Index("ix_import_confirmations_received_on", "received_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), unique=True)
    received_on: Mapped[date]
    carats_received: Mapped[Decimal | None] = mapped_column(Carats)
    value_usd_received: Mapped[Decimal | None] = mapped_column(Money)
    parcels_received: Mapped[int | None]
    hs_codes_received: Mapped[list[str] | None] = mapped_column(
        sa.JSON(none_as_null=True),
        comment="the HS codes received (the return slip, Annex I, B); NULL: not reported",
    )
    seals: Mapped[list[dict[str, Any]] | None] = mapped_column(
        sa.JSON(none_as_null=True), comment="[{number, intact}] the seals as found; NULL: not reported"
    )
    discrepancies: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON, comment="[{field, certificate, received}] where the goods differ from the certificate"
    )
    note: Mapped[str | None] = mapped_column(sa.Text)
    confirmed_at: Mapped[datetime]
    confirmed_by: Mapped[str] = mapped_column(sa.String(120))

    certificate: Mapped[Certificate] = relationship(back_populates="confirmation")


class LossReport(Base):
    """An authority's report that a certificate was lost or stolen."""

    __tablename__ = "certificate_loss_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    kind: Mapped[LossKind]
    note: Mapped[str] = mapped_column(sa.Text)
    reporter_participant: Mapped[str | None] = mapped_column(sa.String(8))
    reported_at: Mapped[datetime]
    reported_by: Mapped[str] = mapped_column(sa.String(120))

    certificate: Mapped[Certificate] = relationship(back_populates="loss_reports")


class ConfirmationReminder(Base):
    """The exporting authority chasing a return slip: a reminder to the importing authority
    that the certificate is still unconfirmed (the import-confirmation decision asks
    exporters to follow up). Kept on both sides: the exporter's and the importer's system."""

    __tablename__ = "confirmation_reminders"
    __table_args__ = (sa.Index("ix_confirmation_reminders_certificate", "certificate_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"))
    sent_at: Mapped[datetime]
    sent_by: Mapped[str] = mapped_column(sa.String(120), comment="the actor, as the audit log names it")
    route: Mapped[ReminderRoute]
    message_id: Mapped[str | None] = mapped_column(
        sa.String(36), comment="the exchange message that carried it (sent or received)"
    )
    note: Mapped[str | None] = mapped_column(sa.Text)

    certificate: Mapped[Certificate] = relationship(back_populates="reminders")


class CertificateSerial(Base):
    """The last serial used per participant and year: numbers are handed out in order."""

    __tablename__ = "certificate_serials"

    participant_code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_serial: Mapped[int]


class FraudReport(Base):
    """A suspected forged certificate, as reported by an authority (the public register)."""

    __tablename__ = "fraud_reports"
    __table_args__ = (sa.Index("ix_fraud_reports_number_key", "number_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number_as_printed: Mapped[str] = mapped_column(sa.String(100))
    number_key: Mapped[str] = mapped_column(
        sa.String(100), comment="the number upper-cased without spaces or dashes, for lookups"
    )
    claimed_participant: Mapped[str] = mapped_column(
        sa.String(8), comment="who the forgery claims issued it (may be a non-participant)"
    )
    notes: Mapped[str] = mapped_column(sa.Text)
    evidence_name: Mapped[str | None] = mapped_column(sa.String(200))
    evidence_type: Mapped[str | None] = mapped_column(sa.String(100))
    evidence_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    evidence_size: Mapped[int | None]
    reporter_participant: Mapped[str | None] = mapped_column(sa.String(8))
    reported_at: Mapped[datetime]
    reported_by: Mapped[str] = mapped_column(sa.String(120))
