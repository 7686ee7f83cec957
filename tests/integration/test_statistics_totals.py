"""The totals kept beside the figures (SQLite and PostgreSQL). The certificate totals the
database keeps by triggers agree, after any sequence of issues, confirmations and
cancellations, with the statistics engine's matrix over every line, and a database upgraded
with certificates in it gets the same totals. Each statistics submission's totals per flow
are the sums of its figures, also after an upgrade."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import polars as pl
import sqlalchemy as sa
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from sqlalchemy.orm import Session, sessionmaker

from kpcs.certificates import services as certificates
from kpcs.certificates.schemas import CancellationCreate, CertificateCreate, ConfirmationCreate
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, DomainError, InvalidInput
from kpcs.migrations import alembic_config
from kpcs.signing.keys import KeyRing
from kpcs.statistics import engine
from kpcs.statistics.derived import services as derived
from kpcs.statistics.models import CertificateTotal, StatisticsSubmission, SubmissionTotal
from kpcs.statistics.public import services as public
from kpcs.statistics.submissions import services as submissions
from tests.conftest import OPERATOR, certificate_body

TRADERS = ("BW", "EU", "IN", "AE", "ZA")
HS = ("7102.10", "7102.21", "7102.31")

lines = st.lists(
    st.tuples(st.sampled_from(HS), st.integers(1, 500_000), st.integers(1, 90_000_000)),
    min_size=1,
    max_size=3,
)
operation = st.one_of(
    st.tuples(
        st.just("issue"),
        st.sampled_from(TRADERS),
        st.sampled_from(TRADERS),
        lines,
        st.integers(0, 700),  # day of issue after 2024-01-01
    ),
    st.tuples(st.just("confirm"), st.integers(0, 50), st.integers(0, 40)),  # which, days in transit
    st.tuples(st.just("cancel"), st.integers(0, 50)),
)


def _apply(
    ops: Sequence[tuple[object, ...]],
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    keyring: KeyRing,
    numbers: list[tuple[str, date]],
) -> None:
    for op in ops:
        uow = UnitOfWork(session_factory)
        if op[0] == "issue":
            _, exporter, importer, parts, day = op
            if exporter == importer:
                continue
            clock.at = datetime(2024, 1, 1, 10, tzinfo=UTC) + timedelta(days=int(day))  # type: ignore[arg-type]
            body = certificate_body(
                exporting_country=exporter,
                importing_country=importer,
                lines=[
                    {"hs_code": hs, "origin": "mixed", "carats": ct / 100, "value_usd": usd / 100}
                    for hs, ct, usd in parts  # type: ignore[attr-defined]
                ],
            )
            issued = certificates.issue_certificate(
                uow, OPERATOR, clock, keyring, CertificateCreate.model_validate(body)
            )
            numbers.append((issued.number, issued.issued_on))
        elif numbers:
            number, issued_on = numbers[int(op[1]) % len(numbers)]  # type: ignore[call-overload]
            try:
                if op[0] == "confirm":
                    received = issued_on + timedelta(days=int(op[2]))  # type: ignore[call-overload]
                    clock.at = datetime.combine(received, clock.at.time(), UTC)
                    certificates.confirm_import(
                        uow, OPERATOR, clock, number, ConfirmationCreate(received_on=received)
                    )
                else:
                    certificates.cancel_certificate(
                        uow, OPERATOR, clock, number, CancellationCreate(reason="printing_error")
                    )
            except (Conflict, DomainError, InvalidInput):
                pass  # a rule said no (already confirmed, cancelled, received before issue…)


def _agree(session_factory: sessionmaker[Session]) -> int:
    """The triggers' totals equal the engine's matrix over the lines; returns the row count."""
    with session_factory() as session:
        kept = derived.certificate_totals(session)
        lines_frame = derived.certificate_lines(session)
        per_participant = session.execute(public._derived_statement(None, None)).all()
        standing = session.execute(
            sa.text(
                "SELECT exporting_participant, count(*), sum(total_carats) FROM certificates"
                " WHERE status <> 'cancelled' GROUP BY exporting_participant"
            )
        ).all()
    recomputed = engine.quarterly_matrix(lines_frame).with_columns(
        pl.col("carats").round(2), pl.col("value_usd").round(2)
    )
    assert_frame_equal(kept, recomputed, check_dtypes=False, abs_tol=0.011)
    exports: dict[str, list[float]] = {}
    for participant, _, flow, carats, _, count in per_participant:
        if flow == "export":
            total = exports.setdefault(participant, [0, 0.0])
            total[0] += count
            total[1] += carats
    assert {p: (n, round(c, 2)) for p, (n, c) in exports.items()} == {
        p: (n, round(float(c), 2)) for p, n, c in standing
    }
    return kept.height


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=12))
def test_totals_agree_with_the_lines_after_any_history(
    ops: list[tuple[object, ...]],
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    keyring: KeyRing,
) -> None:
    # The database persists across examples: each adds its history to the last one's.
    _apply(ops, session_factory, clock, keyring, [])
    _agree(session_factory)


def test_an_upgrade_sums_the_certificates_already_stored(
    database_url: str,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
    keyring: KeyRing,
) -> None:
    numbers: list[tuple[str, date]] = []
    history = [
        ("issue", "BW", "EU", [("7102.31", 100_00, 5_000_00), ("7102.31", 50_00, 1_000_00)], 10),
        ("issue", "IN", "AE", [("7102.10", 7_00, 900_00), ("7102.21", 3_00, 10_00)], 100),
        ("issue", "ZA", "IN", [("7102.21", 1_00, 1_00)], 400),
        ("confirm", 0, 5),
        ("cancel", 2),
    ]
    _apply(history, session_factory, clock, keyring, numbers)
    rows = _agree(session_factory)
    assert rows == 4  # BW's export of 7102.31, IN's exports of two codes, the EU's import
    with session_factory() as session:
        before = sorted(
            (t.participant, t.flow, t.partner, t.year, t.quarter, t.hs_code, float(t.carats), t.certificates)
            for t in session.scalars(sa.select(CertificateTotal).where(CertificateTotal.certificates != 0))
        )
    assert ("BW", "export", "EU", 2024, 1, "7102.31", 150.0, 1) in before  # two lines, one certificate
    assert ("EU", "import", "*", 2024, 1, "*", 150.0, 1) in before
    assert not any(row[0] == "ZA" for row in before)  # cancelled
    config = alembic_config(database_url)
    command.downgrade(config, "0009")
    command.upgrade(config, "head")
    with session_factory() as session:
        after = sorted(
            (t.participant, t.flow, t.partner, t.year, t.quarter, t.hs_code, float(t.carats), t.certificates)
            for t in session.scalars(sa.select(CertificateTotal).where(CertificateTotal.certificates != 0))
        )
    assert after == before


def test_submission_totals_are_the_sums_of_their_figures_and_survive_an_upgrade(
    database_url: str, session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    trade = (
        "participant,period,flow,partner,hs_code,carats,value_usd,certificates\n"
        "BW,2024-Q1,export,EU,7102.31,100.50,2000.25,3\n"
        "BW,2024-Q1,export,IN,7102.10,0.50,1.00,1\n"
        "BW,2024-Q1,import,ZA,7102.21,7.00,70.00,2\n"
        "BW,2024-Q2,export,EU,7102.31,1.00,1.00,1\n"
    )
    production = "participant,period,mining_type,carats,value_usd\nBW,2024-H1,LSM,5000.00,900000.00\n"
    for name, content in (("t.csv", trade), ("p.csv", production)):
        submissions.submit(UnitOfWork(session_factory), OPERATOR, clock, content.encode(), name)

    def totals() -> list[tuple[str, str, float, float | None, int | None]]:
        with session_factory() as session:
            return sorted(
                (s.period, t.flow, float(t.carats), float(t.value_usd or 0), t.certificates)
                for t, s in session.execute(
                    sa.select(SubmissionTotal, StatisticsSubmission).join(
                        StatisticsSubmission, StatisticsSubmission.id == SubmissionTotal.submission_id
                    )
                )
            )

    stored = totals()
    assert stored == [
        ("2024-H1", "production", 5000.0, 900000.0, None),
        ("2024-Q1", "export", 101.0, 2001.25, 4),
        ("2024-Q1", "import", 7.0, 70.0, 2),
        ("2024-Q2", "export", 1.0, 1.0, 1),
    ]
    config = alembic_config(database_url)
    command.downgrade(config, "0010")
    command.upgrade(config, "head")
    assert totals() == stored
