"""Use cases of the Data Anomaly Questionnaire (DAQ) process: the anomalies of a year, run
over the figures in force with the thresholds the Working Group on Statistics has set, and
the questionnaires drawn up from them (sent, answered, reviewed, every step attributed).

The detectors themselves are pure (``anomalies.py``); this module reads their inputs from
the database (reported trade and production of the year and its history, and what the
compliance calendar says is missing), and keeps the thresholds with who set them and when.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
from collections.abc import Collection
from dataclasses import asdict
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, can, is_participant_bound, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, InvalidInput, NotFound
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot
from kpcs.statistics.analysis.anomalies import TYPES, Anomaly, Thresholds, find_anomalies
from kpcs.statistics.analysis.questionnaire import (
    DECISION_STEPS,
    Decision,
    QuestionState,
    Status,
    Step,
    after_answer,
    after_review,
    concerns,
    deadline_after_asking_again,
    default_deadline,
    overdue,
    question_text,
    status_of,
)
from kpcs.statistics.analysis.selection import finding_key, parse_filter
from kpcs.statistics.models import AnomalyThresholds, Question, Questionnaire, QuestionStep, StatisticsKind
from kpcs.statistics.submissions import compliance
from kpcs.statistics.submissions import services as submissions


def thresholds_in_force(session: Session) -> tuple[Thresholds, dict[str, Any] | None]:
    """The thresholds in force, and who set them when (``None``: the published defaults).

    What was stored by an earlier version may name a threshold the detectors no longer have,
    or a value its range no longer allows: such a value is left out (the default applies)
    and listed under ``ignored`` with the reason, rather than stop every run."""
    latest = session.scalars(
        sa.select(AnomalyThresholds).order_by(AnomalyThresholds.id.desc()).limit(1)
    ).first()
    if latest is None:
        return Thresholds(), None
    usable, ignored = _usable(latest.values)
    return usable, {
        "set_at": latest.set_at,
        "set_by": latest.set_by,
        "note": latest.note,
        "changed": latest.values,
        "ignored": ignored,
    }


def _usable(stored: dict[str, Any]) -> tuple[Thresholds, dict[str, str]]:
    """The stored values that are still thresholds with a value allowed, and the others
    ({name: why it is ignored})."""
    known = Thresholds.names()
    values = {name: value for name, value in stored.items() if name in known}
    ignored = {name: "no longer a threshold" for name in stored if name not in known}
    while True:
        try:
            return Thresholds.from_mapping(values), ignored
        except ValueError as error:
            # Each refusal names its field first ("name: reason"); drop that one and try again.
            name, _, reason = str(error).partition(":")
            if name not in values:
                raise
            del values[name]
            ignored[name] = reason.strip()


def thresholds_table(session: Session) -> list[dict[str, Any]]:
    """Every threshold: name, value in force, default, and what it means (its docstring)."""
    current, _ = thresholds_in_force(session)
    defaults = Thresholds()
    described = _meanings()
    return [
        {"name": name, "value": value, "default": getattr(defaults, name), "meaning": described.get(name, "")}
        for name, value in asdict(current).items()
    ]


def _thresholds(values: dict[str, Any]) -> Thresholds:
    """``values`` as thresholds, or a 422 naming the threshold and what is wrong with it."""
    try:
        return Thresholds.from_mapping(values)
    except ValueError as error:
        name, _, reason = str(error).partition(":")
        raise InvalidInput.field(name, reason.strip()) from None


@cache
def _meanings() -> dict[str, str]:
    """Each threshold's docstring, as written beside it in ``anomalies.py`` (one source for
    the code and for the page that lets the statistics role tune it)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(Thresholds)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    found: dict[str, str] = {}
    for assign, doc in itertools.pairwise(body):
        if (
            isinstance(assign, ast.AnnAssign)
            and isinstance(assign.target, ast.Name)
            and isinstance(doc, ast.Expr)
            and isinstance(doc.value, ast.Constant)
            and isinstance(doc.value.value, str)
        ):
            found[assign.target.id] = " ".join(doc.value.value.split())
    return found


