"""The statistics engine: SQL in DuckDB over columnar frames of the application's rows.

Every figure kpcs computes from certificates is one SQL statement here, run by DuckDB on
Arrow data (a Polars frame read from the application database, or any export of it): no
Python loop over rows, and the same statement serves one participant or the whole world
over fifty years. DuckDB runs in-process; each call gets its own connection, so calls
from several request threads do not share state.
"""

from __future__ import annotations

import duckdb
import polars as pl

LINE_SCHEMA = {
    "certificate_id": pl.Int64,
    "exporter": pl.String,
    "importer": pl.String,
    "issued_on": pl.Date,
    "received_on": pl.Date,
    "hs_code": pl.String,
    "carats": pl.Float64,
    "value_usd": pl.Float64,
}
"""Certificate lines as the engine reads them: one row per line (parcel group) of a
certificate that was not cancelled; ``received_on`` is the importer's confirmation date."""

QUARTERLY_MATRIX = """
SELECT participant, period, flow, partner, hs_code,
       round(sum(carats), 2) AS carats,
       round(sum(value_usd), 2) AS value_usd,
       count(DISTINCT certificate_id) AS certificates
FROM (
    SELECT exporter AS participant, importer AS partner, 'export' AS flow,
           strftime(issued_on, '%Y') || '-Q' || quarter(issued_on) AS period,
           hs_code, carats, value_usd, certificate_id
    FROM lines
    WHERE issued_on IS NOT NULL
    UNION ALL
    SELECT importer, exporter, 'import',
           strftime(received_on, '%Y') || '-Q' || quarter(received_on),
           hs_code, carats, value_usd, certificate_id
    FROM lines
    WHERE received_on IS NOT NULL
)
GROUP BY ALL
ORDER BY participant, period, flow, partner, hs_code
"""
"""Exports from the certificates a participant issued (by quarter of issue), imports from
the confirmations it made (by quarter of receipt), per partner and HS code, with counts."""

EXPORT_MATRIX = """
SELECT exporter AS participant, importer AS partner,
       year(issued_on) AS year, quarter(issued_on) AS quarter, hs_code,
       sum(carats) AS carats, sum(value_usd) AS value_usd,
       count(DISTINCT certificate_id) AS certificates
FROM lines
GROUP BY ALL
"""
"""The export side of the matrix (quarter as year and number): what `make bench` times at
50 million rows against pandas and against DuckDB alone."""


def run(sql: str, **frames: pl.DataFrame) -> pl.DataFrame:
    """Run ``sql`` in a fresh DuckDB connection with ``frames`` as its tables."""
    connection = duckdb.connect()
    try:
        for name, frame in frames.items():
            connection.register(name, frame)
        result: pl.DataFrame = connection.sql(sql).pl()
        return result
    finally:
        connection.close()


def quarterly_matrix(lines: pl.DataFrame) -> pl.DataFrame:
    """The quarterly participant × partner × HS matrix derived from certificate lines."""
    return run(QUARTERLY_MATRIX, lines=lines)


def compare(derived: pl.DataFrame, reported: pl.DataFrame) -> pl.DataFrame:
    """Derived beside reported figures for the same key, with the differences (reported
    minus derived); a key present on one side only shows nulls on the other."""
    sql = """
    SELECT coalesce(d.participant, r.participant) AS participant,
           coalesce(d.period, r.period) AS period,
           coalesce(d.flow, r.flow) AS flow,
           coalesce(d.partner, r.partner) AS partner,
           coalesce(d.hs_code, r.hs_code) AS hs_code,
           d.carats AS derived_carats, r.carats AS reported_carats,
           round(r.carats - d.carats, 2) AS carats_difference,
           d.value_usd AS derived_value_usd, r.value_usd AS reported_value_usd,
           round(r.value_usd - d.value_usd, 2) AS value_usd_difference,
           d.certificates AS derived_certificates, r.certificates AS reported_certificates,
           r.certificates - d.certificates AS certificates_difference
    FROM derived d
    FULL OUTER JOIN reported r
      ON d.participant = r.participant AND d.period = r.period AND d.flow = r.flow
     AND d.partner = r.partner AND d.hs_code = r.hs_code
    ORDER BY 1, 2, 3, 4, 5
    """
    return run(sql, derived=derived, reported=reported)
