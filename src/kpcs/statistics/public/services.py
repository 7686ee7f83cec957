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
    OTHERS,
    CertificateTotal,
    PublishedProduction,
    PublishedWorldTotal,
    StatisticsSubmission,
    SubmissionTotal,
)
from kpcs.statistics.public import world

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


OTHERS_NAME = "Others (producers not named by the source)"


def _names(session: Session) -> dict[str, str]:
    names = {code: name for code, name in session.execute(sa.select(Participant.code, Participant.name))}
    return names | {OTHERS: OTHERS_NAME}


def years(session: Session) -> list[int]:
    """Every year with any figure, newest first."""
    found = set(session.scalars(sa.select(PublishedProduction.year).distinct()))
    found |= set(session.scalars(sa.select(PublishedWorldTotal.year)))
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
            sa.select(sa.func.count(PublishedWorldTotal.year)).scalar_subquery(),
            sa.select(sa.func.max(PublishedWorldTotal.loaded_at)).scalar_subquery(),
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
        _BY_YEAR + f" WHERE coalesce(p.year, t.year) = {int(year)}"
        f" ORDER BY coalesce(p.participant, t.participant) = '{OTHERS}', 1",
        **_frames(session, year=year),
    )
    names = _names(session)
    rows = [
        {"name": names.get(r["participant"], r["participant"]), **r} for r in table.drop("year").to_dicts()
    ]
    totals = engine.run(
        """
        SELECT sum(production_carats) AS production_carats, sum(production_value_usd) AS production_value_usd,
               round(sum(production_value_usd) FILTER (WHERE production_carats IS NOT NULL)
                     / nullif(sum(production_carats) FILTER (WHERE production_value_usd IS NOT NULL), 0), 2)
                     AS production_usd_per_carat,
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
    # The totals are the sum of the rows; ``world`` says whether that is a world total
    # (the year's producers listed completely) and what was published for the year.
    return {
        "year": year,
        "rows": [{c: r.get(c) for c in SUMMARY_COLUMNS} for r in rows],
        "totals": totals,
        "world": _world_rows(session, table.to_dicts(), year).get(year),
    }


def participant_history(session: Session, code: str) -> list[dict[str, Any]]:
    """One participant's figures year by year, oldest first (its charts)."""
    table = engine.run(_BY_YEAR + " ORDER BY year", **_frames(session, code))
    return table.to_dicts()


def world_trend(session: Session) -> list[dict[str, Any]]:
    """World figures per year since the earliest year loaded, oldest first: each figure with
    its ``basis`` (the participants' rows, the published world total, or only the producers
    listed), its ``source``, and the other sources' figures (``disagreements``); see
    :mod:`kpcs.statistics.public.world`."""
    figures = engine.run(_BY_YEAR + " ORDER BY year, participant", **_frames(session)).to_dicts()
    return list(_world_rows(session, figures).values())


WORLD_CSV_COLUMNS = (
    "year",
    *world.MEASURES,
    "production_usd_per_carat",
    "partial",
    "producers_listed",
    "producers_expected",
    "listed_production_carats",
    "listed_production_value_usd",
    *(f"{m}_basis" for m in world.MEASURES),
    *(f"{m}_source" for m in world.MEASURES),
    "disagreements",
)


def world_csv_rows(trend: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The world trend flattened for a CSV download: one column per figure, its basis and
    its sources; the other sources' figures as ``measure=value (source)`` in one cell."""
    rows = []
    for r in trend:
        flat = {c: r.get(c) for c in WORLD_CSV_COLUMNS}
        for m in world.MEASURES:
            flat[f"{m}_basis"] = r["basis"][m]
            flat[f"{m}_source"] = " ; ".join(r["source"][m])
        flat["disagreements"] = " | ".join(
            f"{d['measure']}={d['value']:.0f} ({d['source']})" for d in r["disagreements"]
        )
        rows.append(flat)
    return rows


def _world_rows(
    session: Session, figures: list[dict[str, Any]], year: int | None = None
) -> dict[int, dict[str, Any]]:
    """The world row of every year (or of ``year``) from the per-participant figures in force
    (:data:`_BY_YEAR`'s columns) and the published world totals."""
    published_sources: Any = sa.select(
        PublishedProduction.year, PublishedProduction.participant, PublishedProduction.source
    )
    totals: Any = sa.select(PublishedWorldTotal)
    if year is not None:
        published_sources = published_sources.where(PublishedProduction.year == year)
        totals = totals.where(PublishedWorldTotal.year == year)
    sources = {(y, code): source for y, code, source in session.execute(published_sources)}
    published = {t.year: _published_total(t) for t in session.scalars(totals)}
    listed: dict[int, list[world.ListedProduction]] = {y: [] for y in published}
    trade: dict[int, dict[str, float | None]] = {y: {} for y in published}
    for r in figures:
        y = r["year"]
        listed.setdefault(y, [])
        sums = trade.setdefault(y, {})
        for measure in world.TRADE:
            if r[measure] is not None:
                sums[measure] = (sums.get(measure) or 0.0) + r[measure]
        if r["production_source"] is None:
            continue
        listed[y].append(
            world.ListedProduction(
                participant=r["participant"],
                carats=r["production_carats"],
                value_usd=r["production_value_usd"],
                source=(
                    world.SUBMITTED_SOURCE
                    if r["production_source"] == "submitted"
                    else sources.get((y, r["participant"]), "")
                ),
            )
        )
    return {
        y: world.world_year(y, listed[y], trade.get(y, {}), published.get(y))
        for y in sorted(listed)
        if year is None or y == year
    }


def _published_total(row: PublishedWorldTotal) -> world.PublishedTotal:
    def number(value: Any) -> float | None:
        return float(value) if value is not None else None

    return world.PublishedTotal(
        year=row.year,
        figures={m: number(getattr(row, m)) for m in world.MEASURES},
        source=row.source,
        note=row.note,
        export_certificates=row.export_certificates,
        import_certificates=row.import_certificates,
        disagreements=tuple(row.disagreements or ()),
    )


def published_sources(session: Session) -> list[str]:
    """Where the published figures come from (shown on every page that uses them)."""
    return sorted(set(session.scalars(sa.select(PublishedProduction.source).distinct())))


def production_by_year(session: Session, first_year: int, last_year: int) -> pl.DataFrame:
    """Annual production per participant (submitted, else published): participant, year,
    carats, value_usd."""
    return engine.run(
        "SELECT participant, year, production_carats AS carats, production_value_usd AS value_usd"
        f" FROM ({_BY_YEAR}) WHERE production_carats IS NOT NULL AND participant <> '{OTHERS}'"
        f" AND year BETWEEN {int(first_year)} AND {int(last_year)} ORDER BY participant, year",
        **_frames(session),
    )


def figures_by_year(session: Session) -> pl.DataFrame:
    """Every participant's figures year by year (the summary's columns and sources); the
    published remainder of unnamed producers (``OTHERS``) is no participant and left out."""
    return engine.run(
        f"SELECT * FROM ({_BY_YEAR}) WHERE participant <> '{OTHERS}' ORDER BY participant, year",
        **_frames(session),
    )
