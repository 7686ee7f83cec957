"""Receiving messages on SQLite and PostgreSQL: exactly once, in any order, and only
from whoever signed them. The database plays the national node of India; Botswana's
messages are signed with a real Ed25519 key that India knows from the hub's trust list."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kpcs.accounts.models import Role
from kpcs.accounts.permissions import Principal, PrincipalKind
from kpcs.audit.models import AuditEvent
from kpcs.certificates.credential import (
    JWS_TYPE,
    Container,
    CredentialData,
    CredentialLine,
    OptionalElements,
    build_payload,
)
from kpcs.certificates.models import Certificate, CertificateStatus
from kpcs.certificates.verifying import verify_online
from kpcs.db import UnitOfWork
from kpcs.errors import PermissionDenied
from kpcs.exchange import services
from kpcs.exchange.messages import MESSAGE_TYPE, MessageRefused, UnknownSigner, envelope
from kpcs.exchange.models import HubLink, InboxMessage, MessageKind, OutboxMessage
from kpcs.signing.jws import public_x, sign_compact, thumbprint
from kpcs.signing.keys import import_keys
from kpcs.signing.models import KeyPurpose
from kpcs.signing.trust_list import TrustedKey
from tests.conftest import OPERATOR, TODAY

BW_KEY = Ed25519PrivateKey.generate()
BW_X = public_x(BW_KEY)
BW_KID = thumbprint(BW_X)
HUB_CALLER = services.Caller(participant=None)


@pytest.fixture
def node(session_factory, clock):  # type: ignore[no-untyped-def]
    """This database as India's node, knowing Botswana's key."""
    with UnitOfWork(session_factory) as uow:
        uow.session.add(
            HubLink(
                id=1, participant="IN", hub_url="http://hub", callback_token_hash=services.token_hash("cb")
            )
        )
        key = TrustedKey(kid=BW_KID, purpose=KeyPurpose.CERTIFICATES, owner="BW", x=BW_X, valid_from=TODAY)
        import_keys(uow.session, clock, [key], actor=OPERATOR, owners={"BW"})
        uow.commit()
    return session_factory


def credential(number: str, optional: OptionalElements = OptionalElements()) -> str:
    data = CredentialData(
        number=number,
        issuing_participant="BW",
        issuing_authority="Kimberley Process Unit, Botswana",
        exporting_country="BW",
        importing_country="IN",
        importing_participant="IN",
        exporter_name="Okavango Diamond Company",
        exporter_address="Gaborone",
        importer_name="Surat Rough Traders",
        importer_address="Surat",
        parcel_count=2,
        lines=(CredentialLine("7102.31", "BW", Decimal("100.50"), Decimal("20000.00")),),
        issued_on=TODAY.date(),
        expires_on=TODAY.date() + timedelta(days=60),
        issued_at=TODAY,
        optional=optional,
    )
    return sign_compact(build_payload(data), private_key=BW_KEY, kid=BW_KID, typ=JWS_TYPE)


def message(kind: MessageKind, body: dict[str, Any], *, sender: str = "BW", key: Any = BW_KEY) -> str:
    payload = envelope(str(uuid.uuid4()), kind, sender, "IN", TODAY, body)
    return sign_compact(payload, private_key=key, kid=BW_KID, typ=MESSAGE_TYPE)


def pre_notification(number: str) -> str:
    return message(MessageKind.PRE_NOTIFICATION, {"number": number, "credential": credential(number)})


def cancellation(number: str) -> str:
    return message(
        MessageKind.CANCELLATION,
        {"number": number, "reason": "shipment_withdrawn", "note": None, "cancelled_at": TODAY.isoformat()},
    )


def receive(node, keyring, clock, signed: str) -> services.Receipt:  # type: ignore[no-untyped-def]
    return services.receive(UnitOfWork(node), keyring, clock, signed, HUB_CALLER)


def test_a_message_received_twice_has_its_effect_once(node, keyring, clock) -> None:  # type: ignore[no-untyped-def]
    signed = pre_notification("BW-2025-000001")
    first = receive(node, keyring, clock, signed)
    second = receive(node, keyring, clock, signed)
    assert (first.result, first.state, second.result) == ("accepted", "applied", "duplicate")
    with node() as session:
        copy = session.scalars(sa.select(Certificate)).one()
        assert copy.number == "BW-2025-000001" and copy.received_at is not None
        assert copy.total_carats == Decimal("100.50") and copy.importing_participant == "IN"
        received = session.scalar(sa.select(sa.func.count()).where(AuditEvent.tag == "certificate:received"))
        assert received == 1


def test_a_cancellation_that_overtakes_its_pre_notification_still_ends_right(  # type: ignore[no-untyped-def]
    node, keyring, clock
) -> None:
    number = "BW-2025-000002"
    early = receive(node, keyring, clock, cancellation(number))
    assert early.state == "waiting"
    with node() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
    receive(node, keyring, clock, pre_notification(number))
    with node() as session:
        copy = session.scalars(sa.select(Certificate).where(Certificate.number == number)).one()
        assert copy.status is CertificateStatus.CANCELLED
        states = set(session.scalars(sa.select(InboxMessage.state)))
        assert {s.value for s in states} == {"applied"}


@pytest.mark.parametrize("order", list(itertools.permutations(["pre", "cancel", "pre-again"])))
def test_any_order_of_delivery_ends_the_same(node, keyring, clock, order: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """Pre-notification, cancellation and a repeated pre-notification, in every order."""
    number = "BW-2025-000005"
    signed_pre = pre_notification(number)
    messages = {"pre": signed_pre, "pre-again": signed_pre, "cancel": cancellation(number)}
    for name in order:
        receive(node, keyring, clock, messages[name])
    with node() as session:
        copy = session.scalars(sa.select(Certificate).where(Certificate.number == number)).one()
        assert copy.status is CertificateStatus.CANCELLED
        assert session.scalar(sa.select(sa.func.count()).select_from(InboxMessage)) == 2
        tags = list(session.scalars(sa.select(AuditEvent.tag).where(AuditEvent.object_id == number)))
        assert sorted(tags) == ["certificate:cancelled", "certificate:received"]


def test_forged_or_misdirected_messages_change_nothing(node, keyring, clock) -> None:  # type: ignore[no-untyped-def]
    signed = pre_notification("BW-2025-000003")
    head, payload, signature = signed.split(".")
    tampered = f"{head}.{payload}.{'A' * len(signature)}"
    with pytest.raises(MessageRefused, match="signature"):
        receive(node, keyring, clock, tampered)
    stranger = Ed25519PrivateKey.generate()
    with pytest.raises(MessageRefused, match="signature"):
        receive(node, keyring, clock, message(MessageKind.CANCELLATION, {"number": "X"}, key=stranger))
    with pytest.raises(MessageRefused, match="claims to come from ZA"):
        receive(node, keyring, clock, message(MessageKind.CANCELLATION, {"number": "X"}, sender="ZA"))
    unknown = Ed25519PrivateKey.generate()
    unknown_kid = thumbprint(public_x(unknown))
    payload_unknown = envelope("m-1", MessageKind.CANCELLATION, "BW", "IN", TODAY, {"number": "X"})
    with pytest.raises(UnknownSigner):
        receive(
            node,
            keyring,
            clock,
            sign_compact(payload_unknown, private_key=unknown, kid=unknown_kid, typ=MESSAGE_TYPE),
        )
    with node() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(InboxMessage)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


def test_the_hub_takes_a_nodes_messages_only_in_its_own_name(session_factory, keyring, clock) -> None:  # type: ignore[no-untyped-def]
    """On the hub: the node of India may not pass off Botswana's message as its own."""
    with UnitOfWork(session_factory) as uow:
        key = TrustedKey(kid=BW_KID, purpose=KeyPurpose.CERTIFICATES, owner="BW", x=BW_X, valid_from=TODAY)
        import_keys(uow.session, clock, [key], actor=OPERATOR, owners={"BW"})
        uow.commit()
    with pytest.raises(PermissionDenied, match="only send its own"):
        services.receive(
            UnitOfWork(session_factory),
            keyring,
            clock,
            pre_notification("BW-2025-000004"),
            services.Caller(participant="IN"),
        )
    accepted = services.receive(
        UnitOfWork(session_factory),
        keyring,
        clock,
        pre_notification("BW-2025-000004"),
        services.Caller(participant="BW"),
    )
    assert accepted.state == "applied"  # India has no node: the hub keeps its copy


