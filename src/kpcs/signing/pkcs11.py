"""Signing keys in a hardware security module, through PKCS#11 (python-pkcs11).

A key pair is generated on the token (``CKM_EC_EDWARDS_KEY_PAIR_GEN`` over Ed25519) with
its private half sensitive and not extractable: it never leaves the module, and kpcs only
ever asks the module to sign (``CKM_EDDSA``). The signature is an ordinary Ed25519
signature, so everything that verifies (the trust list, the border check, the log's
auditors) is the same whether the key lives in a file or in a module.

The token is opened on first use, not when the key ring is built. A PKCS#11 login belongs
to the whole process (a second ``C_Login`` fails with "already logged in"), so one
logged-in session per token is kept per process and shared by every :class:`Pkcs11Token`
on it; it is never logged out (that would log out the other users too) and ends with the
process. Sessions are not to be used by two threads at once, so every call into the
module holds the token's lock (a signature takes tens of microseconds on SoftHSM).
"""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpcs.errors import ConfigurationError
from kpcs.signing.domain import KeyStorage
from kpcs.signing.interfaces import GeneratedKey
from kpcs.signing.jws import b64url_encode

ED25519_OID = "1.3.101.112"
"""The curve of ``CKA_EC_PARAMS`` for Ed25519 keys (RFC 8410's id-Ed25519)."""


@dataclass(frozen=True)
class Pkcs11Config:
    """Where the module and token are, and how to log in (from ``KPCS_PKCS11_*``)."""

    module: Path
    token_label: str
    pin: str | None = None
    pin_file: Path | None = None

    def read_pin(self) -> str:
        """The user PIN: given directly, or the first line of the PIN file."""
        if self.pin:
            return self.pin
        if self.pin_file is None:
            raise ConfigurationError("set KPCS_PKCS11_PIN or KPCS_PKCS11_PIN_FILE to log in to the token")
        try:
            return self.pin_file.read_text().splitlines()[0].strip()
        except (OSError, IndexError) as exc:
            raise ConfigurationError(f"KPCS_PKCS11_PIN_FILE {self.pin_file} cannot be read: {exc}") from None


class Pkcs11Key:
    """A private key on the token: signs through the module, never read out of it."""

    def __init__(self, token: Pkcs11Token, handle: Any, label: str) -> None:
        self._token = token
        self._handle = handle
        self.label = label

    def sign(self, data: bytes) -> bytes:
        """The Ed25519 signature of ``data``, made inside the module."""
        import pkcs11

        with self._token.lock:
            signature: bytes = self._handle.sign(data, mechanism=pkcs11.Mechanism.EDDSA)
        return signature


_SESSIONS: dict[tuple[str, str], tuple[int, Any]] = {}
"""The process's logged-in session per (module, token label), with the pid that opened it."""

_LOCKS: dict[tuple[str, str], threading.RLock] = {}
_LOCKS_LOCK = threading.Lock()


