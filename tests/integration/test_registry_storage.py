"""The registry in the database: loading the data file, status changes, audit records."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role
from kpcs.accounts.permissions import Principal, PrincipalKind
from kpcs.audit.models import AuditEvent
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from kpcs.participants import services
from kpcs.participants.datafile import default_registry_path, parse_registry
from kpcs.participants.loader import apply_registry
from kpcs.participants.models import Participant, ParticipantStatusChange
from kpcs.participants.registry import ParticipantStatus
from kpcs.participants.schemas import StatusChangeCreate
from tests.conftest import OPERATOR

ADMIN = Principal(kind=PrincipalKind.USER, name="alice", roles=frozenset({Role.ADMIN}), user_id=1)
AUTHORITY = Principal(
    kind=PrincipalKind.TOKEN, name="kpcs_x", participant_code="BW", roles=frozenset({Role.AUTHORITY})
)


def _real_raw() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(Path(default_registry_path()).read_text())


def _count(session: Session, model: type) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_loading_twice_changes_nothing(session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    data = parse_registry(Path(default_registry_path()).read_text())
    with UnitOfWork(session_factory) as uow:
        audit_before = _count(uow.session, AuditEvent)
        report = apply_registry(uow.session, data, clock=clock)
        uow.commit()
        assert not report.changed, report.summary()
        assert _count(uow.session, AuditEvent) == audit_before


def test_reload_corrects_file_rows_and_keeps_admin_rows(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    services.change_status(
        UnitOfWork(session_factory),
        ADMIN,
        clock,
        "VE",
        StatusChangeCreate(
            status=ParticipantStatus.SUSPENDED, effective_on=date(2025, 3, 1), reason="test suspension"
        ),
    )
    raw = _real_raw()
    venezuela = next(p for p in raw["participants"] if p["code"] == "VE")
    venezuela["history"][0]["reason"] = "Corrected reason."
    removed = venezuela["history"].pop()  # the file drops its own latest entry
    with UnitOfWork(session_factory) as uow:
        report = apply_registry(
            uow.session, parse_registry(yaml.safe_dump(raw, allow_unicode=True)), clock=clock
        )
        uow.commit()
    assert report.updated.get("status entries") == 1
    assert report.removed.get("status entries") == 1
    with session_factory() as session:
        rows = session.scalars(
            sa.select(ParticipantStatusChange)
            .where(ParticipantStatusChange.participant_code == "VE")
            .order_by(ParticipantStatusChange.effective_on)
        ).all()
        assert rows[0].reason == "Corrected reason."
        assert str(removed["effective_on"]) not in [
            str(r.effective_on) for r in rows if r.recorded_by == "registry"
        ]
        assert rows[-1].recorded_by == "user:alice" and rows[-1].reason == "test suspension"
        event = session.scalars(sa.select(AuditEvent).where(AuditEvent.tag == "registry:loaded")).all()[-1]
        assert event.actor == "system" and "updated 1 status entries" in (event.note or "")


def test_status_on_date_from_the_database(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        assert services.status_of(session, "CF", date(2014, 1, 1)).status is ParticipantStatus.SUSPENDED  # type: ignore[union-attr]
        restricted = services.status_of(session, "CF", date(2020, 1, 1))
        assert (
            restricted is not None and restricted.status is ParticipantStatus.RESTRICTED and restricted.zones
        )
        assert services.status_of(session, "GB", date(2019, 1, 1)) is None
        with pytest.raises(NotFound):
            services.status_of(session, "XX", date(2020, 1, 1))


def test_change_status_appends_and_audits(session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    with session_factory() as session:
        before = len(services.get_participant(session, "ZW", on=clock.today()).status_history)
    detail = services.change_status(
        UnitOfWork(session_factory),
        ADMIN,
        clock,
        "zw",
        StatusChangeCreate(
            status=ParticipantStatus.SUSPENDED, effective_on=date(2025, 4, 1), reason="Decision X"
        ),
    )
    assert len(detail.status_history) == before + 1
    assert detail.status is ParticipantStatus.ACTIVE  # takes effect next month
    assert detail.status_history[-1].recorded_by == "user:alice"
    with session_factory() as session:
        assert services.status_of(session, "ZW", date(2025, 4, 1)).status is ParticipantStatus.SUSPENDED  # type: ignore[union-attr]
        (event,) = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.tag == "participant:status:changed")
        ).all()
        assert event.actor == "user:alice" and event.object_id == "ZW"
        assert event.before is not None and event.before["status"] == "active"
        assert event.after == {
            "status": "suspended",
            "effective_on": "2025-04-01",
            "reason": "Decision X",
            "zones": [],
        }


@pytest.mark.parametrize(
    ("principal", "code", "change", "error"),
    [
        (
            AUTHORITY,
            "ZW",
            StatusChangeCreate(status="suspended", effective_on=date(2025, 4, 1), reason="x"),
            PermissionDenied,
        ),
        (
            ADMIN,
            "XX",
            StatusChangeCreate(status="suspended", effective_on=date(2025, 4, 1), reason="x"),
            NotFound,
        ),
        (
            ADMIN,
            "ZW",
            StatusChangeCreate(status="suspended", effective_on=date(2000, 1, 1), reason="x"),
            InvalidInput,
        ),
        (
            ADMIN,
            "ZW",
            StatusChangeCreate(status="restricted", effective_on=date(2025, 4, 1), reason="x"),
            InvalidInput,
        ),
        (
            ADMIN,
            "WDC",
            StatusChangeCreate(status="suspended", effective_on=date(2025, 4, 1), reason="x"),
            DomainError,
        ),
    ],
)
def test_refused_changes_leave_no_trace(
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    principal: Principal,
    code: str,
    change: StatusChangeCreate,
    error: type[Exception],
) -> None:
    with session_factory() as session:
        rows, events = _count(session, ParticipantStatusChange), _count(session, AuditEvent)
    with pytest.raises(error):
        services.change_status(UnitOfWork(session_factory), principal, clock, code, change)
    with session_factory() as session:
        assert (_count(session, ParticipantStatusChange), _count(session, AuditEvent)) == (rows, events)


def test_change_and_audit_commit_together(session_factory: sessionmaker[Session], clock: FixedClock) -> None:
    """If the audit record cannot be written, the change is not written either."""

    class ExplodingClock(FixedClock):
        calls = 0

        def now(self):  # type: ignore[no-untyped-def]
            self.calls += 1
            if self.calls > 1:  # the status row gets a time, the audit record does not
                raise RuntimeError("disk on fire")
            return super().now()

    with pytest.raises(RuntimeError):
        services.change_status(
            UnitOfWork(session_factory),
            ADMIN,
            ExplodingClock(clock.now()),
            "ZW",
            StatusChangeCreate(status="suspended", effective_on=date(2025, 4, 1), reason="x"),
        )
    with session_factory() as session:
        assert services.status_of(session, "ZW", date(2025, 4, 2)).status is ParticipantStatus.ACTIVE  # type: ignore[union-attr]


def test_working_bodies_and_chairs_loaded(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        bodies = {b.code: b for b in services.list_working_bodies(session)}
        assert {"WGS", "WGM", "WGDE", "WGAAP", "CPC", "CRP"} <= set(bodies)
        assert any(y.members for b in bodies.values() for y in b.years)
        chairs = {c.year: c for c in services.list_chairs(session)}
        assert chairs[2022].chair == "BW" and chairs[2022].vice_chair == "ZW"
        assert services.get_participant(session, "BW", on=date(2025, 1, 1)).chaired_kp_in.count(2022) == 1


def test_list_filters(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        on_2016 = services.list_participants(
            session, on=date(2016, 6, 1), status=ParticipantStatus.RESTRICTED
        )
        assert "CF" in [p.code for p in on_2016]
        observers = services.list_participants(session, on=date(2025, 1, 1), kind="observer")  # type: ignore[arg-type]
        assert observers and all(p.kind == "observer" for p in observers)
        assert [p.code for p in services.list_participants(session, on=date(2025, 1, 1), search="botsw")] == [
            "BW"
        ]
        assert session.get(Participant, "EU") is not None


def test_operator_principal_is_recorded_by_login(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    services.change_status(
        UnitOfWork(session_factory),
        OPERATOR,
        clock,
        "ZW",
        StatusChangeCreate(status="suspended", effective_on=date(2025, 4, 1), reason="x"),
    )
    with session_factory() as session:
        assert (
            session.scalars(sa.select(AuditEvent.actor).where(AuditEvent.tag.like("participant:%"))).one()
            == "cli:tester"
        )
