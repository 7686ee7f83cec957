"""The pure rules of export dossiers: the week's clock, when a decision may be taken, and
what a certificate must match."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from kpcs.dossiers.domain import (
    Decision,
    DossierFacts,
    DossierStatus,
    Line,
    certificate_problems,
    decision_problem,
    week_clock,
    zone_problem,
)

SUBMITTED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
LINE = Line("7102.31", "CF", Decimal("100.50"), Decimal("20000"))


def _dossier(**changes: object) -> DossierFacts:
    values: dict[str, object] = {
        "id": 7,
        "participant": "CF",
        "status": DossierStatus.APPROVED,
        "zone": "Berbérati",
        "carats": Decimal("100.5"),
        "value_usd": Decimal("20000.00"),
        "lines": (LINE,),
        "parcel_count": 2,
        "certificate_number": None,
    }
    return DossierFacts(**(values | changes))  # type: ignore[arg-type]


def test_the_week_runs_from_submission_and_flags_lateness() -> None:
    on_time = week_clock(DossierStatus.SUBMITTED, SUBMITTED, None, date(2025, 3, 10))
    assert (on_time.due_on, on_time.days_left, on_time.overdue) == (date(2025, 3, 10), 0, False)
    late = week_clock(DossierStatus.SUBMITTED, SUBMITTED, None, date(2025, 3, 11))
    assert late.overdue and late.days_left == -1
    decided_in_time = week_clock(
        DossierStatus.APPROVED, SUBMITTED, datetime(2025, 3, 9, tzinfo=UTC), date(2025, 4, 1)
    )
    assert not decided_in_time.overdue and not decided_in_time.running


def test_zones_and_decisions() -> None:
    assert zone_problem("Boda", ("Berbérati", "Boda")) is None
    assert "not one of" in (zone_problem("Bangui", ("Berbérati",)) or "")
    assert "not restricted" in (zone_problem("Boda", None) or "")
    approve = decision_problem(
        DossierStatus.SUBMITTED, Decision.APPROVED, expert_done=True, statistics_done=False
    )
    assert approve is not None and "statistics" in approve
    reject = decision_problem(
        DossierStatus.SUBMITTED, Decision.REJECTED, expert_done=False, statistics_done=False
    )
    assert reject is None
    assert decision_problem(DossierStatus.APPROVED, Decision.REJECTED, expert_done=True, statistics_done=True)


def test_a_certificate_must_match_its_dossier_once() -> None:
    ok = certificate_problems(
        _dossier(), exporter="CF", zones_in_force=("Berbérati",), lines=(LINE,), parcel_count=2
    )
    assert ok == []
    assert (
        "not CD's"
        in certificate_problems(
            _dossier(), exporter="CD", zones_in_force=None, lines=(LINE,), parcel_count=2
        )[0]
    )
    used = certificate_problems(
        _dossier(certificate_number="CF-2025-000001", status=DossierStatus.REJECTED),
        exporter="CF",
        zones_in_force=("Boda",),
        lines=(Line("7102.31", "CF", Decimal("100.5"), Decimal("19999")),),
        parcel_count=2,
    )
    said = " | ".join(used)
    assert "rejected, not approved" in said and "one dossier, one certificate" in said
    assert "no longer compliant" in said and "USD 19999" in said and "lines differ" in said
