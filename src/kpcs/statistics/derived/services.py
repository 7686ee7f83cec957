"""Use cases of the trade derived from certificates: the lines and totals the database
keeps from the certificates issued and confirmed in kpcs (by triggers, see migration 0010),
the derived figures of a year beside the reported ones, and the trade in force where a
participant reported nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.models import Role
from kpcs.accounts.permissions import Action, Principal, is_participant_bound, require
from kpcs.errors import InvalidInput
from kpcs.statistics import engine
from kpcs.statistics.models import (
    ALL,
    CertificateTotal,
    StatisticsKind,
    StatisticsSubmission,
    TradeFigure,
)
from kpcs.statistics.submissions import templates
from kpcs.statistics.submissions.services import figures_frame

# --- derived from certificates ---------------------------------------------------------------


def certificate_lines(
    session: Session, participant: str | None = None, year: int | None = None
) -> pl.DataFrame:
    """The lines of every certificate not cancelled, as the engine reads them: the export
    side (issued in ``year``, by ``participant``) with ``issued_on`` set, and the import
    side (confirmed as received in ``year``, by ``participant``) with ``received_on`` set.

    Amounts and dates come out of the database as floats and ISO text and are parsed by
    Polars column by column, not row by row: two million certificates of history are read
    only as far as the year and participant asked for.
    """
    from kpcs.certificates.models import Certificate, CertificateLine, CertificateStatus, ImportConfirmation

    def side(who: Any, day: Any, *joins: Any) -> Any:
        statement = sa.select(
            Certificate.id,
            Certificate.exporting_participant,
            Certificate.importing_participant,
            sa.cast(day, sa.String),
            CertificateLine.hs_code,
            sa.cast(CertificateLine.carats, sa.Float),
            sa.cast(CertificateLine.value_usd, sa.Float),
        ).join(CertificateLine, CertificateLine.certificate_id == Certificate.id)
        for join in joins:
            statement = statement.join(*join)
        statement = statement.where(Certificate.status != CertificateStatus.CANCELLED)
        if participant:
            statement = statement.where(who == participant)
        if year is not None:
            statement = statement.where(day.between(date(year, 1, 1), date(year, 12, 31)))
        return statement

    raw = {"certificate_id": pl.Int64, "exporter": pl.String, "importer": pl.String, "day": pl.String}
    raw |= {"hs_code": pl.String, "carats": pl.Float64, "value_usd": pl.Float64}
    sides = []
    for day_column, statement in (
        ("issued_on", side(Certificate.exporting_participant, Certificate.issued_on)),
        (
            "received_on",
            side(
                Certificate.importing_participant,
                ImportConfirmation.received_on,
                (ImportConfirmation, ImportConfirmation.certificate_id == Certificate.id),
            ),
        ),
    ):
        rows = session.execute(statement).all()
        frame = pl.DataFrame(rows, schema=list(raw.items()), orient="row")
        day = pl.col("day").str.slice(0, 10).str.to_date("%Y-%m-%d")
        other = "received_on" if day_column == "issued_on" else "issued_on"
        sides.append(
            frame.with_columns(day.alias(day_column), pl.lit(None, pl.Date).alias(other)).select(
                list(engine.LINE_SCHEMA)
            )
        )
    return pl.concat(sides)


def certificate_totals(
    session: Session, participant: str | None = None, year: int | None = None
) -> pl.DataFrame:
    """The quarterly participant × partner × HS matrix of certificates, as the database keeps
    it (the same figures as `engine.quarterly_matrix` over `certificate_lines`, without
    reading a single line)."""
    t = CertificateTotal
    statement = sa.select(
        t.participant,
        sa.cast(t.year, sa.String),
        sa.cast(t.quarter, sa.String),
        t.flow,
        t.partner,
        t.hs_code,
        sa.cast(t.carats, sa.Float),
        sa.cast(t.value_usd, sa.Float),
        t.certificates,
    ).where(t.hs_code != ALL, t.certificates > 0)
    if participant:
        statement = statement.where(t.participant == participant)
    if year is not None:
        statement = statement.where(t.year == year)
    raw: dict[str, Any] = {"participant": pl.String, "year": pl.String, "quarter": pl.String}
    raw |= {"flow": pl.String, "partner": pl.String, "hs_code": pl.String}
    raw |= {"carats": pl.Float64, "value_usd": pl.Float64, "certificates": pl.Int64}
    frame = pl.DataFrame(session.execute(statement).all(), schema=list(raw.items()), orient="row")
    return frame.select(
        "participant",
        pl.concat_str(pl.col("year"), pl.lit("-Q"), pl.col("quarter")).alias("period"),
        "flow",
        "partner",
        "hs_code",
        pl.col("carats").round(2),
        pl.col("value_usd").round(2),
        "certificates",
    ).sort("participant", "period", "flow", "partner", "hs_code")


def derived_figures(
    session: Session, principal: Principal, *, participant: str | None = None, year: int | None = None
) -> list[dict[str, Any]]:
    """Trade derived from certificates beside the figures reported for the same key."""
    require(principal, Action.VIEW_DERIVED_STATISTICS, participant=participant)
    if participant is None and principal.roles == {Role.AUTHORITY}:
        raise InvalidInput.field("participant", "name the participant whose figures you want")
    derived = certificate_totals(session, participant, year)
    first, last = (year, year) if year is not None else (templates.FIRST_YEAR, 2100)
    reported = figures_frame(session, StatisticsKind.TRADE, first, last, participant)
    compared = engine.compare(derived, reported)
    if participant:
        compared = compared.filter(pl.col("participant") == participant)
    if year is not None:
        compared = compared.filter(pl.col("period").str.starts_with(f"{year}-"))
    return compared.to_dicts()


def derived_overview(session: Session, principal: Principal, *, year: int) -> list[dict[str, Any]]:
    """Per participant, quarter and flow of ``year``: trade derived from certificates beside
    the reported trade, summed over partners and HS codes by the database (what a page over
    the whole world can show; the detail is per participant and in the CSV).

    Derived certificates count each certificate once; reported ones are the sum of the
    counts on the reported rows, as the participant gave them.
    """
    require(principal, Action.VIEW_DERIVED_STATISTICS)
    if is_participant_bound(principal):
        raise InvalidInput.field("participant", "a KP authority sees its own participant's figures only")
    t = CertificateTotal
    period = sa.cast(t.year, sa.String) + "-Q" + sa.cast(t.quarter, sa.String)
    derived = sa.select(
        t.participant,
        period,
        t.flow,
        sa.cast(t.carats, sa.Float),
        sa.cast(t.value_usd, sa.Float),
        t.certificates,
    ).where(t.year == year, t.partner == ALL, t.hs_code == ALL, t.certificates > 0)
    partners = (
        sa.select(t.participant, period, t.flow, sa.func.count(sa.distinct(t.partner)))
        .where(t.year == year, t.partner != ALL, t.hs_code != ALL, t.certificates > 0)
        .group_by(t.participant, t.year, t.quarter, t.flow)
    )
    r = TradeFigure
    reported = (
        sa.select(
            r.participant,
            r.period,
            r.flow,
            sa.cast(sa.func.sum(r.carats), sa.Float),
            sa.cast(sa.func.sum(r.value_usd), sa.Float),
            sa.func.sum(r.certificates),
            sa.func.count(sa.distinct(r.partner)),
        )
        .join(StatisticsSubmission, StatisticsSubmission.id == r.submission_id)
        .where(StatisticsSubmission.superseded_at.is_(None), StatisticsSubmission.year == year)
        .group_by(r.participant, r.period, r.flow)
    )
    key = {"participant": pl.String, "period": pl.String, "flow": pl.String}
    sums = {"carats": pl.Float64, "value_usd": pl.Float64, "certificates": pl.Int64}

    def frame(statement: Any, schema: dict[str, Any]) -> pl.DataFrame:
        return pl.DataFrame(session.execute(statement).all(), schema=list(schema.items()), orient="row")

    return engine.run(
        """
        SELECT coalesce(d.participant, r.participant) AS participant,
               coalesce(d.period, r.period) AS period,
               coalesce(d.flow, r.flow) AS flow,
               greatest(coalesce(p.partners, 0), coalesce(r.partners, 0)) AS partners,
               round(d.carats, 2) AS derived_carats, round(r.carats, 2) AS reported_carats,
               round(r.carats - d.carats, 2) AS carats_difference,
               round(d.value_usd, 2) AS derived_value_usd, round(r.value_usd, 2) AS reported_value_usd,
               round(r.value_usd - d.value_usd, 2) AS value_usd_difference,
               d.certificates AS derived_certificates, r.certificates AS reported_certificates,
               r.certificates - d.certificates AS certificates_difference
        FROM derived d
        FULL OUTER JOIN reported r USING (participant, period, flow)
        LEFT JOIN partners p ON p.participant = coalesce(d.participant, r.participant)
             AND p.period = coalesce(d.period, r.period) AND p.flow = coalesce(d.flow, r.flow)
        ORDER BY 1, 2, 3
        """,
        derived=frame(derived, key | sums),
        partners=frame(partners, key | {"partners": pl.Int64}),
        reported=frame(reported, key | sums | {"partners": pl.Int64}),
    ).to_dicts()


def trade_in_force(session: Session, first_year: int, last_year: int, keys: tuple[str, ...]) -> pl.DataFrame:
    """Trade summed per ``keys`` (among participant, period, flow, partner, hs_code), with
    carats, value_usd and certificates: as reported, or, for a participant and year with
    no trade reported, derived from its certificates in kpcs (the rule of the public pages).

    Derived certificate counts summed over HS codes count a certificate once per code."""
    reported = figures_frame(session, StatisticsKind.TRADE, first_year, last_year)
    t = CertificateTotal
    rows = session.execute(
        sa.select(
            t.participant,
            t.year,
            t.quarter,
            t.flow,
            t.partner,
            t.hs_code,
            sa.cast(t.carats, sa.Float),
            sa.cast(t.value_usd, sa.Float),
            t.certificates,
        ).where(t.partner != ALL, t.hs_code != ALL, t.year.between(first_year, last_year), t.certificates > 0)
    ).all()
    derived = pl.DataFrame(
        [(code, f"{year}-Q{quarter}", *rest) for code, year, quarter, *rest in rows],
        schema=list(reported.schema.items()),
        orient="row",
    )
    year = pl.col("period").str.slice(0, 4)
    seen = reported.select("participant", year.alias("year")).unique()
    derived = derived.with_columns(year.alias("year")).join(seen, on=["participant", "year"], how="anti")
    return (
        pl.concat([reported, derived.drop("year")])
        .group_by(*keys)
        .agg(pl.col("carats").sum(), pl.col("value_usd").sum(), pl.col("certificates").sum())
    )