class Pkcs11Token:
    """One PKCS#11 token holding kpcs's keys: generates, finds and signs."""

    storage = KeyStorage.PKCS11

    def __init__(self, config: Pkcs11Config) -> None:
        self.config = config
        self._key = (str(config.module), config.token_label)
        with _LOCKS_LOCK:
            self.lock = _LOCKS.setdefault(self._key, threading.RLock())

    def _open(self) -> Any:
        """The process's logged-in read-write session on the token (opened again after a fork)."""
        opened = _SESSIONS.get(self._key)
        if opened is not None and opened[0] == os.getpid():
            return opened[1]
        import pkcs11
        from pkcs11 import exceptions

        if not self.config.module.is_file():
            raise ConfigurationError(f"KPCS_PKCS11_MODULE {self.config.module} is not a file")
        try:
            library = pkcs11.lib(str(self.config.module))
            token = library.get_token(token_label=self.config.token_label)
            try:
                session = token.open(user_pin=self.config.read_pin(), rw=True)
            except exceptions.UserAlreadyLoggedIn:
                # Logged in by another library user in this process: the login is shared.
                session = token.open(rw=True)
        except exceptions.NoSuchToken:
            raise ConfigurationError(
                f"the PKCS#11 module has no token labelled {self.config.token_label!r} (KPCS_PKCS11_TOKEN)"
            ) from None
        except (exceptions.PinIncorrect, exceptions.PinInvalid, exceptions.PinLenRange):
            raise ConfigurationError(f"the PIN of token {self.config.token_label!r} is wrong") from None
        except (RuntimeError, exceptions.PKCS11Error) as exc:
            raise ConfigurationError(f"cannot open the PKCS#11 token: {type(exc).__name__} {exc}") from None
        _SESSIONS[self._key] = (os.getpid(), session)
        return session

    def generate(self) -> GeneratedKey:
        """Generate an Ed25519 key pair on the token, private half sensitive and not extractable."""
        from pkcs11 import Attribute, KeyType, Mechanism
        from pkcs11.util.ec import encode_named_curve_parameters

        label = "kpcs-" + secrets.token_hex(8)
        with self.lock:
            session = self._open()
            parameters = session.create_domain_parameters(
                KeyType.EC_EDWARDS,
                {Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)},
                local=True,
            )
            public, private = parameters.generate_keypair(
                store=True,
                label=label,
                mechanism=Mechanism.EC_EDWARDS_KEY_PAIR_GEN,
                public_template={Attribute.TOKEN: True},
                private_template={
                    Attribute.TOKEN: True,
                    Attribute.PRIVATE: True,
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.SIGN: True,
                },
            )
            x = b64url_encode(_raw_point(public[Attribute.EC_POINT]))
        return GeneratedKey(x=x, hsm_label=label, signer=Pkcs11Key(self, private, label))

    def private_key(self, label: str, *, expected_x: str) -> Pkcs11Key:
        """The private key labelled ``label``, after checking that the token's public half is
        the one the key table (and so the trust list) holds."""
        public_x = self.public_x(label)
        if public_x != expected_x:
            raise ConfigurationError(
                f"the key {label!r} on the PKCS#11 token is not the one in the key table: "
                "was the token replaced or re-initialised?"
            )
        from pkcs11 import ObjectClass

        with self.lock:
            handle = self._find(ObjectClass.PRIVATE_KEY, label)
        return Pkcs11Key(self, handle, label)

    def public_x(self, label: str) -> str:
        """The base64url public key of the key pair ``label``, read from the token."""
        from pkcs11 import Attribute, ObjectClass

        with self.lock:
            public = self._find(ObjectClass.PUBLIC_KEY, label)
            return b64url_encode(_raw_point(public[Attribute.EC_POINT]))

    def attributes(self, label: str) -> dict[str, bool]:
        """What the token says about the private key ``label`` (for checks and ``kpcs keys``)."""
        from pkcs11 import Attribute, ObjectClass

        with self.lock:
            private = self._find(ObjectClass.PRIVATE_KEY, label)
            return {
                "extractable": bool(private[Attribute.EXTRACTABLE]),
                "sensitive": bool(private[Attribute.SENSITIVE]),
                "never_extractable": bool(private[Attribute.NEVER_EXTRACTABLE]),
            }

    def discard(self, key: GeneratedKey) -> None:
        """Remove a key pair that never became usable (its row failed to commit)."""
        if key.hsm_label is None:
            return
        with self.lock:
            session = self._open()
            for found in list(session.get_objects({_label_attribute(): key.hsm_label})):
                found.destroy()

    def _find(self, object_class: Any, label: str) -> Any:
        from pkcs11 import exceptions

        session = self._open()
        try:
            return session.get_key(object_class=object_class, label=label)
        except exceptions.NoSuchKey:
            raise ConfigurationError(
                f"the PKCS#11 token {self.config.token_label!r} has no key labelled {label!r}"
            ) from None
        except exceptions.MultipleObjectsReturned:
            raise ConfigurationError(
                f"the PKCS#11 token {self.config.token_label!r} has several keys labelled {label!r}"
            ) from None


def _label_attribute() -> Any:
    from pkcs11 import Attribute

    return Attribute.LABEL


def _raw_point(ec_point: bytes) -> bytes:
    """The 32 raw bytes of an Ed25519 ``CKA_EC_POINT``: SoftHSM and most modules wrap them
    in a DER OCTET STRING (04 20 ...), some give them bare."""
    if len(ec_point) == 34 and ec_point[:2] == b"\x04\x20":
        return ec_point[2:]
    if len(ec_point) == 32:
        return ec_point
    raise ConfigurationError(f"the token gave an Ed25519 public key of {len(ec_point)} bytes")
