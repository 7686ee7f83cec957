"""The world figures of one year, from the participants' figures in force and the KP's
published world total: which figure is used, why, from where, and what other sources say.

Pure: no database, no clock. The rule, per production measure (carats, US$):

1. ``participants``: the year lists its producers completely (the source gave the remainder
   as an ``OTHERS`` row) and every row has the measure: the world figure is their sum;
2. ``published_total``: else the published world total of the year, where there is one;
3. ``listed``: else the sum of the producers listed, which is *not* a world total (the
   year is ``partial``: pages say "partial: N of ~M producers listed").

Exports and imports are never listed by participant in the published files: the published
world total is used where there is one, else the sum of the trade reported to kpcs (or
derived from its certificates), which is ``listed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from kpcs.statistics.domain import OTHERS

PRODUCING_PARTICIPANTS: Final = 22
"""About how many participants mine diamonds: "22 producing countries" in 2021 (Rough &
Polished, quoted in the note of 2021 in ``kp-world-totals.csv``); a year that lists more
says so."""

PRODUCTION: Final = ("production_carats", "production_value_usd")
TRADE: Final = ("export_carats", "export_value_usd", "import_carats", "import_value_usd")
MEASURES: Final = PRODUCTION + TRADE

Basis = Literal["participants", "published_total", "listed"]

SUBMITTED_SOURCE: Final = "submitted through kpcs"
TRADE_SOURCE: Final = "reported to kpcs, or derived from its certificates"


@dataclass(frozen=True)
class ListedProduction:
    """One participant's production in the year as in force (or the ``OTHERS`` remainder)."""

    participant: str
    carats: float | None
    value_usd: float | None
    source: str


@dataclass(frozen=True)
class PublishedTotal:
    """The KP's published world total of one year (any figure may be missing)."""

    year: int
    figures: dict[str, float | None]
    source: str
    note: str | None = None
    export_certificates: int | None = None
    import_certificates: int | None = None
    disagreements: Sequence[dict[str, Any]] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the API's ``published_total``)."""
        return {
            **{m: self.figures.get(m) for m in MEASURES},
            "export_certificates": self.export_certificates,
            "import_certificates": self.import_certificates,
            "source": self.source,
            "note": self.note,
        }


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _distinct(sources: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for source in sources:
        for part in source.split(" ; "):
            part = part.strip()
            if part and part not in seen:
                seen.append(part)
    return seen


def world_year(
    year: int,
    listed: Sequence[ListedProduction],
    trade: dict[str, float | None],
    published: PublishedTotal | None,
    *,
    expected: int = PRODUCING_PARTICIPANTS,
) -> dict[str, Any]:
    """The world row of ``year`` (see the module's rule), with ``basis``, ``source`` and
    ``disagreements`` for every figure and the sums of the rows listed beside it."""
    producers = [p for p in listed if p.participant != OTHERS]
    complete = any(p.participant == OTHERS for p in listed)
    row: dict[str, Any] = {"year": year}
    basis: dict[str, Basis | None] = {}
    source: dict[str, list[str]] = {}
    published_figures = published.figures if published is not None else {}
    for measure in PRODUCTION:
        values = [p.carats if measure == "production_carats" else p.value_usd for p in listed]
        rows_sum = _sum(values)
        row["listed_" + measure] = rows_sum
        from_rows = _distinct(p.source for p, v in zip(listed, values, strict=True) if v is not None)
        if complete and values and all(v is not None for v in values):
            row[measure], basis[measure], source[measure] = rows_sum, "participants", from_rows
        elif published_figures.get(measure) is not None and published is not None:
            row[measure], basis[measure] = published_figures[measure], "published_total"
            source[measure] = _distinct([published.source])
        else:
            row[measure], basis[measure] = rows_sum, ("listed" if rows_sum is not None else None)
            source[measure] = from_rows
    for measure in TRADE:
        if published_figures.get(measure) is not None and published is not None:
            row[measure], basis[measure] = published_figures[measure], "published_total"
            source[measure] = _distinct([published.source])
        else:
            row[measure] = trade.get(measure)
            basis[measure] = "listed" if row[measure] is not None else None
            source[measure] = [TRADE_SOURCE] if row[measure] is not None else []
    row["production_usd_per_carat"] = _usd_per_carat(row, basis, listed)
    row["producers"] = len(producers)
    row["producers_listed"] = len(producers)
    row["producers_expected"] = max(expected, len(producers))
    row["partial"] = not complete
    row["basis"] = basis
    row["source"] = source
    row["published_total"] = published.as_dict() if published is not None else None
    row["disagreements"] = disagreements(row, published)
    return row


def _usd_per_carat(
    row: dict[str, Any], basis: dict[str, Basis | None], listed: Sequence[ListedProduction]
) -> float | None:
    """$/carat of the figures used when both are world figures; of the rows that have both
    when both are sums of the producers listed; none when one is a world figure and the
    other only a partial sum (their quotient would mean nothing)."""
    carats_basis, value_basis = basis["production_carats"], basis["production_value_usd"]
    if carats_basis == value_basis == "listed":
        both = [p for p in listed if p.carats is not None and p.value_usd is not None]
        carats = sum(p.carats or 0.0 for p in both)
        return round(sum(p.value_usd or 0.0 for p in both) / carats, 2) if carats else None
    if "listed" in (carats_basis, value_basis) or None in (carats_basis, value_basis):
        return None
    carats, value = row["production_carats"], row["production_value_usd"]
    return round(value / carats, 2) if carats else None


def disagreements(row: dict[str, Any], published: PublishedTotal | None) -> list[dict[str, Any]]:
    """Where another figure of the same measure was published: the figure used, the other
    figure and its source. The published world total itself is one, where the figure used
    is the sum of the participants' rows and differs from it."""
    if published is None:
        return []
    found = []
    for measure in MEASURES:
        total = published.figures.get(measure)
        if row["basis"].get(measure) == "participants" and total is not None and total != row[measure]:
            found.append(
                {
                    "measure": measure,
                    "used": row[measure],
                    "value": total,
                    "source": published.source,
                    "note": "published world total; the figure used is the sum of the participants' rows",
                }
            )
    for other in published.disagreements:
        found.append({"measure": other["measure"], "used": row.get(other["measure"]), **other})
    return found


def partial_label(row: dict[str, Any]) -> str | None:
    """ "partial: N of ~M producers listed" for a year whose producers are only partly listed."""
    if not row["partial"]:
        return None
    return f"partial: {row['producers_listed']} of ~{row['producers_expected']} producers listed"
