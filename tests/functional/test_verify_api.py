"""Verification over HTTP (``POST /api/v1/verify``, the number check, the trust lists), as
customs, importers and the public use it, on both databases."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role
from kpcs.certificates.models import Certificate
from kpcs.certificates.qr import QR_PREFIX, encode_qr_text
from kpcs.clock import FixedClock
from kpcs.config import Settings as Config
from kpcs.db import UnitOfWork
from kpcs.signing.jws import MAX_TOKEN_LENGTH, b64url_decode, b64url_encode
from kpcs.signing.keys import KeyRing, revoke_key, rotate_key
from kpcs.signing.models import KeyPurpose
from kpcs.signing.trust_list import open_signed_trust_list
from tests.conftest import OPERATOR, auth, certificate_body
from tests.factories.forgery import resign_as

VERIFY = "/api/v1/verify"


def issue_via_api(client: TestClient, token: str, **changes: object) -> dict[str, Any]:
    response = client.post("/api/v1/certificates", json=certificate_body(**changes), headers=auth(token))
    assert response.status_code == 201, response.text
    return response.json()


def verify(client: TestClient, credential: object) -> dict[str, Any]:
    response = client.post(VERIFY, json={"credential": credential})
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"valid", "number", "status", "problems"} <= set(body)
    assert isinstance(body["problems"], list) and all(isinstance(p, str) for p in body["problems"])
    assert body["valid"] is (not body["problems"])
    return body


def problems_text(body: dict[str, Any]) -> str:
    return " | ".join(body["problems"]).lower()


def kid_of(credential: str) -> str:
    kid: str = json.loads(b64url_decode(credential.split(".")[0]))["kid"]
    return kid


@pytest.fixture
def bw(make_token) -> str:  # type: ignore[no-untyped-def]
    """An API token of Botswana's KP authority."""
    return make_token(Role.AUTHORITY, "BW")


@pytest.fixture
def certificate(client: TestClient, bw: str) -> dict[str, Any]:
    """A certificate issued over the API by Botswana, to Belgium (EU)."""
    return issue_via_api(client, bw)


# --- a genuine credential ---------------------------------------------------------------------


def test_issued_certificate_verifies(client: TestClient, certificate: dict[str, Any]) -> None:
    body = verify(client, certificate["credential"])
    assert body["valid"] is True
    assert body["status"] == "issued"
    assert body["number"] == certificate["number"]
    assert body["problems"] == []


def test_anyone_may_verify_without_a_token(client: TestClient, certificate: dict[str, Any]) -> None:
    response = client.post(VERIFY, json={"credential": certificate["credential"]})
    assert response.status_code == 200 and response.json()["valid"] is True


def test_qr_form_is_accepted(client: TestClient, certificate: dict[str, Any]) -> None:
    text = encode_qr_text(certificate["credential"])
    assert text.startswith(QR_PREFIX)
    body = verify(client, text)
    assert body["valid"] is True and body["number"] == certificate["number"]
    # As a barcode scanner types it: with a line break after it.
    assert verify(client, text + "\r\n")["valid"] is True


def test_qr_form_with_garbage_after_the_prefix_is_a_4xx(client: TestClient) -> None:
    for text in (QR_PREFIX, QR_PREFIX + "not base45 ~~~", QR_PREFIX + "0" * 30, "HC1:6BFOXN"):
        response = client.post(VERIFY, json={"credential": text})
        assert response.status_code == 422, (text, response.text)
        assert response.json()["detail"]


def test_altered_credential_is_refused(client: TestClient, certificate: dict[str, Any]) -> None:
    header_b64, payload_b64, signature_b64 = certificate["credential"].split(".")
    payload = json.loads(b64url_decode(payload_b64))
    payload["credentialSubject"]["lines"][0]["carats"] = 152.0
    forged = f"{header_b64}.{b64url_encode(json.dumps(payload).encode())}.{signature_b64}"
    body = verify(client, forged)
    assert body["valid"] is False
    assert "signature" in problems_text(body)


# --- what the registry knows now --------------------------------------------------------------


def test_cancelled(client: TestClient, bw: str, certificate: dict[str, Any]) -> None:
    number = certificate["number"]
    response = client.post(
        f"/api/v1/certificates/{number}/cancellation", json={"reason": "shipment_withdrawn"}, headers=auth(bw)
    )
    assert response.status_code == 200, response.text
    body = verify(client, certificate["credential"])
    assert body["valid"] is False
    assert body["status"] == "cancelled"
    assert "cancelled" in problems_text(body)
    check = client.get(f"/api/v1/verify/number/{number}").json()
    assert check["known"] is True and check["status"] == "cancelled"
    assert any("cancelled" in p for p in check["problems"])


