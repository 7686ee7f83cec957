"""The rules of an annual report, free of I/O: its sections, its course, its due date.

The template follows the WGM's 2014 guidance note (KP-DOMAIN.md §2.8): each section of the
Core Document has a Part A (the standing information, carried over from year to year) and a
Part B (what changed during the year).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any, Final

from kpcs.errors import Conflict, FieldProblem, InvalidInput
from kpcs.participants.registry import ParticipantStatus, StatusEntry, status_on
from kpcs.reviews.domain import FollowUp

SECTIONS: Final[dict[str, str]] = {
    "certificate_system": "Certificate system (Core Document Section II)",
    "trade": "Undertakings in respect of trade (Section III)",
    "internal_controls": "Internal controls (Section IV)",
    "cooperation": "Cooperation and transparency (Section V)",
    "statistics": "Statistics (Section V and Annex III)",
}
"""The report's sections, in the Core Document's order: key -> heading."""

PARTS: Final[tuple[str, ...]] = ("part_a", "part_b")
MAX_SECTION_TEXT: Final = 20_000
"""Characters in one part of one section: pages of prose, not a pasted file."""


class Status(StrEnum):
    """Where a report stands; each step is taken once, in this order."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ASSESSED = "assessed"
    RESPONDED = "responded"


class Step(StrEnum):
    """What moves a report on, and by whom: submit (authority), assess (WGM), respond (authority)."""

    SUBMIT = "submit"
    ASSESS = "assess"
    RESPOND = "respond"


_FROM: Final[dict[Step, tuple[Status, Status]]] = {
    Step.SUBMIT: (Status.DRAFT, Status.SUBMITTED),
    Step.ASSESS: (Status.SUBMITTED, Status.ASSESSED),
    Step.RESPOND: (Status.ASSESSED, Status.RESPONDED),
}


def after(status: Status, step: Step) -> Status:
    """The status ``step`` leads to, or a :class:`Conflict` saying why it cannot be taken now."""
    before, then = _FROM[step]
    if status is not before:
        raise Conflict(f"the report is {status.value}: it can be {then.value} only when {before.value}")
    return then


def due_date(year: int) -> date:
    """A report on ``year`` is due on 31 March of the year after (Administrative Decision)."""
    return date(year + 1, 3, 31)


class Standing(StrEnum):
    """A participant's report for a year, seen from the due date."""

    ON_TIME = "on time"
    LATE = "late"  # submitted after the due date
    MISSING = "missing"  # not submitted, and the due date has passed
    NOT_YET_DUE = "not yet due"


def standing(year: int, submitted_on: date | None, today: date) -> Standing:
    """Whether the report on ``year`` came in time, late, or not at all (so far)."""
    due = due_date(year)
    if submitted_on is not None:
        return Standing.ON_TIME if submitted_on <= due else Standing.LATE
    return Standing.MISSING if today > due else Standing.NOT_YET_DUE


def owes_report(history: Sequence[StatusEntry], year: int) -> bool:
    """A participant owes a report on ``year`` if it was in the Scheme at the year's end,
    suspended or restricted included (it still implements the Scheme); not once withdrawn,
    nor for a year before it joined."""
    entry = status_on(history, date(year, 12, 31))
    return entry is not None and entry.status is not ParticipantStatus.WITHDRAWN


def days_late(year: int, submitted_on: date | None, today: date) -> int:
    """Days past the due date when it came in (or until today, if it has not)."""
    return max(0, ((submitted_on or today) - due_date(year)).days)


def blank_part() -> dict[str, str]:
    """One part with every section empty."""
    return dict.fromkeys(SECTIONS, "")


def carried_over(previous_part_a: Mapping[str, str] | None) -> dict[str, str]:
    """Part A of a new report: last year's standing information, to be corrected where it changed."""
    part = blank_part()
    for key, text in (previous_part_a or {}).items():
        if key in part:
            part[key] = text
    return part


def part_a_changed(previous: Mapping[str, str], current: Mapping[str, str], key: str) -> bool:
    """True if the standing information of section ``key`` differs from the previous report's
    (what the WGM reads first: the rest was assessed last year)."""
    return (previous.get(key) or "").strip() != (current.get(key) or "").strip()


def section_texts(part: str, given: Mapping[str, str]) -> dict[str, str]:
    """The texts of ``part`` as stored (trimmed), or every unknown section and overlong text refused."""
    problems: list[FieldProblem] = []
    cleaned: dict[str, str] = {}
    for key, text in given.items():
        where = f"{part}.{key}"
        if key not in SECTIONS:
            problems.append(FieldProblem(where, f"no such section; the sections are {', '.join(SECTIONS)}"))
        elif len(text) > MAX_SECTION_TEXT:
            problems.append(
                FieldProblem(where, f"is {len(text):,} characters long; at most {MAX_SECTION_TEXT:,}")
            )
        else:
            cleaned[key] = text.strip()
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems)
    return cleaned


def feedback_texts(given: Mapping[str, str]) -> dict[str, str]:
    """The WGM's feedback per section: known sections, at least one said something."""
    cleaned = {k: v for k, v in section_texts("feedback", given).items() if v}
    if not cleaned:
        raise InvalidInput.field("feedback", "give feedback on at least one section")
    return cleaned


def empty_sections(part_a: Mapping[str, str], part_b: Mapping[str, str]) -> list[str]:
    """Sections with nothing said in either part: a report is submitted with every section covered."""
    return [
        key for key in SECTIONS if not (part_a.get(key) or "").strip() and not (part_b.get(key) or "").strip()
    ]


MAX_FOLLOW_UP_NOTE: Final = 10_000
"""Characters in the note on one recommendation's follow-up."""


def follow_up_entries(
    given: Sequence[Mapping[str, Any]], open_recommendations: Collection[int], participant: str
) -> list[dict[str, Any]]:
    """What a report says of the follow-up of its participant's peer-review recommendations,
    as stored: each ``{"recommendation", "follow_up", "note"}`` naming one of
    ``open_recommendations`` (its participant's, still open or in progress) once, with a
    follow-up state and a note saying what was done; anything else refused, field by field."""
    states = [f.value for f in FollowUp]
    problems: list[FieldProblem] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[int] = set()
    for n, entry in enumerate(given):
        where = f"follow_ups[{n}]"
        recommendation, state = entry.get("recommendation"), entry.get("follow_up")
        note = str(entry.get("note") or "").strip()
        if not isinstance(recommendation, int) or recommendation not in open_recommendations:
            problems.append(
                FieldProblem(
                    f"{where}.recommendation",
                    f"{recommendation} is not an open recommendation of {participant}'s reviews",
                )
            )
        elif recommendation in seen:
            problems.append(FieldProblem(f"{where}.recommendation", f"{recommendation} is given twice"))
        if state not in states:
            problems.append(FieldProblem(f"{where}.follow_up", f"must be one of {', '.join(states)}"))
        if not note:
            problems.append(FieldProblem(f"{where}.note", "say what was done (must not be empty)"))
        elif len(note) > MAX_FOLLOW_UP_NOTE:
            problems.append(
                FieldProblem(
                    f"{where}.note", f"is {len(note):,} characters long; at most {MAX_FOLLOW_UP_NOTE:,}"
                )
            )
        if isinstance(recommendation, int):
            seen.add(recommendation)
        cleaned.append({"recommendation": recommendation, "follow_up": state, "note": note})
    if problems:
        raise InvalidInput("; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems)
    return cleaned
