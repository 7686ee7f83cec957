"""Signing keys: created on first need, rotated, revoked; private halves kept in files or
in a hardware security module.

By default a private key is a PKCS#8 PEM file, mode 0600, in a directory of mode 0700
under ``KPCS_DATA_DIR/keys``, named by its kid. With ``KPCS_KEY_STORE=pkcs11`` new keys are
made in a PKCS#11 token instead and never leave it (:mod:`kpcs.signing.pkcs11`); each row
says where its private half lives. The database holds only public halves and the life
cycle, so a copy of the database never yields a key that can sign.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import ConfigurationError, Conflict, KPCSError, NotFound
from kpcs.participants.snapshot import bump_revision, current_revision
from kpcs.signing.interfaces import GeneratedKey, KeyStore, PrivateKey
from kpcs.signing.jws import public_x, thumbprint
from kpcs.signing.models import KeyPurpose, KeyStorage, SigningKey
from kpcs.signing.trust_list import TrustedKey, TrustList

if TYPE_CHECKING:
    from kpcs.config import Settings
    from kpcs.signing.pkcs11 import Pkcs11Token


class KeyUnavailable(KPCSError):
    """A key's private half cannot be read (missing file, wrong permissions)."""


class KeyFiles:
    """The directory of private key files (the embedded :class:`KeyStore`)."""

    storage = KeyStorage.FILE

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def generate(self) -> GeneratedKey:
        """Make a key and write its file (named by its kid)."""
        private_key = Ed25519PrivateKey.generate()
        x = public_x(private_key)
        self.write(thumbprint(x), private_key)
        return GeneratedKey(x=x, signer=private_key)

    def discard(self, key: GeneratedKey) -> None:
        """Delete the file of a key whose row never committed."""
        self.remove(thumbprint(key.x))

    def _path(self, kid: str) -> Path:
        return self.directory / f"{kid}.pem"

    def write(self, kid: str, private_key: Ed25519PrivateKey) -> None:
        """Write the key atomically with mode 0600 (never readable by others, even briefly)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.directory.chmod(0o700)
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".new-", suffix=".pem")
        try:
            os.fchmod(descriptor, 0o600)
            os.write(descriptor, pem)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, self._path(kid))

    def read(self, kid: str) -> Ed25519PrivateKey:
        """Load the private key ``kid``."""
        path = self._path(kid)
        try:
            if path.stat().st_mode & 0o077:
                raise KeyUnavailable(f"the key file {path} is readable by other users: chmod 600 it")
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError as exc:
            raise KeyUnavailable(f"the private key {kid} is not in {self.directory}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyUnavailable(f"{path} is not an Ed25519 key")
        return key

    def remove(self, kid: str) -> None:
        """Delete a key file that never became usable."""
        self._path(kid).unlink(missing_ok=True)


@dataclass(frozen=True)
class ActiveKey:
    """The key that signs for an owner now, with its private half."""

    kid: str
    owner: str
    purpose: KeyPurpose
    private_key: PrivateKey
    x: str


def _trusted(row: SigningKey) -> TrustedKey:
    return TrustedKey(
        kid=row.kid,
        purpose=row.purpose,
        owner=row.owner,
        x=row.public_x,
        valid_from=row.created_at,
        valid_until=row.retired_at,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
    )


class KeyRing:
    """Finds (or on first need creates) the active key of an owner, and builds the trust list.

    One per process: private keys are cached by kid, and the trust list is rebuilt only when
    the key table changed (checked with one small aggregate query), so that a rotation or
    revocation made by another process takes effect at once.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        files: KeyFiles,
        clock: Clock,
        *,
        token: Pkcs11Token | None = None,
        new_keys: KeyStorage = KeyStorage.FILE,
    ) -> None:
        if new_keys is KeyStorage.PKCS11 and token is None:
            raise ConfigurationError("new keys go to a PKCS#11 token, but none is configured")
        self._session_factory = session_factory
        self.files = files
        self.token = token
        self._new_keys = new_keys
        self._clock = clock
        self._private: dict[str, PrivateKey] = {}
        self._trust: tuple[int, TrustList] | None = None
        self._active: dict[tuple[KeyPurpose, str], tuple[int, _KeyRef]] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_settings(
        cls, settings: Settings, session_factory: sessionmaker[Session], clock: Clock
    ) -> KeyRing:
        """The key ring the settings describe: key files in the data directory, and the
        PKCS#11 token when one is configured (new keys go where ``KPCS_KEY_STORE`` says)."""
        token = None
        if settings.pkcs11_module is not None:
            from kpcs.signing.pkcs11 import Pkcs11Token

            token = Pkcs11Token(settings.pkcs11_config())
        return cls(
            session_factory,
            KeyFiles(settings.data_dir / "keys"),
            clock,
            token=token,
            new_keys=settings.key_store,
        )

    @property
    def store(self) -> KeyStore:
        """Where new keys are made (``KPCS_KEY_STORE``)."""
        return self.store_for(self._new_keys)

    def store_for(self, storage: KeyStorage) -> KeyStore:
        """The key store of ``storage``; a PKCS#11 one only when a token is configured."""
        if storage is KeyStorage.FILE:
            return self.files
        if self.token is None:
            raise ConfigurationError(
                "no PKCS#11 token is configured: set KPCS_PKCS11_MODULE, KPCS_PKCS11_TOKEN and "
                "KPCS_PKCS11_PIN (or KPCS_PKCS11_PIN_FILE)"
            )
        return self.token

    def private_key(self, ref: _KeyRef) -> PrivateKey:
        """The private half of a key, from its file or its token (cached by kid)."""
        key = self._private.get(ref.kid)
        if key is not None:
            return key
        if ref.storage is KeyStorage.PKCS11:
            if self.token is None or ref.hsm_label is None:
                raise KeyUnavailable(
                    f"the key {ref.kid} lives in a PKCS#11 token, and none is configured (KPCS_PKCS11_MODULE)"
                )
            key = self.token.private_key(ref.hsm_label, expected_x=ref.x)
        else:
            key = self.files.read(ref.kid)
        self._private[ref.kid] = key
        return key

    def active(
        self,
        purpose: KeyPurpose,
        owner: str,
        *,
        actor: Principal,
        session: Session | None = None,
        revision: int | None = None,
    ) -> ActiveKey:
        """The active key of ``owner`` for ``purpose``, created if there is none yet.

        Key changes raise the registry revision, so a caller that has just read it (and
        passes it) gets the cached key when nothing changed; a rotation or revocation by
        another process is seen at once.
        """
        # Plain values are cached, never ORM rows: a row outlives its session's rollback badly.
        cached = self._active.get((purpose, owner))
        ref: _KeyRef | None
        if revision is not None and cached is not None and cached[0] == revision:
            ref = cached[1]
        else:
            row = self._find_active(purpose, owner, session)
            ref = _KeyRef.of(row) if row is not None else None
            if ref is not None and revision is not None:
                self._active[(purpose, owner)] = (revision, ref)
        if ref is None:
            ref = self._create(purpose, owner, actor=actor, session=session)
        return ActiveKey(
            kid=ref.kid, owner=owner, purpose=purpose, private_key=self.private_key(ref), x=ref.x
        )

    def _find_active(
        self, purpose: KeyPurpose, owner: str, session: Session | None = None
    ) -> SigningKey | None:
        statement = sa.select(SigningKey).where(
            SigningKey.purpose == purpose,
            SigningKey.owner == owner,
            SigningKey.retired_at.is_(None),
            SigningKey.revoked_at.is_(None),
        )
        if session is not None:
            return session.scalar(statement)
        with self._session_factory() as own:
            return own.scalar(statement)

    def _create(
        self, purpose: KeyPurpose, owner: str, *, actor: Principal, session: Session | None = None
    ) -> _KeyRef:
        """Create and commit the owner's first key, in ``session`` when given (it must hold
        nothing uncommitted), so a request never needs a second connection. Returns plain
        values read while the session is open: another thread creating the same first key
        at the same moment makes this one roll back, and a row read before that is expired."""
        if session is None:
            with UnitOfWork(self._session_factory) as uow:
                return self._create(purpose, owner, actor=actor, session=uow.session)
        try:
            row = create_key(session, self.store, self._clock, purpose, owner, actor=actor)
            session.commit()
            return _KeyRef.of(row)
        except IntegrityError:
            # Another worker created the owner's first key at the same moment; use theirs.
            session.rollback()
            found = self._find_active(purpose, owner, session)
            if found is None:
                raise
            return _KeyRef.of(found)

    def trust_list(self, session: Session | None = None) -> TrustList:
        """Every key ever used here, as a trust list (rebuilt when the registry revision moves)."""
        return self.trust_list_with_revision(session)[1]

    def cached_trust_list(self) -> tuple[int, TrustList] | None:
        """The trust list this process holds and its revision, without asking the database
        (the caller checks the revision itself, as online verification does)."""
        return self._trust

    def trust_list_with_revision(self, session: Session | None = None) -> tuple[int, TrustList]:
        """The trust list and the registry revision it reflects (in ``session`` when given)."""
        if session is None:
            with self._session_factory() as own:
                return self.trust_list_with_revision(own)
        revision = current_revision(session)
        cached = self._trust
        if cached is not None and cached[0] == revision:
            return cached
        trust = TrustList.of(_trusted(row) for row in session.scalars(sa.select(SigningKey)))
        with self._lock:
            self._trust = (revision, trust)
        return revision, trust