def set_thresholds(
    uow: UnitOfWork, principal: Principal, clock: Clock, values: dict[str, Any], note: str | None = None
) -> Thresholds:
    """Set some thresholds (the others keep their values in force); ``{}`` with
    ``reset`` semantics is not offered: send the defaults to go back to them."""
    require(principal, Action.TUNE_ANOMALY_THRESHOLDS)
    with uow:
        current, _ = thresholds_in_force(uow.session)
        chosen = _thresholds(asdict(current) | dict(values))
        defaults = asdict(Thresholds())
        changed = {k: v for k, v in asdict(chosen).items() if v != defaults[k]}
        before = {k: v for k, v in asdict(current).items() if v != defaults[k]}
        row = AnomalyThresholds(
            values=changed, note=(note or "").strip() or None, set_at=clock.now(), set_by=principal.actor
        )
        uow.session.add(row)
        uow.session.flush()
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.STATISTICS_THRESHOLDS_SET,
            object_type="statistics",
            object_id="anomaly-thresholds",
            before=before,
            after=changed,
            note=row.note,
        )
        uow.commit()
        return chosen


def year_anomalies(
    session: Session,
    principal: Principal,
    year: int,
    today: date,
    *,
    overrides: dict[str, Any] | None = None,
    types: set[str] | None = None,
    participant: str | None = None,
    severity: str | None = None,
    partner: str | None = None,
    period: str | None = None,
) -> list[Anomaly]:
    """The anomalies of ``year`` over the figures in force, with the thresholds in force
    (or ``overrides`` of some of them, for a trial run that stores nothing), in the
    detectors' order; filtered as :class:`~kpcs.statistics.selection.FindingFilter` says
    (``participant`` on either side of a pair, ``partner`` as the partner, ``period`` a
    half-year or quarter of the year and its parts)."""
    require(principal, Action.VIEW_ANOMALIES)
    if types and not types <= set(TYPES):
        raise InvalidInput.field("type", f"must be among {', '.join(TYPES)}")
    where = parse_filter(year, participant=participant, partner=partner, period=period, severity=severity)
    thresholds, _ = thresholds_in_force(session)
    if overrides:
        thresholds = _thresholds(asdict(thresholds) | overrides)
    found = find_year_anomalies(session, year, today, thresholds)
    return [a for a in found if (not types or a.type in types) and where.matches(a)]


def find_year_anomalies(
    session: Session,
    year: int,
    today: date,
    thresholds: Thresholds,
    *,
    missing: list[tuple[str, str, str]] | None = None,
) -> list[Anomaly]:
    """The anomalies of ``year`` over the figures in force (no permission check: for the
    use cases that have made theirs, such as the country analyses); ``missing`` are the
    returns the compliance calendar finds missing, when the caller has read them already."""
    first = year - thresholds.history_years
    trade = submissions.figures_frame(session, StatisticsKind.TRADE, first, year)
    production = submissions.figures_frame(session, StatisticsKind.PRODUCTION, first, year)
    if missing is None:
        missing = missing_returns(session, year, today)
    return find_anomalies(trade, production, year, thresholds=thresholds, missing=missing)


def missing_returns(session: Session, year: int, today: date) -> list[tuple[str, str, str]]:
    """The returns of ``year`` that are owed and missing, as (participant, "trade" |
    "production", period), from the compliance calendar (no permission check)."""
    return [
        (case.participant, case.kind, case.period)
        for case in compliance.compliance(session, year, today)
        if case.standing == "missing"
    ]


# -- the questionnaire ------------------------------------------------------------------------

_SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
MAX_ANSWER = 20_000
"""Characters in one answer or note: a long explanation fits, a pasted file does not."""


