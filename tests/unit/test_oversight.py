"""The dashboard's rules: how a line stands on a day, the order lines are shown in, and the
counts by participant and by body."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kpcs.oversight.domain import SOON_DAYS, Kind, Line, State, ordered, state_of, tally

TODAY = date(2025, 3, 3)


def test_a_day_passed_is_late_by_the_days_since() -> None:
    assert state_of(TODAY - timedelta(days=1), TODAY) == (State.LATE, 1)
    assert state_of(TODAY, TODAY) == (State.DUE, 0)  # due today is not late yet
    assert state_of(TODAY + timedelta(days=SOON_DAYS), TODAY) == (State.DUE, 0)
    assert state_of(TODAY + timedelta(days=SOON_DAYS + 1), TODAY) == (State.PENDING, 0)
    assert state_of(None, TODAY) == (State.PENDING, 0)


days = st.integers(min_value=-400, max_value=400)
lines = st.lists(
    st.builds(
        lambda offset, code, kind, dated: Line(
            kind=kind,
            participant=code,
            participant_name=code,
            what="x",
            waiting_on="y",
            link="/",
            state=state_of(TODAY + timedelta(days=offset) if dated else None, TODAY)[0],
            due_on=TODAY + timedelta(days=offset) if dated else None,
            since=None if dated else TODAY + timedelta(days=offset),
            days_late=state_of(TODAY + timedelta(days=offset) if dated else None, TODAY)[1],
        ),
        days,
        st.sampled_from(["AO", "BW", "ZW"]),
        st.sampled_from(list(Kind)),
        st.booleans(),
    ),
    max_size=40,
)


@given(lines)
def test_late_come_first_longest_overdue_first_then_due_soonest_first(found: list[Line]) -> None:
    shown = ordered(found)
    assert sorted(map(id, shown)) == sorted(map(id, found))
    rank = [[State.LATE, State.DUE, State.PENDING].index(line.state) for line in shown]
    assert rank == sorted(rank)
    late = [line.days_late for line in shown if line.state is State.LATE]
    assert late == sorted(late, reverse=True)
    due = [line.due_on for line in shown if line.state is State.DUE]
    assert due == sorted(due)  # type: ignore[type-var]


@given(lines)
def test_the_counts_add_up_by_participant_and_by_body(found: list[Line]) -> None:
    for by in ("participant", "body"):
        tallies = tally(found, by=by)
        assert sum(t.total for t in tallies) == len(found)
        assert sum(t.late for t in tallies) == sum(1 for line in found if line.state is State.LATE)
        lates = [t.late for t in tallies]
        assert lates == sorted(lates, reverse=True)
