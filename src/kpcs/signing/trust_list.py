"""The trust list: every public key a verifier may accept, with its validity window.

Pure values (no database): the web app builds one from the signing-key table, and an
offline verifier rebuilds one from a saved JWKS or signed copy. Retired keys stay in the
list so that what they signed in their window still verifies; revoked keys stay too,
marked, so that an offline verifier knows to reject what they signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from nacl.signing import VerifyKey

from kpcs.signing.domain import KeyPurpose
from kpcs.signing.jws import (
    MalformedToken,
    b64url_decode,
    header_problems,
    parse_compact,
    sign_compact,
    signature_valid,
    thumbprint,
)

SIGNED_TRUST_LIST_TYPE = "kpcs-trust-list+jwt"

# Clocks of issuers and verifiers disagree a little; a credential stamped a few minutes
# outside its key's window is still accepted.
CLOCK_SKEW_SECONDS = 300


@dataclass(frozen=True)
class TrustedKey:
    """One public key of the trust list."""

    kid: str
    purpose: KeyPurpose
    owner: str
    x: str
    valid_from: datetime
    valid_until: datetime | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    @cached_property
    def verify_key(self) -> VerifyKey:
        """The key, ready to verify (built once)."""
        return VerifyKey(b64url_decode(self.x))

    @property
    def participant(self) -> str | None:
        """The participant whose authority holds the key (None for instance keys)."""
        return self.owner if self.purpose is KeyPurpose.CERTIFICATES else None

    @property
    def status(self) -> str:
        """``active``, ``retired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        return "retired" if self.valid_until is not None else "active"

    def window_problem(self, signed_at: datetime) -> str | None:
        """Why ``signed_at`` falls outside this key's validity window, if it does."""
        if (self.valid_from - signed_at).total_seconds() > CLOCK_SKEW_SECONDS:
            return f"signed on {signed_at:%Y-%m-%d}, before its key existed ({self.valid_from:%Y-%m-%d})"
        if (
            self.valid_until is not None
            and (signed_at - self.valid_until).total_seconds() > CLOCK_SKEW_SECONDS
        ):
            return (
                f"signed on {signed_at:%Y-%m-%d} with a key that was retired on {self.valid_until:%Y-%m-%d}"
            )
        return None

    def to_jwk(self) -> dict[str, Any]:
        """The public JWK (RFC 7517/8037) with kpcs's members."""
        jwk: dict[str, Any] = {
            "kid": self.kid,
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.x,
            "alg": "EdDSA",
            "use": "sig",
            "participant": self.participant,
            "purpose": self.purpose.value,
            "status": self.status,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }
        if self.revoked_at is not None:
            jwk["revoked_at"] = self.revoked_at.isoformat()
            jwk["revoked_reason"] = self.revoked_reason
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> TrustedKey:
        """Read a JWK written by :meth:`to_jwk`; checks that the kid is the key's thumbprint."""
        try:
            if jwk["kty"] != "OKP" or jwk["crv"] != "Ed25519":
                raise ValueError("only Ed25519 keys are trusted")
            x = str(jwk["x"])
            if len(b64url_decode(x)) != 32:
                raise ValueError("an Ed25519 public key is 32 bytes")
            kid = str(jwk["kid"])
            if kid != thumbprint(x):
                raise ValueError(f"kid {kid!r} is not the key's RFC 7638 thumbprint")
            purpose = KeyPurpose(jwk.get("purpose", KeyPurpose.CERTIFICATES.value))
            owner = jwk.get("participant") if purpose is KeyPurpose.CERTIFICATES else "kpcs"
            if not owner:
                raise ValueError("a certificate key names its participant")
            return cls(
                kid=kid,
                purpose=purpose,
                owner=str(owner),
                x=x,
                valid_from=datetime.fromisoformat(jwk["valid_from"]),
                valid_until=datetime.fromisoformat(jwk["valid_until"]) if jwk.get("valid_until") else None,
                revoked_at=datetime.fromisoformat(jwk["revoked_at"]) if jwk.get("revoked_at") else None,
                revoked_reason=jwk.get("revoked_reason"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedToken(f"unusable key in the trust list: {exc}") from exc


@dataclass(frozen=True)
class TrustList:
    """Keys by kid."""

    keys: Mapping[str, TrustedKey] = field(default_factory=dict)

    @classmethod
    def of(cls, keys: Iterable[TrustedKey]) -> TrustList:
        """A trust list of ``keys``."""
        return cls({key.kid: key for key in keys})

    def get(self, kid: str) -> TrustedKey | None:
        """The key named ``kid``, if trusted."""
        return self.keys.get(kid)

    def to_jwks(self) -> dict[str, Any]:
        """The JWKS of ``GET /trust-list``: every key, oldest first."""
        ordered = sorted(self.keys.values(), key=lambda k: (k.valid_from, k.kid))
        return {"keys": [key.to_jwk() for key in ordered]}

    @classmethod
    def from_jwks(cls, jwks: Mapping[str, Any]) -> TrustList:
        """Rebuild from a JWKS written by :meth:`to_jwks`."""
        keys = jwks.get("keys")
        if not isinstance(keys, list):
            raise MalformedToken("a trust list is a JSON object with a 'keys' array")
        return cls.of(TrustedKey.from_jwk(jwk) for jwk in keys)


def sign_trust_list(
    trust_list: TrustList, *, signer: TrustedKey, private_key: Any, issued_at: datetime, issuer: str
) -> str:
    """A dated copy of the trust list, signed by the instance's trust-list key.

    The signer's public JWK travels in the header so the file is self-contained; an
    offline verifier pins its kid (thumbprint) once, out of band.
    """
    payload = {"issuer": issuer, "issued_at": issued_at.isoformat(), **trust_list.to_jwks()}
    public = {"kty": "OKP", "crv": "Ed25519", "x": signer.x}
    return sign_compact(
        payload,
        private_key=private_key,
        kid=signer.kid,
        typ=SIGNED_TRUST_LIST_TYPE,
        extra_header={"jwk": public},
    )


@dataclass(frozen=True)
class SignedTrustList:
    """A verified signed trust list."""

    trust_list: TrustList
    issued_at: datetime
    issuer: str
    signer_kid: str


def open_signed_trust_list(token: str, *, pinned_kid: str | None = None) -> SignedTrustList:
    """Verify a signed trust list and return its keys.

    Raises :class:`MalformedToken` if it is not one, its signature fails, or its signer is
    not the pinned key (when one is given).
    """
    parsed = parse_compact(token)
    problems = header_problems(parsed.header, expected_typ=SIGNED_TRUST_LIST_TYPE)
    jwk = parsed.header.get("jwk")
    if problems or not isinstance(jwk, dict) or not isinstance(jwk.get("x"), str):
        raise MalformedToken("not a signed kpcs trust list: " + "; ".join(problems or ["no signer key"]))
    kid = thumbprint(jwk["x"])
    if kid != parsed.header["kid"]:
        raise MalformedToken("the trust list's signer key does not match its kid")
    if pinned_kid is not None and kid != pinned_kid:
        raise MalformedToken(f"the trust list is signed by {kid}, not by the pinned key {pinned_kid}")
    if not signature_valid(parsed, VerifyKey(b64url_decode(jwk["x"]))):
        raise MalformedToken("the trust list's signature does not verify: the file was changed")
    payload = parsed.payload()
    return SignedTrustList(
        trust_list=TrustList.from_jwks(payload),
        issued_at=datetime.fromisoformat(str(payload.get("issued_at"))),
        issuer=str(payload.get("issuer", "")),
        signer_kid=kid,
    )
