"""The public statistics: the Annual Global Summary, a participant's history, the world trend.

Production is what participants submitted through kpcs (both half-years, both mining
types); for a year and participant with no submission, the KP's published annual figure
stands in, marked as such. Trade is what participants reported; for a year and participant
that reported no trade, the trade derived from its certificates in kpcs (exports issued,
imports confirmed) stands in, marked as such: a participant that issues in kpcs needs no
spreadsheet. The arithmetic is SQL in the engine over small frames that the database has
already summed per participant and year.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.audit.models import AuditEvent
from kpcs.participants.models import Participant
from kpcs.statistics import engine
from kpcs.statistics.models import (
    ALL,
    CertificateTotal,
    PublishedProduction,
    StatisticsSubmission,
    SubmissionTotal,
)

SUMMARY_COLUMNS = (
    "participant",
    "name",
    "production_carats",
    "production_value_usd",
    "production_usd_per_carat",
    "production_source",
    "export_carats",
    "export_value_usd",
    "export_usd_per_carat",
    "export_certificates",
    "import_carats",
    "import_value_usd",
    "import_usd_per_carat",
    "import_certificates",
    "trade_source",
)

_BY_YEAR = """
WITH submitted AS (
    SELECT participant, year, sum(carats) AS carats, sum(value_usd) AS value_usd, 'submitted' AS source
    FROM production GROUP BY participant, year
), production_all AS (
    SELECT * FROM submitted
    UNION ALL
    SELECT p.participant, p.year, p.carats, p.value_usd, 'published' AS source
    FROM published p ANTI JOIN submitted s ON s.participant = p.participant AND s.year = p.year
), trade_year AS (
    SELECT participant, year,
           sum(carats) FILTER (WHERE flow = 'export') AS export_carats,
           sum(value_usd) FILTER (WHERE flow = 'export') AS export_value_usd,
           CAST(sum(certificates) FILTER (WHERE flow = 'export') AS BIGINT) AS export_certificates,
           sum(carats) FILTER (WHERE flow = 'import') AS import_carats,
           sum(value_usd) FILTER (WHERE flow = 'import') AS import_value_usd,
           CAST(sum(certificates) FILTER (WHERE flow = 'import') AS BIGINT) AS import_certificates
    FROM trade GROUP BY participant, year
), trade_all AS (
    SELECT *, 'reported' AS source FROM trade_year
    UNION ALL
    SELECT d.participant, d.year,
           sum(d.carats) FILTER (WHERE d.flow = 'export'),
           sum(d.value_usd) FILTER (WHERE d.flow = 'export'),
           CAST(sum(d.certificates) FILTER (WHERE d.flow = 'export') AS BIGINT),
           sum(d.carats) FILTER (WHERE d.flow = 'import'),
           sum(d.value_usd) FILTER (WHERE d.flow = 'import'),
           CAST(sum(d.certificates) FILTER (WHERE d.flow = 'import') AS BIGINT),
           'derived' AS source
    FROM derived d ANTI JOIN trade_year r ON r.participant = d.participant AND r.year = d.year
    GROUP BY d.participant, d.year
)
SELECT coalesce(p.participant, t.participant) AS participant,
       coalesce(p.year, t.year) AS year,
       p.carats AS production_carats, p.value_usd AS production_value_usd,
       round(p.value_usd / nullif(p.carats, 0), 2) AS production_usd_per_carat,
       p.source AS production_source,
       t.export_carats, t.export_value_usd,
       round(t.export_value_usd / nullif(t.export_carats, 0), 2) AS export_usd_per_carat,
       t.export_certificates,
       t.import_carats, t.import_value_usd,
       round(t.import_value_usd / nullif(t.import_carats, 0), 2) AS import_usd_per_carat,
       t.import_certificates,
       t.source AS trade_source