def draw_up(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    *,
    year: int,
    participant: str,
    types: set[str] | None = None,
    severity: str | None = None,
    selection: Collection[str] | None = None,
) -> dict[str, Any]:
    """A draft questionnaire for ``participant``: one question per anomaly of ``year`` that
    concerns it (of these ``types``, at least this ``severity``, and when a ``selection``
    of finding keys (:func:`~kpcs.statistics.selection.finding_key`) is given, only those),
    with the thresholds in force."""
    require(principal, Action.MANAGE_QUESTIONNAIRES)
    with uow:
        session = uow.session
        _participant_name(session, participant)
        _refuse_a_second(session, year, participant)
        if severity is not None and severity not in _SEVERITY_RANK:
            raise InvalidInput.field("severity", "must be high, medium or low")
        chosen = None if selection is None else set(selection)
        found = [
            a
            for a in year_anomalies(session, principal, year, clock.today(), types=types)
            if concerns(a.as_dict(), participant)
            and (severity is None or _SEVERITY_RANK[a.severity] <= _SEVERITY_RANK[severity])
            and (chosen is None or finding_key(a) in chosen)
        ]
        if not found:
            which = (" at that severity" if severity else "") + (" among those selected" if chosen else "")
            raise InvalidInput.field(
                "participant", f"no anomaly of {year} concerns {participant}{which}: there is nothing to ask"
            )
        questionnaire = _draft(
            session, principal, clock, year, participant, found, selected=chosen is not None
        )
        uow.commit()
        return _detail(session, questionnaire, clock.today())


def draw_up_selected(
    uow: UnitOfWork, principal: Principal, clock: Clock, *, year: int, selection: Collection[str]
) -> list[dict[str, Any]]:
    """Draft questionnaires from findings the Working Group picked (their keys, as
    :func:`~kpcs.statistics.selection.finding_key` names them): one for each participant
    the picked findings concern (both sides of a mirror gap), asking exactly the picked
    findings that concern it. All are drafted or none: a participant that already has a
    questionnaire for the year, or a key that names no finding of the year any more (the
    figures or the thresholds changed since it was picked), refuses the whole selection."""
    require(principal, Action.MANAGE_QUESTIONNAIRES)
    chosen = set(selection)
    if not chosen:
        raise InvalidInput.field("finding", "select at least one finding")
    with uow:
        session = uow.session
        picked = [
            a for a in year_anomalies(session, principal, year, clock.today()) if finding_key(a) in chosen
        ]
        lost = len(chosen) - len({finding_key(a) for a in picked})
        if lost:
            raise InvalidInput.field(
                "finding",
                f"{lost} of the {len(chosen)} selected findings {'is' if lost == 1 else 'are'} no longer "
                f"among the anomalies of {year} (the figures or the thresholds have changed since): "
                "show the anomalies again and select anew",
            )
        asked = sorted(
            {a.participant for a in picked}
            | {a.partner for a in picked if a.partner and concerns(a.as_dict(), a.partner)}
        )
        for participant in asked:
            _participant_name(session, participant)
            _refuse_a_second(session, year, participant)
        drafted = [
            _draft(
                session,
                principal,
                clock,
                year,
                participant,
                [a for a in picked if concerns(a.as_dict(), participant)],
                selected=True,
            )
            for participant in asked
        ]
        uow.commit()
        return [_detail(session, q, clock.today()) for q in drafted]


def _refuse_a_second(session: Session, year: int, participant: str) -> None:
    """One questionnaire per participant and year: refuse another while one exists."""
    existing = session.scalars(
        sa.select(Questionnaire).where(Questionnaire.year == year, Questionnaire.participant == participant)
    ).first()
    if existing is not None:
        raise Conflict(
            f"{participant} already has questionnaire {existing.id} for {year} ({existing.status}); "
            "discard the draft to draw it up again"
        )


def _draft(
    session: Session,
    principal: Principal,
    clock: Clock,
    year: int,
    participant: str,
    found: list[Anomaly],
    *,
    selected: bool,
) -> Questionnaire:
    """A draft for ``participant`` asking about ``found``, recorded in the audit log (the
    caller commits)."""
    questionnaire = Questionnaire(
        year=year,
        participant=participant,
        status=Status.DRAFT.value,
        deadline=None,
        created_at=clock.now(),
        created_by=principal.actor,
    )
    session.add(questionnaire)
    session.flush()
    session.add_all(
        Question(
            questionnaire_id=questionnaire.id,
            number=number,
            anomaly=anomaly.as_dict(),
            text=question_text(anomaly.as_dict(), participant),
            state=QuestionState.AWAITING_ANSWER.value,
        )
        for number, anomaly in enumerate(found, start=1)
    )
    session.flush()
    after: dict[str, Any] = {"year": year, "participant": participant, "questions": len(found)}
    if selected:
        after["selected"] = True  # the findings were picked one by one on the workbench
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tags.QUESTIONNAIRE_DRAWN_UP,
        object_type="questionnaire",
        object_id=str(questionnaire.id),
        after=after,
    )
    return questionnaire


