"""What each participant owes the Working Group on Statistics, and when (Annex III).

Pure date logic: trade statistics (with certificate counts) per quarter, production per
half-year, each due two months after the period ends: the last day of the second month
after it (Q1 by 31 May, H2 by the end of February).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kpcs.participants.registry import ParticipantStatus, StatusEntry, status_on
from kpcs.statistics.domain import StatisticsKind

MONTHS_TO_REPORT = 2


class EscalationStep(StrEnum):
    """The steps of the KP's guidelines on statistical non-submission, in order."""

    REMINDER = "reminder"  # a reminder from the WGS chair
    CHAIR_LETTER = "chair-letter"  # a letter from the KP Chair
    LISTED = "listed"  # named as non-compliant (e.g. in the plenary communiqué)
    REFERRED = "referred"  # referred to the Committee on Participation and Chairmanship

    @property
    def words(self) -> str:
        return {
            "reminder": "reminder by the WGS chair",
            "chair-letter": "letter from the KP Chair",
            "listed": "listed as not having submitted",
            "referred": "referred to the Committee on Participation and Chairmanship",
        }[self.value]


class Standing(StrEnum):
    """How an obligation stands on a given day."""

    ON_TIME = "on time"
    LATE = "late"  # submitted after the deadline
    MISSING = "missing"  # past the deadline, nothing submitted
    DERIVED = "from certificates"  # trade not submitted, but derived from certificates in kpcs
    OPEN = "not yet due"


@dataclass(frozen=True)
class Obligation:
    """One submission a participant owes."""

    participant: str
    kind: StatisticsKind
    period: str
    period_end: date
    due_on: date


@dataclass(frozen=True)
class Assessment:
    """An obligation as it stands on ``today``."""

    obligation: Obligation
    standing: Standing
    submitted_on: date | None
    days_late: int | None  # late or missing: days past the deadline


def periods(kind: StatisticsKind, year: int) -> list[tuple[str, date]]:
    """The reporting periods of ``year`` with their last days."""
    if kind is StatisticsKind.TRADE:
        return [(f"{year}-Q{q}", _month_end(year, 3 * q)) for q in range(1, 5)]
    return [(f"{year}-H1", date(year, 6, 30)), (f"{year}-H2", date(year, 12, 31))]


def due_date(period_end: date) -> date:
    """The last day of the second month after the period's last month."""
    month = period_end.month + MONTHS_TO_REPORT
    year = period_end.year + (month - 1) // 12
    return _month_end(year, (month - 1) % 12 + 1)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def owed(
    participant: str, history: tuple[StatusEntry, ...], year: int, *, producer: bool = True
) -> list[Obligation]:
    """Everything ``participant`` owes for ``year``: each period it was in the Scheme at the
    end of (a participant that joined mid-year owes from then; one that left, until then).
    Trade is owed by every participant; production only by a ``producer`` (a trading
    centre that mines nothing has no production return to make)."""
    found: list[Obligation] = []
    for kind in StatisticsKind:
        if kind is StatisticsKind.PRODUCTION and not producer:
            continue
        for period, end in periods(kind, year):
            entry = status_on(history, end)
            if entry is None or entry.status is ParticipantStatus.WITHDRAWN:
                continue
            found.append(Obligation(participant, kind, period, end, due_date(end)))
    return found


def assess(
    obligation: Obligation, submitted_on: date | None, today: date, *, derived: bool = False
) -> Assessment:
    """On time, late (by how many days), missing (for how many days), or not yet due.

    ``derived``: the participant issued or confirmed certificates in kpcs during the period,
    so its trade statistics for the period come from them once the period is over (no
    spreadsheet is owed for what kpcs already knows).
    """
    if submitted_on is not None:
        late = (submitted_on - obligation.due_on).days
        if late > 0:
            return Assessment(obligation, Standing.LATE, submitted_on, late)
        return Assessment(obligation, Standing.ON_TIME, submitted_on, None)
    if derived and obligation.kind is StatisticsKind.TRADE and today > obligation.period_end:
        return Assessment(obligation, Standing.DERIVED, None, None)
    if today > obligation.due_on:
        return Assessment(obligation, Standing.MISSING, None, (today - obligation.due_on).days)
    return Assessment(obligation, Standing.OPEN, None, None)
