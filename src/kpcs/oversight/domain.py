"""What the Chair and the Working Group on Monitoring follow, free of I/O: one line per thing
due, late or pending, who follows it and who must act, and the summaries by participant and by
body that the dashboard opens with.

The lines come from the monitoring work kpcs already runs (annual reports, peer reviews and
their recommendations, export dossiers, the statistics working group's questionnaires and
missing returns); :mod:`kpcs.oversight.services` reads them, this module decides how each
stands and in which order they are shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

SOON_DAYS: Final = 30
"""A thing whose day falls within this many days is *due*: the Chair sees it coming."""

REPORT_YEARS_IN_VIEW: Final = 1
"""Annual reports missing for the last this-many years due are listed, with the year coming due
(older ones stay on each year's late list: the WGM chases the current cycle, and a fresh
deployment would otherwise list every participant for every year before it)."""


class State(StrEnum):
    """How a line stands today."""

    LATE = "late"  # its day has passed
    DUE = "due"  # its day comes within SOON_DAYS
    PENDING = "pending"  # waits on someone, with no day set by the rules


class Body(StrEnum):
    """The working body that follows a line (the Chair sees them all)."""

    WGM = "WGM"  # Working Group on Monitoring: annual reports, peer review, recommendations
    MONITORING_TEAM = "Monitoring Team"  # decides export dossiers of a restricted participant
    WGS = "WGS"  # Working Group on Statistics: questionnaires, returns


class Kind(StrEnum):
    """What a line is about."""

    ANNUAL_REPORT = "annual report"
    REVIEW_REPORT = "review report"
    RECOMMENDATIONS = "recommendations"
    EXPORT_DOSSIER = "export dossier"
    QUESTIONNAIRE = "questionnaire"
    STATISTICS = "statistics"


KIND_BODY: Final[dict[Kind, Body]] = {
    Kind.ANNUAL_REPORT: Body.WGM,
    Kind.REVIEW_REPORT: Body.WGM,
    Kind.RECOMMENDATIONS: Body.WGM,
    Kind.EXPORT_DOSSIER: Body.MONITORING_TEAM,
    Kind.QUESTIONNAIRE: Body.WGS,
    Kind.STATISTICS: Body.WGS,
}
"""Each kind of line is followed by one body."""


@dataclass(frozen=True)
class Line:
    """One thing due, late or pending, and the page where it is dealt with."""

    kind: Kind
    participant: str
    participant_name: str
    what: str
    waiting_on: str
    link: str
    state: State = State.PENDING
    due_on: date | None = None
    since: date | None = None
    days_late: int = 0

    @property
    def body(self) -> Body:
        return KIND_BODY[self.kind]


def state_of(due_on: date | None, today: date) -> tuple[State, int]:
    """A line's state and days past its day: late once the day has passed, due when it comes
    within :data:`SOON_DAYS`; a line without a day of its own, or one further off, is pending."""
    if due_on is None:
        return State.PENDING, 0
    if today > due_on:
        return State.LATE, (today - due_on).days
    if (due_on - today).days <= SOON_DAYS:
        return State.DUE, 0
    return State.PENDING, 0


def ordered(lines: Iterable[Line]) -> list[Line]:
    """Late first (longest overdue first), then due (soonest first), then pending (waiting
    longest first); ties by participant, so that the list reads the same every time."""
    rank = {State.LATE: 0, State.DUE: 1, State.PENDING: 2}

    def key(line: Line) -> tuple[int, int, str, str, str]:
        if line.state is State.LATE:
            when = -line.days_late
        else:
            moment = line.due_on if line.state is State.DUE else line.since
            when = moment.toordinal() if moment else 0
        return rank[line.state], when, line.participant, line.kind.value, line.what

    return sorted(lines, key=key)


@dataclass(frozen=True)
class Tally:
    """How many lines of one group are late, due and pending."""

    key: str
    name: str
    late: int = 0
    due: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.late + self.due + self.pending


def tally(lines: Iterable[Line], *, by: str) -> list[Tally]:
    """Counts per participant (``by="participant"``) or per body (``by="body"``), most late
    first: the dashboard's two summaries."""
    counts: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for line in lines:
        key = line.participant if by == "participant" else line.body.value
        names[key] = line.participant_name if by == "participant" else key
        group = counts.setdefault(key, {state.value: 0 for state in State})
        group[line.state.value] += 1
    tallies = [Tally(key=key, name=names[key], **group) for key, group in counts.items()]
    return sorted(tallies, key=lambda t: (-t.late, -t.due, -t.pending, t.key))