def discard(uow: UnitOfWork, principal: Principal, clock: Clock, questionnaire_id: int) -> None:
    """Throw away a draft (it was never sent, so nobody was asked anything)."""
    require(principal, Action.MANAGE_QUESTIONNAIRES)
    with uow:
        session = uow.session
        questionnaire = _get(session, principal, questionnaire_id)
        if questionnaire.status != Status.DRAFT.value:
            raise Conflict(f"questionnaire {questionnaire_id} has been sent: it is kept, not discarded")
        count = len(_questions(session, questionnaire.id))
        session.execute(sa.delete(Question).where(Question.questionnaire_id == questionnaire.id))
        session.delete(questionnaire)
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.QUESTIONNAIRE_DISCARDED,
            object_type="questionnaire",
            object_id=str(questionnaire_id),
            before={"year": questionnaire.year, "participant": questionnaire.participant, "questions": count},
        )
        uow.commit()


def send(
    uow: UnitOfWork, principal: Principal, clock: Clock, questionnaire_id: int, deadline: date | None = None
) -> dict[str, Any]:
    """Send a draft to the participant, to be answered by ``deadline`` (default: two months)."""
    require(principal, Action.MANAGE_QUESTIONNAIRES)
    today = clock.today()
    due = deadline or default_deadline(today)
    if due <= today:
        raise InvalidInput.field("deadline", "must be after today: the participant needs time to answer")
    with uow:
        session = uow.session
        questionnaire = _get(session, principal, questionnaire_id)
        if questionnaire.status != Status.DRAFT.value:
            raise Conflict(f"questionnaire {questionnaire_id} was sent on {questionnaire.sent_at:%Y-%m-%d}")
        now = clock.now()
        questionnaire.deadline, questionnaire.sent_at, questionnaire.sent_by = due, now, principal.actor
        questions = _questions(session, questionnaire.id)
        session.add_all(
            QuestionStep(
                question_id=q.id, step=Step.ASKED.value, text=None, taken_at=now, taken_by=principal.actor
            )
            for q in questions
        )
        questionnaire.status = status_of(True, (QuestionState(q.state) for q in questions)).value
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.QUESTIONNAIRE_SENT,
            object_type="questionnaire",
            object_id=str(questionnaire.id),
            after={"participant": questionnaire.participant, "year": questionnaire.year, "deadline": due},
        )
        uow.commit()
        return _detail(session, questionnaire, clock.today())


def answer(
    uow: UnitOfWork, principal: Principal, clock: Clock, questionnaire_id: int, number: int, text: str
) -> dict[str, Any]:
    """The participant's answer to one question (late answers are taken, and say so)."""
    words = _words("answer", text, required=True)
    with uow:
        session = uow.session
        questionnaire = _get(session, principal, questionnaire_id)
        require(principal, Action.ANSWER_QUESTIONNAIRE, participant=questionnaire.participant)
        question = _question(session, questionnaire, number)
        question.state = after_answer(QuestionState(question.state)).value
        _step(session, question, Step.ANSWERED, words, principal, clock)
        _restate(session, questionnaire)
        late = questionnaire.deadline is not None and clock.today() > questionnaire.deadline
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.QUESTION_ANSWERED,
            object_type="questionnaire",
            object_id=f"{questionnaire.id}/{number}",
            after={"state": question.state, "late": late},
        )
        uow.commit()
        return _detail(session, questionnaire, clock.today())


