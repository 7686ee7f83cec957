"""Enrollment on the hub through `kpcs nodes` and `POST /api/v1/exchange/enroll`, and the
operator's view (`/exchange`, `kpcs nodes status`), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.signing.jws import public_x, thumbprint
from kpcs.signing.trust_list import open_signed_trust_list
from tests.conftest import auth, certificate_body


def node_key() -> dict[str, Any]:
    x = public_x(Ed25519PrivateKey.generate())
    return {
        "kid": thumbprint(x),
        "kty": "OKP",
        "crv": "Ed25519",
        "x": x,
        "participant": "BW",
        "purpose": "certificates",
        "valid_from": "2025-03-01T00:00:00+00:00",
        "valid_until": None,
    }


def enroll(client: TestClient, token: str, key: dict[str, Any]) -> Any:
    return client.post(
        "/api/v1/exchange/enroll",
        json={"enrollment_token": token, "participant": "BW", "callback_token": "c" * 40, "keys": [key]},
    )


def test_a_node_enrolls_once_with_its_token(cli, client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    made = cli("nodes", "enroll", "--participant", "BW", "--url", "http://127.0.0.1:9/")
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert token.startswith("kpcs-enroll-")
    assert enroll(client, "kpcs-enroll-wrong", node_key()).status_code == 403
    key = node_key()
    answer = enroll(client, token, key)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["node_token"].startswith("kpcs-node-")
    opened = open_signed_trust_list(body["trust_list"], pinned_kid=body["hub_trust_kid"])
    assert key["kid"] in opened.trust_list.keys  # the node's key joined the hub's trust list
    assert key["kid"] in {k["kid"] for k in client.get("/api/v1/trust-list").json()["keys"]}
    # The same node may retry (its answer was lost); another key may not use the token.
    assert enroll(client, token, key).status_code == 200
    assert enroll(client, token, node_key()).status_code == 403
    # From now on BW issues on its own node, not on the hub.
    authority = auth(make_token(Role.AUTHORITY, "BW"))
    refused = client.post("/api/v1/certificates", json=certificate_body(), headers=authority)
    assert refused.status_code == 409 and "own national node" in refused.json()["detail"]
    status = cli("nodes", "status", "--json")
    assert status.exit_code == 0
    queues = json.loads(status.output)["queues"]
    assert [q["destination"] for q in queues] == ["BW"] and queues[0]["url"] == "http://127.0.0.1:9"
    admin = auth(make_token(Role.ADMIN))
    page = client.get("/exchange", headers=admin)
    assert page.status_code == 200 and "This is the hub" in page.text and "http://127.0.0.1:9" in page.text
    assert client.get("/exchange", headers=authority).status_code == 403
    assert client.get("/api/v1/exchange/status", headers=authority).status_code == 403


def test_exchange_calls_need_the_exchange_token(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    message = {"message": "a.b.c"}
    assert client.post("/api/v1/exchange/messages", json=message).status_code == 401
    assert (
        client.post(
            "/api/v1/exchange/messages", json=message, headers=auth(make_token(Role.ADMIN))
        ).status_code
        == 403
    )  # an API token is not a node's exchange token
    bad_url = client.post("/api/v1/exchange/enroll", json={"participant": "BW"})
    assert bad_url.status_code == 422


def test_enroll_refuses_unknown_participants_and_bad_addresses(cli) -> None:  # type: ignore[no-untyped-def]
    unknown = cli("nodes", "enroll", "--participant", "XX", "--url", "https://kpcs.example")
    assert unknown.exit_code == 1 and "XX is not a participant" in unknown.output
    bad = cli("nodes", "enroll", "--participant", "BW", "--url", "kpcs.example")
    assert bad.exit_code == 1 and "http://" in bad.output
