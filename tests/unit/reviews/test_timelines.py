"""The peer review's Core Document timelines and the rule for the final report, pure."""

from __future__ import annotations

from datetime import date

from kpcs.reviews.domain import (
    DRAFT_REPORT,
    FINAL_REPORT,
    Stage,
    constituencies_missing,
    may_finalise,
    next_deadline,
)


def test_the_draft_report_is_due_three_weeks_after_the_visit_and_flagged_after() -> None:
    ended = date(2025, 2, 7)
    on_the_day = next_deadline(Stage.PLANNED, ended, None, date(2025, 2, 28))
    assert on_the_day is not None and on_the_day.due == date(2025, 2, 28) and not on_the_day.overdue
    assert on_the_day.step == DRAFT_REPORT.step and "Section VI" in on_the_day.source
    late = next_deadline(Stage.PLANNED, ended, None, date(2025, 3, 1))
    assert late is not None and late.overdue


def test_the_final_report_is_due_three_weeks_after_the_draft_whether_commented_or_not() -> None:
    sent = date(2025, 3, 3)
    for stage in (Stage.DRAFT, Stage.COMMENTED):
        deadline = next_deadline(stage, date(2025, 2, 7), sent, date(2025, 3, 25))
        assert deadline is not None and deadline.step == FINAL_REPORT.step
        assert deadline.due == date(2025, 3, 24) and deadline.overdue


def test_no_timeline_runs_before_the_dates_or_after_the_final_report() -> None:
    today = date(2025, 3, 3)
    assert next_deadline(Stage.PLANNED, None, None, today) is None
    assert next_deadline(Stage.FINAL, date(2025, 1, 1), date(2025, 1, 5), today) is None
    assert next_deadline(Stage.ADOPTED, date(2025, 1, 1), date(2025, 1, 5), today) is None


def test_the_final_report_waits_for_the_comments_or_their_time() -> None:
    sent = date(2025, 3, 3)
    assert may_finalise(Stage.COMMENTED, sent, date(2025, 3, 4)) is None
    waiting = may_finalise(Stage.DRAFT, sent, date(2025, 3, 24))
    assert waiting is not None and "2025-03-24" in waiting
    assert may_finalise(Stage.DRAFT, sent, date(2025, 3, 25)) is None
    assert may_finalise(Stage.PLANNED, None, date(2025, 3, 25)) is not None


def test_a_team_is_tripartite() -> None:
    assert constituencies_missing([]) == ["participant", "industry", "civil society"]
    assert constituencies_missing(["industry", "participant", "industry"]) == ["civil society"]
    assert constituencies_missing(["civil society", "industry", "participant"]) == []