def review(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    questionnaire_id: int,
    number: int,
    decision: str,
    note: str | None = None,
) -> dict[str, Any]:
    """The WGS's decision on an answer: accept it, ask again (saying what is still needed),
    or escalate it (saying why)."""
    require(principal, Action.MANAGE_QUESTIONNAIRES)
    try:
        chosen = Decision(decision)
    except ValueError:
        raise InvalidInput.field("decision", "must be accept, ask-again or escalate") from None
    words = _words("note", note or "", required=chosen is not Decision.ACCEPT)
    with uow:
        session = uow.session
        questionnaire = _get(session, principal, questionnaire_id)
        question = _question(session, questionnaire, number)
        before = question.state
        question.state = after_review(QuestionState(question.state), chosen).value
        _step(session, question, DECISION_STEPS[chosen], words, principal, clock)
        if chosen is Decision.ASK_AGAIN and questionnaire.deadline is not None:
            questionnaire.deadline = deadline_after_asking_again(questionnaire.deadline, clock.today())
        _restate(session, questionnaire)
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.QUESTION_REVIEWED,
            object_type="questionnaire",
            object_id=f"{questionnaire.id}/{number}",
            before={"state": before},
            after={"state": question.state, "decision": chosen.value, "deadline": questionnaire.deadline},
            note=words,
        )
        uow.commit()
        return _detail(session, questionnaire, clock.today())


def questionnaires(
    session: Session,
    principal: Principal,
    today: date,
    *,
    year: int | None = None,
    participant: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The questionnaires the principal may see (an authority: its own, once sent), newest
    year first, each with how many questions stand where."""
    require(principal, Action.VIEW_QUESTIONNAIRES)
    if status is not None and status not in {s.value for s in Status}:
        raise InvalidInput.field("status", "must be draft, sent, answered or closed")
    query = sa.select(Questionnaire).order_by(Questionnaire.year.desc(), Questionnaire.participant)
    if is_participant_bound(principal):
        query = query.where(
            Questionnaire.participant == principal.participant_code,
            Questionnaire.status != Status.DRAFT.value,
        )
    if year is not None:
        query = query.where(Questionnaire.year == year)
    if participant:
        query = query.where(Questionnaire.participant == participant)
    if status:
        query = query.where(Questionnaire.status == status)
    return _summaries(session, list(session.scalars(query)), today)


def questionnaire(
    session: Session, principal: Principal, questionnaire_id: int, today: date
) -> dict[str, Any]:
    """One questionnaire with its questions and every step taken on each."""
    return _detail(session, _get(session, principal, questionnaire_id), today)


def questionnaire_states(session: Session, year: int, today: date) -> dict[str, dict[str, Any]]:
    """Where each participant's questionnaire of ``year`` stands, drafts left out (no
    permission check: for the country analyses, which have made theirs)."""
    found = session.scalars(
        sa.select(Questionnaire).where(Questionnaire.year == year, Questionnaire.status != Status.DRAFT.value)
    ).all()
    return {s["participant"]: s for s in _summaries(session, list(found), today)}


def _summaries(session: Session, found: list[Questionnaire], today: date) -> list[dict[str, Any]]:
    """Each questionnaire's summary, with its questions counted per state in one query."""
    counts: dict[int, dict[str, int]] = {}
    for questionnaire_id, state, n in session.execute(
        sa.select(Question.questionnaire_id, Question.state, sa.func.count())
        .where(Question.questionnaire_id.in_([q.id for q in found]))
        .group_by(Question.questionnaire_id, Question.state)
    ):
        counts.setdefault(questionnaire_id, {})[state] = n
    return [_summary(q, counts.get(q.id, {}), today) for q in found]


def non_responders(session: Session, today: date) -> list[dict[str, Any]]:
    """Participants that left questions unanswered past their deadline (public: the DAQ's
    "name and shame" list), the longest overdue first."""
    late = session.scalars(
        sa.select(Questionnaire).where(
            Questionnaire.status == Status.SENT.value, Questionnaire.deadline < today
        )
    ).all()
    names = registry_snapshot(session).participants
    rows = []
    for q in late:
        waiting = session.scalar(
            sa.select(sa.func.count()).where(
                Question.questionnaire_id == q.id, Question.state == QuestionState.AWAITING_ANSWER.value
            )
        )
        total = session.scalar(sa.select(sa.func.count()).where(Question.questionnaire_id == q.id))
        assert q.deadline is not None and q.sent_at is not None
        facts = names.get(q.participant)
        rows.append(
            {
                "participant": q.participant,
                "name": facts.name if facts else q.participant,
                "year": q.year,
                "sent_on": q.sent_at.date(),
                "deadline": q.deadline,
                "days_overdue": (today - q.deadline).days,
                "unanswered": waiting,
                "question_count": total,
            }
        )
    return sorted(rows, key=lambda r: (-r["days_overdue"], r["participant"]))