@dataclass(frozen=True)
class _KeyRef:
    """What the key ring caches of a key row: plain values, never the ORM row (a row
    outlives its session's rollback badly)."""

    kid: str
    x: str
    storage: KeyStorage
    hsm_label: str | None

    @classmethod
    def of(cls, row: SigningKey) -> _KeyRef:
        return cls(kid=row.kid, x=row.public_x, storage=row.storage, hsm_label=row.hsm_label)


def create_key(
    session: Session, store: KeyStore, clock: Clock, purpose: KeyPurpose, owner: str, *, actor: Principal
) -> SigningKey:
    """Generate a key in ``store`` and add its row (in the caller's transaction).

    The public half in the row is the one the store gave back (for a token: read from the
    module), so the trust list publishes exactly the key that signs.
    """
    generated = store.generate()
    kid = thumbprint(generated.x)
    row = SigningKey(
        kid=kid,
        purpose=purpose,
        owner=owner,
        public_x=generated.x,
        created_at=clock.now(),
        created_by=actor.actor,
        storage=store.storage,
        hsm_label=generated.hsm_label,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        store.discard(generated)
        raise
    bump_revision(session)
    record(
        session,
        actor=actor,
        clock=clock,
        tag=tags.KEY_CREATED,
        object_type="signing_key",
        object_id=kid,
        after={
            "purpose": purpose,
            "owner": owner,
            "storage": store.storage,
            "hsm_label": generated.hsm_label,
        },
    )
    return row


def rotate_key(
    uow: UnitOfWork, principal: Principal, clock: Clock, store: KeyStore, purpose: KeyPurpose, owner: str
) -> str:
    """Retire the owner's active key (it keeps verifying what it signed) and make a new one."""
    require(principal, Action.MANAGE_KEYS)
    with uow:
        now = clock.now()
        current = uow.session.scalar(
            sa.select(SigningKey).where(
                SigningKey.purpose == purpose,
                SigningKey.owner == owner,
                SigningKey.retired_at.is_(None),
                SigningKey.revoked_at.is_(None),
            )
        )
        if current is not None:
            current.retired_at = now
            uow.flush()
            bump_revision(uow.session)
            record(
                uow.session,
                actor=principal,
                clock=clock,
                tag=tags.KEY_RETIRED,
                object_type="signing_key",
                object_id=current.kid,
                before={"retired_at": None},
                after={"retired_at": now},
            )
        new = create_key(uow.session, store, clock, purpose, owner, actor=principal)
        uow.commit()
        return new.kid


def revoke_key(uow: UnitOfWork, principal: Principal, clock: Clock, kid: str, reason: str) -> None:
    """Revoke a key: nothing it signed verifies any more (use when it may be compromised)."""
    require(principal, Action.MANAGE_KEYS)
    if not reason.strip():
        from kpcs.errors import InvalidInput

        raise InvalidInput.field("reason", "say why the key is revoked")
    with uow:
        row = uow.session.get(SigningKey, kid)
        if row is None:
            raise NotFound(f"no signing key {kid!r}")
        if row.revoked_at is not None:
            raise Conflict(f"key {kid} was already revoked on {row.revoked_at:%Y-%m-%d}")
        now = clock.now()
        row.revoked_at = now
        row.revoked_by = principal.actor
        row.revoked_reason = reason.strip()
        if row.retired_at is None:
            row.retired_at = now  # a revoked key never signs again
        bump_revision(uow.session)
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.KEY_REVOKED,
            object_type="signing_key",
            object_id=kid,
            before={"revoked_at": None},
            after={"revoked_at": now, "reason": row.revoked_reason},
        )
        uow.commit()


