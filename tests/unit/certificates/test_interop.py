"""A credential issued by kpcs verifies with independent, standard JOSE libraries (PyJWT and
joserfc), using nothing but the published trust list (``GET /api/v1/trust-list``)."""

from __future__ import annotations

import base64
import json
import warnings
import zlib
from typing import Any

import base45
import jwt
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient
from joserfc import jwk as jose_jwk
from joserfc import jws as jose_jws
from joserfc.errors import BadSignatureError, JoseError, SecurityWarning

from kpcs.certificates.qr import QR_PREFIX, encode_qr_text

VC_V2 = "https://www.w3.org/ns/credentials/v2"


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def issued(issue, client: TestClient) -> tuple[list[Any], dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Two certificates from two participants' authorities, and the published trust list as
    a client gets it (parsed from the response text, nothing else)."""
    certificates = [issue(), issue(exporting_country="BE", importing_country="IN")]
    response = client.get("/api/v1/trust-list")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return certificates, json.loads(response.text)


def _kids(jwks: dict[str, Any]) -> set[str]:
    return {key["kid"] for key in jwks["keys"]}


def _check_payload(payload: dict[str, Any], number: str) -> None:
    assert payload["@context"][0] == VC_V2
    assert "VerifiableCredential" in payload["type"]
    assert payload["credentialSubject"]["number"] == number
    assert (
        payload["issuer"]["id"]
        == f"urn:kpcs:participant:{payload['credentialSubject']['issuing_participant']}"
    )
    assert number.startswith(payload["credentialSubject"]["issuing_participant"] + "-")


def test_published_trust_list_is_a_jwks_with_the_contract_members(issued) -> None:  # type: ignore[no-untyped-def]
    certificates, jwks = issued
    assert isinstance(jwks["keys"], list) and jwks["keys"]
    for key in jwks["keys"]:
        assert {"kid", "kty", "crv", "x", "participant"} <= set(key)
        assert key["kty"] == "OKP" and key["crv"] == "Ed25519"
        assert len(_b64url_decode(key["x"])) == 32
    participants = {key["participant"] for key in jwks["keys"]}
    assert {"BW", "EU"} <= participants
    assert [c.number[:3] for c in certificates] == ["BW-", "EU-"]


def test_kids_are_rfc_7638_thumbprints_by_joserfc(issued) -> None:  # type: ignore[no-untyped-def]
    _, jwks = issued
    for key in jwks["keys"]:
        required = {member: key[member] for member in ("crv", "kty", "x")}
        assert jose_jwk.thumbprint(required) == key["kid"]
        assert jose_jwk.OKPKey.import_key(key).thumbprint() == key["kid"]


def test_header_names_a_published_key(issued) -> None:  # type: ignore[no-untyped-def]
    certificates, jwks = issued
    for certificate in certificates:
        header = jwt.get_unverified_header(certificate.credential)
        assert header["alg"] == "EdDSA"
        assert header["typ"] == "vc+jwt"
        assert header["kid"] in _kids(jwks)
        published = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
        assert published["participant"] == certificate.number.split("-")[0]


def test_pyjwt_verifies_with_the_trust_list_alone(issued) -> None:  # type: ignore[no-untyped-def]
    certificates, jwks = issued
    key_set = jwt.PyJWKSet.from_dict(jwks)
    for certificate in certificates:
        header = jwt.get_unverified_header(certificate.credential)
        key = key_set[header["kid"]]
        payload = jwt.decode(
            certificate.credential,
            key=key,
            algorithms=["EdDSA"],
            options={"require": [], "verify_aud": False, "verify_exp": False},
        )
        _check_payload(payload, certificate.number)
        # Same again with a single PyJWK built from the published JSON of that key.
        single = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == header["kid"]))
        complete = jwt.api_jws.decode_complete(certificate.credential, key=single, algorithms=["EdDSA"])
        assert complete["header"] == header
        assert json.loads(complete["payload"]) == payload


def test_pyjwt_refuses_a_changed_credential_and_another_participants_key(issued) -> None:  # type: ignore[no-untyped-def]
    (bw, eu), jwks = issued
    key_set = jwt.PyJWKSet.from_dict(jwks)
    bw_kid = jwt.get_unverified_header(bw.credential)["kid"]
    eu_kid = jwt.get_unverified_header(eu.credential)["kid"]
    header_b64, payload_b64, signature_b64 = bw.credential.split(".")
    payload = json.loads(_b64url_decode(payload_b64))
    payload["credentialSubject"]["parcel_count"] += 1
    altered_b64 = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{header_b64}.{altered_b64}.{signature_b64}", key=key_set[bw_kid], algorithms=["EdDSA"])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(bw.credential, key=key_set[eu_kid], algorithms=["EdDSA"])


def test_joserfc_verifies_with_the_trust_list_alone(issued) -> None:  # type: ignore[no-untyped-def]
    certificates, jwks = issued
    with warnings.catch_warnings():
        # joserfc warns that RFC 9864 deprecates the name "EdDSA"; the contract fixes it.
        warnings.simplefilter("ignore", SecurityWarning)
        key_set = jose_jwk.KeySet.import_key_set(jwks)
        for certificate in certificates:
            verified = jose_jws.deserialize_compact(certificate.credential, key_set, algorithms=["EdDSA"])
            header = verified.headers()
            assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
            assert header["kid"] in _kids(jwks)
            _check_payload(json.loads(verified.payload), certificate.number)


def test_joserfc_refuses_a_changed_credential(issued) -> None:  # type: ignore[no-untyped-def]
    (bw, _), jwks = issued
    header_b64, payload_b64, signature_b64 = bw.credential.split(".")
    position = len(payload_b64) // 2
    swapped = "A" if payload_b64[position] != "A" else "B"
    altered = f"{header_b64}.{payload_b64[:position]}{swapped}{payload_b64[position + 1 :]}.{signature_b64}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        key_set = jose_jwk.KeySet.import_key_set(jwks)
        with pytest.raises((BadSignatureError, JoseError, ValueError)):
            jose_jws.deserialize_compact(altered, key_set, algorithms=["EdDSA"])
        # And the published key refuses to be used with any other algorithm.
        with pytest.raises(JoseError):
            jose_jws.deserialize_compact(bw.credential, key_set, algorithms=["HS256"])


def test_raw_ed25519_check_with_the_published_x(issued) -> None:  # type: ignore[no-untyped-def]
    certificates, jwks = issued
    by_kid = {key["kid"]: key for key in jwks["keys"]}
    for certificate in certificates:
        header_b64, payload_b64, signature_b64 = certificate.credential.split(".")
        kid = json.loads(_b64url_decode(header_b64))["kid"]
        public = Ed25519PublicKey.from_public_bytes(_b64url_decode(by_kid[kid]["x"]))
        public.verify(_b64url_decode(signature_b64), f"{header_b64}.{payload_b64}".encode("ascii"))
        with pytest.raises(InvalidSignature):
            public.verify(_b64url_decode(signature_b64), f"{header_b64}.{payload_b64}x".encode("ascii"))


def test_qr_text_decodes_with_standard_base45_and_zlib(issued) -> None:  # type: ignore[no-untyped-def]
    certificates, _ = issued
    for certificate in certificates:
        text = encode_qr_text(certificate.credential)
        if text.startswith(QR_PREFIX):
            carried = zlib.decompress(base45.b45decode(text[len(QR_PREFIX) :])).decode("ascii")
        else:
            carried = text
        assert carried == certificate.credential