def test_already_imported(client: TestClient, make_token, certificate: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    number = certificate["number"]
    eu = make_token(Role.AUTHORITY, "EU")
    response = client.post(
        f"/api/v1/certificates/{number}/import-confirmation",
        json={"received_on": "2025-03-03"},
        headers=auth(eu),
    )
    assert response.status_code == 200, response.text
    body = verify(client, certificate["credential"])
    assert body["valid"] is False
    assert body["status"] == "confirmed"
    assert "already imported" in problems_text(body)
    check = client.get(f"/api/v1/verify/number/{number}").json()
    assert any("already imported" in p for p in check["problems"])


def test_reported_stolen(client: TestClient, bw: str, certificate: dict[str, Any]) -> None:
    number = certificate["number"]
    response = client.post(
        f"/api/v1/certificates/{number}/loss-reports",
        json={"kind": "stolen", "note": "taken from the courier's vehicle in Gaborone"},
        headers=auth(bw),
    )
    assert response.status_code == 201, response.text
    body = verify(client, certificate["credential"])
    assert body["valid"] is False
    assert "reported stolen" in problems_text(body)
    check = client.get(f"/api/v1/verify/number/{number}").json()
    assert any("reported stolen" in p for p in check["problems"])


def test_on_the_fraud_register(client: TestClient, make_token, certificate: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    number = certificate["number"]
    eu = make_token(Role.AUTHORITY, "EU")
    response = client.post(
        "/api/v1/fraud-reports",
        data={
            "number": number.lower().replace("-", " "),  # as printed on a forgery, spelled loosely
            "claimed_participant": "BW",
            "notes": "paper copy with a wrong watermark presented at Antwerp",
        },
        headers=auth(eu),
    )
    assert response.status_code == 201, response.text
    body = verify(client, certificate["credential"])
    assert body["valid"] is False
    assert "fraudulent" in problems_text(body)
    check = client.get(f"/api/v1/verify/number/{number}")
    assert check.status_code == 200
    assert any("fraudulent" in p for p in check.json()["problems"])


def test_unknown_number(client: TestClient) -> None:
    check = client.get("/api/v1/verify/number/BW-2025-999999")
    assert check.status_code == 200
    body = check.json()
    assert body["known"] is False and body["problems"]
    too_long = client.get("/api/v1/verify/number/" + "9" * 101)
    assert too_long.status_code == 422 and too_long.json()["detail"]


def test_number_check_of_a_valid_certificate(client: TestClient, certificate: dict[str, Any]) -> None:
    body = client.get(f"/api/v1/verify/number/{certificate['number']}").json()
    assert body["known"] is True and body["status"] == "issued" and body["problems"] == []
    assert body["exporting_participant"] == "BW" and body["importing_participant"] == "EU"


# --- issued and logged: a correct signature is not enough -------------------------------------


def _never_issued(certificate: dict[str, Any]) -> str:
    return certificate["number"].rsplit("-", 1)[0] + "-999999"


def test_a_credential_re_signed_under_a_number_never_issued_is_not_valid(
    client: TestClient, certificate: dict[str, Any], settings: Config
) -> None:
    """What a stolen key or an off-the-books certificate looks like: Botswana's real key,
    read from its key file, signs a copy of a genuine credential under a new number."""
    number = _never_issued(certificate)
    forged = resign_as(certificate["credential"], settings.data_dir / "keys", number=number)
    assert kid_of(forged) == kid_of(certificate["credential"])
    body = verify(client, forged)
    assert body["valid"] is False and body["number"] == number and body["signature_verified"] is True
    assert len(body["problems"]) == 1
    assert body["problems"][0].startswith(
        f"no record of a certificate numbered {number}: it was never issued"
    )
    page = client.post("/verify", data={"credential": forged})
    assert page.status_code == 200 and "it was never issued" in page.text
    assert verify(client, certificate["credential"]) == verify(client, certificate["credential"]) | {
        "valid": True,
        "problems": [],
    }


def test_another_credential_under_an_issued_number_is_not_valid(
    client: TestClient, certificate: dict[str, Any], settings: Config
) -> None:
    twin = resign_as(
        certificate["credential"], settings.data_dir / "keys", number=certificate["number"], parcel_count=9
    )
    body = verify(client, twin)
    assert body["valid"] is False and body["problems"] == [
        "this is not the credential on record for this number: two different signed certificates "
        "carry the same number"
    ]


def test_a_certificate_on_record_but_never_logged_is_not_valid(
    client: TestClient,
    certificate: dict[str, Any],
    settings: Config,
    session_factory: sessionmaker[Session],
) -> None:
    """A certificate written straight into the database, past the issuing use case (and so
    past the log), with a credential signed by the real key."""
    number = _never_issued(certificate)
    forged = resign_as(certificate["credential"], settings.data_dir / "keys", number=number)
    with UnitOfWork(session_factory) as unit:  # read then write: take SQLite's write lock first
        session = unit.session
        original = session.scalar(sa.select(Certificate).where(Certificate.number == certificate["number"]))
        assert original is not None
        columns = {c.key: getattr(original, c.key) for c in Certificate.__table__.columns if c.key != "id"}
        session.add(Certificate(**columns | {"number": number, "credential": forged}))
        unit.commit()
    body = verify(client, forged)
    assert body["valid"] is False and body["problems"] == [
        f"not in the transparency log: no entry of the log holds the credential on record as {number}, "
        "so it was not issued the way every certificate is"
    ]
    check = client.get(f"/api/v1/verify/number/{number}").json()
    assert check["known"] is True and check["problems"] == body["problems"]


def test_a_credential_put_on_record_after_the_certificate_was_logged_is_not_valid(
    client: TestClient,
    certificate: dict[str, Any],
    settings: Config,
    session_factory: sessionmaker[Session],
) -> None:
    """An insider replaces the credential on record with another one signed by the real key:
    the record and the presented credential agree, the log does not."""
    number = certificate["number"]
    twin = resign_as(certificate["credential"], settings.data_dir / "keys", number=number, parcel_count=9)
    with session_factory() as session:
        session.execute(sa.update(Certificate).where(Certificate.number == number).values(credential=twin))
        session.commit()
    body = verify(client, twin)
    assert body["valid"] is False and body["problems"] == [
        f"not in the transparency log: no entry of the log holds the credential on record as {number}, "
        "so it was not issued the way every certificate is"
    ]


# --- keys: rotation and revocation ------------------------------------------------------------


def test_rotation_then_revocation(
    client: TestClient,
    bw: str,
    certificate: dict[str, Any],
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    keyring: KeyRing,
) -> None:
    old_credential = certificate["credential"]
    old_kid = kid_of(old_credential)

    new_kid = rotate_key(
        UnitOfWork(session_factory), OPERATOR, clock, keyring.files, KeyPurpose.CERTIFICATES, "BW"
    )
    assert new_kid != old_kid
    assert verify(client, old_credential)["valid"] is True

    newer = issue_via_api(client, bw)
    assert kid_of(newer["credential"]) == new_kid
    assert verify(client, newer["credential"])["valid"] is True

    keys = {key["kid"]: key for key in client.get("/api/v1/trust-list").json()["keys"]}
    assert keys[old_kid]["status"] == "retired" and keys[old_kid]["participant"] == "BW"
    assert keys[new_kid]["status"] == "active" and keys[new_kid]["participant"] == "BW"

    revoke_key(UnitOfWork(session_factory), OPERATOR, clock, old_kid, "key file found on a stolen laptop")
    body = verify(client, old_credential)
    assert body["valid"] is False
    assert "revoked" in problems_text(body)
    assert verify(client, newer["credential"])["valid"] is True
    keys = {key["kid"]: key for key in client.get("/api/v1/trust-list").json()["keys"]}
    assert keys[old_kid]["status"] == "revoked"


# --- bad input: 4xx with a detail, never 5xx --------------------------------------------------


def _assert_4xx(response: Any, expected: int | None = None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if expected is not None:
        assert response.status_code == expected, response.text[:300]
    assert "detail" in response.json() and response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"credential": 5},
        {"credential": None},
        {"credential": ["a.b.c"]},
        {"credential": {"jws": "a.b.c"}},
        {},
        "x",
        [],
        None,
        {"credential": ""},
        {"credential": "   "},
        {"credential": "a.b"},
        {"credential": "a.b.c"},
        {"credential": "a.b.c.d"},
        {"credential": "!!!.@@@.###"},
        {"credential": "eyJhbGciOiJFZERTQSJ9..."},
        {"credential": "W10.e30."},  # header is a JSON array
        {"credential": "bm90IGpzb24.e30."},  # header is not JSON
        {"credential": "x" * 20_000},
        {"credential": "a." * 10_000 + "a"},
        {"credential": "A" * (MAX_TOKEN_LENGTH - 2) + ".A.A"},
        {"credential": b64url_encode(b"[" * 5000) + ".e30."},  # deeply nested header
        {"credential": "\x00\x01.\x02.\x03"},
        {"credential": "é.ü.ß"},
    ],
)
def test_malformed_bodies_are_4xx(client: TestClient, body: object) -> None:
    _assert_4xx(client.post(VERIFY, json=body), 422)


