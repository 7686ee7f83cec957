"""The transparency log through HTTP (CONTRACT.md): heads, entries, proofs, receipts, page."""

from __future__ import annotations

import base64
import hashlib
import time

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kpcs.accounts import services as accounts
from kpcs.accounts.models import Role
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.signing.jws import parse_compact
from kpcs.signing.trust_list import TrustList
from kpcs.translog import merkle
from kpcs.translog.heads import Head, head_problems
from kpcs.translog.leaves import candidate_leaf_hashes
from kpcs.translog.models import TreeHead
from tests.conftest import OPERATOR, auth, certificate_body
from tests.factories.translog import relog_in_first_form


def _issue(client: TestClient, token: str, count: int) -> list[dict]:  # type: ignore[type-arg]
    return [
        client.post("/api/v1/certificates", json=certificate_body(), headers=auth(token)).json()
        for _ in range(count)
    ]


def _line(cert: dict) -> str:  # type: ignore[type-arg]
    """The contract's leaf, computed here from the credential as any holder would."""
    digest = hashlib.sha256(cert["credential"].encode("ascii")).hexdigest()
    return f"kpcs-log-entry/1 {cert['number']} {digest}"


def _leaf_hash(cert: dict) -> bytes:  # type: ignore[type-arg]
    return hashlib.sha256(b"\x00" + _line(cert).encode("ascii")).digest()


def _leaf_hash_b64(cert: dict) -> str:  # type: ignore[type-arg]
    return base64.b64encode(_leaf_hash(cert)).decode()


