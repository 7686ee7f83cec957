"""Anomalies for the Working Group on Statistics' Data Anomaly Questionnaire (DAQ).

Pure domain code: trade and production figures in, a sorted list of :class:`Anomaly` out.
One module per kind of question (``mirror``, ``unit_values``, ``volumes``,
``certificates``, ``missing``), the shaped inputs in ``figures`` and the tunable figures,
each with its reason, in ``thresholds``. ``docs/anomaly-detection.md`` says how the
defaults were chosen and how well the detectors do on data they were not tuned on.

The order of the questions matters: a pair whose carats do not match is asked about once
(a mirror gap), not again about its values or its certificates; where only the two sides'
values for the same goods disagree, that is a mirror gap in value, and the side whose own
valuation moved is also asked about its unit value; the flows of pairs already asked about
are left out of the participant's totals when those are judged for a sudden change; a
return that is missing is a missing submission, and no comparison is made with the period
it leaves blank.
"""

from __future__ import annotations

import polars as pl

from kpcs.statistics.analysis.anomalies.certificates import find_certificate_counts
from kpcs.statistics.analysis.anomalies.figures import Figures, shape
from kpcs.statistics.analysis.anomalies.findings import FINDING_TYPES, SEVERITIES, TYPES, Anomaly
from kpcs.statistics.analysis.anomalies.mirror import find_mirror_gaps
from kpcs.statistics.analysis.anomalies.missing import summarise_missing
from kpcs.statistics.analysis.anomalies.thresholds import Thresholds
from kpcs.statistics.analysis.anomalies.unit_values import find_unit_values
from kpcs.statistics.analysis.anomalies.volumes import find_production_exports, find_sudden_changes

__all__ = [
    "FINDING_TYPES",
    "SEVERITIES",
    "TYPES",
    "Anomaly",
    "Figures",
    "Thresholds",
    "find_anomalies",
]


def find_anomalies(
    trade: pl.DataFrame,
    production: pl.DataFrame,
    year: int,
    *,
    thresholds: Thresholds = Thresholds(),
    missing: list[tuple[str, str, str]] | None = None,
) -> list[Anomaly]:
    """Every anomaly of ``year`` (earlier years are history), sorted by type, participant,
    partner, period and HS code.

    ``trade`` and ``production`` are the template's columns (figures in force); ``missing``
    lists the obligations of the year that were not met, as (participant, "trade" |
    "production", period), from the compliance calendar.
    """
    t = thresholds
    f = shape(trade, production, year, history_years=t.history_years, missing=missing)
    mirror = find_mirror_gaps(f, t)
    values = find_unit_values(f, t, skip=mirror.carats)
    valued = mirror.values | {frozenset((a.participant, a.partner or "")) for a in values}
    beyond = find_production_exports(f, t)
    found = (
        mirror.findings
        + values
        + beyond
        + find_certificate_counts(f, t, skip=mirror.carats)
        + find_sudden_changes(f, t, exclude=mirror.carats | valued, asked={a.participant for a in beyond})
        + summarise_missing(f.missing, year)
    )
    return sorted(found, key=_order)


def _order(a: Anomaly) -> tuple[str, ...]:
    return (a.type, a.participant, a.partner or "", a.period or "", a.hs_code or "", a.explanation)
