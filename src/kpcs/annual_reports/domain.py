"""The rules of an annual report, free of I/O: its sections, its course, its due date.

The template follows the WGM's 2014 guidance note (KP-DOMAIN.md §2.8): each section of the
Core Document has a Part A (the standing information, carried over from year to year) and a
Part B (what changed during the year).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Final

from kpcs.errors import Conflict, FieldProblem, InvalidInput
from kpcs.participants.registry import ParticipantStatus, StatusEntry, status_on

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