def test_signed_tree_head_contract(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    empty = client.get("/api/v1/log/sth").json()
    assert empty["tree_size"] == 0 and base64.b64decode(empty["root_hash"]) == hashlib.sha256(b"").digest()
    issued = _issue(client, make_token(Role.AUTHORITY, "BW"), 3)
    sth = client.get("/api/v1/log/sth").json()
    assert set(sth) == {"tree_size", "root_hash", "timestamp", "signature"} and sth["tree_size"] == 3
    token = parse_compact(sth["signature"])
    assert token.header["alg"] == "EdDSA"
    assert token.payload() == {k: sth[k] for k in ("tree_size", "root_hash", "timestamp")}
    trust = client.get("/api/v1/trust-list").json()
    log_keys = [k for k in trust["keys"] if k["purpose"] == "log"]
    assert [k["kid"] for k in log_keys] == [token.header["kid"]]
    assert head_problems(Head.from_dict(sth), TrustList.from_jwks(trust)) == []
    expected = merkle.root_from_leaf_hashes([_leaf_hash(c) for c in issued])
    assert base64.b64decode(sth["root_hash"]) == expected


def test_entries_are_commitment_lines(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(client, make_token(Role.AUTHORITY, "BW"), 4)
    entries = client.get("/api/v1/log/entries", params={"start": 1, "end": 3}).json()["entries"]
    assert entries == [{"index": 1, "leaf": _line(issued[1])}, {"index": 2, "leaf": _line(issued[2])}]
    assert (
        client.get("/api/v1/log/entries", params={"start": 2, "end": 99}).json()["entries"][-1]["index"] == 3
    )
    assert client.get("/api/v1/log/entries", params={"start": 3, "end": 1}).status_code == 422
    assert client.get("/api/v1/log/entries", params={"start": -1, "end": 1}).status_code == 422


def test_inclusion_and_consistency_proofs_verify(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(client, make_token(Role.AUTHORITY, "BW"), 6)
    sth = client.get("/api/v1/log/sth").json()
    root = base64.b64decode(sth["root_hash"])
    for index, cert in enumerate(issued):
        proof = client.get(
            "/api/v1/log/proof", params={"leaf_hash": _leaf_hash_b64(cert), "tree_size": 6}
        ).json()
        assert proof["leaf_index"] == index
        path = [base64.b64decode(h) for h in proof["audit_path"]]
        assert merkle.verify_inclusion(_leaf_hash(cert), index, 6, path, root)
    old_root = merkle.root_from_leaf_hashes([_leaf_hash(c) for c in issued[:3]])
    consistency = client.get("/api/v1/log/consistency", params={"first": 3, "second": 6}).json()[
        "consistency"
    ]
    assert merkle.verify_consistency(3, 6, old_root, root, [base64.b64decode(h) for h in consistency])


def test_proof_requests_that_cannot_be_answered_are_4xx(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(client, make_token(Role.AUTHORITY, "BW"), 2)
    leaf = _leaf_hash_b64(issued[1])
    cases = [
        ("/api/v1/log/proof", {"leaf_hash": leaf, "tree_size": 1}, 422),  # leaf 1 is not in a tree of 1
        ("/api/v1/log/proof", {"leaf_hash": leaf, "tree_size": 9}, 422),  # beyond the log
        ("/api/v1/log/proof", {"leaf_hash": "not base64!", "tree_size": 2}, 422),
        ("/api/v1/log/proof", {"leaf_hash": base64.b64encode(b"short").decode(), "tree_size": 2}, 422),
        ("/api/v1/log/proof", {"leaf_hash": base64.b64encode(b"\x01" * 32).decode(), "tree_size": 2}, 404),
        ("/api/v1/log/proof", {"leaf_hash": leaf}, 422),
        ("/api/v1/log/consistency", {"first": 0, "second": 2}, 422),
        ("/api/v1/log/consistency", {"first": 2, "second": 1}, 422),
        ("/api/v1/log/consistency", {"first": 1, "second": 5}, 422),
        ("/api/v1/log/consistency", {"first": "x", "second": 2}, 422),
    ]
    for path, params, status in cases:
        response = client.get(path, params=params)
        assert response.status_code == status, (params, response.text)
        assert "detail" in response.json()


def test_receipt_and_page(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(client, make_token(Role.AUTHORITY, "BW"), 3)
    receipt = client.get(f"/api/v1/certificates/{issued[0]['number']}/receipt").json()
    assert receipt["leaf_index"] == 0 and receipt["signed_tree_head"]["tree_size"] == 3
    head = Head.from_dict(receipt["signed_tree_head"])
    path = [base64.b64decode(h) for h in receipt["inclusion_proof"]]
    assert merkle.verify_inclusion(base64.b64decode(receipt["leaf_hash"]), 0, 3, path, head.root_hash)
    assert client.get("/api/v1/certificates/XX-2025-000001/receipt").status_code == 404
    page = client.get("/log", params={"number": issued[1]["number"]})
    assert (
        page.status_code == 200
        and "is leaf 1 of 3" in page.text
        and "leads from the certificate" in page.text
    )
    assert "verifies with the log" in page.text
    assert "never what a certificate carries" in page.text and issued[1]["credential"] not in page.text
    missing = client.get("/log", params={"number": "nothing"})
    assert "no logged certificate" in missing.text


def test_a_running_server_signs_a_covering_head_within_seconds(live_server, clock) -> None:  # type: ignore[no-untyped-def]
    """Issuing does not sign heads; the server's timer does, with nobody asking for one:
    the contract wants every certificate covered by a signed head within 5 seconds."""
    base, settings = live_server
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    try:
        token = accounts.create_token(
            UnitOfWork(factory), OPERATOR, clock, role=Role.AUTHORITY, participant="BW"
        ).secret
        for _ in range(3):
            response = httpx.post(f"{base}/api/v1/certificates", json=certificate_body(), headers=auth(token))
            assert response.status_code == 201, response.text
        deadline = time.monotonic() + 5
        newest = 0
        while newest < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
            with factory() as session:
                newest = session.scalar(sa.select(sa.func.max(TreeHead.tree_size))) or 0
        assert newest == 3, "no signed head covered the certificates within 5 seconds"
    finally:
        engine.dispose()


def test_anonymous_readers_of_the_log_learn_numbers_not_contents(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    """The log is public, the certificates are not: a participant refused a certificate
    (404) must not read it from the log, nor lift its credential from there."""
    body = certificate_body()
    issued = _issue(client, make_token(Role.AUTHORITY, "BW"), 2)
    answer = client.get("/api/v1/log/entries", params={"start": 0, "end": 10})
    assert answer.status_code == 200
    assert answer.json()["entries"] == [{"index": i, "leaf": _line(c)} for i, c in enumerate(issued)]
    text = answer.text
    for secret in (
        body["exporter"]["name"],  # type: ignore[index]
        body["exporter"]["address"],  # type: ignore[index]
        body["importer"]["name"],  # type: ignore[index]
        body["importer"]["address"],  # type: ignore[index]
        "1520.35",
        "310250",
        "5000.5",
        issued[0]["credential"].split(".")[1][:40],  # any part of the signed payload
    ):
        assert secret not in text, secret
    india = make_token(Role.AUTHORITY, "IN")
    assert client.get(f"/api/v1/certificates/{issued[0]['number']}", headers=auth(india)).status_code == 404
    # Whoever holds the credential proves it was logged: the line, its hash, the proof.
    receipt = client.get(f"/api/v1/certificates/{issued[0]['number']}/receipt").json()
    assert receipt["leaf_hash"] == _leaf_hash_b64(issued[0])


def test_a_log_of_the_first_form_keeps_its_leaves_and_takes_lines_after(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, session_factory
) -> None:
    token = make_token(Role.AUTHORITY, "BW")
    old = _issue(client, token, 3)
    with session_factory() as session:
        assert relog_in_first_form(session) == 3
        session.commit()
    new = _issue(client, token, 2)
    entries = client.get("/api/v1/log/entries", params={"start": 0, "end": 10}).json()["entries"]
    assert [e["leaf"] for e in entries] == [c["credential"] for c in old] + [_line(c) for c in new]
    sth = client.get("/api/v1/log/sth").json()
    root = base64.b64decode(sth["root_hash"])
    leaf_hashes = [merkle.leaf_hash(e["leaf"].encode("ascii")) for e in entries]
    assert sth["tree_size"] == 5 and merkle.root_from_leaf_hashes(leaf_hashes) == root
    for index, cert in enumerate(old + new):
        # A holder tries the line first, then the first form, as kpcs.translog.leaves says.
        answers = {
            h: client.get(
                "/api/v1/log/proof", params={"leaf_hash": base64.b64encode(h).decode(), "tree_size": 5}
            )
            for h in candidate_leaf_hashes(cert["number"], cert["credential"])
        }
        proofs = [(h, r.json()) for h, r in answers.items() if r.status_code == 200]
        assert len(proofs) == 1, cert["number"]
        leaf_hash, proof = proofs[0]
        assert leaf_hash == (
            _leaf_hash(cert) if index >= 3 else merkle.leaf_hash(cert["credential"].encode())
        )
        path = [base64.b64decode(h) for h in proof["audit_path"]]
        assert proof["leaf_index"] == index and merkle.verify_inclusion(leaf_hash, index, 5, path, root)
        receipt = client.get(f"/api/v1/certificates/{cert['number']}/receipt").json()
        assert base64.b64decode(receipt["leaf_hash"]) == leaf_hash
        verified = client.post("/api/v1/verify", json={"credential": cert["credential"]}).json()
        assert verified["valid"] is True, verified  # online verification finds either form
        receipt_path = [base64.b64decode(h) for h in receipt["inclusion_proof"]]
        assert merkle.verify_inclusion(
            leaf_hash,
            index,
            receipt["signed_tree_head"]["tree_size"],
            receipt_path,
            base64.b64decode(receipt["signed_tree_head"]["root_hash"]),
        )
