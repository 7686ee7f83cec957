"""A status change made on the hub reaches every national node as a message signed by the
hub, exactly once, and the node refuses certificates from its effective date (issue 18,
item 6), on SQLite and PostgreSQL. The real-process version is in tests/system."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.audit.models import AuditEvent
from kpcs.db import UnitOfWork
from kpcs.exchange import services
from kpcs.exchange.messages import HUB, MESSAGE_TYPE, envelope
from kpcs.exchange.models import HubLink, MessageKind, OutboxMessage
from kpcs.participants.models import ParticipantStatusChange
from kpcs.signing.jws import public_x, sign_compact, thumbprint
from tests.conftest import TODAY, auth, certificate_body
from tests.functional.test_exchange_enrollment import enroll, node_key

HUB_KEY = Ed25519PrivateKey.generate()
HUB_X = public_x(HUB_KEY)
HUB_KID = thumbprint(HUB_X)
CALLBACK = "callback-token-of-the-hub"


def status_messages(session_factory) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    with session_factory() as session:
        return list(
            session.scalars(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == MessageKind.PARTICIPANT_STATUS)
                .order_by(OutboxMessage.created_at)
            )
        )


def test_a_status_change_on_the_hub_is_sent_to_every_node(  # type: ignore[no-untyped-def]
    cli, client: TestClient, make_token, session_factory
) -> None:
    admin = auth(make_token(Role.ADMIN))
    suspension = {"status": "suspended", "reason": "Plenary decision (test)", "effective_on": "2025-03-03"}
    assert client.post("/api/v1/participants/ZW/status", json=suspension, headers=admin).status_code == 201
    assert status_messages(session_factory) == []  # no node yet: nobody to tell
    made = cli("nodes", "enroll", "--participant", "BW", "--url", "http://127.0.0.1:9/")
    assert enroll(client, made.output.strip().splitlines()[-1], node_key()).status_code == 200
    # A node enrolled after the change learns it: its registry is the shipped file's.
    [history] = status_messages(session_factory)
    assert (history.sender, history.recipient, history.destination) == (HUB, "BW", "BW")
    assert history.body == {
        "participant": "ZW",
        "status": "suspended",
        "effective_on": "2025-03-03",
        "reason": "Plenary decision (test)",
        "zones": [],
    }
    restriction = {
        "status": "restricted",
        "reason": "Operational framework (test)",
        "effective_on": "2025-03-10",
        "zones": ["Marange", "Zvishavane"],
    }
    assert client.post("/api/v1/participants/ZW/status", json=restriction, headers=admin).status_code == 201
    sent = {m.body["status"]: m for m in status_messages(session_factory)}
    assert sorted(sent) == ["restricted", "suspended"] and sent["restricted"].recipient == "BW"
    assert sent["restricted"].body["zones"] == ["Marange", "Zvishavane"]
    # A refused change sends nothing.
    bad = {**restriction, "effective_on": "2025-03-01"}
    assert client.post("/api/v1/participants/ZW/status", json=bad, headers=admin).status_code == 422
    assert len(status_messages(session_factory)) == 2


def hub_message(
    body: dict[str, Any], *, key: Ed25519PrivateKey = HUB_KEY, message_id: str | None = None
) -> str:
    payload = envelope(
        message_id or str(uuid.uuid4()), MessageKind.PARTICIPANT_STATUS, HUB, "IN", TODAY, body
    )
    return sign_compact(payload, private_key=key, kid=HUB_KID, typ=MESSAGE_TYPE)


def deliver(client: TestClient, signed: str) -> Any:
    return client.post("/api/v1/exchange/messages", json={"message": signed}, headers=auth(CALLBACK))


def as_india_node(session_factory) -> None:  # type: ignore[no-untyped-def]
    """This database as India's node, enrolled with a hub whose trust-list key it pinned."""
    with UnitOfWork(session_factory) as uow:
        uow.session.add(
            HubLink(
                id=1,
                participant="IN",
                hub_url="http://127.0.0.1:9",
                callback_token_hash=services.token_hash(CALLBACK),
                hub_trust_kid=HUB_KID,
                hub_trust_x=HUB_X,
                enrolled_at=TODAY,
            )
        )
        uow.commit()


def to_belgium(client: TestClient, token: str) -> Any:
    body = certificate_body(
        exporting_country="IN",
        exporter={"name": "Surat Rough Traders", "address": "Mahidharpura, Surat, Gujarat, India"},
        lines=[{"hs_code": "7102.31", "origin": "mixed", "carats": 120.5, "value_usd": 30500.00}],
    )
    return client.post("/api/v1/certificates", json=body, headers=auth(token))


def test_a_node_takes_the_hubs_suspension_once_and_refuses_from_its_date(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, session_factory, clock
) -> None:
    as_india_node(session_factory)
    authority = make_token(Role.AUTHORITY, "IN")
    tomorrow = TODAY.date() + timedelta(days=1)
    suspension = {
        "participant": "EU",
        "status": "suspended",
        "effective_on": tomorrow.isoformat(),
        "reason": "Plenary decision (test)",
        "zones": [],
    }
    signed = hub_message(suspension)
    taken = deliver(client, signed)
    assert taken.status_code == 200, taken.text
    assert taken.json()["result"] == "accepted" and taken.json()["state"] == "applied"
    assert deliver(client, signed).json()["result"] == "duplicate"
    # The same change in another message (sent again at a re-enrollment) changes nothing either.
    again = deliver(client, hub_message(suspension)).json()
    assert again["result"] == "accepted" and "already suspended" in again["note"]
    with session_factory() as session:
        rows = session.scalars(
            sa.select(ParticipantStatusChange).where(
                ParticipantStatusChange.participant_code == "EU",
                ParticipantStatusChange.recorded_by == "node:hub",
            )
        ).all()
        assert [(r.status.value, r.effective_on) for r in rows] == [("suspended", tomorrow)]
        audited = session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.tag == "participant:status:changed", AuditEvent.object_id == "EU"
            )
        ).all()
        assert [a.actor for a in audited] == ["node:hub"]
    # Not yet in force today: the node still issues to Belgium...
    issued = to_belgium(client, authority)
    assert issued.status_code == 201, issued.text
    # ...and refuses from the effective date on.
    clock.at = TODAY + timedelta(days=1)
    refused = to_belgium(client, authority)
    assert refused.status_code == 422, refused.text
    assert "suspended since " + tomorrow.isoformat() in refused.text
    listed = {p["code"]: p["status"] for p in client.get("/api/v1/participants").json()}
    assert listed["EU"] == "suspended"


def test_a_node_refuses_status_changes_not_signed_by_its_hub(  # type: ignore[no-untyped-def]
    client: TestClient, session_factory
) -> None:
    as_india_node(session_factory)
    body = {
        "participant": "EU",
        "status": "suspended",
        "effective_on": date(2025, 3, 3).isoformat(),
        "reason": "forged",
        "zones": [],
    }
    forged = deliver(client, hub_message(body, key=Ed25519PrivateKey.generate()))
    assert forged.status_code == 422 and "forged" in forged.json()["detail"]
    unknown = deliver(client, hub_message({**body, "participant": "XX"}))
    assert unknown.status_code == 422 and "XX" in unknown.json()["detail"]
    malformed = deliver(client, hub_message({**body, "status": "paused"}))
    assert malformed.status_code == 422 and "status" in malformed.json()["detail"]
    with session_factory() as session:
        changed = session.scalar(
            sa.select(sa.func.count()).where(ParticipantStatusChange.recorded_by == "node:hub")
        )
        assert changed == 0