@pytest.mark.parametrize(
    "content, content_type",
    [
        (b"not json at all", "application/json"),
        (b'{"credential": "a.b.c"', "application/json"),
        (b"credential=a.b.c", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\xfd", "application/json"),
        (b"[" * 100_000, "application/json"),
        (b'{"credential": ' + b"[" * 100_000 + b"}", "application/json"),
    ],
)
def test_non_json_bodies_are_4xx(client: TestClient, content: bytes, content_type: str) -> None:
    _assert_4xx(client.post(VERIFY, content=content, headers={"Content-Type": content_type}))


def test_thirteen_megabyte_body_is_413(client: TestClient) -> None:
    content = json.dumps({"credential": "A" * (13 * 1024 * 1024)}).encode()
    response = client.post(VERIFY, content=content, headers={"Content-Type": "application/json"})
    _assert_4xx(response, 413)


def test_forgeries_get_200_with_problems_not_an_error(
    client: TestClient, certificate: dict[str, Any]
) -> None:
    header_b64, payload_b64, _ = certificate["credential"].split(".")
    none_header = b64url_encode(
        json.dumps({"alg": "none", "typ": "vc+jwt", "kid": kid_of(certificate["credential"])}).encode()
    )
    for forged in (
        f"{none_header}.{payload_b64}.",
        f"{header_b64}.{payload_b64}.{b64url_encode(bytes(64))}",
        f"{header_b64}.{payload_b64}.{b64url_encode(bytes(65))}",
    ):
        body = verify(client, forged)
        assert body["valid"] is False and body["problems"]


_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_part = st.text(alphabet=_B64URL, max_size=60)
_texts = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.builds(lambda a, b, c: f"{a}.{b}.{c}", _part, _part, _part),
    st.builds(lambda t: QR_PREFIX + t, st.text(alphabet=st.characters(codec="utf-8"), max_size=80)),
    st.builds(
        lambda value: b64url_encode(json.dumps(value).encode()) + ".e30.",
        st.dictionaries(
            st.sampled_from(["alg", "typ", "kid", "crit", "jwk", "x5u"]),
            st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
        ),
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_texts)
def test_random_text_is_never_a_5xx(client: TestClient, text: str) -> None:
    response = client.post(VERIFY, json={"credential": text})
    assert response.status_code == 200 or 400 <= response.status_code < 500, (
        response.status_code,
        response.text[:300],
    )
    if response.status_code == 200:
        assert response.json()["valid"] is False
    else:
        assert response.json()["detail"]


def test_verify_page_accepts_a_credential_and_refuses_garbage(
    client: TestClient, certificate: dict[str, Any]
) -> None:
    page = client.post("/verify", data={"credential": certificate["credential"]})
    assert page.status_code == 200
    assert certificate["number"] in page.text
    bad = client.post("/verify", data={"credential": "a.b"})
    assert bad.status_code == 422
    assert "three parts" in bad.text


# --- trust lists ------------------------------------------------------------------------------


def test_signed_trust_list_matches_the_trust_list(client: TestClient, certificate: dict[str, Any]) -> None:
    response = client.get("/api/v1/trust-list/signed")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jose")
    opened = open_signed_trust_list(response.text)
    jwks = client.get("/api/v1/trust-list").json()
    assert set(opened.trust_list.keys) == {key["kid"] for key in jwks["keys"]}
    assert opened.signer_kid in opened.trust_list.keys
    assert opened.trust_list.to_jwks() == jwks
    assert kid_of(certificate["credential"]) in opened.trust_list.keys
    # A second fetch is signed by the same (pinned) key. It may hold a key more, never one less:
    # the app's background head signer makes the log's key on its first run, which can fall
    # between the two fetches (CI saw it once).
    again = open_signed_trust_list(client.get("/api/v1/trust-list/signed").text, pinned_kid=opened.signer_kid)
    assert set(again.trust_list.keys) >= set(opened.trust_list.keys)
    assert again.signer_kid == opened.signer_kid
