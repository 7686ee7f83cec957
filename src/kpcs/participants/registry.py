"""Pure rules of the registry: what a participant's status was on a given date.

No database, clock or web code here (cosmicpython's domain model): the services load a
status history and ask these functions. Later features (certificates, statistics) rely
on :func:`status_on` to decide whether a participant could trade on a date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class ParticipantKind(StrEnum):
    """What a registry entry is.

    - ``participant``: a Participant of the Scheme (a state, or the EU for its members).
    - ``observer``: industry, civil society or another body invited to the Plenary; does
      not trade.
    - ``trading_entity``: a rough-diamond trading entity that meets the minimum
      requirements of the Scheme without being a Participant (Chinese Taipei, listed
      with the participants since 2003 and in the KP statistics). Trade with it is
      certified like trade with a participant, but it is not counted among them.
    """

    PARTICIPANT = "participant"
    OBSERVER = "observer"
    TRADING_ENTITY = "trading_entity"

    @property
    def trades(self) -> bool:
        """True if KP certificates may be issued to and from this kind of entry."""
        return self is not ParticipantKind.OBSERVER


class ParticipantStatus(StrEnum):
    """A participant's standing in the Scheme from a given date.

    - ``active``: a participant in good standing; trades with other participants.
    - ``suspended``: no certificates to or from it (e.g. the CAR, 2013-2015).
    - ``restricted``: exports only from listed compliant zones, each shipment on an
      approved export dossier (the CAR's operational framework, 2015-2024).
    - ``export_banned``: no exports at all, imports allowed (Côte d'Ivoire under the UN
      embargo on its rough diamonds, 2005-2014; Ghana's export halt of 2006).
    - ``withdrawn``: no longer a participant (removed, or left).
    """

    ACTIVE = "active"
    SUSPENDED = "suspended"
    RESTRICTED = "restricted"
    EXPORT_BANNED = "export_banned"
    WITHDRAWN = "withdrawn"


class DateBound(StrEnum):
    """How far a recorded date can be trusted, when no source gives the day itself.

    - ``not_later_than``: the fact held on this date at the latest (the date of the
      earliest source that attests it); the real date may be earlier.
    """

    NOT_LATER_THAN = "not_later_than"


class RegimeKind(StrEnum):
    """A special regime over part of a participant's trade, recorded for the record.

    - ``supervised_exports``: exports from an area allowed only under the supervision of
      a monitor appointed by the KP (Zimbabwe's Marange fields before November 2011).
    """

    SUPERVISED_EXPORTS = "supervised_exports"


@dataclass(frozen=True)
class StatusEntry:
    """One line of a status history: from ``effective_on``, the status is ``status``."""

    status: ParticipantStatus
    effective_on: date
    reason: str
    zones: tuple[str, ...] = field(default_factory=tuple)


def sort_history(history: Iterable[StatusEntry]) -> list[StatusEntry]:
    """Oldest first; entries on the same day keep the order they were recorded in."""
    return sorted(history, key=lambda entry: entry.effective_on)


def status_on(history: Sequence[StatusEntry], on: date) -> StatusEntry | None:
    """The entry in force on ``on``, or ``None`` if the participant had not yet joined.

    ``history`` must be in recording order; when two entries take effect the same day, the
    later-recorded one wins (a correction made the same day supersedes the first).
    """
    current: StatusEntry | None = None
    for entry in sort_history(history):
        if entry.effective_on <= on:
            current = entry
        else:
            break
    return current


def in_good_standing(history: Sequence[StatusEntry], on: date) -> bool:
    """True if the participant was ``active`` on ``on`` (may both export and import freely)."""
    entry = status_on(history, on)
    return entry is not None and entry.status is ParticipantStatus.ACTIVE


def participant_since(history: Sequence[StatusEntry]) -> date | None:
    """The first day the registry shows the participant in the Scheme, if any."""
    ordered = sort_history(history)
    return ordered[0].effective_on if ordered else None


def validate_new_entry(history: Sequence[StatusEntry], new: StatusEntry) -> list[tuple[str, str]]:
    """Problems with appending ``new`` to ``history``, as ``(field, message)`` pairs.

    History is append-only: a new entry may not take effect before the latest recorded
    one (that would rewrite what others relied on), must carry a reason, lists zones only
    when it restricts, and must change something.
    """
    problems: list[tuple[str, str]] = []
    if not new.reason.strip():
        problems.append(("reason", "a reason is required for every status change"))
    if new.status is ParticipantStatus.RESTRICTED:
        if not new.zones:
            problems.append(("zones", "a restricted status must list the zones exports may come from"))
        elif len(set(new.zones)) != len(new.zones):
            problems.append(("zones", "a zone is listed twice"))
        if any(not zone.strip() for zone in new.zones):
            problems.append(("zones", "zone names may not be blank"))
    elif new.zones:
        problems.append(("zones", f"zones apply only to the restricted status, not {new.status}"))
    ordered = sort_history(history)
    if ordered:
        latest = ordered[-1]
        if new.effective_on < latest.effective_on:
            problems.append(
                (
                    "effective_on",
                    f"must be on or after {latest.effective_on.isoformat()}, the date of the "
                    "latest recorded change; history is never rewritten",
                )
            )
        elif latest.status is new.status and tuple(latest.zones) == tuple(new.zones):
            problems.append(
                (
                    "status",
                    f"the participant is already {new.status} from "
                    f"{latest.effective_on.isoformat()}; nothing would change",
                )
            )
    elif new.status is not ParticipantStatus.ACTIVE:
        problems.append(("status", "the first entry of a history must admit the participant (active)"))
    return problems
