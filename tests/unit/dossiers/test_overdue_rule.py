"""The one overdue rule of an undecided dossier, as the SQL filter reads it
(:func:`overdue_if_started_before`), agrees with its week's due date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kpcs.dossiers.domain import DECISION_DAYS, DossierStatus, overdue_if_started_before, week_clock

STARTED = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@given(started=STARTED, days_later=st.integers(min_value=-3, max_value=30))
def test_an_undecided_dossier_is_overdue_exactly_when_its_due_day_has_passed(
    started: datetime, days_later: int
) -> None:
    today = started.date() + timedelta(days=days_later)
    due_on = started.date() + timedelta(days=DECISION_DAYS)
    week = week_clock(DossierStatus.SUBMITTED, started, None, today)
    assert week.overdue is (today > due_on)
    assert week.overdue is (started < overdue_if_started_before(today))


def test_the_cutoff_is_midnight_utc_a_week_before() -> None:
    assert overdue_if_started_before(date(2025, 3, 11)) == datetime(2025, 3, 4, tzinfo=UTC)
    started = datetime(2025, 3, 3, 23, 59, tzinfo=UTC)  # due 10 March: overdue on the 11th
    assert week_clock(DossierStatus.SUBMITTED, started, None, date(2025, 3, 11)).overdue
    assert not week_clock(DossierStatus.SUBMITTED, started, None, date(2025, 3, 10)).overdue
