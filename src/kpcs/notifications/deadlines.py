"""Deadlines announced a week ahead: what each authority or the Working Group on Monitoring
must do within :data:`~kpcs.notifications.services.DEADLINE_NOTICE_DAYS` days.

:func:`remind_deadlines` is one sweep over every kind of deadline kpcs knows:

- statistics due (Annex III: quarterly trade, half-yearly production), to each authority
  that has not submitted them;
- the annual report due on 31 March, to each participant's authority that owes one and has
  not submitted it;
- a review's next timeline step (Core Document Section VI): the draft report after the
  visit and the final report once commented, to the WGM (for the team); the comments on
  the draft, to the reviewed participant's authority;
- a Data Anomaly Questionnaire's answers, to the authority of the participant it was sent to.

Each notification has a key naming the deadline and its day, so running the sweep twice
(``kpcs notifications deadlines`` by hand, the daily run of ``kpcs serve``) notifies nobody
twice, while a deadline moved to another day (a question asked again) is announced anew.

:class:`DeadlineSweeper` is the daily run: a daemon thread that ``kpcs serve`` starts (once
per server, however many worker processes) unless ``KPCS_DEADLINE_SWEEP=false``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.models import Role
from kpcs.annual_reports.domain import due_date
from kpcs.annual_reports.services import not_submitted
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.notifications.services import DEADLINE_NOTICE_DAYS, day_text, notify
from kpcs.reviews.domain import Actor
from kpcs.reviews.services import deadlines_between
from kpcs.statistics.analysis.questionnaire import QuestionState
from kpcs.statistics.models import Question, Questionnaire

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 24 * 60 * 60.0
"""How often ``kpcs serve`` sweeps for deadlines: daily (and once at start-up)."""


def remind_deadlines(uow: UnitOfWork, clock: Clock) -> int:
    """Notify whoever must act of every deadline within the next
    :data:`DEADLINE_NOTICE_DAYS` days, once each; returns how many notifications were new."""
    today = clock.today()
    horizon = today + timedelta(days=DEADLINE_NOTICE_DAYS)
    with uow:
        made = sum(
            sweep(uow.session, clock, today, horizon)
            for sweep in (_statistics_due, _annual_reports_due, _review_steps_due, _answers_due)
        )
        uow.commit()
    return made


Sweep = Callable[[Session, Clock, date, date], int]


def _in(days: int) -> str:
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"


def _statistics_due(session: Session, clock: Clock, today: date, horizon: date) -> int:
    """Annex III statistics not yet submitted, due within the week."""
    from kpcs.statistics.submissions.compliance import compliance

    made = 0
    for year in sorted({today.year - 1, today.year}):
        for case in compliance(session, year, today):
            if case.standing != "not yet due" or not today <= case.due_on <= horizon:
                continue
            made += (
                notify(
                    session,
                    clock,
                    role=Role.AUTHORITY,
                    participant=case.participant,
                    subject=(
                        f"{case.kind.capitalize()} statistics for {case.period} "
                        f"due on {day_text(case.due_on)}"
                    ),
                    body=(
                        f"{case.name} has not yet submitted its {case.kind} statistics for {case.period}; "
                        f"they are due on {day_text(case.due_on)}, in {(case.due_on - today).days} day(s)."
                    ),
                    link="/statistics/submissions",
                    key=f"statistics-due:{case.kind}:{case.participant}:{case.period}",
                )
                is not None
            )
    return made


def _annual_reports_due(session: Session, clock: Clock, today: date, horizon: date) -> int:
    """The annual report on last year, due 31 March, from each participant that owes one and
    has not submitted it."""
    year = today.year - 1
    due = due_date(year)
    if not today <= due <= horizon:
        return 0
    made = 0
    for code, name in not_submitted(session, year):
        made += (
            notify(
                session,
                clock,
                role=Role.AUTHORITY,
                participant=code,
                subject=f"Annual report on {year} due on {day_text(due)}",
                body=(
                    f"{name} has not yet submitted its annual report on {year} (Core Document Section VI, "
                    f"due by 31 March); it is due {_in((due - today).days)}."
                ),
                link="/annual-reports",
                key=f"annual-report-due:{code}:{year}",
            )
            is not None
        )
    return made


def _review_steps_due(session: Session, clock: Clock, today: date, horizon: date) -> int:
    """Each review's next timeline step due within the week, to whoever must take it."""
    made = 0
    for step in deadlines_between(session, today, horizon, today):
        kind = "review visit" if step.kind == "visit" else "review mission"
        if step.waits_on is Actor.PARTICIPANT:
            role, participant = Role.AUTHORITY, step.participant
            what = f"Your comments on the draft report of the {kind} are due by {day_text(step.due)}"
            body = (
                f"The draft report of the {kind} to {step.participant} (review {step.review_id}) awaits "
                f"your comments; the final report goes out with them, or without them after "
                f"{day_text(step.due)} ({_in((step.due - today).days)})."
            )
        else:
            role, participant = Role.MONITORING, None
            what = (
                f"The {step.step} of review {step.review_id} ({step.participant}) "
                f"is due by {day_text(step.due)}"
            )
            body = (
                f"The {kind} to {step.participant} (review {step.review_id}) waits for its {step.step}, "
                f"due {_in((step.due - today).days)} under the Core Document's timeline."
            )
        made += (
            notify(
                session,
                clock,
                role=role,
                participant=participant,
                subject=what,
                body=body,
                link=f"/reviews/{step.review_id}",
                key=f"review-deadline:{step.review_id}:{step.step}:{step.due.isoformat()}",
            )
            is not None
        )
    return made


