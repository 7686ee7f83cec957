"""The peer review's vocabulary and rules, free of I/O: the kinds of review, the course a
review's report runs, the Core Document's timelines (each in one place, with its source),
and the follow-up states of a recommendation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class ReviewKind(StrEnum):
    """A review visit is voluntary, on the participant's invitation; a review mission is sent
    where there are credible indications of significant non-compliance (with its consent)."""

    VISIT = "visit"
    MISSION = "mission"


class Stage(StrEnum):
    """Where a review's report stands, in the order it runs."""

    PLANNED = "planned"  # team, terms of reference and dates being settled
    DRAFT = "draft"  # draft report sent to the participant (and the Chair)
    COMMENTED = "commented"  # the participant has commented on the draft
    FINAL = "final"  # final report, with the participant's comments
    ADOPTED = "adopted"  # adopted by the plenary (or the WGM on its behalf)


class Constituency(StrEnum):
    """The review team is tripartite: experts of participants, industry and civil society."""

    PARTICIPANT = "participant"
    INDUSTRY = "industry"
    CIVIL_SOCIETY = "civil society"


def constituencies_missing(team: list[str]) -> list[str]:
    """The constituencies of a tripartite team that none of ``team`` (each member's
    constituency) is from, in their usual order: shown on the review until none is missing."""
    return [c.value for c in Constituency if c.value not in team]


class FollowUp(StrEnum):
    """How far a recommendation has been acted on, as the WGM tracks it."""

    OPEN = "open"
    IN_PROGRESS = "in progress"
    IMPLEMENTED = "implemented"
    NOT_IMPLEMENTED = "not implemented"
    NO_LONGER_RELEVANT = "no longer relevant"


OUTSTANDING = frozenset({FollowUp.OPEN, FollowUp.IN_PROGRESS})
"""The follow-up states the WGM still tracks, and a participant's annual report answers on."""


@dataclass(frozen=True)
class Timeline:
    """A period the Core Document sets for a step of the review, and where it says so."""

    step: str
    days: int
    source: str

    def due(self, start: date) -> date:
        """The last day of the period that starts on ``start``."""
        return start + timedelta(days=self.days)


DRAFT_REPORT = Timeline(
    step="draft report",
    days=21,
    source="Core Document, Section VI: the report goes to the Chair and the Participant "
    "within three weeks of the mission's completion",
)
"""From the last day of the visit or mission to the draft report sent."""

FINAL_REPORT = Timeline(
    step="final report with the participant's comments",
    days=21,
    source="Core Document, Section VI: the report and the Participant's comments are posted "
    "no later than three weeks after the report was sent to the Participant",
)
"""From the draft sent to the participant to the final report, with its comments, posted."""

TIMELINES = (DRAFT_REPORT, FINAL_REPORT)


@dataclass(frozen=True)
class Deadline:
    """The next step a review waits for, by when, and whether that day has passed."""

    step: str
    due: date
    overdue: bool
    source: str


def next_deadline(
    stage: Stage, visit_ends: date | None, draft_sent: date | None, today: date
) -> Deadline | None:
    """What the review waits for against a Core Document timeline (``None``: no timeline
    runs: dates not yet set, or the final report is out). A report past its day is pending
    too long, and is flagged on every list of reviews."""
    if stage is Stage.PLANNED and visit_ends is not None:
        timeline, start = DRAFT_REPORT, visit_ends
    elif stage in (Stage.DRAFT, Stage.COMMENTED) and draft_sent is not None:
        timeline, start = FINAL_REPORT, draft_sent
    else:
        return None
    due = timeline.due(start)
    return Deadline(step=timeline.step, due=due, overdue=today > due, source=timeline.source)


class Actor(StrEnum):
    """Who a review's next deadline waits on."""

    WGM = "wgm"  # the Working Group on Monitoring, for the team: the draft report, the final report
    PARTICIPANT = "participant"  # the reviewed participant's authority: its comments on the draft


def waits_on(stage: Stage) -> Actor | None:
    """Who must act before the review's next deadline (:func:`next_deadline`): the WGM owes
    the draft report after the visit and the final report once commented; the participant
    owes its comments while the draft is with it (``None``: no timeline runs)."""
    if stage in (Stage.PLANNED, Stage.COMMENTED):
        return Actor.WGM
    if stage is Stage.DRAFT:
        return Actor.PARTICIPANT
    return None


def may_finalise(stage: Stage, draft_sent: date | None, today: date) -> str | None:
    """Why the final report cannot be recorded yet (``None``: it can). It waits for the
    participant's comments, or for their time to run out."""
    if stage is Stage.COMMENTED:
        return None
    if stage is not Stage.DRAFT or draft_sent is None:
        return f"the review is {stage.value}: a final report follows the draft and the comments"
    if today <= FINAL_REPORT.due(draft_sent):
        return (
            "the participant has not commented on the draft, and may until "
            f"{FINAL_REPORT.due(draft_sent).isoformat()}"
        )
    return None
