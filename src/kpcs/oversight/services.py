"""Use case: the Chair's and the WGM's dashboard — everything due, late or pending across the
monitoring work, by participant and by body, each line linked to the thing itself.

Each source is read with one query that selects only what can still be open (reports not yet
responded to, reviews not yet adopted, outstanding recommendations counted per review, dossiers
awaiting a decision, questionnaires awaiting answers), so the dashboard's cost follows what is
open, not the years of history behind it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, is_participant_bound, require
from kpcs.annual_reports import domain as reports
from kpcs.annual_reports.models import AnnualReport
from kpcs.dossiers.domain import DossierStatus, week_clock
from kpcs.dossiers.models import ExportDossier
from kpcs.errors import InvalidInput
from kpcs.oversight.domain import (
    KIND_BODY,
    REPORT_YEARS_IN_VIEW,
    SOON_DAYS,
    Body,
    Kind,
    Line,
    State,
    Tally,
    ordered,
    state_of,
    tally,
)
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import RegistrySnapshot, registry_snapshot
from kpcs.reviews.domain import OUTSTANDING, Stage, next_deadline
from kpcs.reviews.models import Recommendation, Review
from kpcs.statistics.models import Questionnaire
from kpcs.statistics.submissions import compliance
from kpcs.statistics.submissions.deadlines import EscalationStep, Standing

_E = TypeVar("_E", Body, State, Kind)

MAX_LINES = 5000
"""The most lines one answer lists (the summaries always count every line)."""


@dataclass(frozen=True)
class _Scope:
    """Which lines are asked for: the filters, and the participant an authority is bound to."""

    participant: str | None
    kinds: frozenset[Kind]
    today: date
    names: dict[str, str]

    def name(self, code: str) -> str:
        return self.names.get(code, code)


def dashboard(
    session: Session,
    principal: Principal,
    today: date,
    *,
    participant: str | None = None,
    body: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 500,
) -> dict[str, Any]:
    """What is due, late or pending for the Chair and the working bodies (an authority: its
    own participant's), with counts by participant and by body, worst first."""
    require(principal, Action.VIEW_DASHBOARD)
    wanted_body = _choice("body", body, Body)
    wanted_state = _choice("state", state, State)
    wanted_kind = _choice("kind", kind, Kind)
    if is_participant_bound(principal):
        participant = principal.participant_code
    snapshot = registry_snapshot(session)
    kinds = frozenset(
        k for k in Kind if (wanted_kind is None or k is wanted_kind) and (wanted_body in (None, KIND_BODY[k]))
    )
    scope = _Scope(
        participant=participant.upper() if participant else None,
        kinds=kinds,
        today=today,
        names={code: facts.name for code, facts in snapshot.participants.items()},
    )
    lines = [
        line
        for source in _SOURCES
        for line in source(session, snapshot, scope)
        if line.kind in kinds and (wanted_state is None or line.state is wanted_state)
    ]
    lines = ordered(lines)
    return {
        "today": today,
        "soon_days": SOON_DAYS,
        "filters": {
            "participant": scope.participant,
            "body": wanted_body.value if wanted_body else None,
            "state": wanted_state.value if wanted_state else None,
            "kind": wanted_kind.value if wanted_kind else None,
        },
        "counts": {s.value: sum(1 for line in lines if line.state is s) for s in State},
        "by_participant": [_tally_dict(t) for t in tally(lines, by="participant")],
        "by_body": [_tally_dict(t) for t in tally(lines, by="body")],
        "total": len(lines),
        "lines": [_line_dict(line) for line in lines[:limit]],
    }


def _choice(field: str, value: str | None, kinds: type[_E]) -> _E | None:
    if not value:
        return None
    try:
        return kinds(value)
    except ValueError:
        raise InvalidInput.field(field, "one of " + ", ".join(k.value for k in kinds)) from None


def _tally_dict(t: Tally) -> dict[str, Any]:
    return asdict(t) | {"total": t.total}


def _line_dict(line: Line) -> dict[str, Any]:
    return {
        "kind": line.kind.value,
        "body": line.body.value,
        "participant": line.participant,
        "participant_name": line.participant_name,
        "what": line.what,
        "waiting_on": line.waiting_on,
        "state": line.state.value,
        "due_on": line.due_on,
        "since": line.since,
        "days_late": line.days_late,
        "link": line.link,
    }


def _authority(scope: _Scope, code: str) -> str:
    return f"{scope.name(code)}'s KP authority"


# -- the sources ------------------------------------------------------------------------------


def _annual_reports(session: Session, snapshot: RegistrySnapshot, scope: _Scope) -> Iterator[Line]:
    """Reports missing for the last years due (or coming due), reports awaiting the WGM's
    assessment (whatever their year), and assessments awaiting the participant's response."""
    if Kind.ANNUAL_REPORT not in scope.kinds:
        return
    today = scope.today
    last_due = today.year - 1 if today > reports.due_date(today.year - 1) else today.year - 2
    years = [y for y in range(last_due - REPORT_YEARS_IN_VIEW + 1, last_due + 2)]
    query = sa.select(
        AnnualReport.id,
        AnnualReport.participant,
        AnnualReport.year,
        AnnualReport.status,
        AnnualReport.submitted_at,
        AnnualReport.assessed_at,
    ).where(
        sa.or_(
            AnnualReport.year.in_(years),
            AnnualReport.status == reports.Status.SUBMITTED.value,
        )
    )
    if scope.participant:
        query = query.where(AnnualReport.participant == scope.participant)
    submitted: set[tuple[str, int]] = set()
    for row in session.execute(query):
        if row.submitted_at is not None:
            submitted.add((row.participant, row.year))
        link = f"/annual-reports/{row.id}"
        if row.status == reports.Status.SUBMITTED.value:
            yield Line(
                kind=Kind.ANNUAL_REPORT,
                participant=row.participant,
                participant_name=scope.name(row.participant),
                what=f"Annual report on {row.year} submitted: to be assessed",
                waiting_on="WGM",
                since=row.submitted_at.date(),
                link=link,
            )
        elif row.status == reports.Status.ASSESSED.value and row.year in years:
            yield Line(
                kind=Kind.ANNUAL_REPORT,
                participant=row.participant,
                participant_name=scope.name(row.participant),
                what=f"Annual report on {row.year} assessed: the participant's response awaited",
                waiting_on=_authority(scope, row.participant),
                since=row.assessed_at.date() if row.assessed_at else None,
                link=link,
            )
    for code, facts in sorted(snapshot.participants.items()):
        if facts.kind is not ParticipantKind.PARTICIPANT or (scope.participant and code != scope.participant):
            continue
        for year in years:
            if (code, year) in submitted or not reports.owes_report(facts.history, year):
                continue
            due_on = reports.due_date(year)
            state, late = state_of(due_on, today)
            if state is State.PENDING:
                continue  # not due for a while yet
            yield Line(
                kind=Kind.ANNUAL_REPORT,
                participant=code,
                participant_name=facts.name,
                what=f"Annual report on {year} not submitted",
                waiting_on=_authority(scope, code),
                state=state,
                due_on=due_on,
                days_late=late,
                link=f"/annual-reports/late?year={year}",
            )


def _review_reports(session: Session, snapshot: RegistrySnapshot, scope: _Scope) -> Iterator[Line]:
    """Reviews not yet adopted: the report step their Core Document timeline waits for, a
    final report awaiting adoption, a planned review whose dates are not set."""
    if Kind.REVIEW_REPORT not in scope.kinds:
        return
    query = sa.select(
        Review.id,
        Review.kind,
        Review.participant,
        Review.stage,
        Review.visit_ends,
        Review.draft_sent_on,
        Review.final_on,
        Review.created_at,
    ).where(Review.stage != Stage.ADOPTED.value)
    if scope.participant:
        query = query.where(Review.participant == scope.participant)
    for row in session.execute(query):
        stage = Stage(row.stage)
        name = f"Review {row.kind} #{row.id}"
        deadline = next_deadline(stage, row.visit_ends, row.draft_sent_on, scope.today)
        if deadline is not None:
            state, late = state_of(deadline.due, scope.today)
            if stage is Stage.DRAFT:
                waiting = f"{_authority(scope, row.participant)} (comments), then the review team"
            else:
                waiting = "the review team"
            what, due_on, since = f"{name}: {deadline.step} due", deadline.due, None
        elif stage is Stage.FINAL:
            state, late, waiting = State.PENDING, 0, "WGM (adoption by the plenary)"
            what, due_on, since = f"{name}: final report awaits adoption", None, row.final_on
        else:
            state, late, waiting = State.PENDING, 0, "WGM"
            what, due_on, since = f"{name}: planned, dates not set", None, row.created_at.date()
        yield Line(
            kind=Kind.REVIEW_REPORT,
            participant=row.participant,
            participant_name=scope.name(row.participant),
            what=what,
            waiting_on=waiting,
            state=state,
            due_on=due_on,
            since=since,
            days_late=late,
            link=f"/reviews/{row.id}",
        )


def _recommendations(session: Session, snapshot: RegistrySnapshot, scope: _Scope) -> Iterator[Line]:
    """Recommendations still open or in progress, one line per review (counted in SQL)."""
    if Kind.RECOMMENDATIONS not in scope.kinds:
        return
    outstanding = sa.func.count(Recommendation.id)
    query = (
        sa.select(
            Review.id,
            Review.kind,
            Review.participant,
            Review.adopted_on,
            Review.final_on,
            Review.created_at,
            outstanding.label("outstanding"),
        )
        .join(Recommendation, Recommendation.review_id == Review.id)
        .where(Recommendation.follow_up.in_([f.value for f in OUTSTANDING]))
        .group_by(
            Review.id, Review.kind, Review.participant, Review.adopted_on, Review.final_on, Review.created_at
        )
    )
    if scope.participant:
        query = query.where(Review.participant == scope.participant)
    for row in session.execute(query):
        count = row.outstanding
        plural = "s" if count != 1 else ""
        yield Line(
            kind=Kind.RECOMMENDATIONS,
            participant=row.participant,
            participant_name=scope.name(row.participant),
            what=f"{count} recommendation{plural} of review {row.kind} #{row.id} open or in progress",
            waiting_on=_authority(scope, row.participant),
            since=row.adopted_on or row.final_on or row.created_at.date(),
            link=f"/reviews/{row.id}#recommendations",
        )


def _dossiers(session: Session, snapshot: RegistrySnapshot, scope: _Scope) -> Iterator[Line]:
    """Export dossiers awaiting a decision (the week's clock running) or more information."""
    if Kind.EXPORT_DOSSIER not in scope.kinds:
        return
    query = sa.select(
        ExportDossier.id,
        ExportDossier.participant_code,
        ExportDossier.zone,
        ExportDossier.status,
        ExportDossier.clock_started_at,
        ExportDossier.decided_at,
        # JSON columns: SQL's IS NULL does not see a JSON null, so they are read and tested here.
        ExportDossier.expert_assessment,
        ExportDossier.statistics_assessment,
    ).where(ExportDossier.status.in_([DossierStatus.SUBMITTED, DossierStatus.MORE_INFORMATION]))
    if scope.participant:
        query = query.where(ExportDossier.participant_code == scope.participant)
    for row in session.execute(query):
        code = row.participant_code
        if row.status is DossierStatus.MORE_INFORMATION:
            yield Line(
                kind=Kind.EXPORT_DOSSIER,
                participant=code,
                participant_name=scope.name(code),
                what=f"Export dossier #{row.id} ({row.zone}): more information asked",
                waiting_on=_authority(scope, code),
                since=row.decided_at.date() if row.decided_at else None,
                link=f"/export-dossiers/{row.id}",
            )
            continue
        clock = week_clock(row.status, row.clock_started_at, row.decided_at, scope.today)
        state, late = state_of(clock.due_on, scope.today)
        if row.expert_assessment is None:
            waiting = "the Diamond Expert Team (assessment)"
        elif row.statistics_assessment is None:
            waiting = "WGS (statistical assessment)"
        else:
            waiting = "the Monitoring Team (decision)"
        yield Line(
            kind=Kind.EXPORT_DOSSIER,
            participant=code,
            participant_name=scope.name(code),
            what=f"Export dossier #{row.id} ({row.zone}): decision due within the week",
            waiting_on=waiting,
            state=state,
            due_on=clock.due_on,
            since=row.clock_started_at.date(),
            days_late=late,
            link=f"/export-dossiers/{row.id}",
        )


def _questionnaires(session: Session, snapshot: RegistrySnapshot, scope: _Scope) -> Iterator[Line]:
    """Questionnaires sent and not yet answered, against their deadline."""
    if Kind.QUESTIONNAIRE not in scope.kinds:
        return
    query = sa.select(
        Questionnaire.id, Questionnaire.participant, Questionnaire.year, Questionnaire.deadline
    ).where(Questionnaire.status == "sent")
    if scope.participant:
        query = query.where(Questionnaire.participant == scope.participant)
    for row in session.execute(query):
        state, late = state_of(row.deadline, scope.today)
        yield Line(
            kind=Kind.QUESTIONNAIRE,
            participant=row.participant,
            participant_name=scope.name(row.participant),
            what=f"Data anomaly questionnaire on {row.year}: answers awaited",
            waiting_on=_authority(scope, row.participant),
            state=state,
            due_on=row.deadline,
            days_late=late,
            link=f"/statistics/questionnaires/{row.id}",
        )


def _statistics(session: Session, snapshot: RegistrySnapshot, scope: _Scope) -> Iterator[Line]:
    """Statistical returns missing past their deadline this year and last, one line per
    participant, kind and year, with the last escalation step taken."""
    if Kind.STATISTICS not in scope.kinds:
        return
    for year in (scope.today.year - 1, scope.today.year):
        missing: dict[tuple[str, str], list[compliance.Case]] = {}
        for case in compliance.compliance(session, year, scope.today, participant=scope.participant):
            if case.standing == Standing.MISSING.value:
                missing.setdefault((case.participant, case.kind), []).append(case)
        for (code, kind), cases in sorted(missing.items()):
            periods = ", ".join(case.period for case in cases)
            first_due = min(case.due_on for case in cases)
            steps = [step for case in cases for step in case.steps]
            last = max(steps, key=lambda s: s["taken_on"]) if steps else None
            escalated = (
                f"; last step: {EscalationStep(last['step']).words} on {last['taken_on'].isoformat()}"
                if last
                else "; no step taken yet"
            )
            state, late = state_of(first_due, scope.today)
            yield Line(
                kind=Kind.STATISTICS,
                participant=code,
                participant_name=scope.name(code),
                what=f"{kind.capitalize()} statistics missing for {periods}{escalated}",
                waiting_on=_authority(scope, code),
                state=state,
                due_on=first_due,
                days_late=late,
                link=f"/statistics/compliance?year={year}",
            )


_SOURCES = (_annual_reports, _review_reports, _recommendations, _dossiers, _questionnaires, _statistics)
