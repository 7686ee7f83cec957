"""Annex III deadlines: two months after each period, from admission to withdrawal."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kpcs.participants.registry import ParticipantStatus, StatusEntry
from kpcs.statistics.models import StatisticsKind
from kpcs.statistics.submissions.deadlines import Standing, assess, due_date, owed, periods


def test_due_dates_are_two_months_after_each_period() -> None:
    trade = [(p, str(due_date(end))) for p, end in periods(StatisticsKind.TRADE, 2024)]
    assert trade == [
        ("2024-Q1", "2024-05-31"),
        ("2024-Q2", "2024-08-31"),
        ("2024-Q3", "2024-11-30"),
        ("2024-Q4", "2025-02-28"),
    ]
    production = [(p, str(due_date(end))) for p, end in periods(StatisticsKind.PRODUCTION, 2023)]
    assert production == [("2023-H1", "2023-08-31"), ("2023-H2", "2024-02-29")]  # 2024 is a leap year


def test_a_participant_owes_from_admission_until_withdrawal() -> None:
    joined_mid_year = (StatusEntry(ParticipantStatus.ACTIVE, date(2024, 5, 1), "admitted"),)
    assert [o.period for o in owed("UZ", joined_mid_year, 2024)] == [
        "2024-Q2",
        "2024-Q3",
        "2024-Q4",
        "2024-H1",
        "2024-H2",
    ]
    left = (
        StatusEntry(ParticipantStatus.ACTIVE, date(2003, 1, 1), "founding"),
        StatusEntry(ParticipantStatus.WITHDRAWN, date(2024, 8, 1), "left"),
    )
    assert [o.period for o in owed("XX", left, 2024)] == ["2024-Q1", "2024-Q2", "2024-H1"]
    suspended = (
        StatusEntry(ParticipantStatus.ACTIVE, date(2003, 1, 1), "founding"),
        StatusEntry(ParticipantStatus.SUSPENDED, date(2024, 2, 1), "suspended"),
    )
    assert len(owed("VE", suspended, 2024)) == 6  # a suspended participant still reports


@given(
    end=st.dates(min_value=date(2003, 1, 1), max_value=date(2090, 12, 31)),
    offset=st.integers(min_value=-400, max_value=400),
)
def test_standing_follows_the_deadline(end: date, offset: int) -> None:
    obligation = owed("BW", (StatusEntry(ParticipantStatus.ACTIVE, date(2003, 1, 1), "x"),), end.year)[0]
    day = obligation.due_on + timedelta(days=offset)
    submitted = assess(obligation, day, day)
    assert submitted.standing is (Standing.LATE if offset > 0 else Standing.ON_TIME)
    assert submitted.days_late == (offset if offset > 0 else None)
    nothing = assess(obligation, None, day)
    assert nothing.standing is (Standing.MISSING if offset > 0 else Standing.OPEN)
