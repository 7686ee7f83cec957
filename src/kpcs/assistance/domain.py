"""Technical assistance, free of I/O: the needs participants record and the offers
participants and observers make, their topics and regions, the course an entry runs, and
the rule that matches a need to an offer, with the reason for each match.

The 2014 plenary (Guangzhou communiqué §38-39) asked for a list of technical assistance
needs to be collated and posted, and welcomed DDI's tool, as the ASM focal point for
technical assistance, "to match technical assistance needs with offers to provide capacity
building". The topics below are the ones the communiqués name: valuation and sorting
(2016 §14, 2018 §49), geological surveys (2011 §41, 2016 §74), internal controls (2014 §43),
customs training (2011 §29), statistics and data management (2016 §74).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class EntryKind(StrEnum):
    """A need (assistance wanted) or an offer (assistance proposed)."""

    NEED = "need"
    OFFER = "offer"


class Topic(StrEnum):
    """What the assistance is about: a need and an offer match only on the same topic."""

    VALUATION = "valuation"
    GEOLOGY = "geology"
    INTERNAL_CONTROLS = "internal-controls"
    CERTIFICATION = "certification"
    CUSTOMS = "customs"
    STATISTICS = "statistics"
    ARTISANAL_MINING = "artisanal-mining"
    LEGISLATION = "legislation"


TOPIC_LABELS: dict[Topic, str] = {
    Topic.VALUATION: "diamond valuation and sorting",
    Topic.GEOLOGY: "geological surveys and exploration",
    Topic.INTERNAL_CONTROLS: "internal controls over production and trade",
    Topic.CERTIFICATION: "the certification system and KP certificates",
    Topic.CUSTOMS: "customs and enforcement",
    Topic.STATISTICS: "statistics and data management",
    Topic.ARTISANAL_MINING: "formalising artisanal and small-scale mining",
    Topic.LEGISLATION: "laws and regulations",
}


class Region(StrEnum):
    """Where assistance is needed, or where an offer can be given; ``worldwide`` offers
    go anywhere."""

    WEST_AFRICA = "west-africa"
    CENTRAL_AFRICA = "central-africa"
    EAST_AFRICA = "east-africa"
    SOUTHERN_AFRICA = "southern-africa"
    NORTH_AFRICA_MIDDLE_EAST = "north-africa-middle-east"
    ASIA = "asia"
    EUROPE = "europe"
    AMERICAS = "americas"
    OCEANIA = "oceania"
    WORLDWIDE = "worldwide"


class Status(StrEnum):
    """Where an entry stands, in the order it usually runs."""

    OPEN = "open"  # looking for a counterpart
    MATCHED = "matched"  # paired with a counterpart, the assistance being arranged
    IN_PROGRESS = "in progress"  # the assistance is being given
    CLOSED = "closed"  # given, or withdrawn


NEXT: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.MATCHED, Status.CLOSED}),
    # a match that falls through puts the entry back in the list
    Status.MATCHED: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
}
"""The statuses an entry may move to from each status."""


def refuse_move(current: Status, new: Status) -> str | None:
    """Why an entry cannot move from ``current`` to ``new`` (``None``: it can)."""
    if new in NEXT[current]:
        return None
    if current is Status.CLOSED:
        return "the entry is closed"
    allowed = ", ".join(sorted(s.value for s in NEXT[current]))
    return f"an entry that is {current.value} can become {allowed}, not {new.value}"


@dataclass(frozen=True)
class Entry:
    """What matching needs to know of a need or an offer."""

    id: int
    kind: EntryKind
    participant: str
    topic: Topic
    region: Region
    status: Status


@dataclass(frozen=True)
class Match:
    """A need and an offer that fit, and why."""

    need: int
    offer: int
    reason: str


def fit_reason(need: Entry, offer: Entry) -> str | None:
    """Why ``offer`` fits ``need`` whatever their statuses (``None``: it does not): they come
    from different participants, their topics are the same, and the offer is given in the
    need's region or worldwide. A need recorded as ``worldwide`` (assistance to the Scheme as a
    whole) is met only by a worldwide offer: a regional offer does not cover the whole world."""
    if need.kind is not EntryKind.NEED or offer.kind is not EntryKind.OFFER:
        return None
    if need.participant == offer.participant or need.topic is not offer.topic:
        return None
    topic = TOPIC_LABELS[need.topic]
    if offer.region is need.region:
        return f"same topic ({topic}) and same region ({need.region.value})"
    if offer.region is Region.WORLDWIDE:
        return f"same topic ({topic}); the offer is worldwide, so it covers {need.region.value}"
    return None


def match_reason(need: Entry, offer: Entry) -> str | None:
    """Why ``offer`` is a match for ``need`` (``None``: it is not): both still open, and the
    offer fits the need (:func:`fit_reason`)."""
    if need.status is not Status.OPEN or offer.status is not Status.OPEN:
        return None
    return fit_reason(need, offer)


def matches(entries: Iterable[Entry]) -> list[Match]:
    """Every need and offer among ``entries`` that fit, needs in the order given, and for
    each need its offers in the order given."""
    listed = list(entries)
    needs = [e for e in listed if e.kind is EntryKind.NEED]
    offers = [e for e in listed if e.kind is EntryKind.OFFER]
    found = []
    for need in needs:
        for offer in offers:
            reason = match_reason(need, offer)
            if reason is not None:
                found.append(Match(need=need.id, offer=offer.id, reason=reason))
    return found


def refuse_period(starts_on: date | None, ends_on: date | None) -> str | None:
    """Why the period an entry gives is impossible (``None``: it is fine)."""
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        return "must not be before the first day"
    return None