def _get(session: Session, principal: Principal, questionnaire_id: int) -> Questionnaire:
    """The questionnaire, if the principal may see it (a draft only the WGS sees)."""
    require(principal, Action.VIEW_QUESTIONNAIRES)
    found = session.get(Questionnaire, questionnaire_id)
    if found is None or (
        found.status == Status.DRAFT.value and not can(principal, Action.MANAGE_QUESTIONNAIRES)
    ):
        raise NotFound(f"no questionnaire {questionnaire_id}")
    require(principal, Action.VIEW_QUESTIONNAIRES, participant=found.participant)
    return found


def _questions(session: Session, questionnaire_id: int) -> list[Question]:
    return list(
        session.scalars(
            sa.select(Question).where(Question.questionnaire_id == questionnaire_id).order_by(Question.number)
        )
    )


def _question(session: Session, questionnaire: Questionnaire, number: int) -> Question:
    if questionnaire.status == Status.DRAFT.value:
        raise Conflict(f"questionnaire {questionnaire.id} is a draft: it is answered once sent")
    found = session.scalars(
        sa.select(Question).where(Question.questionnaire_id == questionnaire.id, Question.number == number)
    ).first()
    if found is None:
        raise NotFound(f"questionnaire {questionnaire.id} has no question {number}")
    return found


def _step(
    session: Session, question: Question, step: Step, text: str | None, principal: Principal, clock: Clock
) -> None:
    session.add(
        QuestionStep(
            question_id=question.id,
            step=step.value,
            text=text,
            taken_at=clock.now(),
            taken_by=principal.actor,
        )
    )


def _restate(session: Session, questionnaire: Questionnaire) -> None:
    """Store the questionnaire's status as its questions now make it."""
    session.flush()
    states = session.scalars(sa.select(Question.state).where(Question.questionnaire_id == questionnaire.id))
    questionnaire.status = status_of(
        questionnaire.sent_at is not None, (QuestionState(s) for s in states)
    ).value


def _words(field: str, text: str, *, required: bool) -> str | None:
    """Free text as stored: trimmed, not empty where it is needed, not a pasted file."""
    text = text.strip()
    if required and not text:
        raise InvalidInput.field(field, "must not be empty")
    if len(text) > MAX_ANSWER:
        raise InvalidInput.field(field, f"is {len(text):,} characters long; at most {MAX_ANSWER:,}")
    return text or None


def _participant_name(session: Session, participant: str) -> str:
    facts = registry_snapshot(session).participants.get(participant)
    if facts is None or facts.kind is not ParticipantKind.PARTICIPANT:
        raise NotFound(f"{participant} is not a participant in the registry")
    return facts.name


def _summary(q: Questionnaire, counts: dict[str, int], today: date) -> dict[str, Any]:
    status = Status(q.status)
    return {
        "id": q.id,
        "year": q.year,
        "participant": q.participant,
        "status": q.status,
        "deadline": q.deadline,
        "overdue": overdue(status, q.deadline, today),
        "question_count": sum(counts.values()),
        "by_state": {s.value: counts.get(s.value, 0) for s in QuestionState},
        "created_at": q.created_at,
        "created_by": q.created_by,
        "sent_at": q.sent_at,
        "sent_by": q.sent_by,
    }


def _detail(session: Session, q: Questionnaire, today: date) -> dict[str, Any]:
    questions = _questions(session, q.id)
    steps: dict[int, list[dict[str, Any]]] = {}
    for s in session.scalars(
        sa.select(QuestionStep)
        .where(QuestionStep.question_id.in_([x.id for x in questions]))
        .order_by(QuestionStep.taken_at, QuestionStep.id)
    ):
        steps.setdefault(s.question_id, []).append(
            {"step": s.step, "text": s.text, "taken_at": s.taken_at, "taken_by": s.taken_by}
        )
    counts: dict[str, int] = {}
    for x in questions:
        counts[x.state] = counts.get(x.state, 0) + 1
    return {
        **_summary(q, counts, today),
        "name": _participant_name(session, q.participant),
        "questions": [
            {
                "number": x.number,
                "state": x.state,
                "text": x.text,
                "anomaly": x.anomaly,
                "steps": steps.get(x.id, []),
            }
            for x in questions
        ],
    }
