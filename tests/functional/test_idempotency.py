"""``Idempotency-Key`` on the API's creating requests (CONTRACT.md, "Requests that change
something"): a retry gets the first answer and creates nothing new."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.certificates.models import Certificate
from kpcs.db import UnitOfWork
from kpcs.idempotency import services
from kpcs.idempotency.models import IdempotencyKey
from tests.conftest import auth, certificate_body


def _certificates(session_factory) -> int:  # type: ignore[no-untyped-def]
    with session_factory() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Certificate)))


def test_a_retried_issue_returns_the_same_certificate_and_creates_one(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, session_factory
) -> None:
    bw = auth(make_token(Role.AUTHORITY, "BW")) | {"Idempotency-Key": "issue-0001"}
    first = client.post("/api/v1/certificates", json=certificate_body(), headers=bw)
    assert first.status_code == 201, first.text
    retry = client.post("/api/v1/certificates", json=certificate_body(), headers=bw)
    assert retry.status_code == 201
    assert retry.json() == first.json() and retry.json()["number"] == first.json()["number"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert _certificates(session_factory) == 1
    other = client.post("/api/v1/certificates", json=certificate_body(parcel_count=4), headers=bw)
    assert other.status_code == 409 and "different request" in other.json()["detail"]
    assert _certificates(session_factory) == 1
    # A new key is a new certificate; no key at all is the old behaviour.
    fresh = client.post(
        "/api/v1/certificates", json=certificate_body(), headers=bw | {"Idempotency-Key": "issue-0002"}
    )
    assert fresh.status_code == 201 and fresh.json()["number"] != first.json()["number"]
    assert _certificates(session_factory) == 2


def test_keys_belong_to_the_caller(client: TestClient, make_token, session_factory) -> None:  # type: ignore[no-untyped-def]
    key = {"Idempotency-Key": "same-key"}
    one = client.post(
        "/api/v1/certificates", json=certificate_body(), headers=auth(make_token(Role.AUTHORITY, "BW")) | key
    )
    two = client.post(
        "/api/v1/certificates", json=certificate_body(), headers=auth(make_token(Role.AUTHORITY, "BW")) | key
    )
    assert one.status_code == two.status_code == 201 and one.json()["number"] != two.json()["number"]
    assert _certificates(session_factory) == 2


def test_a_refused_request_does_not_hold_its_key(client: TestClient, make_token, session_factory) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW")) | {"Idempotency-Key": "fix-and-retry"}
    refused = client.post("/api/v1/certificates", json=certificate_body(importing_country="BW"), headers=bw)
    assert refused.status_code == 422
    corrected = client.post("/api/v1/certificates", json=certificate_body(), headers=bw)
    assert corrected.status_code == 201 and _certificates(session_factory) == 1


def test_a_retried_cancellation_answers_as_the_first_did(client: TestClient, make_token) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    number = client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()["number"]
    cancel = bw | {"Idempotency-Key": "cancel-1"}
    first = client.post(
        f"/api/v1/certificates/{number}/cancellation", json={"reason": "typo"}, headers=cancel
    )
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    retry = client.post(
        f"/api/v1/certificates/{number}/cancellation", json={"reason": "typo"}, headers=cancel
    )
    assert (retry.status_code, retry.json()) == (200, first.json())
    # Without the key the second cancellation is refused as before.
    again = client.post(f"/api/v1/certificates/{number}/cancellation", json={"reason": "typo"}, headers=bw)
    assert again.status_code == 409


def test_a_retried_upload_is_the_same_request_whatever_its_multipart_boundary(  # type: ignore[no-untyped-def]
    client: TestClient, make_token
) -> None:
    headers = auth(make_token(Role.AUTHORITY, "BW")) | {"Idempotency-Key": "upload-q1"}
    csv = (
        b"participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"
        b"BW,2024-Q1,export,EU,7102.31,152035.40,31025000.00,41\n"
    )
    first = client.post(
        "/api/v1/statistics/submissions", files={"file": ("trade.csv", csv, "text/csv")}, headers=headers
    )
    assert first.status_code == 201, first.text
    retry = client.post(
        "/api/v1/statistics/submissions", files={"file": ("trade.csv", csv, "text/csv")}, headers=headers
    )
    assert retry.status_code == 201 and retry.json() == first.json()
    assert retry.headers.get("Idempotent-Replayed") == "true"
    changed = client.post(
        "/api/v1/statistics/submissions",
        files={"file": ("trade.csv", csv.replace(b"41", b"42"), "text/csv")},
        headers=headers,
    )
    assert changed.status_code == 409


def test_a_retry_while_the_first_is_running_creates_nothing(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, session_factory, clock
) -> None:
    token = make_token(Role.AUTHORITY, "BW")
    actor = client.get("/api/v1/me", headers=auth(token)).json()["actor"]
    # The first request has claimed the key and not answered yet (what a concurrent retry sees).
    claimed = services.claim(
        UnitOfWork(session_factory),
        clock,
        principal=actor,
        key="k1",
        method="POST",
        path="/api/v1/certificates",
    )
    assert isinstance(claimed, services.Claimed)
    retry = client.post(
        "/api/v1/certificates", json=certificate_body(), headers=auth(token) | {"Idempotency-Key": "k1"}
    )
    assert retry.status_code == 409 and "still being processed" in retry.json()["detail"]
    assert _certificates(session_factory) == 0


def test_keys_expire_after_a_day(client: TestClient, make_token, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW")) | {"Idempotency-Key": "daily"}
    first = client.post("/api/v1/certificates", json=certificate_body(), headers=bw).json()["number"]
    clock.at += services.KEEP_FOR + timedelta(minutes=1)
    later = client.post("/api/v1/certificates", json=certificate_body(), headers=bw)
    assert later.status_code == 201 and later.json()["number"] != first
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(IdempotencyKey)) == 1


def test_a_bad_key_is_refused(client: TestClient, make_token, session_factory) -> None:  # type: ignore[no-untyped-def]
    bw = auth(make_token(Role.AUTHORITY, "BW"))
    response = client.post(
        "/api/v1/certificates", json=certificate_body(), headers=bw | {"Idempotency-Key": "x" * 300}
    )
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["detail"]
    assert _certificates(session_factory) == 0


def test_concurrent_retries_create_one_certificate(live_server, clock) -> None:  # type: ignore[no-untyped-def]
    import httpx

    from kpcs.accounts import services as accounts
    from kpcs.accounts.permissions import operator
    from kpcs.db import make_engine, make_session_factory

    base, settings = live_server
    engine = make_engine(settings.sqlalchemy_url)
    try:
        factory = make_session_factory(engine)
        token = accounts.create_token(
            UnitOfWork(factory), operator("t"), clock, role=Role.AUTHORITY, participant="BW"
        ).secret
        headers = auth(token) | {"Idempotency-Key": "sent-twice-at-once"}
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(
                pool.map(
                    lambda _: httpx.post(
                        f"{base}/api/v1/certificates", json=certificate_body(), headers=headers, timeout=30
                    ),
                    range(4),
                )
            )
        created = [a for a in answers if a.status_code == 201]
        assert created and {a.json()["number"] for a in created} == {created[0].json()["number"]}
        assert all(a.status_code in (201, 409) for a in answers)
        assert _certificates(factory) == 1
    finally:
        engine.dispose()
