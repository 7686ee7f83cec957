"""Pure rules of export dossiers: the week the Monitoring Team has to decide, who may be
asked what, and whether a certificate matches its dossier. No database or clock here."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

DECISION_DAYS = 7
"""The Monitoring Team decides within a week of submission (2016 communiqué §51-54)."""

EXPERT_CHECKS = (
    "the parcels' photos are searched against every earlier shipment's (a match is an expert "
    "check above); the declared assortment is read against the zone's footprint (see the "
    "footprint check); the certificate's value is checked against the valuation reference when "
    "it is issued; the Diamond Expert Team records its conclusion and notes here"
)
"""Said on every dossier: which expert checks run on it, and where each shows."""


class DossierStatus(StrEnum):
    """Where a dossier stands."""

    SUBMITTED = "submitted"
    MORE_INFORMATION = "more-information"
    APPROVED = "approved"
    REJECTED = "rejected"


class Decision(StrEnum):
    """What the Monitoring Team may decide."""

    APPROVED = "approved"
    REJECTED = "rejected"
    MORE_INFORMATION = "more-information"


class ExpertConclusion(StrEnum):
    """The Diamond Expert Team's reading of the parcels against the declared zone and value."""

    CONSISTENT = "consistent"
    INCONSISTENT = "inconsistent"


OPEN = frozenset({DossierStatus.SUBMITTED})
"""Statuses in which the week runs and a decision is awaited."""


@dataclass(frozen=True)
class Line:
    """A shipment line, as on a certificate."""

    hs_code: str
    origin: str
    carats: Decimal
    value_usd: Decimal


@dataclass(frozen=True)
class WeekClock:
    """The one-week clock of a dossier, as pages show it."""

    due_on: date
    days_left: int
    overdue: bool
    running: bool


def week_clock(
    status: DossierStatus, clock_started_at: datetime, decided_at: datetime | None, today: date
) -> WeekClock:
    """Due a week after the (re)submission; overdue when still undecided after that, or when
    decided later than that (the lateness stays visible on a decided dossier)."""
    due_on = clock_started_at.date() + timedelta(days=DECISION_DAYS)
    running = status in OPEN
    if running:
        overdue = clock_started_at < overdue_if_started_before(today)
    else:
        overdue = (decided_at.date() if decided_at is not None else today) > due_on
    return WeekClock(due_on=due_on, days_left=(due_on - today).days, overdue=overdue, running=running)


def overdue_if_started_before(today: date) -> datetime:
    """An undecided dossier is overdue on ``today`` when its week's clock started before this
    instant: its decision was due :data:`DECISION_DAYS` days after the (UTC) day it started,
    and that day has passed. The one statement of the rule: :func:`week_clock` reads it for
    one dossier, the listing's SQL filter compares ``clock_started_at`` with it."""
    return datetime.combine(today - timedelta(days=DECISION_DAYS), time.min, tzinfo=UTC)


def zone_problem(zone: str, zones_in_force: tuple[str, ...] | None) -> str | None:
    """Why ``zone`` cannot ship today (None: it can). ``None`` zones: not restricted."""
    if zones_in_force is None:
        return "the participant is not restricted today: its exports need no export dossier"
    if zone not in zones_in_force:
        listed = ", ".join(zones_in_force)
        return f"{zone!r} is not one of the participant's compliant zones in force ({listed})"
    return None


def decision_problem(
    status: DossierStatus, decision: Decision, *, expert_done: bool, statistics_done: bool
) -> str | None:
    """Why the Monitoring Team cannot record ``decision`` now (None: it can)."""
    if status is not DossierStatus.SUBMITTED:
        return f"the dossier is {status}, not awaiting a decision"
    if decision is Decision.APPROVED:
        missing = [
            name
            for name, done in (
                ("the Diamond Expert Team's", expert_done),
                ("the statistics", statistics_done),
            )
            if not done
        ]
        if missing:
            return f"approval needs {' and '.join(missing)} assessment first"
    return None


@dataclass(frozen=True)
class DossierFacts:
    """What a certificate is checked against."""

    id: int
    participant: str
    status: DossierStatus
    zone: str
    carats: Decimal
    value_usd: Decimal
    lines: tuple[Line, ...]
    parcel_count: int | None
    certificate_number: str | None


def certificate_problems(
    dossier: DossierFacts,
    *,
    exporter: str,
    zones_in_force: tuple[str, ...] | None,
    lines: tuple[Line, ...],
    parcel_count: int,
) -> list[str]:
    """Why a certificate cannot be issued on ``dossier`` (empty: it can): one approved
    dossier per certificate, the exporter's own, from a zone still compliant, with the same
    carats and value, and the same lines and parcels where the dossier lists them."""
    problems: list[str] = []
    if dossier.participant != exporter:
        return [f"export dossier {dossier.id} is {dossier.participant}'s, not {exporter}'s"]
    if dossier.status is not DossierStatus.APPROVED:
        problems.append(f"export dossier {dossier.id} is {dossier.status}, not approved")
    if dossier.certificate_number is not None:
        problems.append(
            f"export dossier {dossier.id} already carries certificate {dossier.certificate_number}: "
            "one dossier, one certificate"
        )
    if zones_in_force is not None and dossier.zone not in zones_in_force:
        problems.append(f"zone {dossier.zone!r} of export dossier {dossier.id} is no longer compliant")
    carats = sum((line.carats for line in lines), Decimal(0))
    value = sum((line.value_usd for line in lines), Decimal(0))
    if carats != dossier.carats:
        problems.append(
            f"the lines total {carats} ct; export dossier {dossier.id} approved {dossier.carats} ct"
        )
    if value != dossier.value_usd:
        problems.append(
            f"the lines total USD {value}; export dossier {dossier.id} approved USD {dossier.value_usd}"
        )
    if dossier.lines and Counter(lines) != Counter(dossier.lines):
        problems.append(f"the lines differ from those of export dossier {dossier.id}")
    if dossier.parcel_count is not None and parcel_count != dossier.parcel_count:
        problems.append(
            f"{parcel_count} parcels; export dossier {dossier.id} approved {dossier.parcel_count}"
        )
    return problems
