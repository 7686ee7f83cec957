"""The words of statistics: which return a figure belongs to. Pure vocabulary, imported by
the rules (templates, deadlines), which must not import the ORM, and by the tables."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

OTHERS: Final = "OTHERS"
"""``participant`` of a published row that gives the remainder: every producer the source
did not list by name, summed. A year with such a row lists its producers completely."""


class StatisticsKind(StrEnum):
    """The two Annex III templates."""

    TRADE = "trade"  # quarterly exports and imports by partner and HS code
    PRODUCTION = "production"  # half-yearly production by mining type
