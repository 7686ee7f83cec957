"""Deadlines within seven days as notifications (issue 18): the annual report due 31 March
to each participant that has not submitted it; a review's next timeline step to whoever
must take it (the WGM for the team's reports, the participant's authority for its
comments); a questionnaire's answers to the participant asked. Each once per deadline and
recipient: a second sweep notifies nobody. ``kpcs serve`` sweeps by itself, at start-up
and then daily, unless ``KPCS_DEADLINE_SWEEP=false``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from kpcs.cli.serve import deadline_sweeper
from kpcs.cli.state import CliState
from kpcs.clock import FixedClock
from kpcs.db import UnitOfWork
from kpcs.notifications.deadlines import DeadlineSweeper, remind_deadlines
from kpcs.notifications.models import Notification
from kpcs.reviews import services as reviews
from kpcs.statistics.analysis import daq
from tests.conftest import OPERATOR, Cli
from tests.exchange_cluster import wait_for
from tests.functional.test_annual_report_follow_up import reviewed

SUBMIT_2024 = {"part_a": "standing"}


def _notifications(session_factory: sessionmaker[Session], prefix: str) -> dict[str, tuple[str, str | None]]:
    """Key -> (role, participant) of the notifications whose key starts with ``prefix``."""
    with session_factory() as session:
        rows = session.execute(
            sa.select(Notification.key, Notification.role, Notification.participant).where(
                Notification.key.like(f"{prefix}%")
            )
        )
        return {key: (role, participant) for key, role, participant in rows}


def _planned(uow: UnitOfWork, clock: FixedClock, participant: str, *, ended_days_ago: int) -> int:
    visit = reviews.create(
        uow, OPERATOR, clock, kind="visit", participant=participant, terms_of_reference="t"
    )
    day = clock.today() - timedelta(days=ended_days_ago)
    reviews.set_visit_dates(uow, OPERATOR, clock, visit["id"], starts=day, ends=day)
    return int(visit["id"])


def test_the_annual_report_due_on_31_march_is_announced_once_to_those_who_owe_it(  # type: ignore[no-untyped-def]
    cli: Cli, clock: FixedClock, uow: UnitOfWork, session_factory
) -> None:
    from kpcs.annual_reports import services as annual_reports
    from kpcs.annual_reports.domain import SECTIONS

    botswana = annual_reports.start(uow, OPERATOR, clock, participant="BW", year=2024)
    annual_reports.edit(uow, OPERATOR, clock, botswana["id"], part_a=dict.fromkeys(SECTIONS, "standing"))
    annual_reports.submit(uow, OPERATOR, clock, botswana["id"])
    annual_reports.start(uow, OPERATOR, clock, participant="ZA", year=2024)  # a draft is not a submission

    clock.at = datetime(2025, 3, 20, 8, 0, tzinfo=UTC)  # eleven days before: not yet
    assert remind_deadlines(uow, clock) >= 0
    assert _notifications(session_factory, "annual-report-due:") == {}

    clock.at = datetime(2025, 3, 25, 8, 0, tzinfo=UTC)  # six days before
    first = cli("notifications", "deadlines")
    assert first.exit_code == 0, first.output
    due = _notifications(session_factory, "annual-report-due:")
    assert due["annual-report-due:ZA:2024"] == ("authority", "ZA")
    assert "annual-report-due:BW:2024" not in due  # submitted already
    assert len(due) > 50  # every participant that owes its report
    assert all(role == "authority" and key.endswith(f"{p}:2024") for key, (role, p) in due.items())
    assert cli("notifications", "deadlines").output.startswith("0 ")  # announced once
    clock.at += timedelta(days=1)
    assert remind_deadlines(uow, clock) == 0  # nor again the next day
    with session_factory() as session:
        subject = session.scalar(
            sa.select(Notification.subject).where(Notification.key == "annual-report-due:ZA:2024")
        )
    assert subject == "Annual report on 2024 due on 31 March 2025"


def test_a_reviews_next_step_is_announced_to_whoever_must_take_it(  # type: ignore[no-untyped-def]
    clock: FixedClock, uow: UnitOfWork, session_factory
) -> None:
    draft_due = _planned(uow, clock, "BW", ended_days_ago=15)  # draft report due in 6 days
    not_yet = _planned(uow, clock, "NA", ended_days_ago=5)  # due in 16 days
    no_dates = int(
        reviews.create(uow, OPERATOR, clock, kind="mission", participant="AO", terms_of_reference="t")["id"]
    )
    clock.at -= timedelta(days=16)
    commenting, _ = reviewed(uow, clock, "ZA", ["Keep a register."], final=False)  # draft sent 16 days ago
    clock.at += timedelta(days=1)
    commented, _ = reviewed(uow, clock, "IN", ["Keep a register."], final=False)
    reviews.comment(uow, OPERATOR, clock, commented, "Our comments.")
    clock.at += timedelta(days=15)  # back to today: comments and the final reports due in 5 and 6 days

    assert remind_deadlines(uow, clock) > 0
    found = _notifications(session_factory, "review-deadline:")
    by_review = {int(key.split(":")[1]): value for key, value in found.items()}
    assert by_review == {
        draft_due: ("monitoring", None),
        commenting: ("authority", "ZA"),
        commented: ("monitoring", None),
    }
    assert not {not_yet, no_dates} & set(by_review)
    assert (
        f"review-deadline:{draft_due}:draft report:{(clock.today() + timedelta(days=6)).isoformat()}" in found
    )
    assert remind_deadlines(uow, clock) == 0  # once per deadline and recipient
    with session_factory() as session:
        link, subject = session.execute(
            sa.select(Notification.link, Notification.subject).where(Notification.participant == "ZA")
        ).one()
    assert link == f"/reviews/{commenting}" and "comments on the draft report" in subject


def test_questionnaire_answers_due_within_the_week_are_announced_once(  # type: ignore[no-untyped-def]
    clock: FixedClock, uow: UnitOfWork, session_factory
) -> None:
    drawn = daq.draw_up(uow, OPERATOR, clock, year=2024, participant="BW")
    daq.send(uow, OPERATOR, clock, drawn["id"], clock.today() + timedelta(days=12))
    assert _notifications(session_factory, "questionnaire-answers-due:") == {}
    remind_deadlines(uow, clock)
    assert _notifications(session_factory, "questionnaire-answers-due:") == {}  # 12 days: not yet
    clock.at += timedelta(days=6)
    remind_deadlines(uow, clock)
    deadline = (clock.today() + timedelta(days=6)).isoformat()
    assert _notifications(session_factory, "questionnaire-answers-due:") == {
        f"questionnaire-answers-due:{drawn['id']}:{deadline}": ("authority", "BW")
    }
    assert remind_deadlines(uow, clock) == 0


def test_serve_sweeps_at_start_up_and_then_daily_unless_turned_off(  # type: ignore[no-untyped-def]
    settings, clock: FixedClock, uow: UnitOfWork, session_factory
) -> None:
    _planned(uow, clock, "BW", ended_days_ago=15)
    settings.deadline_sweep = False
    assert deadline_sweeper(CliState(settings, clock)) is None
    settings.deadline_sweep = True
    served = CliState(settings, clock)
    sweeper = deadline_sweeper(served)
    assert isinstance(sweeper, DeadlineSweeper) and sweeper.every == 24 * 60 * 60
    sweeper.every = 0.05  # a day, shortened for the test
    sweeper.start()
    try:
        wait_for(lambda: sweeper.sweeps >= 3, timeout=20, what="three sweeps")
    finally:
        sweeper.stop()
        served.close()
    assert len(_notifications(session_factory, "review-deadline:")) == 1  # swept thrice, told once