@dataclass(frozen=True)
class KeyView:
    """A key as listed by ``kpcs keys list``."""

    kid: str
    purpose: str
    owner: str
    status: str
    created_at: datetime
    retired_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None
    storage: str
    hsm_label: str | None


def list_keys(session: Session, principal: Principal, *, owner: str | None = None) -> list[KeyView]:
    """Keys, newest first."""
    require(principal, Action.MANAGE_KEYS)
    stmt = sa.select(SigningKey).order_by(SigningKey.created_at.desc())
    if owner:
        stmt = stmt.where(SigningKey.owner == owner.upper() if owner != "kpcs" else SigningKey.owner == owner)
    return [
        KeyView(
            kid=row.kid,
            purpose=row.purpose.value,
            owner=row.owner,
            status=_trusted(row).status,
            created_at=row.created_at,
            retired_at=row.retired_at,
            revoked_at=row.revoked_at,
            revoked_reason=row.revoked_reason,
            storage=row.storage.value,
            hsm_label=row.hsm_label,
        )
        for row in session.scalars(stmt)
    ]


def import_keys(
    session: Session, clock: Clock, keys: list[TrustedKey], *, actor: Principal, owners: set[str]
) -> int:
    """Bring the public halves of another system's authority keys into this key table.

    Only certificate keys of ``owners`` are taken (never instance keys: each system has
    its own log and trust-list keys). Keys already here get their retirement and
    revocation updated; new keys are added, retired ones first, so that the one-active-key
    rule holds throughout. Returns how many rows changed (the revision moves if any did).
    """
    changed = 0
    wanted = [k for k in keys if k.purpose is KeyPurpose.CERTIFICATES and k.owner in owners]
    for key in sorted(wanted, key=lambda k: k.valid_until is None):
        row = session.get(SigningKey, key.kid)
        if row is None:
            if key.valid_until is None:
                _retire_others(session, clock, key.owner, actor=actor, at=key.valid_from)
            session.add(
                SigningKey(
                    kid=key.kid,
                    purpose=key.purpose,
                    owner=key.owner,
                    public_x=key.x,
                    created_at=key.valid_from,
                    created_by=actor.actor,
                    retired_at=key.valid_until,
                    revoked_at=key.revoked_at,
                    revoked_by=actor.actor if key.revoked_at else None,
                    revoked_reason=key.revoked_reason,
                )
            )
            session.flush()
            record(
                session,
                actor=actor,
                clock=clock,
                tag=tags.KEY_IMPORTED,
                object_type="signing_key",
                object_id=key.kid,
                after={"owner": key.owner, "status": key.status},
            )
            changed += 1
        elif row.public_x == key.x:
            # Retirement and revocation only ever move forward; anything else is no change
            # (and must not move the revision, or hub and node would resend keys forever).
            retired = row.retired_at or key.valid_until
            revoked = row.revoked_at or key.revoked_at
            if (retired, revoked) == (row.retired_at, row.revoked_at):
                continue
            before = {"retired_at": row.retired_at, "revoked_at": row.revoked_at}
            row.retired_at = retired
            if row.revoked_at is None and key.revoked_at is not None:
                row.revoked_at, row.revoked_by, row.revoked_reason = revoked, actor.actor, key.revoked_reason
            session.flush()
            record(
                session,
                actor=actor,
                clock=clock,
                tag=tags.KEY_IMPORTED,
                object_type="signing_key",
                object_id=key.kid,
                before=before,
                after={"retired_at": row.retired_at, "revoked_at": row.revoked_at},
            )
            changed += 1
    if changed:
        bump_revision(session)
    return changed


def _retire_others(session: Session, clock: Clock, owner: str, *, actor: Principal, at: datetime) -> None:
    """Retire ``owner``'s active certificate key here: a newer key, made elsewhere, signs now."""
    for row in session.scalars(
        sa.select(SigningKey).where(
            SigningKey.purpose == KeyPurpose.CERTIFICATES,
            SigningKey.owner == owner,
            SigningKey.retired_at.is_(None),
            SigningKey.revoked_at.is_(None),
        )
    ):
        row.retired_at = max(at, row.created_at)
        record(
            session,
            actor=actor,
            clock=clock,
            tag=tags.KEY_RETIRED,
            object_type="signing_key",
            object_id=row.kid,
            before={"retired_at": None},
            after={"retired_at": row.retired_at},
            note="a key made on the participant's own node signs from now on",
        )
    session.flush()