def test_a_cancellation_after_the_import_was_confirmed_is_held_for_review(node, keyring, clock) -> None:  # type: ignore[no-untyped-def]
    from kpcs.certificates import services as certificates
    from kpcs.certificates.schemas import ConfirmationCreate

    number = "BW-2025-000006"
    receive(node, keyring, clock, pre_notification(number))
    india = Principal(
        kind=PrincipalKind.TOKEN, name="in", participant_code="IN", roles=frozenset({Role.AUTHORITY})
    )
    certificates.confirm_import(
        UnitOfWork(node), india, clock, number, ConfirmationCreate(received_on=TODAY.date())
    )
    held = receive(node, keyring, clock, cancellation(number))
    assert held.state == "applied" and "recorded, not applied" in (held.note or "")
    with node() as session:
        copy = session.scalars(sa.select(Certificate).where(Certificate.number == number)).one()
        assert copy.status is CertificateStatus.CONFIRMED
        tags = list(session.scalars(sa.select(AuditEvent.tag).where(AuditEvent.object_id == number)))
        assert tags[-1] == "certificate:message-held"


def test_importing_the_same_keys_again_changes_nothing(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    """A trust list taken twice must not move the revision (hub and node would resend forever)."""
    from datetime import timedelta as later

    from kpcs.participants.snapshot import current_revision

    old = TrustedKey(kid=BW_KID, purpose=KeyPurpose.CERTIFICATES, owner="BW", x=BW_X, valid_from=TODAY)
    new_x = public_x(Ed25519PrivateKey.generate())
    new = TrustedKey(
        kid=thumbprint(new_x), purpose=KeyPurpose.CERTIFICATES, owner="BW", x=new_x, valid_from=TODAY
    )
    with UnitOfWork(session_factory) as uow:
        assert import_keys(uow.session, clock, [old], actor=OPERATOR, owners={"BW"}) == 1
        # The hub's list later shows the old key retired a little after it was retired here.
        assert import_keys(uow.session, clock, [new], actor=OPERATOR, owners={"BW"}) == 1
        retired_elsewhere = TrustedKey(
            kid=BW_KID,
            purpose=KeyPurpose.CERTIFICATES,
            owner="BW",
            x=BW_X,
            valid_from=TODAY,
            valid_until=TODAY + later(minutes=5),
        )
        revision = current_revision(uow.session)
        for _ in range(3):
            assert (
                import_keys(uow.session, clock, [retired_elsewhere, new], actor=OPERATOR, owners={"BW"}) == 0
            )
        assert current_revision(uow.session) == revision
        uow.commit()


def test_a_certificate_known_through_the_exchange_verifies_online_here(node, keyring, clock) -> None:  # type: ignore[no-untyped-def]
    """India's node did not issue or log Botswana's certificate: the copy it received through
    the exchange is its record (Botswana's node logs it); a number it never received is not."""
    receive(node, keyring, clock, pre_notification("BW-2025-000011"))
    with node() as session:
        received = verify_online(session, keyring, clock, credential("BW-2025-000011"))
        never_sent = verify_online(session, keyring, clock, credential("BW-2025-000012"))
    assert received.valid is True and received.problems == ()
    assert never_sent.valid is False
    assert never_sent.problems[0].startswith("no record of a certificate numbered BW-2025-000012")


def test_the_importers_copy_keeps_the_optional_elements_and_its_return_slip_reports_the_seals(  # type: ignore[no-untyped-def]
    node, keyring, clock
) -> None:
    """The container's seals reach India's node in the credential; India's return slip, with
    its HS codes, seals and the mismatch, goes back to Botswana."""
    from kpcs.certificates import services as certificates
    from kpcs.certificates.schemas import ConfirmationCreate, SealIn

    number = "BW-2025-000021"
    optional = OptionalElements(Container("steel case", ("S-1", "S-2")), ("AE",), "gem", None)
    signed = message(
        MessageKind.PRE_NOTIFICATION, {"number": number, "credential": credential(number, optional)}
    )
    receive(node, keyring, clock, signed)
    with node() as session:
        copy = session.scalars(sa.select(Certificate).where(Certificate.number == number)).one()
        assert copy.container == optional.container.as_json()  # type: ignore[union-attr]
        assert copy.transit_participants == ["AE"] and copy.quality_characteristics == "gem"
    india = Principal(
        kind=PrincipalKind.TOKEN, name="in", participant_code="IN", roles=frozenset({Role.AUTHORITY})
    )
    slip = ConfirmationCreate(
        received_on=TODAY.date(),
        hs_codes_received=["7102.31"],
        seals=[SealIn(number="S-1", intact=True), SealIn(number="S-2", intact=False)],
    )
    certificates.confirm_import(UnitOfWork(node), india, clock, number, slip)
    with node() as session:
        body = session.scalars(
            sa.select(OutboxMessage.body).where(OutboxMessage.kind == MessageKind.IMPORT_CONFIRMATION)
        ).one()
    assert body["hs_codes_received"] == ["7102.31"]
    assert body["seals"] == [{"number": "S-1", "intact": True}, {"number": "S-2", "intact": False}]
    assert body["discrepancies"] == [{"field": "seal", "certificate": "S-2", "received": "broken"}]
