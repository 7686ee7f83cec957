"""The ports of signing: a private key that can sign, and a store that makes them.

Two stores exist: key files under ``KPCS_DATA_DIR/keys`` (:class:`kpcs.signing.keys.KeyFiles`,
the embedded default) and a PKCS#11 token (:class:`kpcs.signing.pkcs11.Pkcs11Token`). What
signs (issuing, log heads, the trust list, exchange messages) sees only :class:`PrivateKey`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kpcs.signing.domain import KeyStorage


class PrivateKey(Protocol):
    """An Ed25519 private key, wherever it lives: it signs, and that is all kpcs asks of it.

    ``cryptography``'s ``Ed25519PrivateKey`` is one; a key in a hardware module is another.
    """

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        ...


@dataclass(frozen=True)
class GeneratedKey:
    """A key pair just made by a store, before its row is in the key table."""

    x: str
    """base64url of the 32-byte public key (its thumbprint is the kid)"""
    signer: PrivateKey
    hsm_label: str | None = None
    """the key pair's label on the token, for keys made in a hardware module"""


class KeyStore(Protocol):
    """Where new private keys are made and kept."""

    storage: KeyStorage

    def generate(self) -> GeneratedKey:
        """Make a key pair and keep its private half."""
        ...

    def discard(self, key: GeneratedKey) -> None:
        """Remove a key pair whose row never committed."""
        ...
