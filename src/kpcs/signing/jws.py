"""Compact JWS (RFC 7515) with EdDSA over Ed25519 (RFC 8037), signed and verified strictly.

Signing goes through joserfc, a maintained JOSE library. Verification is a short strict
parser over libsodium (PyNaCl), for two reasons: it must refuse everything but one
algorithm before looking at anything else (``alg: none``, HMAC with the public key as
secret, ``crit``, unknown header members), and it sits on the hot path of every border
check, where libsodium's detached verify (:mod:`kpcs.signing.ed25519`) is about twice as
fast as the OpenSSL path. Interoperability is proven by tests that verify our tokens with
two independent JOSE libraries.
"""

from __future__ import annotations

import base64
import binascii
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import orjson
import pybase64
from nacl.signing import VerifyKey

from kpcs.errors import InvalidInput
from kpcs.signing import ed25519

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from joserfc.jwk import OKPKey

    from kpcs.signing.interfaces import PrivateKey

MAX_TOKEN_LENGTH = 16_384
"""Longest compact JWS accepted; a certificate credential is about 2 KB."""

ACCEPTED_ALGORITHMS = frozenset({"EdDSA", "Ed25519"})
"""``EdDSA`` is what kpcs writes (the contract's RFC 8037 name); ``Ed25519`` is the fully
specified name RFC 9864 introduced for the same algorithm, accepted from other issuers."""

_ALLOWED_HEADER = frozenset({"alg", "kid", "typ", "cty", "jwk"})


class MalformedToken(InvalidInput):
    """Not a compact JWS at all (wrong shape, bad encoding, too long)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.problems = []


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VALUE = {character: index for index, character in enumerate(_ALPHABET)}


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; raises ``ValueError`` on anything else.

    Strict (no '+', '/', '=', whitespace or other characters) because a lenient decoder
    lets two different strings carry the same bytes, and verification must be exact.
    """
    remainder = len(text) % 4
    if "+" in text or "/" in text or "=" in text or remainder == 1:
        raise ValueError("not base64url")
    if remainder:
        # The last character of a short group carries unused low bits; they must be zero,
        # or "AB" and "AC" would both spell the same byte and a signature could be
        # rewritten without changing what it decodes to.
        unused = 0x0F if remainder == 2 else 0x03
        if _VALUE.get(text[-1], 0) & unused:
            raise ValueError("not canonical base64url")
    try:
        # pybase64 (SIMD) decodes a credential's payload ten times faster than binascii;
        # '+', '/' and '=' were refused above, and validate=True refuses everything else.
        return pybase64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def is_base64url(text: str) -> bool:
    """True if ``text`` uses only the base64url alphabet (no padding)."""
    return all(character in _VALUE for character in text)


def public_x(private_key: Ed25519PrivateKey) -> str:
    """The base64url ``x`` member of the key's public JWK."""
    from cryptography.hazmat.primitives import serialization

    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64url_encode(raw)


def thumbprint(x: str) -> str:
    """RFC 7638 JWK thumbprint of an Ed25519 public key: the key's ``kid``."""
    import hashlib

    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


@lru_cache(maxsize=256)
def _jose_key(private_key: Ed25519PrivateKey) -> OKPKey:
    # Converting a key for joserfc (through PEM) costs more than signing with it.
    from cryptography.hazmat.primitives import serialization
    from joserfc.jwk import OKPKey

    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return OKPKey.import_key(pem)


def sign_compact(
    payload: dict[str, Any],
    *,
    private_key: PrivateKey,
    kid: str,
    typ: str,
    extra_header: dict[str, Any] | None = None,
) -> str:
    """Sign ``payload`` (as compact JSON) into a compact JWS with ``alg: EdDSA``.

    A key in memory signs through joserfc; a key that only signs (one in a hardware
    module) signs the same JWS signing input (RFC 7515 §5.1), encoded as joserfc does.
    """
    # joserfc is imported here, not at the top: who only verifies (an offline `kpcs verify`)
    # does not load it.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from joserfc import jws as jose_jws

    header = {"alg": "EdDSA", "typ": typ, "kid": kid} | (extra_header or {})
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=False).encode("utf-8")
    if not isinstance(private_key, Ed25519PrivateKey):
        protected = b64url_encode(
            json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        )
        signing_input = f"{protected}.{b64url_encode(body)}"
        return f"{signing_input}.{b64url_encode(private_key.sign(signing_input.encode('ascii')))}"
    with warnings.catch_warnings():
        # joserfc warns that RFC 9864 deprecates the name "EdDSA"; the contract fixes it.
        warnings.simplefilter("ignore")
        return jose_jws.serialize_compact(header, body, _jose_key(private_key), algorithms=["EdDSA"])


