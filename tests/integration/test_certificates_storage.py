"""Certificates in the database, on SQLite and PostgreSQL: numbering, signing keys,
the rules against the registry, confirmations, cancellations and who sees what."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role
from kpcs.accounts.permissions import Principal, PrincipalKind
from kpcs.audit.models import AuditEvent
from kpcs.certificates import reading, services
from kpcs.certificates.models import Certificate, CertificateSerial
from kpcs.certificates.schemas import CancellationCreate, CertificateCreate, ConfirmationCreate
from kpcs.certificates.verification import verify_offline
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, InvalidInput, NotFound
from kpcs.participants import services as registry
from kpcs.participants.schemas import StatusChangeCreate
from kpcs.signing.keys import KeyFiles, KeyRing
from kpcs.signing.models import KeyPurpose, SigningKey
from tests.conftest import OPERATOR, certificate_body


def token_principal(role: Role, participant: str | None) -> Principal:
    return Principal(
        kind=PrincipalKind.TOKEN,
        name=f"kpcs_{role.value}",
        participant_code=participant,
        roles=frozenset({role}),
    )


BW = token_principal(Role.AUTHORITY, "BW")
EU = token_principal(Role.AUTHORITY, "EU")
ZW = token_principal(Role.AUTHORITY, "ZW")


def test_issue_numbers_signs_stores_and_audits(
    issue, session_factory: sessionmaker[Session], keyring: KeyRing, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    first, second = issue(BW), issue(BW)
    assert (first.number, second.number) == ("BW-2025-000001", "BW-2025-000002")
    assert first.status == "issued" and first.importing_participant == "EU"
    assert first.expires_on == date(2025, 5, 2)  # 60 days, the default validity
    assert float(first.total_carats) == 1720.35
    check = verify_offline(first.credential, keyring.trust_list(), now=clock.now())
    assert check.valid and check.number == first.number and check.issuing_participant == "BW"
    with session_factory() as session:
        row = session.scalars(sa.select(Certificate).where(Certificate.number == first.number)).one()
        assert [line.hs_code for line in row.lines] == ["7102.31", "7102.21"]
        assert row.issued_by == "token:kpcs_authority"
        events = session.scalars(
            sa.select(AuditEvent.object_id).where(AuditEvent.tag == "certificate:issued")
        ).all()
        assert events == [first.number, second.number]


def test_signing_key_is_created_once_and_kept_safe(issue, settings: Settings, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    first = issue()
    keys_dir = settings.data_dir / "keys"
    key_files = {path.stem: path for path in keys_dir.glob("*.pem")}
    assert list(key_files) == [first.kid]  # the log's key is made when its first head is signed
    assert all(stat.S_IMODE(path.stat().st_mode) == 0o600 for path in key_files.values())
    assert stat.S_IMODE(keys_dir.stat().st_mode) == 0o700
    assert issue().kid == first.kid
    # Another process (a fresh key ring) finds the same active key rather than making one.
    other = KeyRing(session_factory, KeyFiles(keys_dir), clock)
    assert other.active(KeyPurpose.CERTIFICATES, "BW", actor=OPERATOR).kid == first.kid
    with session_factory() as session:
        purposes = session.execute(sa.select(SigningKey.purpose, SigningKey.owner)).all()
        assert purposes == [(KeyPurpose.CERTIFICATES, "BW")]


def test_member_state_exports_are_issued_by_the_eu(issue) -> None:  # type: ignore[no-untyped-def]
    cert = issue(
        EU,
        exporting_country="BE",
        importing_country="IN",
        lines=[{"hs_code": "7102.10", "origin": "mixed", "carats": 10, "value_usd": 990}],
    )
    assert cert.number.startswith("EU-2025-") and cert.exporting_participant == "EU"
    assert cert.exporting_country == "BE"


@pytest.mark.parametrize(
    ("principal", "changes", "rule"),
    [
        (ZW, {}, "own-participant"),
        (BW, {"importing_country": "WD"}, "country-code"),
        (BW, {"importing_country": "KE"}, "participants-only"),
        (BW, {"importing_country": "BW"}, "distinct-participants"),
        (EU, {"exporting_country": "FR", "importing_country": "DE"}, "distinct-participants"),
        (
            BW,
            {"lines": [{"hs_code": "7104.21", "origin": "BW", "carats": 1, "value_usd": 1}]},
            "hs-code-scope",
        ),
        (BW, {"expires_on": "2025-12-31"}, "validity"),
    ],
)
def test_refusals_store_nothing(issue, session_factory, principal, changes, rule) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ShipmentRefused) as refused:
        issue(principal, **changes)
    assert rule in refused.value.rules
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(CertificateSerial)) == 0


def test_suspension_from_the_registry_stops_trade(issue, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    registry.change_status(
        UnitOfWork(session_factory),
        OPERATOR,
        clock,
        "ZW",
        StatusChangeCreate(status="suspended", effective_on=clock.today(), reason="test"),
    )
    with pytest.raises(services.ShipmentRefused) as refused:
        issue(BW, importing_country="ZW")
    assert refused.value.rules == ["good-standing"]
    assert "suspended" in refused.value.message


def test_numbers_stay_unique_under_concurrent_issuing(session_factory, clock, keyring) -> None:  # type: ignore[no-untyped-def]
    body = CertificateCreate.model_validate(certificate_body())

    def issue_one(_: int) -> str:
        return services.issue_certificate(UnitOfWork(session_factory), BW, clock, keyring, body).number

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(issue_one, range(30)))
    assert sorted(numbers) == [f"BW-2025-{n:06d}" for n in range(1, 31)]


def test_confirmation_records_discrepancies_once(issue, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    cert = issue(BW)
    body = ConfirmationCreate(received_on=clock.today(), carats_received="1700.00", parcels_received=3)
    confirmed = services.confirm_import(UnitOfWork(session_factory), EU, clock, cert.number, body)
    assert confirmed.status == "confirmed"
    assert confirmed.confirmation is not None
    assert confirmed.confirmation.discrepancies == [
        {"field": "carats", "certificate": "1720.35", "received": "1700.00"}
    ]
    with pytest.raises(services.ShipmentRefused, match="already confirmed"):
        services.confirm_import(UnitOfWork(session_factory), EU, clock, cert.number, body)
    with pytest.raises(Conflict):
        services.cancel_certificate(
            UnitOfWork(session_factory), BW, clock, cert.number, CancellationCreate(reason="printing_error")
        )
    with session_factory() as session:
        detail = reading.get_certificate(session, BW, clock, cert.number)
        assert [t.event for t in detail.timeline] == ["issued and signed", "import confirmed"]
        assert "carats 1720.35 → 1700.00" in (detail.timeline[1].detail or "")


def test_only_the_importing_authority_confirms(issue, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    cert = issue(BW)
    body = ConfirmationCreate(received_on=clock.today())
    with pytest.raises(Exception) as refused:
        services.confirm_import(UnitOfWork(session_factory), BW, clock, cert.number, body)
    assert type(refused.value).__name__ == "PermissionDenied"
    with pytest.raises(NotFound):  # ZW does not even see it
        services.confirm_import(UnitOfWork(session_factory), ZW, clock, cert.number, body)


def test_cancelled_certificate_cannot_be_confirmed(issue, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    cert = issue(BW)
    with pytest.raises(InvalidInput):
        services.cancel_certificate(
            UnitOfWork(session_factory), BW, clock, cert.number, CancellationCreate(reason="other")
        )
    cancelled = services.cancel_certificate(
        UnitOfWork(session_factory),
        BW,
        clock,
        cert.number,
        CancellationCreate(reason="Shipment withdrawn", note="buyer withdrew"),
    )
    assert cancelled.status == "cancelled" and cancelled.cancellation is not None
    assert cancelled.cancellation["reason"] == "shipment_withdrawn"
    with pytest.raises(services.ShipmentRefused, match="cancelled"):
        services.confirm_import(
            UnitOfWork(session_factory), EU, clock, cert.number, ConfirmationCreate(received_on=clock.today())
        )
    with pytest.raises(Conflict, match="already cancelled"):
        services.cancel_certificate(
            UnitOfWork(session_factory), BW, clock, cert.number, CancellationCreate(reason="printing_error")
        )


def test_expired_certificate_cannot_cover_a_late_arrival(issue, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    cert = issue(BW, expires_on="2025-03-10")
    later = FixedClock(clock.now() + timedelta(days=30))
    with session_factory() as session:
        assert reading.get_certificate(session, BW, later, cert.number).status == "expired"
    with pytest.raises(services.ShipmentRefused, match="expired on 2025-03-10"):
        services.confirm_import(
            UnitOfWork(session_factory),
            EU,
            later,
            cert.number,
            ConfirmationCreate(received_on=date(2025, 3, 20)),
        )
    late = services.confirm_import(
        UnitOfWork(session_factory), EU, later, cert.number, ConfirmationCreate(received_on=date(2025, 3, 8))
    )
    assert late.status == "confirmed"


def test_visibility_is_scoped(issue, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    bw_to_eu = issue(BW)
    in_to_bw = issue(
        OPERATOR,
        exporting_country="IN",
        importing_country="BW",
        lines=[{"hs_code": "7102.10", "origin": "IN", "carats": 5, "value_usd": 500}],
    )
    with session_factory() as session:

        def numbers(principal: Principal, **kw: object) -> set[str]:
            return {row.number for row in reading.list_certificates(session, principal, clock, **kw)}

        assert numbers(BW) == {bw_to_eu.number, in_to_bw.number}
        assert numbers(BW, direction="outgoing") == {bw_to_eu.number}
        assert numbers(BW, direction="incoming") == {in_to_bw.number}
        assert numbers(EU) == {bw_to_eu.number}
        assert numbers(ZW) == set()
        assert numbers(token_principal(Role.CUSTOMS, "EU")) == {bw_to_eu.number}
        assert numbers(token_principal(Role.STATISTICS, None)) == {bw_to_eu.number, in_to_bw.number}
        with pytest.raises(NotFound):
            reading.get_certificate(session, ZW, clock, bw_to_eu.number)
        with pytest.raises(InvalidInput):
            reading.list_certificates(session, BW, clock, status="lost")


def test_unconfirmed_after_days(issue, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    old = issue(BW)
    later = FixedClock(clock.now() + timedelta(days=40))
    services.confirm_import(
        UnitOfWork(session_factory),
        EU,
        later,
        issue(BW).number,
        ConfirmationCreate(received_on=date(2025, 3, 5)),
    )
    with session_factory() as session:
        rows = reading.unconfirmed(session, BW, later, days=30)
        assert [(r.number, r.days_open) for r in rows] == [(old.number, 40)]
        assert reading.unconfirmed(session, BW, later, days=41) == []
        assert reading.unconfirmed(session, EU, later, days=0) == []  # EU exported nothing


def test_valuation_warnings_once_the_exporter_has_history(issue, session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    """The contract's valuation reference: the median $/ct of the exporter's certificates of
    the 12 months before the issue, once there are 20; a far-off line warns, and never blocks."""
    today = clock.at
    cheap = [{"hs_code": "7102.31", "origin": "BW", "carats": 1000, "value_usd": 20000}]  # 20 $/ct
    # No history yet: Botswana's production $/ct (≈ 145) stands in, and 20 is not a tenth of it.
    assert issue(BW, lines=cheap).warnings == []
    for days in range(1, 21):  # 7102.31 at 204.06 $/ct, on each of the 20 days before
        clock.at = today - timedelta(days=days)
        issue(BW)
    clock.at = today
    flagged = issue(BW, lines=cheap)
    assert [(w.type, w.basis, w.certificates) for w in flagged.warnings] == [("undervaluation", "origin", 20)]
    assert flagged.warnings[0].reference_usd_per_carat == 204.06
    assert "US$ 20.00/ct is 0.10 × the reference of US$ 204.06/ct" in flagged.warnings[0].message
    with session_factory() as session:  # stored with the certificate, as given back
        stored = session.scalar(sa.select(Certificate.warnings).where(Certificate.number == flagged.number))
        assert stored == [w.model_dump(exclude_none=True) for w in flagged.warnings]
    dear = [{"hs_code": "7102.31", "origin": "BW", "carats": 10, "value_usd": 10000}]  # 1,000 $/ct
    assert [w.type for w in issue(BW, lines=dear).warnings] == ["overvaluation"]
    assert issue(BW).warnings == []
    assert issue(EU, exporting_country="BE", importing_country="IN", lines=cheap).warnings == []


def test_the_stored_rows_read_back_as_issued(issue, session_factory, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    """Issuing writes its rows without the ORM (certificates/store.py): every column, read
    back through the models, is what the use case gave, on both databases."""
    lines = [
        {"hs_code": "7102.31", "origin": "BW", "carats": 1000, "value_usd": 20000},
        {"hs_code": "7102.21", "origin": "mixed", "carats": "0.01", "value_usd": "0.02"},
        {"hs_code": "7102.10", "origin": "ZA", "carats": "12345678.99", "value_usd": "98765432.10"},
    ]
    issued = issue(BW, lines=lines, parcel_count=7)
    with session_factory() as session:
        row = session.scalars(sa.select(Certificate).where(Certificate.number == issued.number)).one()
        assert (row.status, row.exporting_participant, row.importing_participant) == ("issued", "BW", "EU")
        assert row.issued_at == clock.now() and row.issued_at.tzinfo is not None
        assert (row.issued_on, row.expires_on) == (issued.issued_on, issued.expires_on)
        assert (row.parcel_count, row.kid, row.credential) == (7, issued.kid, issued.credential)
        assert (row.total_carats, row.total_value_usd) == (Decimal("12346679.00"), Decimal("98785432.12"))
        assert row.received_at is None and row.cancellation_reason is None
        # 8 $/ct for South African unsorted goods: under a tenth of ZA's production $/ct
        assert row.warnings == [w.model_dump(exclude_none=True) for w in issued.warnings]
        assert [(w["type"], w["line"], w["basis"]) for w in row.warnings] == [
            ("undervaluation", 3, "published")
        ]
        assert [
            (line.position, line.hs_code, line.origin, line.carats, line.value_usd) for line in row.lines
        ] == [
            (0, "7102.31", "BW", Decimal("1000.00"), Decimal("20000.00")),
            (1, "7102.21", "mixed", Decimal("0.01"), Decimal("0.02")),
            (2, "7102.10", "ZA", Decimal("12345678.99"), Decimal("98765432.10")),
        ]
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.object_id == issued.number)).one()
        assert (event.tag, event.object_type, event.actor, event.actor_participant) == (
            "certificate:issued",
            "certificate",
            "token:kpcs_authority",
            "BW",
        )
        assert event.occurred_at == clock.now() and event.before is None and event.note is None
        assert event.after == {
            "exporting_participant": "BW",
            "importing_participant": "EU",
            "total_carats": "12346679.00",
            "total_value_usd": "98785432.12",
            "expires_on": issued.expires_on.isoformat(),
            "kid": issued.kid,
        }
