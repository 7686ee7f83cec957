"""The words of statistics: which return a figure belongs to. Pure vocabulary, imported by
the rules (templates, deadlines), which must not import the ORM, and by the tables."""

from __future__ import annotations

from enum import StrEnum


class StatisticsKind(StrEnum):
    """The two Annex III templates."""

    TRADE = "trade"  # quarterly exports and imports by partner and HS code
    PRODUCTION = "production"  # half-yearly production by mining type