FROM production_all p
FULL OUTER JOIN trade_all t ON p.participant = t.participant AND p.year = t.year
"""
"""One row per participant and year: production, exports, imports, $/carat, counts."""


def _frames(
    session: Session, participant: str | None = None, year: int | None = None
) -> dict[str, pl.DataFrame]:
    """The figures in force, summed per participant and year (and flow) by the database
    from each submission's totals, so that neither the database nor the engine reads the
    millions of figures under them."""

    def current(*flows: str) -> Any:
        t = SubmissionTotal
        statement = (
            sa.select(
                StatisticsSubmission.participant,
                StatisticsSubmission.year,
                t.flow,
                sa.func.sum(t.carats),
                sa.func.sum(t.value_usd),
                sa.func.sum(t.certificates),
            )
            .join(StatisticsSubmission, StatisticsSubmission.id == t.submission_id)
            .where(StatisticsSubmission.superseded_at.is_(None), t.flow.in_(flows))
            .group_by(StatisticsSubmission.participant, StatisticsSubmission.year, t.flow)
        )
        if participant:
            statement = statement.where(StatisticsSubmission.participant == participant)
        if year is not None:
            statement = statement.where(StatisticsSubmission.year == year)
        return statement

    def frame(statement: Any, schema: dict[str, Any]) -> pl.DataFrame:
        rows = [tuple(row) for row in session.execute(statement)]
        return pl.DataFrame(rows, schema=list(schema.items()), orient="row", strict=False)

    published: Any = sa.select(
        PublishedProduction.participant,
        PublishedProduction.year,
        PublishedProduction.carats,
        PublishedProduction.value_usd,
    )
    if participant:
        published = published.where(PublishedProduction.participant == participant)
    if year is not None:
        published = published.where(PublishedProduction.year == year)
    money = {"participant": pl.String, "year": pl.Int32, "carats": pl.Float64, "value_usd": pl.Float64}
    flows = {"participant": pl.String, "year": pl.Int32, "flow": pl.String}
    flows |= {"carats": pl.Float64, "value_usd": pl.Float64, "certificates": pl.Int64}
    return {
        "production": frame(current("production"), flows),
        "published": frame(published, money),
        "trade": frame(current("export", "import"), flows),
        "derived": frame(_derived_statement(participant, year), flows),
    }


def _derived_statement(participant: str | None, year: int | None) -> Any:
    """Certificate totals per participant, year and flow (exports by year of issue, imports
    by year of the importer's confirmation, cancelled certificates out), from the totals
    the database keeps as certificates are issued, confirmed and cancelled."""
    t = CertificateTotal
    statement = (
        sa.select(
            t.participant,
            t.year,
            t.flow,
            sa.cast(sa.func.sum(t.carats), sa.Float),
            sa.cast(sa.func.sum(t.value_usd), sa.Float),
            sa.func.sum(t.certificates),
        )
        .where(t.partner == ALL, t.hs_code == ALL)
        .group_by(t.participant, t.year, t.flow)
        .having(sa.func.sum(t.certificates) > 0)
    )
    if participant:
        statement = statement.where(t.participant == participant)
    if year is not None:
        statement = statement.where(t.year == year)
    return statement


def _names(session: Session) -> dict[str, str]:
    return {code: name for code, name in session.execute(sa.select(Participant.code, Participant.name))}


def years(session: Session) -> list[int]:
    """Every year with any figure, newest first."""
    found = set(session.scalars(sa.select(PublishedProduction.year).distinct()))
    found |= set(session.scalars(sa.select(StatisticsSubmission.year).distinct()))
    return sorted(found, reverse=True)


_summaries: dict[tuple[str, ...], dict[str, Any]] = {}


def annual_global_summary(session: Session, year: int) -> dict[str, Any]:
    """Per participant for ``year``: production, exports, imports, $/carat and certificate
    counts, with the totals (CONTRACT: the KP's Annual Global Summary).

    Kept per process until the figures change (a new upload, new published figures, or any
    audited change such as a certificate issued, confirmed or cancelled): the most read page
    of the public site is then served without touching the figures.
    """
    stamp = session.execute(
        sa.select(
            sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0)).scalar_subquery(),
            sa.select(sa.func.coalesce(sa.func.max(StatisticsSubmission.id), 0)).scalar_subquery(),
            sa.select(sa.func.count(PublishedProduction.id)).scalar_subquery(),
            sa.select(sa.func.max(PublishedProduction.loaded_at)).scalar_subquery(),
        )
    ).one()
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), str(year), *map(str, stamp))
    cached = _summaries.get(key)
    if cached is None:
        cached = _annual_global_summary(session, year)
        if len(_summaries) > 200:
            _summaries.clear()
        _summaries[key] = cached
    return cached


def _annual_global_summary(session: Session, year: int) -> dict[str, Any]:
    table = engine.run(
        _BY_YEAR + f" WHERE coalesce(p.year, t.year) = {int(year)} ORDER BY 1", **_frames(session, year=year)
    )
    names = _names(session)
    rows = [
        {"name": names.get(r["participant"], r["participant"]), **r} for r in table.drop("year").to_dicts()
    ]
    totals = engine.run(
        """
        SELECT sum(production_carats) AS production_carats, sum(production_value_usd) AS production_value_usd,
               round(sum(production_value_usd) / nullif(sum(production_carats)
                     FILTER (WHERE production_value_usd IS NOT NULL), 0), 2) AS production_usd_per_carat,
               sum(export_carats) AS export_carats, sum(export_value_usd) AS export_value_usd,
               round(sum(export_value_usd) / nullif(sum(export_carats), 0), 2) AS export_usd_per_carat,
               CAST(sum(export_certificates) AS BIGINT) AS export_certificates,
               sum(import_carats) AS import_carats, sum(import_value_usd) AS import_value_usd,
               round(sum(import_value_usd) / nullif(sum(import_carats), 0), 2) AS import_usd_per_carat,
               CAST(sum(import_certificates) AS BIGINT) AS import_certificates
        FROM summary
        """,
        summary=table,
    ).to_dicts()[0]
    return {"year": year, "rows": [{c: r.get(c) for c in SUMMARY_COLUMNS} for r in rows], "totals": totals}


def participant_history(session: Session, code: str) -> list[dict[str, Any]]:
    """One participant's figures year by year, oldest first (its charts)."""
    table = engine.run(_BY_YEAR + " ORDER BY year", **_frames(session, code))
    return table.to_dicts()


def world_trend(session: Session) -> list[dict[str, Any]]:
    """World totals per year since the earliest year loaded."""
    return engine.run(
        "SELECT year, sum(production_carats) AS production_carats,"
        " sum(production_value_usd) AS production_value_usd,"
        " round(sum(production_value_usd) / nullif(sum(production_carats)"
        " FILTER (WHERE production_value_usd IS NOT NULL), 0), 2) AS production_usd_per_carat,"
        " sum(export_carats) AS export_carats, sum(export_value_usd) AS export_value_usd,"
        " sum(import_carats) AS import_carats, sum(import_value_usd) AS import_value_usd,"
        " count(production_carats) AS producers"
        " FROM (" + _BY_YEAR + ") GROUP BY year ORDER BY year",
        **_frames(session),
    ).to_dicts()


def published_sources(session: Session) -> list[str]:
    """Where the published figures come from (shown on every page that uses them)."""
    return sorted(set(session.scalars(sa.select(PublishedProduction.source).distinct())))


def production_by_year(session: Session, first_year: int, last_year: int) -> pl.DataFrame:
    """Annual production per participant (submitted, else published): participant, year,
    carats, value_usd."""
    return engine.run(
        "SELECT participant, year, production_carats AS carats, production_value_usd AS value_usd"
        f" FROM ({_BY_YEAR}) WHERE production_carats IS NOT NULL"
        f" AND year BETWEEN {int(first_year)} AND {int(last_year)} ORDER BY participant, year",
        **_frames(session),
    )


def figures_by_year(session: Session) -> pl.DataFrame:
    """Every participant's figures year by year (the summary's columns and sources)."""
    return engine.run(_BY_YEAR + " ORDER BY participant, year", **_frames(session))
