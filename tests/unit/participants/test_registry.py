"""The registry's date logic: what was a participant's status on a given date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpcs.participants.registry import (
    ParticipantStatus,
    StatusEntry,
    in_good_standing,
    participant_since,
    status_on,
    validate_new_entry,
)

A, S, R, W = (
    ParticipantStatus.ACTIVE,
    ParticipantStatus.SUSPENDED,
    ParticipantStatus.RESTRICTED,
    ParticipantStatus.WITHDRAWN,
)

# The Central African Republic, as the KP recorded it.
CAR = [
    StatusEntry(A, date(2003, 1, 1), "founding participant"),
    StatusEntry(S, date(2013, 5, 23), "temporarily suspended"),
    StatusEntry(R, date(2015, 7, 17), "compliant zones", ("Berbérati",)),
    StatusEntry(A, date(2024, 11, 15), "readmitted"),
]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2002, 12, 31), None),
        (date(2003, 1, 1), A),
        (date(2013, 5, 22), A),
        (date(2013, 5, 23), S),
        (date(2015, 7, 16), S),
        (date(2015, 7, 17), R),
        (date(2024, 11, 14), R),
        (date(2024, 11, 15), A),
        (date(2030, 1, 1), A),
    ],
)
def test_status_on_follows_the_history_day_by_day(on: date, expected: ParticipantStatus | None) -> None:
    entry = status_on(CAR, on)
    assert (entry.status if entry else None) == expected


def test_restricted_entry_carries_its_zones() -> None:
    entry = status_on(CAR, date(2016, 1, 1))
    assert entry is not None and entry.zones == ("Berbérati",)


def test_good_standing_only_when_active() -> None:
    assert in_good_standing(CAR, date(2010, 1, 1))
    assert not in_good_standing(CAR, date(2014, 1, 1))
    assert not in_good_standing(CAR, date(2016, 1, 1))
    assert not in_good_standing(CAR, date(2000, 1, 1))
    assert in_good_standing(CAR, date(2025, 1, 1))


def test_history_given_out_of_order_is_read_by_date() -> None:
    assert status_on(list(reversed(CAR)), date(2014, 1, 1)) == CAR[1]
    assert participant_since(list(reversed(CAR))) == date(2003, 1, 1)


def test_same_day_correction_wins() -> None:
    history = [StatusEntry(A, date(2020, 1, 1), "admitted"), StatusEntry(S, date(2020, 1, 1), "correction")]
    entry = status_on(history, date(2020, 1, 1))
    assert entry is not None and entry.reason == "correction"


def test_participant_since_empty() -> None:
    assert participant_since([]) is None


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (StatusEntry(S, date(2024, 1, 1), "too early"), "effective_on"),
        (StatusEntry(A, date(2025, 1, 1), "no change"), "status"),
        (StatusEntry(R, date(2025, 1, 1), "no zones"), "zones"),
        (StatusEntry(R, date(2025, 1, 1), "twice", ("Boda", "Boda")), "zones"),
        (StatusEntry(S, date(2025, 1, 1), "zones on suspension", ("Boda",)), "zones"),
        (StatusEntry(S, date(2025, 1, 1), "   "), "reason"),
    ],
)
def test_invalid_new_entries_name_the_field(new: StatusEntry, field: str) -> None:
    problems = validate_new_entry(CAR, new)
    assert field in [f for f, _ in problems], problems


def test_valid_new_entries() -> None:
    assert validate_new_entry(CAR, StatusEntry(S, date(2025, 1, 1), "suspended again")) == []
    assert validate_new_entry(CAR, StatusEntry(R, date(2024, 11, 15), "same day", ("Boda",))) == []
    assert validate_new_entry([], StatusEntry(A, date(2025, 1, 1), "admitted")) == []


def test_first_entry_must_admit() -> None:
    assert [f for f, _ in validate_new_entry([], StatusEntry(S, date(2025, 1, 1), "x"))] == ["status"]


def test_changing_zones_of_a_restricted_participant_is_a_change() -> None:
    history = CAR[:3]
    new = StatusEntry(R, date(2016, 10, 1), "more zones", ("Berbérati", "Boda", "Carnot", "Nola"))
    assert validate_new_entry(history, new) == []


statuses = st.sampled_from(list(ParticipantStatus))
days = st.integers(min_value=0, max_value=10_000)
histories = st.lists(st.tuples(days, statuses), min_size=0, max_size=12)


@given(histories, days)
def test_status_on_is_the_latest_entry_not_after_the_date(
    raw: list[tuple[int, ParticipantStatus]], day: int
) -> None:
    start = date(2003, 1, 1)
    history = [StatusEntry(s, start + timedelta(days=d), f"entry {i}") for i, (d, s) in enumerate(raw)]
    on = start + timedelta(days=day)
    expected = None
    for entry in history:  # recording order; later-recorded wins on the same day
        if entry.effective_on <= on and (expected is None or entry.effective_on >= expected.effective_on):
            expected = entry
    assert status_on(history, on) == expected
