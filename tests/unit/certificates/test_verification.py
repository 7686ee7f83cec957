"""Offline verification of a certificate credential: what verifies, every attack that must
not, and the trust list it rests on. Pure: keys and trust lists are built by hand."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st
from nacl.signing import VerifyKey

from kpcs.certificates.credential import (
    JWS_TYPE,
    KP_CONTEXT,
    VC_V2_CONTEXT,
    CredentialData,
    CredentialLine,
    build_payload,
    read_claims,
)
from kpcs.certificates.verification import (
    FraudNote,
    LossNote,
    RegistryFacts,
    Verification,
    apply_facts,
    verify_offline,
)
from kpcs.signing.jws import (
    MAX_TOKEN_LENGTH,
    MalformedToken,
    b64url_decode,
    b64url_encode,
    parse_compact,
    public_x,
    sign_compact,
    signature_valid,
    thumbprint,
)
from kpcs.signing.models import KeyPurpose
from kpcs.signing.trust_list import (
    TrustedKey,
    TrustList,
    open_signed_trust_list,
    sign_trust_list,
)

NOW = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

BW_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
EU_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(2, 34)))
TRUST_LIST_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(3, 35)))
ATTACKER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))


def kid_of(private_key: Ed25519PrivateKey) -> str:
    return thumbprint(public_x(private_key))


def trusted(
    private_key: Ed25519PrivateKey,
    owner: str,
    *,
    purpose: KeyPurpose = KeyPurpose.CERTIFICATES,
    valid_from: datetime = datetime(2025, 1, 1, tzinfo=UTC),
    valid_until: datetime | None = None,
    revoked_at: datetime | None = None,
    revoked_reason: str | None = None,
) -> TrustedKey:
    x = public_x(private_key)
    return TrustedKey(
        kid=thumbprint(x),
        purpose=purpose,
        owner=owner,
        x=x,
        valid_from=valid_from,
        valid_until=valid_until,
        revoked_at=revoked_at,
        revoked_reason=revoked_reason,
    )


BW_TRUSTED = trusted(BW_KEY, "BW")
EU_TRUSTED = trusted(EU_KEY, "EU")
LOG_TRUSTED = trusted(LOG_KEY, "kpcs", purpose=KeyPurpose.LOG)
TRUST = TrustList.of([BW_TRUSTED, EU_TRUSTED, LOG_TRUSTED])


def credential_data(**changes: Any) -> CredentialData:
    data = CredentialData(
        number="BW-2025-000001",
        issuing_participant="BW",
        issuing_authority="Government Diamond Valuator, Botswana",
        exporting_country="BW",
        importing_country="BE",
        importing_participant="EU",
        exporter_name="Okavango Diamond Company",
        exporter_address="Plot 63016, Gaborone, Botswana",
        importer_name="Antwerp Rough NV",
        importer_address="Hoveniersstraat 2, 2018 Antwerpen, Belgium",
        parcel_count=3,
        lines=(
            CredentialLine("7102.31", "BW", Decimal("1520.35"), Decimal("310250.00")),
            CredentialLine("7102.21", "mixed", Decimal("200.00"), Decimal("5000.50")),
        ),
        issued_on=date(2025, 3, 1),
        expires_on=date(2025, 5, 30),
        issued_at=datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
    )
    return replace(data, **changes)


def good_payload(**changes: Any) -> dict[str, Any]:
    return build_payload(credential_data(**changes))


def issue(
    payload: dict[str, Any] | None = None, *, key: Ed25519PrivateKey = BW_KEY, kid: str | None = None
) -> str:
    """A credential signed the way kpcs signs (through ``sign_compact``)."""
    return sign_compact(
        payload if payload is not None else good_payload(),
        private_key=key,
        kid=kid or kid_of(key),
        typ=JWS_TYPE,
    )


def b64json(value: Any) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":")).encode())


def forge(
    header: dict[str, Any],
    payload: dict[str, Any] | None = None,
    *,
    key: Ed25519PrivateKey | None = BW_KEY,
    signature: bytes | None = None,
) -> str:
    """A compact JWS assembled by hand: ``key`` signs (Ed25519) unless ``signature`` is given."""
    signing_input = f"{b64json(header)}.{b64json(payload if payload is not None else good_payload())}"
    if signature is None:
        assert key is not None
        signature = key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def bw_header(**changes: Any) -> dict[str, Any]:
    header: dict[str, Any] = {"alg": "EdDSA", "typ": JWS_TYPE, "kid": BW_TRUSTED.kid}
    header.update(changes)
    return {name: value for name, value in header.items() if value is not None}


def refused(result: Verification, *words: str) -> str:
    """Assert that ``result`` is a refusal whose problems say ``words``; return them joined."""
    assert isinstance(result, Verification)
    assert result.valid is False
    assert result.problems, "a refusal says why"
    assert all(isinstance(p, str) and p for p in result.problems)
    text = " | ".join(result.problems)
    for word in words:
        assert word.lower() in text.lower(), text
    return text


TOKEN = issue()


# --- what verifies ---------------------------------------------------------------------------


def test_well_formed_credential_verifies() -> None:
    result = verify_offline(TOKEN, TRUST, now=NOW)
    assert result.valid is True
    assert result.problems == ()
    assert result.number == "BW-2025-000001"
    assert result.status == "issued"
    assert result.kid == BW_TRUSTED.kid
    assert result.issuing_participant == "BW"
    assert result.signature_verified is True
    assert result.subject is not None and result.subject["number"] == "BW-2025-000001"
    body = result.as_dict()
    assert {"valid", "number", "status", "problems"} <= set(body)
    assert body["valid"] is True and body["problems"] == []


def test_credential_header_and_payload_follow_the_contract() -> None:
    parsed = parse_compact(TOKEN)
    assert parsed.header == {"alg": "EdDSA", "typ": "vc+jwt", "kid": BW_TRUSTED.kid}
    payload = parsed.payload()
    assert payload["@context"][0] == VC_V2_CONTEXT and KP_CONTEXT in payload["@context"]
    assert "VerifiableCredential" in payload["type"]
    claims = read_claims(payload)
    assert claims.number == "BW-2025-000001" and claims.issuing_participant == "BW"


def test_surrounding_whitespace_is_ignored() -> None:
    assert verify_offline(f"  {TOKEN}\n", TRUST, now=NOW).valid is True


def test_credential_signed_by_hand_verifies_too() -> None:
    # An independent Ed25519 signer (cryptography, not joserfc) gives an accepted credential.
    assert verify_offline(forge(bw_header()), TRUST, now=NOW).valid is True


def test_fully_specified_algorithm_name_is_accepted() -> None:
    # RFC 9864's "Ed25519" names the same algorithm as "EdDSA" over Ed25519.
    assert verify_offline(forge(bw_header(alg="Ed25519")), TRUST, now=NOW).valid is True


def test_retired_key_still_verifies_what_it_signed_in_its_window() -> None:
    retired = replace(BW_TRUSTED, valid_until=datetime(2025, 3, 2, tzinfo=UTC))
    assert retired.status == "retired"
    result = verify_offline(TOKEN, TrustList.of([retired]), now=NOW)
    assert result.valid is True, result.problems


def test_a_few_minutes_of_clock_skew_are_tolerated() -> None:
    issued_at = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
    early = replace(BW_TRUSTED, valid_from=issued_at + timedelta(minutes=2))
    assert verify_offline(TOKEN, TrustList.of([early]), now=NOW).valid is True
    late = replace(BW_TRUSTED, valid_until=issued_at - timedelta(minutes=2))
    assert verify_offline(TOKEN, TrustList.of([late]), now=NOW).valid is True


def test_rfc_8037_test_vectors() -> None:
    # RFC 8037 appendix A.3 (thumbprint) and A.4 (an Ed25519 signature).
    x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    assert thumbprint(x) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    token = (
        "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    )
    parsed = parse_compact(token)
    assert parsed.header == {"alg": "EdDSA"}
    assert signature_valid(parsed, VerifyKey(b64url_decode(x)))
    assert not signature_valid(parse_compact(token.replace("RXhh", "RXhi")), VerifyKey(b64url_decode(x)))


# --- attacks: every one is valid: false with a plain-words problem ----------------------------


def _expected_outcome(token: str, position: int, replacement: str) -> str:
    """'invalid', 'malformed' or 'either' for ``token`` with one character replaced."""
    if replacement not in ALPHABET:
        return "malformed"
    # A changed header can stop being JSON, and a changed last signature character can make a
    # non-canonical encoding: refusing either as malformed is as good as calling it invalid.
    # A changed payload is never even decoded before the signature check: a plain forgery.
    header_end, payload_end = token.index("."), token.rindex(".")
    return "invalid" if header_end < position < payload_end else "either"


def _check_one_change(token: str, position: int, replacement: str) -> None:
    changed = token[:position] + replacement + token[position + 1 :]
    expected = _expected_outcome(token, position, replacement)
    try:
        result = verify_offline(changed, TRUST, now=NOW)
    except MalformedToken as exc:
        assert expected in ("malformed", "either"), f"{changed!r}: {exc}"
        assert exc.message
        return
    assert expected in ("invalid", "either"), f"{changed!r} is not a compact JWS but gave {result}"
    refused(result)


@settings(max_examples=400, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=len(TOKEN) - 1),
    replacement=st.one_of(st.sampled_from(ALPHABET), st.characters(codec="utf-8")),
)
def test_every_single_changed_character_is_refused(position: int, replacement: str) -> None:
    if TOKEN[position] == replacement:
        return
    _check_one_change(TOKEN, position, replacement)


def test_every_position_changed_is_refused() -> None:
    # Deterministic sweep: each character replaced by one that differs in its high bit, so
    # the decoded bytes always change.
    for position, original in enumerate(TOKEN):
        if original == ".":
            continue
        replacement = ALPHABET[(ALPHABET.index(original) + 32) % 64]
        _check_one_change(TOKEN, position, replacement)


@pytest.mark.parametrize("replacement", [c for c in ALPHABET])
def test_last_signature_character_cannot_be_swapped(replacement: str) -> None:
    # The last base64url character of a 64-byte signature carries 2 bits of data and 4 unused
    # bits; a verifier that ignores the unused bits accepts 15 other spellings of the same
    # credential (signature malleability: "any changed byte must fail").
    if TOKEN[-1] == replacement:
        return
    _check_one_change(TOKEN, len(TOKEN) - 1, replacement)


def test_non_canonical_base64url_is_refused_by_the_decoder() -> None:
    assert b64url_decode("AA") == b"\x00"
    for spelling in ("AB", "AC", "AP"):
        with pytest.raises(ValueError):
            b64url_decode(spelling)


def test_payload_followed_by_a_newline_is_not_base64url() -> None:
    header, payload, signature = TOKEN.split(".")
    changed = f"{header}.{payload[:-1]}\n.{signature}"
    with pytest.raises(MalformedToken):
        verify_offline(changed, TRUST, now=NOW)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", ""])
def test_alg_none_with_empty_signature(alg: str) -> None:
    token = forge(bw_header(alg=alg), signature=b"")
    assert token.endswith(".")
    text = refused(verify_offline(token, TRUST, now=NOW), "algorithm")
    assert "EdDSA" in text


def test_missing_alg_is_refused() -> None:
    header = {"typ": JWS_TYPE, "kid": BW_TRUSTED.kid}
    refused(verify_offline(forge(header), TRUST, now=NOW), "algorithm")


def _hmac_token(alg: str, secret: bytes) -> str:
    header = bw_header(alg=alg)
    signing_input = f"{b64json(header)}.{b64json(good_payload())}"
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    mac = hmac.new(secret, signing_input.encode("ascii"), digest).digest()
    return f"{signing_input}.{b64url_encode(mac)}"


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
@pytest.mark.parametrize(
    "secret",
    [
        pytest.param(b64url_decode(BW_TRUSTED.x), id="raw-public-key"),
        pytest.param(BW_TRUSTED.x.encode(), id="x-string"),
        pytest.param(json.dumps(BW_TRUSTED.to_jwk()).encode(), id="jwk-json"),
    ],
)
def test_hmac_with_the_public_key_as_secret(alg: str, secret: bytes) -> None:
    text = refused(verify_offline(_hmac_token(alg, secret), TRUST, now=NOW), "algorithm")
    assert alg in text
    # A fresh check of the same token never flips to valid (no state, no caching).
    assert verify_offline(_hmac_token(alg, secret), TRUST, now=NOW).valid is False


@pytest.mark.parametrize("alg", ["RS256", "ES256", "PS256", "ES256K"])
def test_other_asymmetric_algorithms_are_refused(alg: str) -> None:
    refused(verify_offline(forge(bw_header(alg=alg)), TRUST, now=NOW), "algorithm")


def test_key_not_in_the_trust_list() -> None:
    token = issue(key=ATTACKER_KEY)
    text = refused(verify_offline(token, TRUST, now=NOW), "not in the trust list")
    assert kid_of(ATTACKER_KEY) in text


def test_empty_trust_list_trusts_nothing() -> None:
    refused(verify_offline(TOKEN, TrustList(), now=NOW), "not in the trust list")


def test_foreign_key_claiming_a_trusted_kid() -> None:
    # The attacker names BW's kid but signs with its own key.
    token = issue(key=ATTACKER_KEY, kid=BW_TRUSTED.kid)
    refused(verify_offline(token, TRUST, now=NOW), "signature")


def test_embedded_jwk_of_the_attacker_is_ignored() -> None:
    attacker_jwk = {"kty": "OKP", "crv": "Ed25519", "x": public_x(ATTACKER_KEY)}
    token = forge(bw_header(jwk=attacker_jwk), key=ATTACKER_KEY)
    refused(verify_offline(token, TRUST, now=NOW), "signature")


def test_key_of_another_participant() -> None:
    # The EU's authority key is trusted, but only for certificates the EU issues.
    token = issue(key=EU_KEY)
    result = verify_offline(token, TRUST, now=NOW)
    text = refused(result, "EU", "BW")
    assert "belongs to EU" in text


def test_key_that_does_not_sign_certificates() -> None:
    token = issue(key=LOG_KEY)
    refused(verify_offline(token, TRUST, now=NOW), "does not sign certificates")


def test_revoked_key_even_for_a_credential_signed_before_the_revocation() -> None:
    revoked = replace(
        BW_TRUSTED,
        valid_until=datetime(2025, 3, 2, tzinfo=UTC),
        revoked_at=datetime(2025, 3, 2, tzinfo=UTC),
        revoked_reason="key file copied",
    )
    assert revoked.status == "revoked"
    text = refused(verify_offline(TOKEN, TrustList.of([revoked]), now=NOW), "revoked")
    assert "2025-03-02" in text and "key file copied" in text


def test_credential_signed_after_its_key_was_retired() -> None:
    retired = replace(BW_TRUSTED, valid_until=datetime(2025, 2, 1, tzinfo=UTC))
    refused(verify_offline(TOKEN, TrustList.of([retired]), now=NOW), "retired")


def test_credential_signed_before_its_key_existed() -> None:
    future = replace(BW_TRUSTED, valid_from=datetime(2025, 3, 2, tzinfo=UTC))
    refused(verify_offline(TOKEN, TrustList.of([future]), now=NOW), "before its key existed")


def test_expired_credential() -> None:
    token = issue(good_payload(expires_on=date(2025, 3, 2)))
    result = verify_offline(token, TRUST, now=NOW)
    refused(result, "expired")
    assert result.status == "expired"
    assert result.number == "BW-2025-000001"


def test_credential_expiring_today_is_still_valid() -> None:
    token = issue(good_payload(expires_on=date(2025, 3, 3)))
    assert verify_offline(token, TRUST, now=NOW).valid is True


@pytest.mark.parametrize("typ", ["JWT", "jwt", "vc+ld+json", "application/vc+jwt", None])
def test_wrong_typ(typ: str | None) -> None:
    token = forge(bw_header(typ=typ))  # None leaves typ out
    refused(verify_offline(token, TRUST, now=NOW), "type")


def test_crit_header_is_refused() -> None:
    token = forge(bw_header(crit=["exp"], exp=1_900_000_000))
    refused(verify_offline(token, TRUST, now=NOW), "crit")


@pytest.mark.parametrize(
    "member",
    [
        {"x5u": "https://attacker.example/cert.pem"},
        {"jku": "https://attacker.example/jwks.json"},
        {"b64": False},
        {"zip": "DEF"},
        {"nonce": "whatever"},
    ],
)
def test_unknown_header_members_are_refused(member: dict[str, Any]) -> None:
    token = forge(bw_header(**member))
    refused(verify_offline(token, TRUST, now=NOW), next(iter(member)))


@pytest.mark.parametrize("kid", [None, "", 7, ["x"]])
def test_missing_or_unusable_kid(kid: Any) -> None:
    header: dict[str, Any] = {"alg": "EdDSA", "typ": JWS_TYPE}
    if kid is not None:
        header["kid"] = kid
    refused(verify_offline(forge(header), TRUST, now=NOW), "kid")


@pytest.mark.parametrize("change", ["65 bytes", "63 bytes", "empty", "zeros"])
def test_signature_of_the_wrong_size_or_content(change: str) -> None:
    header_b64, payload_b64, signature_b64 = TOKEN.split(".")
    signature = b64url_decode(signature_b64)
    forged = {
        "65 bytes": signature + b"\x00",
        "63 bytes": signature[:-1],
        "empty": b"",
        "zeros": bytes(64),
    }[change]
    token = f"{header_b64}.{payload_b64}.{b64url_encode(forged)}"
    refused(verify_offline(token, TRUST, now=NOW), "signature")


def test_payload_swapped_under_a_valid_signature() -> None:
    other = issue(good_payload(number="BW-2025-000002"))
    header_b64, _, signature_b64 = TOKEN.split(".")
    swapped = f"{header_b64}.{other.split('.')[1]}.{signature_b64}"
    result = verify_offline(swapped, TRUST, now=NOW)
    refused(result, "signature")
    assert result.signature_verified is False


def test_changed_amount_in_the_payload() -> None:
    payload = good_payload()
    payload["credentialSubject"]["lines"][0]["carats"] = 15.2
    header_b64, _, signature_b64 = TOKEN.split(".")
    token = f"{header_b64}.{b64json(payload)}.{signature_b64}"
    refused(verify_offline(token, TRUST, now=NOW), "altered")


def _not_a_vc(change: str) -> dict[str, Any]:
    payload = good_payload()
    subject = payload["credentialSubject"]
    if change == "v1 context":
        payload["@context"] = ["https://www.w3.org/2018/credentials/v1", KP_CONTEXT]
    elif change == "no KP context":
        payload["@context"] = [VC_V2_CONTEXT]
    elif change == "context not a list":
        payload["@context"] = VC_V2_CONTEXT
    elif change == "KP context first":
        payload["@context"] = [KP_CONTEXT, VC_V2_CONTEXT]
    elif change == "not a VerifiableCredential":
        payload["type"] = ["KimberleyProcessCertificate"]
    elif change == "no subject":
        del payload["credentialSubject"]
    elif change == "missing number":
        del subject["number"]
    elif change == "number not a string":
        subject["number"] = 1
    elif change == "number of another participant":
        subject["number"] = "ZA-2025-000001"
    elif change == "number without dash":
        subject["number"] = "BW2025000001"
    elif change == "issuer mismatch":
        payload["issuer"] = {"id": "urn:kpcs:participant:ZA", "name": "x"}
    elif change == "no validUntil":
        del payload["validUntil"]
    elif change == "naive validFrom":
        payload["validFrom"] = "2025-03-01T10:00:00"
    elif change == "garbage validFrom":
        payload["validFrom"] = "yesterday"
    elif change == "empty object":
        return {}
    return payload


@pytest.mark.parametrize(
    "change",
    [
        "v1 context",
        "no KP context",
        "context not a list",
        "KP context first",
        "not a VerifiableCredential",
        "no subject",
        "missing number",
        "number not a string",
        "number of another participant",
        "number without dash",
        "issuer mismatch",
        "no validUntil",
        "naive validFrom",
        "garbage validFrom",
        "empty object",
    ],
)
def test_valid_jws_that_is_not_a_kp_certificate(change: str) -> None:
    # Correctly signed by BW's trusted key, but the content is not a KP certificate credential.
    token = issue(_not_a_vc(change))
    refused(verify_offline(token, TRUST, now=NOW), "not a KP certificate")


def test_wrong_context_problem_names_the_vc_data_model() -> None:
    text = refused(verify_offline(issue(_not_a_vc("v1 context")), TRUST, now=NOW))
    assert "Verifiable Credential 2.0" in text


# --- structurally broken: MalformedToken ------------------------------------------------------


def _header_b64() -> str:
    return TOKEN.split(".")[0]


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("abc", id="one part"),
        pytest.param("abc.def", id="two parts"),
        pytest.param(TOKEN + ".xyz", id="four parts"),
        pytest.param(TOKEN.replace(".", "..", 1), id="empty part added"),
        pytest.param("a.b.c", id="a.b.c"),
        pytest.param("!!!!." + TOKEN.split(".", 1)[1], id="bad header chars"),
        pytest.param(TOKEN.split(".")[0] + ".pay load." + TOKEN.split(".")[2], id="space in payload"),
        pytest.param(TOKEN.split(".")[0] + ".pay+load/." + TOKEN.split(".")[2], id="standard base64 payload"),
        pytest.param(TOKEN[: TOKEN.rindex(".") + 1] + "sig=", id="padded signature"),
        pytest.param(TOKEN[: TOKEN.rindex(".") + 1] + "A", id="signature of length 4k+1"),
        pytest.param(TOKEN.replace(".", "\u2024", 1), id="one dot leader instead of a dot"),
        pytest.param(b64url_encode(b"not json") + ".e30.", id="header not JSON"),
        pytest.param(b64json([1, 2]) + ".e30.", id="header JSON array"),
        pytest.param(b64json("EdDSA") + ".e30.", id="header JSON string"),
        pytest.param(b64json(None) + ".e30.", id="header JSON null"),
        pytest.param(b64url_encode(b"\xff\xfe{}") + ".e30.", id="header not UTF-8"),
        pytest.param(b64url_encode(b"[" * 5000) + ".e30.", id="header nested 5000 deep"),
        pytest.param(b64url_encode(b'{"a":' * 2000 + b"1" + b"}" * 2000) + ".e30.", id="header objects deep"),
    ],
)
def test_structurally_broken_tokens_raise_malformed(token: str) -> None:
    with pytest.raises(MalformedToken) as caught:
        verify_offline(token, TRUST, now=NOW)
    assert caught.value.message
    assert isinstance(caught.value.problems, list)


def test_token_longer_than_the_limit() -> None:
    token = TOKEN + "A" * (MAX_TOKEN_LENGTH + 1 - len(TOKEN))
    assert len(token) == MAX_TOKEN_LENGTH + 1
    with pytest.raises(MalformedToken, match=str(MAX_TOKEN_LENGTH)):
        verify_offline(token, TRUST, now=NOW)
    with pytest.raises(MalformedToken):
        verify_offline("A" * 10_000_000, TRUST, now=NOW)


@pytest.mark.parametrize("value", [None, 5, b"a.b.c", ["a", "b", "c"]])
def test_non_text_raises_malformed(value: Any) -> None:
    with pytest.raises(MalformedToken):
        verify_offline(value, TRUST, now=NOW)


def test_signed_payload_that_is_not_json_is_malformed_or_refused() -> None:
    header = b64json(bw_header())
    for body in (b"not json", b"[1,2,3]", b"\xff\xfe"):
        signing_input = f"{header}.{b64url_encode(body)}"
        token = f"{signing_input}.{b64url_encode(BW_KEY.sign(signing_input.encode()))}"
        try:
            result = verify_offline(token, TRUST, now=NOW)
        except MalformedToken:
            continue
        refused(result)


def test_deeply_nested_payload_with_a_bad_signature_is_refused() -> None:
    # The verifier peeks at an unverified payload for its number (fraud register look-up):
    # that peek must not blow up on hostile JSON.
    payload = b'{"credentialSubject":' + b"[" * 5000 + b"}"
    token = f"{b64json(bw_header())}.{b64url_encode(payload)}.{b64url_encode(bytes(64))}"
    try:
        result = verify_offline(token, TRUST, now=NOW)
    except MalformedToken:
        return
    refused(result, "signature")


def test_bad_signature_still_reports_the_number_it_claims() -> None:
    header_b64, payload_b64, _ = TOKEN.split(".")
    result = verify_offline(f"{header_b64}.{payload_b64}.{b64url_encode(bytes(64))}", TRUST, now=NOW)
    refused(result, "signature")
    assert result.number == "BW-2025-000001"
    assert result.signature_verified is False
    assert result.as_dict()["certificate"] is None


# --- what the registry knows: apply_facts ----------------------------------------------------


def _checked() -> Verification:
    result = verify_offline(TOKEN, TRUST, now=NOW)
    assert result.valid
    return result


def test_no_facts_leave_a_valid_credential_valid() -> None:
    facts = RegistryFacts(known=True, status="issued", credential_on_record=TOKEN)
    result = apply_facts(_checked(), facts, presented=TOKEN)
    assert result.valid is True and result.problems == () and result.status == "issued"


def test_cancelled() -> None:
    facts = RegistryFacts(
        known=True,
        status="cancelled",
        credential_on_record=TOKEN,
        cancelled_on=date(2025, 3, 2),
        cancellation_reason="shipment withdrawn",
    )
    result = apply_facts(_checked(), facts, presented=TOKEN)
    text = refused(result, "cancelled on 2025-03-02", "shipment withdrawn")
    assert result.status == "cancelled"
    assert len(result.problems) == 1, text


def test_already_imported() -> None:
    facts = RegistryFacts(
        known=True,
        status="confirmed",
        credential_on_record=TOKEN,
        received_on=date(2025, 3, 3),
        confirmed_by="EU",
    )
    result = apply_facts(_checked(), facts, presented=TOKEN)
    refused(result, "already imported", "EU", "2025-03-03")
    assert result.status == "confirmed"


@pytest.mark.parametrize("kind", ["lost", "stolen"])
def test_lost_or_stolen(kind: str) -> None:
    facts = RegistryFacts(
        known=True,
        status="issued",
        credential_on_record=TOKEN,
        losses=(LossNote(kind=kind, reported_on=date(2025, 3, 2), reporter="BW"),),
    )
    refused(apply_facts(_checked(), facts, presented=TOKEN), f"reported {kind} on 2025-03-02", "BW")


def test_fraud_register_entries() -> None:
    facts = RegistryFacts(
        known=True,
        status="issued",
        credential_on_record=TOKEN,
        frauds=(
            FraudNote(reported_on=date(2025, 2, 1), claimed_participant="BW", reporter="EU"),
            FraudNote(reported_on=date(2025, 2, 9), claimed_participant="BW", reporter=None),
        ),
    )
    result = apply_facts(_checked(), facts, presented=TOKEN)
    text = refused(result, "fraudulent", "2025-02-01", "2025-02-09", "by EU")
    assert len(result.problems) == 2, text


def test_not_the_credential_on_record() -> None:
    twin = issue(good_payload(parcel_count=4))  # same number, different content, validly signed
    checked = verify_offline(twin, TRUST, now=NOW)
    assert checked.valid
    facts = RegistryFacts(known=True, status="issued", credential_on_record=TOKEN)
    refused(apply_facts(checked, facts, presented=twin), "not the credential on record")


def test_the_credential_on_record_matches_despite_whitespace() -> None:
    facts = RegistryFacts(known=True, status="issued", credential_on_record=TOKEN)
    assert apply_facts(_checked(), facts, presented=f" {TOKEN}\n").valid is True


def test_every_fact_at_once_is_listed() -> None:
    facts = RegistryFacts(
        known=True,
        status="cancelled",
        credential_on_record="something else",
        cancelled_on=date(2025, 3, 2),
        received_on=date(2025, 3, 3),
        losses=(LossNote(kind="stolen", reported_on=date(2025, 3, 2), reporter=None),),
        frauds=(FraudNote(reported_on=date(2025, 2, 1), claimed_participant="BW", reporter="EU"),),
    )
    result = apply_facts(_checked(), facts, presented=TOKEN)
    refused(result, "fraudulent", "not the credential on record", "cancelled", "already imported", "stolen")
    assert len(result.problems) == 5


def test_facts_of_an_unknown_number_say_it_was_never_issued_and_nothing_of_its_status() -> None:
    fraud = FraudNote(reported_on=date(2025, 2, 1), claimed_participant="BW", reporter="EU")
    facts = RegistryFacts(
        known=False,
        cancelled_on=date(2025, 3, 2),  # ignored: the number is not known here
        received_on=date(2025, 3, 3),
        losses=(LossNote(kind="lost", reported_on=date(2025, 3, 2), reporter=None),),
        frauds=(fraud,),
    )
    result = apply_facts(_checked(), facts, presented=TOKEN)
    assert result.valid is False
    assert len(result.problems) == 2 and "fraudulent" in result.problems[0]
    assert result.problems[1].startswith("no record of a certificate numbered BW-2025-000001")
    assert result.status == "issued"
    unknown = apply_facts(_checked(), RegistryFacts(known=False), presented=TOKEN)
    refused(unknown, "no record of a certificate numbered", "never issued")
    assert len(unknown.problems) == 1


def test_a_certificate_issued_here_must_be_in_the_log() -> None:
    logged = RegistryFacts(known=True, status="issued", credential_on_record=TOKEN, logged=True)
    assert apply_facts(_checked(), logged, presented=TOKEN).valid is True
    unlogged = RegistryFacts(known=True, status="issued", credential_on_record=TOKEN, logged=False)
    result = apply_facts(_checked(), unlogged, presented=TOKEN)
    refused(result, "not in the transparency log")
    assert len(result.problems) == 1


def test_a_copy_received_through_the_exchange_is_logged_by_its_issuing_node() -> None:
    received = RegistryFacts(known=True, status="issued", credential_on_record=TOKEN, logged=None)
    assert apply_facts(_checked(), received, presented=TOKEN).valid is True


def test_facts_do_not_rescue_or_overrule_a_bad_signature() -> None:
    header_b64, payload_b64, _ = TOKEN.split(".")
    forged = f"{header_b64}.{payload_b64}.{b64url_encode(bytes(64))}"
    checked = verify_offline(forged, TRUST, now=NOW)
    facts = RegistryFacts(
        known=True,
        status="issued",
        credential_on_record=forged,
        cancelled_on=date(2025, 3, 2),
        frauds=(FraudNote(reported_on=date(2025, 2, 1), claimed_participant="BW", reporter=None),),
    )
    result = apply_facts(checked, facts, presented=forged)
    text = refused(result, "signature", "fraudulent")
    assert "cancelled" not in text  # the registry's facts are about the real certificate
    assert result.status == checked.status


# --- the trust list ---------------------------------------------------------------------------


def _full_trust_list() -> TrustList:
    return TrustList.of(
        [
            BW_TRUSTED,
            replace(EU_TRUSTED, valid_from=datetime(2024, 6, 1, tzinfo=UTC), valid_until=NOW),
            trusted(
                ATTACKER_KEY,
                "ZA",
                valid_from=datetime(2024, 1, 1, tzinfo=UTC),
                valid_until=datetime(2024, 5, 1, tzinfo=UTC),
                revoked_at=datetime(2024, 5, 1, tzinfo=UTC),
                revoked_reason="compromised",
            ),
            LOG_TRUSTED,
        ]
    )


def test_trust_list_jwks_round_trip() -> None:
    original = _full_trust_list()
    jwks = original.to_jwks()
    assert [jwk["valid_from"] for jwk in jwks["keys"]] == sorted(jwk["valid_from"] for jwk in jwks["keys"])
    for jwk in jwks["keys"]:
        assert {"kid", "kty", "crv", "x", "participant"} <= set(jwk)
        assert jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519" and jwk["alg"] == "EdDSA"
        assert jwk["kid"] == thumbprint(jwk["x"])
    statuses = {jwk["participant"]: jwk["status"] for jwk in jwks["keys"]}
    assert statuses == {"BW": "active", "EU": "retired", "ZA": "revoked", None: "active"}
    rebuilt = TrustList.from_jwks(json.loads(json.dumps(jwks)))
    assert dict(rebuilt.keys) == dict(original.keys)
    assert rebuilt.to_jwks() == jwks
    assert verify_offline(TOKEN, rebuilt, now=NOW).valid is True


def _jwk(**changes: Any) -> dict[str, Any]:
    jwk = BW_TRUSTED.to_jwk()
    jwk.update(changes)
    return jwk


@pytest.mark.parametrize(
    "jwk",
    [
        pytest.param(_jwk(kid="BW-2025-01"), id="kid not the thumbprint"),
        pytest.param(_jwk(kid=EU_TRUSTED.kid), id="kid of another key"),
        pytest.param(_jwk(x=EU_TRUSTED.x), id="x swapped under the kid"),
        pytest.param(
            _jwk(x=b64url_encode(bytes(31)), kid=thumbprint(b64url_encode(bytes(31)))), id="31 bytes"
        ),
        pytest.param(_jwk(kty="EC"), id="EC"),
        pytest.param(_jwk(crv="Ed448"), id="Ed448"),
        pytest.param(_jwk(x="not base64url!"), id="x not base64url"),
        pytest.param(_jwk(participant=None), id="certificate key without participant"),
        pytest.param(_jwk(purpose="coffee"), id="unknown purpose"),
        pytest.param(_jwk(valid_from="yesterday"), id="bad date"),
        pytest.param({k: v for k, v in _jwk().items() if k != "x"}, id="no x"),
        pytest.param({k: v for k, v in _jwk().items() if k != "kid"}, id="no kid"),
    ],
)
def test_unusable_jwk_is_refused(jwk: dict[str, Any]) -> None:
    with pytest.raises(MalformedToken):
        TrustList.from_jwks({"keys": [jwk]})


@pytest.mark.parametrize("jwks", [{}, {"keys": {}}, {"keys": "x"}, {"keys": None}])
def test_jwks_without_a_keys_array_is_refused(jwks: dict[str, Any]) -> None:
    with pytest.raises(MalformedToken):
        TrustList.from_jwks(jwks)


TRUST_LIST_SIGNER = trusted(TRUST_LIST_KEY, "kpcs", purpose=KeyPurpose.TRUST_LIST)


def _signed_trust_list() -> str:
    trust = TrustList.of([*_full_trust_list().keys.values(), TRUST_LIST_SIGNER])
    return sign_trust_list(
        trust, signer=TRUST_LIST_SIGNER, private_key=TRUST_LIST_KEY, issued_at=NOW, issuer="hub"
    )


def test_signed_trust_list_verifies() -> None:
    opened = open_signed_trust_list(_signed_trust_list(), pinned_kid=TRUST_LIST_SIGNER.kid)
    assert opened.signer_kid == TRUST_LIST_SIGNER.kid
    assert opened.issued_at == NOW and opened.issuer == "hub"
    assert set(opened.trust_list.keys) == {*_full_trust_list().keys, TRUST_LIST_SIGNER.kid}
    assert verify_offline(TOKEN, opened.trust_list, now=NOW).valid is True
    # Without a pin it still checks the signature against the key it carries.
    assert open_signed_trust_list(_signed_trust_list()).signer_kid == TRUST_LIST_SIGNER.kid


def test_signed_trust_list_refuses_every_changed_character() -> None:
    token = _signed_trust_list()
    for position, original in enumerate(token):
        if original == ".":
            continue
        replacement = ALPHABET[(ALPHABET.index(original) + 32) % 64]
        changed = token[:position] + replacement + token[position + 1 :]
        with pytest.raises(MalformedToken):
            open_signed_trust_list(changed, pinned_kid=TRUST_LIST_SIGNER.kid)


def test_signed_trust_list_with_an_added_key_is_refused() -> None:
    header_b64, payload_b64, signature_b64 = _signed_trust_list().split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
    payload["keys"].append(trusted(Ed25519PrivateKey.generate(), "BW").to_jwk())
    with pytest.raises(MalformedToken, match="signature"):
        open_signed_trust_list(f"{header_b64}.{b64json(payload)}.{signature_b64}")


def test_signed_trust_list_refuses_a_wrong_pinned_kid() -> None:
    with pytest.raises(MalformedToken, match="pinned"):
        open_signed_trust_list(_signed_trust_list(), pinned_kid=BW_TRUSTED.kid)


def test_signed_trust_list_re_signed_by_an_attacker_is_refused_by_the_pin() -> None:
    attacker = trusted(ATTACKER_KEY, "kpcs", purpose=KeyPurpose.TRUST_LIST)
    token = sign_trust_list(
        TrustList.of([attacker]), signer=attacker, private_key=ATTACKER_KEY, issued_at=NOW, issuer="hub"
    )
    assert open_signed_trust_list(token).signer_kid == attacker.kid  # self-consistent...
    with pytest.raises(MalformedToken, match="pinned"):
        open_signed_trust_list(token, pinned_kid=TRUST_LIST_SIGNER.kid)  # ...but not the pinned key


def test_signed_trust_list_whose_kid_does_not_match_its_key_is_refused() -> None:
    header_b64, payload_b64, _ = _signed_trust_list().split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)))
    header["kid"] = BW_TRUSTED.kid
    signing_input = f"{b64json(header)}.{payload_b64}"
    token = f"{signing_input}.{b64url_encode(TRUST_LIST_KEY.sign(signing_input.encode()))}"
    with pytest.raises(MalformedToken):
        open_signed_trust_list(token)


def test_a_credential_is_not_a_signed_trust_list() -> None:
    with pytest.raises(MalformedToken):
        open_signed_trust_list(TOKEN)
