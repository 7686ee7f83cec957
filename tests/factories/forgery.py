"""Forgeries an attacker with a real key makes: a genuine credential re-signed, with the
authority's real private key read from its key file, under a number never issued."""

from __future__ import annotations

import json
from pathlib import Path

from kpcs.certificates.credential import JWS_TYPE
from kpcs.signing.jws import b64url_decode, sign_compact
from kpcs.signing.keys import KeyFiles


def resign_as(credential: str, key_directory: Path, *, number: str, **subject: object) -> str:
    """``credential`` with its number changed to ``number`` (and any ``subject`` fields),
    signed again with the issuing authority's real key (what a stolen key, or an
    off-the-books issue, produces)."""
    header_b64, payload_b64, _ = credential.split(".")
    kid = str(json.loads(b64url_decode(header_b64))["kid"])
    payload = json.loads(b64url_decode(payload_b64))
    payload["id"] = f"urn:kpcs:certificate:{number}"
    payload["credentialSubject"] |= {"number": number, **subject}
    return sign_compact(payload, private_key=KeyFiles(key_directory).read(kid), kid=kid, typ=JWS_TYPE)
