"""A key that only signs (as a key in a hardware module does) makes the very same JWS that
joserfc makes with the key in memory: Ed25519 is deterministic, so the bytes must agree."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kpcs.signing.jws import sign_compact


class _SignOnly:
    """Exposes nothing of the key but ``sign``, like :class:`kpcs.signing.pkcs11.Pkcs11Key`."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


def test_a_sign_only_key_makes_the_same_compact_jws_as_joserfc() -> None:
    key = Ed25519PrivateKey.generate()
    payload = {"number": "BW-2025-000001", "carats": 1520.35, "name": "Société Anonyme ½"}
    extra = {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": "abc"}}
    for header in (None, extra):
        in_memory = sign_compact(payload, private_key=key, kid="k1", typ="vc+jwt", extra_header=header)
        sign_only = sign_compact(
            payload, private_key=_SignOnly(key), kid="k1", typ="vc+jwt", extra_header=header
        )
        assert sign_only == in_memory
