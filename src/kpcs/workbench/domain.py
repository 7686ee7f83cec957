"""The vocabulary of the experts' workbench, free of I/O: the kinds of warning the Diamond
Expert Team reviews, the two conclusions that close one, and the plain words each conclusion
reads as for each kind (shown on the certificate's timeline, the dossier's page and the lists).

A warning is named by its kind and an id within the kind:

- ``photo-match``: a re-used photo, the id of the ``photo_matches`` row (the warning sits on
  the shipment of the newer photo, a certificate or an export dossier);
- ``valuation``: an under- or over-valuation of a certificate line, the id of the
  ``valuation_warnings`` row;
- ``footprint``: an export dossier whose declared assortment reads "unusual for this zone"
  against its zone's footprint, the dossier's id (the verdict is computed, not stored: a
  dossier has at most one footprint warning).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final


class Kind(StrEnum):
    """What a warning is about."""

    PHOTO_MATCH = "photo-match"
    VALUATION = "valuation"
    FOOTPRINT = "footprint"


class Conclusion(StrEnum):
    """How the experts close a warning: the suspicion holds, or it does not."""

    CONFIRMED = "confirmed"
    CLEARED = "cleared"


class State(StrEnum):
    """Whether a warning still waits for the experts."""

    OPEN = "open"
    CLOSED = "closed"


WORDS: Final[dict[Kind, dict[Conclusion, str]]] = {
    Kind.PHOTO_MATCH: {
        Conclusion.CONFIRMED: "confirmed: re-used photo",
        Conclusion.CLEARED: "cleared: a different parcel",
    },
    Kind.VALUATION: {
        Conclusion.CONFIRMED: "confirmed: the declared value is wrong",
        Conclusion.CLEARED: "cleared: the value is explained",
    },
    Kind.FOOTPRINT: {
        Conclusion.CONFIRMED: "confirmed: not goods of this zone",
        Conclusion.CLEARED: "cleared: the goods fit the zone",
    },
}
"""A finding's conclusion in words, per kind: what the timeline and the lists say."""

CHOICES: Final[dict[Kind, dict[Conclusion, str]]] = {
    Kind.PHOTO_MATCH: {
        Conclusion.CONFIRMED: "Confirmed — the photo was re-used: the same picture, or the same parcels, "
        "was sent for both shipments",
        Conclusion.CLEARED: "Cleared — a different parcel: the photos only look alike",
    },
    Kind.VALUATION: {
        Conclusion.CONFIRMED: "Confirmed — the declared value is wrong for these goods "
        "(under- or over-valued)",
        Conclusion.CLEARED: "Cleared — the value is explained (quality, size or market of these goods)",
    },
    Kind.FOOTPRINT: {
        Conclusion.CONFIRMED: "Confirmed — these are not goods of the zone the dossier claims",
        Conclusion.CLEARED: "Cleared — the goods fit the zone once the parcels were looked at",
    },
}
"""The longer words of the form's two choices, for a clerk who has not been trained on it."""

TITLES: Final[dict[Kind, str]] = {
    Kind.PHOTO_MATCH: "re-used photo",
    Kind.VALUATION: "valuation",
    Kind.FOOTPRINT: "footprint",
}
"""Each kind in a word or two, for the lists."""

MAX_FINDING: Final = 4000
"""The longest finding, in characters."""

STALE_AFTER: Final = timedelta(days=14)
"""An open warning older than this is late for the experts (the dashboard's line)."""


def words(kind: Kind, conclusion: Conclusion) -> str:
    """The conclusion in words for this kind of warning."""
    return WORDS[kind][conclusion]


def is_stale(raised_at: datetime, now: datetime) -> bool:
    """True if a warning raised at ``raised_at`` has waited longer than :data:`STALE_AFTER`."""
    return now - raised_at > STALE_AFTER
