"""The questionnaire's rules: which step may follow which, and what a questionnaire's status
is from its questions, over any sequence of answers and decisions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpcs.errors import Conflict
from kpcs.statistics.analysis.questionnaire import (
    ASK_AGAIN_DAYS,
    Decision,
    QuestionState,
    Status,
    after_answer,
    after_review,
    concerns,
    deadline_after_asking_again,
    overdue,
    question_text,
    status_of,
)

GAP = {
    "type": "mirror_gap",
    "participant": "BW",
    "partner": "AE",
    "period": "2024",
    "hs_code": None,
    "explanation": "BW reported exporting 10,000 ct to AE; AE reported 2,000 ct.",
}

# An action on one question: answer, or a decision on the answer.
actions = st.lists(st.tuples(st.integers(0, 4), st.sampled_from([None, *Decision])), min_size=0, max_size=40)


@given(actions)
def test_any_sequence_of_steps_keeps_the_rules(steps: list[tuple[int, Decision | None]]) -> None:
    questions = [QuestionState.AWAITING_ANSWER] * 5
    for index, decision in steps:
        before = questions[index]
        try:
            questions[index] = after_answer(before) if decision is None else after_review(before, decision)
        except Conflict:
            # Refused only where the rule says so, and then nothing changed.
            assert (decision is None and before is not QuestionState.AWAITING_ANSWER) or (
                decision is not None and before is not QuestionState.ANSWERED
            )
            continue
        assert decision is not None or before is QuestionState.AWAITING_ANSWER
        assert decision is None or questions[index] is decision.state
    status = status_of(True, questions)
    waiting = QuestionState.AWAITING_ANSWER in questions
    assert (status is Status.SENT) == waiting
    assert (status is Status.CLOSED) == all(
        q in (QuestionState.ACCEPTED, QuestionState.ESCALATED) for q in questions
    )
    assert status_of(False, questions) is Status.DRAFT


def test_accepted_and_escalated_questions_are_final() -> None:
    for final in (QuestionState.ACCEPTED, QuestionState.ESCALATED):
        with pytest.raises(Conflict, match="takes no answer"):
            after_answer(final)
        with pytest.raises(Conflict, match="only an answered question"):
            after_review(final, Decision.ASK_AGAIN)


def test_both_sides_of_a_mirror_gap_are_asked_and_the_partner_is_told_why() -> None:
    assert concerns(GAP, "BW") and concerns(GAP, "AE") and not concerns(GAP, "IN")
    assert not concerns({**GAP, "type": "unit_value"}, "AE")
    own, partner = question_text(GAP, "BW"), question_text(GAP, "AE")
    assert own.startswith(GAP["explanation"]) and "send corrected figures" in own
    assert "As BW's partner in this trade" in partner


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.integers(-100, 100))
def test_asking_again_leaves_time_to_answer(today: date, days: int) -> None:
    deadline = today + timedelta(days=days)
    later = deadline_after_asking_again(deadline, today)
    assert later >= deadline and later >= today + timedelta(days=ASK_AGAIN_DAYS)
    assert not overdue(Status.SENT, later, today)


def test_only_a_questionnaire_awaiting_answers_is_overdue() -> None:
    today = date(2025, 6, 1)
    past = today - timedelta(days=1)
    assert overdue(Status.SENT, past, today)
    assert not overdue(Status.SENT, today, today)  # the deadline day itself is still in time
    assert not any(overdue(s, past, today) for s in (Status.DRAFT, Status.ANSWERED, Status.CLOSED))
