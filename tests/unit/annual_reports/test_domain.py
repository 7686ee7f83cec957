"""The rules of an annual report: its due date, its standing, its course, its sections."""

from __future__ import annotations

from datetime import date

import pytest

from kpcs.annual_reports import domain
from kpcs.annual_reports.domain import SECTIONS, Standing, Status, Step
from kpcs.errors import Conflict, InvalidInput
from kpcs.participants.registry import ParticipantStatus, StatusEntry


def test_a_report_is_due_on_31_march_of_the_year_after() -> None:
    assert domain.due_date(2024) == date(2025, 3, 31)


@pytest.mark.parametrize(
    ("submitted_on", "today", "standing", "late"),
    [
        (date(2025, 3, 31), date(2025, 6, 1), Standing.ON_TIME, 0),
        (date(2025, 4, 1), date(2025, 6, 1), Standing.LATE, 1),
        (None, date(2025, 3, 31), Standing.NOT_YET_DUE, 0),
        (None, date(2025, 4, 10), Standing.MISSING, 10),
    ],
)
def test_standing_from_the_due_date(
    submitted_on: date | None, today: date, standing: Standing, late: int
) -> None:
    assert domain.standing(2024, submitted_on, today) is standing
    assert domain.days_late(2024, submitted_on, today) == late


def test_each_step_is_taken_once_in_order() -> None:
    assert domain.after(Status.DRAFT, Step.SUBMIT) is Status.SUBMITTED
    assert domain.after(Status.SUBMITTED, Step.ASSESS) is Status.ASSESSED
    assert domain.after(Status.ASSESSED, Step.RESPOND) is Status.RESPONDED
    with pytest.raises(Conflict, match="submitted only when draft"):
        domain.after(Status.SUBMITTED, Step.SUBMIT)
    with pytest.raises(Conflict, match="responded only when assessed"):
        domain.after(Status.SUBMITTED, Step.RESPOND)


def test_part_a_is_carried_over_section_by_section() -> None:
    carried = domain.carried_over({"trade": "licensing law of 2019", "retired_section": "dropped"})
    assert list(carried) == list(SECTIONS)
    assert carried["trade"] == "licensing law of 2019" and carried["statistics"] == ""
    assert domain.carried_over(None) == domain.blank_part()


def test_section_texts_name_each_unknown_or_overlong_section() -> None:
    assert domain.section_texts("part_b", {"trade": "  changed  "}) == {"trade": "changed"}
    with pytest.raises(InvalidInput) as refused:
        domain.section_texts("part_b", {"mining": "x", "trade": "y" * (domain.MAX_SECTION_TEXT + 1)})
    assert [p.field for p in refused.value.problems] == ["part_b.mining", "part_b.trade"]


def test_feedback_must_say_something_and_every_section_must_be_covered() -> None:
    with pytest.raises(InvalidInput, match="at least one section"):
        domain.feedback_texts({"trade": " "})
    assert domain.feedback_texts({"trade": "ok", "statistics": ""}) == {"trade": "ok"}
    assert domain.empty_sections({"trade": "a"}, {"statistics": "b"}) == [
        "certificate_system",
        "internal_controls",
        "cooperation",
    ]


def test_a_report_is_owed_for_the_years_in_the_scheme() -> None:
    history = [
        StatusEntry(status=ParticipantStatus.ACTIVE, effective_on=date(2010, 6, 1), reason="admitted"),
        StatusEntry(status=ParticipantStatus.SUSPENDED, effective_on=date(2013, 5, 1), reason="suspended"),
        StatusEntry(status=ParticipantStatus.WITHDRAWN, effective_on=date(2020, 1, 1), reason="withdrew"),
    ]
    assert not domain.owes_report(history, 2009)  # not yet a participant
    assert domain.owes_report(history, 2010)
    assert domain.owes_report(history, 2014)  # suspended, still reporting
    assert not domain.owes_report(history, 2020)


def test_part_a_changed_ignores_surrounding_space() -> None:
    assert not domain.part_a_changed({"trade": "law of 2019"}, {"trade": "law of 2019 "}, "trade")
    assert domain.part_a_changed({"trade": "law of 2019"}, {"trade": "law of 2024"}, "trade")
    assert domain.part_a_changed({}, {"trade": "new"}, "trade")