@dataclass(frozen=True)
class ParsedToken:
    """A compact JWS taken apart (nothing verified yet)."""

    header: Mapping[str, Any]
    payload_b64: str
    signing_input: bytes
    signature: bytes

    def payload(self) -> dict[str, Any]:
        """The payload as a JSON object; raises :class:`MalformedToken` if it is not one."""
        try:
            value = orjson.loads(b64url_decode(self.payload_b64))
        except (ValueError, RecursionError) as exc:  # orjson.JSONDecodeError is a ValueError
            raise MalformedToken("the credential's payload is not base64url-encoded JSON") from exc
        if not isinstance(value, dict):
            raise MalformedToken("the credential's payload is not a JSON object")
        return value


@lru_cache(maxsize=1024)
def _header(header_b64: str) -> Mapping[str, Any]:
    # Every credential of one key has the same header, so decoding it once per key keeps
    # the border check close to the speed of the signature check itself.
    try:
        header = orjson.loads(b64url_decode(header_b64))
    except (ValueError, RecursionError) as exc:  # orjson.JSONDecodeError is a ValueError
        raise MalformedToken("the credential's header is not valid base64url-encoded JSON") from exc
    if not isinstance(header, dict):
        raise MalformedToken("the credential's header is not a JSON object")
    return MappingProxyType(header)


def parse_compact(token: str) -> ParsedToken:
    """Split and decode a compact JWS, refusing malformed input with plain words."""
    if not isinstance(token, str):
        raise MalformedToken("a credential is text")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken(
            f"the credential is {len(token)} characters long; at most {MAX_TOKEN_LENGTH} are accepted"
        )
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedToken(
            f"a credential has three parts separated by dots (a compact JWS); this one has {len(parts)}"
        )
    header_b64, payload_b64, signature_b64 = parts
    if len(header_b64) > 2048:
        raise MalformedToken("the credential's header is too long")
    header = _header(header_b64)
    try:
        signature = b64url_decode(signature_b64)
    except ValueError as exc:
        raise MalformedToken("the credential's signature is not base64url") from exc
    try:
        signing_input = f"{header_b64}.{payload_b64}".encode("ascii")
    except UnicodeEncodeError as exc:
        raise MalformedToken("the credential contains characters that are not base64url") from exc
    return ParsedToken(
        header=header, payload_b64=payload_b64, signing_input=signing_input, signature=signature
    )


def header_problems(header: Mapping[str, Any], *, expected_typ: str) -> list[str]:
    """Why the header is unacceptable (empty if it is fine)."""
    problems: list[str] = []
    alg = header.get("alg")
    if alg not in ACCEPTED_ALGORITHMS:
        problems.append(
            f"the signature algorithm {alg!r} is not accepted: only EdDSA (Ed25519) signatures are"
        )
    if "crit" in header:
        problems.append("the credential demands header extensions ('crit') that kpcs does not implement")
    unknown = sorted(set(header) - _ALLOWED_HEADER - {"crit"})
    if unknown:
        problems.append(f"the credential's header has members kpcs does not accept: {', '.join(unknown)}")
    if header.get("typ") != expected_typ:
        problems.append(f"the credential's type is {header.get('typ')!r}, not {expected_typ!r}")
    if not isinstance(header.get("kid"), str) or not header.get("kid"):
        problems.append("the credential does not name its signing key ('kid')")
    return problems


def signature_valid(token: ParsedToken, verify_key: VerifyKey) -> bool:
    """True if ``token``'s Ed25519 signature verifies under ``verify_key``."""
    return ed25519.chosen()[1](bytes(verify_key), token.signing_input, token.signature)
