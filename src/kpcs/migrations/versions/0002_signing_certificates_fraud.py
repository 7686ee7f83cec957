"""signing keys, certificates, confirmations, fraud register

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:45:45.969757
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "certificate_serials",
        sa.Column("participant_code", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("participant_code", "year", name=op.f("pk_certificate_serials")),
    )
    op.create_table(
        "fraud_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number_as_printed", sa.String(length=100), nullable=False),
        sa.Column(
            "number_key",
            sa.String(length=100),
            nullable=False,
            comment="the number upper-cased without spaces or dashes, for lookups",
        ),
        sa.Column(
            "claimed_participant",
            sa.String(length=8),
            nullable=False,
            comment="who the forgery claims issued it (may be a non-participant)",
        ),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("evidence_name", sa.String(length=200), nullable=True),
        sa.Column("evidence_type", sa.String(length=100), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("evidence_size", sa.Integer(), nullable=True),
        sa.Column("reporter_participant", sa.String(length=8), nullable=True),
        sa.Column("reported_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_reports")),
    )
    with op.batch_alter_table("fraud_reports", schema=None) as batch_op:
        batch_op.create_index("ix_fraud_reports_number_key", ["number_key"], unique=False)

    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False, comment="RFC 7638 JWK thumbprint"),
        sa.Column(
            "purpose",
            sa.Enum("certificates", "log", "trust-list", name="keypurpose", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "owner",
            sa.String(length=16),
            nullable=False,
            comment="participant code, or 'kpcs' for the instance",
        ),
        sa.Column(
            "public_x",
            sa.String(length=64),
            nullable=False,
            comment="base64url of the 32-byte Ed25519 public key",
        ),
        sa.Column(
            "created_at",
            kpcs.db.UTCDateTime(timezone=True),
            nullable=False,
            comment="start of the validity window",
        ),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column(
            "retired_at",
            kpcs.db.UTCDateTime(timezone=True),
            nullable=True,
            comment="end of the window: no longer signs",
        ),
        sa.Column("revoked_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=120), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_signing_keys")),
    )
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.create_index(
            "uq_signing_keys_active",
            ["purpose", "owner"],
            unique=True,
            sqlite_where=sa.text("retired_at IS NULL AND revoked_at IS NULL"),
            postgresql_where=sa.text("retired_at IS NULL AND revoked_at IS NULL"),
        )

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "number", sa.String(length=32), nullable=False, comment="e.g. BW-2025-000001; never reused"
        ),
        sa.Column(
            "status",
            sa.Enum(
                "issued", "confirmed", "cancelled", name="certificatestatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("exporting_participant", sa.String(length=8), nullable=False),
        sa.Column("importing_participant", sa.String(length=8), nullable=False),
        sa.Column("exporting_country", sa.String(length=2), nullable=False),
        sa.Column("importing_country", sa.String(length=2), nullable=False),
        sa.Column("exporter_name", sa.String(length=300), nullable=False),
        sa.Column("exporter_address", sa.String(length=600), nullable=False),
        sa.Column("importer_name", sa.String(length=300), nullable=False),
        sa.Column("importer_address", sa.String(length=600), nullable=False),
        sa.Column("parcel_count", sa.Integer(), nullable=False),
        sa.Column("total_carats", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("total_value_usd", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column(
            "issuing_authority", sa.String(length=300), nullable=False, comment="authority name as printed"
        ),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("credential", sa.Text(), nullable=False, comment="the compact JWS, as issued"),
        sa.Column("issued_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=120), nullable=False),
        sa.Column("cancelled_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.String(length=120), nullable=True),
        sa.Column(
            "cancellation_reason",
            sa.Enum(
                "printing_error",
                "transposition_error",
                "shipment_withdrawn",
                "shipment_returned",
                "lost_in_transit",
                "other",
                name="cancellationreason",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("cancellation_note", sa.Text(), nullable=True),
        sa.CheckConstraint("expires_on > issued_on", name=op.f("ck_certificates_validity")),
        sa.CheckConstraint("parcel_count >= 1", name=op.f("ck_certificates_parcels")),
        sa.CheckConstraint("total_carats > 0", name=op.f("ck_certificates_positive_carats")),
        sa.CheckConstraint("total_value_usd > 0", name=op.f("ck_certificates_positive_value")),
        sa.ForeignKeyConstraint(
            ["exporting_participant"],
            ["participants.code"],
            name=op.f("fk_certificates_exporting_participant_participants"),
        ),
        sa.ForeignKeyConstraint(
            ["importing_participant"],
            ["participants.code"],
            name=op.f("fk_certificates_importing_participant_participants"),
        ),
        sa.ForeignKeyConstraint(["kid"], ["signing_keys.kid"], name=op.f("fk_certificates_kid_signing_keys")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certificates_exporting_issued", ["exporting_participant", "issued_on"], unique=False
        )
        batch_op.create_index(
            "ix_certificates_importing_issued", ["importing_participant", "issued_on"], unique=False
        )

    op.create_table(
        "certificate_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("hs_code", sa.String(length=7), nullable=False),
        sa.Column("origin", sa.String(length=5), nullable=False, comment="alpha-2 code or 'mixed'"),
        sa.Column("carats", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("value_usd", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_lines_certificate_id_certificates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_lines")),
        sa.UniqueConstraint(
            "certificate_id", "position", name=op.f("uq_certificate_lines_certificate_id_position")
        ),
    )
    op.create_table(
        "certificate_loss_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum("lost", "stolen", name="losskind", native_enum=False, length=32), nullable=False
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reporter_participant", sa.String(length=8), nullable=True),
        sa.Column("reported_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_certificate_loss_reports_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_loss_reports")),
    )
    with op.batch_alter_table("certificate_loss_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_loss_reports_certificate_id"), ["certificate_id"], unique=False
        )

    op.create_table(
        "import_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("carats_received", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("value_usd_received", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("parcels_received", sa.Integer(), nullable=True),
        sa.Column(
            "discrepancies",
            sa.JSON(),
            nullable=False,
            comment="[{field, certificate, received}] where the goods differ from the certificate",
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("confirmed_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_import_confirmations_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_confirmations")),
        sa.UniqueConstraint("certificate_id", name=op.f("uq_import_confirmations_certificate_id")),
    )


def downgrade() -> None:
    """Undo this revision."""
    op.drop_table("import_confirmations")
    with op.batch_alter_table("certificate_loss_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_loss_reports_certificate_id"))

    op.drop_table("certificate_loss_reports")
    op.drop_table("certificate_lines")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_certificates_importing_issued")
        batch_op.drop_index("ix_certificates_exporting_issued")

    op.drop_table("certificates")
    with op.batch_alter_table("signing_keys", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_signing_keys_active",
            sqlite_where=sa.text("retired_at IS NULL AND revoked_at IS NULL"),
            postgresql_where=sa.text("retired_at IS NULL AND revoked_at IS NULL"),
        )

    op.drop_table("signing_keys")
    with op.batch_alter_table("fraud_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_fraud_reports_number_key")

    op.drop_table("fraud_reports")
    op.drop_table("certificate_serials")
