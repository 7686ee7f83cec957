"""Use cases of statistical compliance: who owes what for a year, what is late or missing,
and the escalation steps taken about each case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import InvalidInput, NotFound
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot
from kpcs.statistics.models import (
    ALL,
    OTHERS,
    CertificateTotal,
    Escalation,
    PublishedProduction,
    StatisticsKind,
    StatisticsSubmission,
)
from kpcs.statistics.submissions import deadlines
from kpcs.statistics.submissions.deadlines import EscalationStep, Standing


@dataclass(frozen=True)
class Case:
    """One obligation of one participant, with what was done about it."""

    participant: str
    name: str
    kind: str
    period: str
    due_on: date
    standing: str
    submitted_on: date | None
    days_late: int | None
    steps: list[dict[str, Any]] = field(default_factory=list)


def compliance(session: Session, year: int, today: date, *, participant: str | None = None) -> list[Case]:
    """Every obligation for ``year``, worst first (missing, late, open, on time)."""
    snapshot = registry_snapshot(session)
    first = {
        (kind, code, period): submitted.date()
        for kind, code, period, submitted in session.execute(
            sa.select(
                StatisticsSubmission.kind,
                StatisticsSubmission.participant,
                StatisticsSubmission.period,
                sa.func.min(StatisticsSubmission.submitted_at),
            )
            .where(StatisticsSubmission.year == year)
            .group_by(
                StatisticsSubmission.kind, StatisticsSubmission.participant, StatisticsSubmission.period
            )
        )
    }
    steps: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for e in session.scalars(
        sa.select(Escalation)
        .where(Escalation.period.like(f"{year}-%"))
        .order_by(Escalation.taken_on, Escalation.id)
    ):
        steps.setdefault((e.kind.value, e.participant, e.period), []).append(
            {
                "step": e.step,
                "words": EscalationStep(e.step).words,
                "taken_on": e.taken_on,
                "note": e.note,
                "recorded_by": e.recorded_by,
            }
        )
    covered = _quarters_with_certificates(session, year)
    mining = producers(session, year)
    cases: list[Case] = []
    for code, facts in sorted(snapshot.participants.items()):
        if facts.kind is not ParticipantKind.PARTICIPANT or (participant and code != participant):
            continue
        for obligation in deadlines.owed(code, facts.history, year, producer=code in mining):
            key = (obligation.kind.value, code, obligation.period)
            found = deadlines.assess(
                obligation,
                first.get((obligation.kind, code, obligation.period)),
                today,
                derived=(code, obligation.period) in covered,
            )
            cases.append(
                Case(
                    participant=code,
                    name=facts.name,
                    kind=obligation.kind.value,
                    period=obligation.period,
                    due_on=obligation.due_on,
                    standing=found.standing.value,
                    submitted_on=found.submitted_on,
                    days_late=found.days_late,
                    steps=steps.get(key, []),
                )
            )
    order = {
        Standing.MISSING.value: 0,
        Standing.LATE.value: 1,
        Standing.OPEN.value: 2,
        Standing.DERIVED.value: 3,
        Standing.ON_TIME.value: 4,
    }
    return sorted(cases, key=lambda c: (order[c.standing], -(c.days_late or 0), c.participant, c.period))


PRODUCER_YEARS = 5
"""A participant that produced in any of this many years up to the one in question is a
producer, and owes production returns (a mine closed for a year still has to say so)."""


def producers(session: Session, year: int) -> set[str]:
    """Participants that mine: production submitted or published with carats in the last
    :data:`PRODUCER_YEARS` years (the published figures stand in before kpcs has returns)."""
    first = year - PRODUCER_YEARS + 1
    submitted = session.scalars(
        sa.select(StatisticsSubmission.participant)
        .where(
            StatisticsSubmission.kind == StatisticsKind.PRODUCTION,
            StatisticsSubmission.year.between(first, year),
        )
        .distinct()
    )
    published = session.scalars(
        sa.select(PublishedProduction.participant)
        .where(
            PublishedProduction.year.between(first, year),
            PublishedProduction.carats > 0,
            PublishedProduction.participant != OTHERS,  # the unnamed remainder owes nothing
        )
        .distinct()
    )
    return set(submitted) | set(published)


def _quarters_with_certificates(session: Session, year: int) -> set[tuple[str, str]]:
    """(participant, quarter) of ``year`` in which the participant issued a certificate in
    kpcs that stands, or confirmed one as received."""
    t = CertificateTotal
    return {
        (code, f"{year}-Q{quarter}")
        for code, quarter in session.execute(
            sa.select(t.participant, t.quarter).where(
                t.year == year, t.hs_code == ALL, t.partner == ALL, t.certificates > 0
            )
        )
    }


def record_escalation(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    *,
    participant: str,
    kind: str,
    period: str,
    step: str,
    taken_on: date,
    note: str | None = None,
) -> dict[str, Any]:
    """Record a step taken about a late or missing submission (dated and attributed)."""
    require(principal, Action.RECORD_ESCALATION)
    try:
        statistics_kind = StatisticsKind(kind)
    except ValueError:
        raise InvalidInput.field("kind", "must be trade or production") from None
    try:
        escalation_step = EscalationStep(step)
    except ValueError:
        raise InvalidInput.field(
            "step", "must be one of " + ", ".join(s.value for s in EscalationStep)
        ) from None
    if period not in {
        p for p, _ in deadlines.periods(statistics_kind, int(period[:4]) if period[:4].isdigit() else 0)
    }:
        raise InvalidInput.field("period", f"{period!r} is not a {kind} period such as 2025-Q1 or 2025-H1")
    if taken_on > clock.today():
        raise InvalidInput.field("taken_on", "a step is recorded once it has been taken, not before")
    with uow:
        snapshot = registry_snapshot(uow.session)
        if participant not in snapshot.participants:
            raise NotFound(f"{participant} is not a participant in the registry")
        row = Escalation(
            participant=participant,
            kind=statistics_kind,
            period=period,
            step=escalation_step.value,
            taken_on=taken_on,
            note=(note or "").strip() or None,
            recorded_at=clock.now(),
            recorded_by=principal.actor,
        )
        uow.session.add(row)
        uow.session.flush()
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.STATISTICS_ESCALATED,
            object_type="statistics",
            object_id=f"{statistics_kind.value}:{participant}:{period}",
            after={"step": escalation_step.value, "taken_on": taken_on},
            note=escalation_step.words + (f": {row.note}" if row.note else ""),
        )
        uow.commit()
        return {"id": row.id, "participant": participant, "kind": kind, "period": period, "step": step}