def _answers_due(session: Session, clock: Clock, today: date, horizon: date) -> int:
    """Questionnaires with questions still awaiting an answer, whose deadline is within the week."""
    awaiting = (
        sa.select(Question.questionnaire_id, sa.func.count())
        .where(Question.state == QuestionState.AWAITING_ANSWER.value)
        .group_by(Question.questionnaire_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Questionnaire, awaiting.c[1])
        .join(awaiting, awaiting.c.questionnaire_id == Questionnaire.id)
        .where(
            Questionnaire.sent_at.is_not(None),
            Questionnaire.deadline.is_not(None),
            Questionnaire.deadline.between(today, horizon),
        )
        .order_by(Questionnaire.id)
    ).all()
    made = 0
    for questionnaire, unanswered in rows:
        deadline: date = questionnaire.deadline
        made += (
            notify(
                session,
                clock,
                role=Role.AUTHORITY,
                participant=questionnaire.participant,
                subject=(
                    f"Answers to the statistics questionnaire on {questionnaire.year} "
                    f"due on {day_text(deadline)}"
                ),
                body=(
                    f"{unanswered} question(s) of the Working Group on Statistics' questionnaire No. "
                    f"{questionnaire.id} on {questionnaire.participant}'s {questionnaire.year} statistics "
                    f"await your answer, due {_in((deadline - today).days)}."
                ),
                link=f"/statistics/questionnaires/{questionnaire.id}",
                key=f"questionnaire-answers-due:{questionnaire.id}:{deadline.isoformat()}",
            )
            is not None
        )
    return made


class DeadlineSweeper:
    """Runs :func:`remind_deadlines` in a daemon thread: at once, then every ``every`` seconds
    until stopped (a failed sweep is logged and tried again at the next one)."""

    def __init__(
        self, make_uow: Callable[[], UnitOfWork], clock: Clock, *, every: float = SWEEP_SECONDS
    ) -> None:
        self._make_uow = make_uow
        self._clock = clock
        self.every = every
        self.sweeps = 0
        """Sweeps done (successful or not), for whoever watches it."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kpcs-deadlines", daemon=True)

    def start(self) -> None:
        """Start sweeping: the first sweep runs at once."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current sweep."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                made = remind_deadlines(self._make_uow(), self._clock)
                logger.info("deadline sweep: %d new notification(s)", made)
            except Exception:  # a database briefly away must not stop the daily sweep
                logger.exception("the deadline sweep failed; trying again at the next one")
            self.sweeps += 1
            self._stop.wait(self.every)
