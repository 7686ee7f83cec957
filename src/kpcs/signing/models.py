"""The signing-key table: public halves and life cycle. Private halves never enter the
database; they live in files (mode 0600) under ``KPCS_DATA_DIR/keys``, or in a hardware
security module that never lets them out (``storage``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base

# Re-exported for the callers that import them from here; they live in the pure domain module.
from kpcs.signing.domain import INSTANCE_OWNER as INSTANCE_OWNER
from kpcs.signing.domain import KeyPurpose as KeyPurpose
from kpcs.signing.domain import KeyStorage as KeyStorage


class SigningKey(Base):
    """An Ed25519 key: active (signs), retired (verifies what it signed in its window),
    or revoked (nothing it signed is trusted any more)."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        # At most one active key per purpose and owner: rotation retires the old one first.
        sa.Index(
            "uq_signing_keys_active",
            "purpose",
            "owner",
            unique=True,
            sqlite_where=sa.text("retired_at IS NULL AND revoked_at IS NULL"),
            postgresql_where=sa.text("retired_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    kid: Mapped[str] = mapped_column(sa.String(64), primary_key=True, comment="RFC 7638 JWK thumbprint")
    purpose: Mapped[KeyPurpose]
    owner: Mapped[str] = mapped_column(sa.String(16), comment="participant code, or 'kpcs' for the instance")
    public_x: Mapped[str] = mapped_column(
        sa.String(64), comment="base64url of the 32-byte Ed25519 public key"
    )
    created_at: Mapped[datetime] = mapped_column(comment="start of the validity window")
    created_by: Mapped[str] = mapped_column(sa.String(120))
    retired_at: Mapped[datetime | None] = mapped_column(comment="end of the window: no longer signs")
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(sa.String(120))
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    storage: Mapped[KeyStorage] = mapped_column(
        default=KeyStorage.FILE,
        server_default=KeyStorage.FILE.value,
        comment="where the private half lives: a key file, or a PKCS#11 token",
    )
    hsm_label: Mapped[str | None] = mapped_column(
        sa.String(64), comment="CKA_LABEL of the key pair on the PKCS#11 token (storage pkcs11 only)"
    )
