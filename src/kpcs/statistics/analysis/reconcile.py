"""Reconciliation at certificate level between partners that both use kpcs.

Pure domain code: certificates (with the importer's confirmation, if any) and the imports
that importers reported in their statistics, in; per exporter, importer and quarter, what
does not reconcile, out. Three findings, each the communiqués' concern:

* certificates exported to B that B never confirmed (shipments that may never have
  arrived where they were declared to go);
* confirmations whose carats or value differ from the certificate;
* imports B reported from A beyond what A's certificates, confirmed by B in that quarter,
  account for (goods that travelled without a kpcs certificate).

A certificate is counted by the quarter it was issued in for the first two, and by the
quarter the importer received it for the third (the importer reports imports when they
arrive). Cancelled certificates are out of it. One DuckDB statement per table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from kpcs.statistics.engine import run

CERTIFICATE_SCHEMA = {
    "number": pl.String,
    "exporter": pl.String,
    "importer": pl.String,
    "issued_on": pl.Date,
    "carats": pl.Float64,
    "value_usd": pl.Float64,
    "received_on": pl.Date,
    "carats_received": pl.Float64,
    "value_usd_received": pl.Float64,
}
"""One certificate that stands (not cancelled), with its confirmation if there is one:
``received_on`` is null while unconfirmed; the amounts received are null where the importer
confirmed without giving them (it confirmed the certificate's)."""

REPORTED_SCHEMA = {
    "importer": pl.String,
    "exporter": pl.String,
    "period": pl.String,
    "carats": pl.Float64,
    "value_usd": pl.Float64,
    "certificates": pl.Int64,
}
"""Imports as the importer reported them in its statistics, summed over HS codes."""


@dataclass(frozen=True)
class Tolerances:
    """When a difference is a finding."""

    confirm_days: int = 60
    """Days after issue within which an unconfirmed certificate is still awaiting its
    confirmation (in transit, or the return slip on its way) rather than a finding: the
    default validity of a certificate."""

    unmatched_share: float = 0.01
    """Share of the reported carats (and value) that may go unmatched by certificates,
    for rounding in statistics."""

    unmatched_floor: float = 1.0
    """Carats (and US dollars ×100) that may go unmatched however small the flow."""


def _period(column: str) -> str:
    return f"strftime({column}, '%Y') || '-Q' || quarter({column})"


def reconcile(
    certificates: pl.DataFrame,
    reported: pl.DataFrame,
    year: int,
    today: date,
    tolerances: Tolerances = Tolerances(),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(pairs, details)`` for ``year``.

    ``pairs``: one row per exporter, importer and quarter with certificates issued or
    received, or reported imports from an exporter that issues in kpcs; ``findings`` counts
    what does not reconcile. ``details``: one row per certificate that is a finding.
    """
    t = tolerances
    cutoff = f"DATE '{today.isoformat()}' - INTERVAL {int(t.confirm_days)} DAY"
    differs = (
        "received_on IS NOT NULL AND (abs(coalesce(carats_received, carats) - carats) >= 0.005 "
        "OR abs(coalesce(value_usd_received, value_usd) - value_usd) >= 0.005)"
    )
    unconfirmed = f"received_on IS NULL AND issued_on <= {cutoff}"
    pairs_sql = f"""
    WITH issued AS (
        SELECT exporter, importer, {_period("issued_on")} AS period,
               count(*) AS issued, sum(carats) AS issued_carats, sum(value_usd) AS issued_value_usd,
               count(received_on) AS confirmed,
               count(*) FILTER (WHERE {unconfirmed}) AS unconfirmed,
               coalesce(sum(carats) FILTER (WHERE {unconfirmed}), 0) AS unconfirmed_carats,
               coalesce(sum(value_usd) FILTER (WHERE {unconfirmed}), 0) AS unconfirmed_value_usd,
               count(*) FILTER (WHERE received_on IS NULL AND issued_on > {cutoff}) AS awaiting,
               count(*) FILTER (WHERE {differs}) AS differing,
               coalesce(sum(coalesce(carats_received, carats) - carats) FILTER (WHERE {differs}), 0)
                   AS differing_carats,
               coalesce(sum(coalesce(value_usd_received, value_usd) - value_usd) FILTER (WHERE {differs}), 0)
                   AS differing_value_usd
        FROM certificates WHERE year(issued_on) = {year} GROUP BY ALL),
    received AS (
        SELECT exporter, importer, {_period("received_on")} AS period,
               count(*) AS received,
               sum(coalesce(carats_received, carats)) AS received_carats,
               sum(coalesce(value_usd_received, value_usd)) AS received_value_usd
        FROM certificates WHERE year(received_on) = {year} GROUP BY ALL),
    kpcs AS (SELECT DISTINCT exporter FROM certificates
             WHERE year(issued_on) = {year} OR year(received_on) = {year}),
    stated AS (
        SELECT importer, exporter, period, sum(carats) AS reported_carats,
               sum(value_usd) AS reported_value_usd, sum(certificates)::BIGINT AS reported_certificates
        FROM reported SEMI JOIN kpcs USING (exporter)
        WHERE period LIKE '{year}-Q%' GROUP BY ALL),
    joined AS (
        SELECT coalesce(i.exporter, r.exporter, s.exporter) AS exporter,
               coalesce(i.importer, r.importer, s.importer) AS importer,
               coalesce(i.period, r.period, s.period) AS period,
               coalesce(issued, 0) AS issued, coalesce(issued_carats, 0) AS issued_carats,
               coalesce(issued_value_usd, 0) AS issued_value_usd, coalesce(confirmed, 0) AS confirmed,
               coalesce(awaiting, 0) AS awaiting,
               coalesce(unconfirmed, 0) AS unconfirmed, coalesce(unconfirmed_carats, 0) AS unconfirmed_carats,
               coalesce(unconfirmed_value_usd, 0) AS unconfirmed_value_usd,
               coalesce(differing, 0) AS differing, coalesce(differing_carats, 0) AS differing_carats,
               coalesce(differing_value_usd, 0) AS differing_value_usd,
               coalesce(received, 0) AS received, coalesce(received_carats, 0) AS received_carats,
               coalesce(received_value_usd, 0) AS received_value_usd,
               reported_certificates, reported_carats, reported_value_usd
        FROM issued i
        FULL JOIN received r USING (exporter, importer, period)
        FULL JOIN stated s ON s.exporter = coalesce(i.exporter, r.exporter)
                          AND s.importer = coalesce(i.importer, r.importer)
                          AND s.period = coalesce(i.period, r.period)),
    judged AS (
        SELECT *,
               CASE WHEN reported_carats - received_carats
                         > greatest({t.unmatched_floor}, {t.unmatched_share} * reported_carats)
                    THEN reported_carats - received_carats ELSE 0 END AS unmatched_carats,
               CASE WHEN reported_value_usd - received_value_usd
                         > greatest({t.unmatched_floor * 100}, {t.unmatched_share} * reported_value_usd)
                    THEN reported_value_usd - received_value_usd ELSE 0 END AS unmatched_value_usd
        FROM joined)
    SELECT *, unconfirmed + differing
              + CASE WHEN unmatched_carats > 0 OR unmatched_value_usd > 0 THEN 1 ELSE 0 END AS findings
    FROM judged
    ORDER BY findings DESC, exporter, importer, period
    """
    details_sql = f"""
    SELECT number, exporter, importer, {_period("issued_on")} AS period,
           CASE WHEN received_on IS NULL THEN 'unconfirmed' ELSE 'differs' END AS finding,
           issued_on, carats, value_usd, received_on, carats_received, value_usd_received,
           CASE WHEN received_on IS NULL THEN date_diff('day', issued_on, DATE '{today.isoformat()}') END
               AS days_unconfirmed
    FROM certificates
    WHERE year(issued_on) = {year} AND (({unconfirmed}) OR ({differs}))
    ORDER BY exporter, importer, period, number
    """
    certificates = certificates.select(list(CERTIFICATE_SCHEMA)).cast(CERTIFICATE_SCHEMA)  # type: ignore[arg-type]
    reported = reported.select(list(REPORTED_SCHEMA)).cast(REPORTED_SCHEMA)  # type: ignore[arg-type]
    pairs = run(pairs_sql, certificates=certificates, reported=reported)
    details = run(details_sql, certificates=certificates)
    return pairs.with_columns(pl.col(pl.Float64).round(2)), details
