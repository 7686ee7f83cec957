"""Use cases of the analysis that read across submissions and certificates: the
certificate-level reconciliation between partners, and the statistical assessment of a
proposed export."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, is_participant_bound, require
from kpcs.db import joins_by_index
from kpcs.errors import FieldProblem, InvalidInput
from kpcs.participants.snapshot import registry_snapshot
from kpcs.statistics.analysis import assessment, reconcile
from kpcs.statistics.derived.services import trade_in_force
from kpcs.statistics.models import (
    StatisticsKind,
)
from kpcs.statistics.public import services as public
from kpcs.statistics.submissions.services import figures_frame


def reconciliation(
    session: Session,
    principal: Principal,
    year: int,
    today: date,
    *,
    participant: str | None = None,
    partner: str | None = None,
    tolerances: reconcile.Tolerances = reconcile.Tolerances(),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Certificate-level reconciliation of ``year`` (see :mod:`kpcs.statistics.reconcile`):
    ``(pairs, details)``, for the pairs ``participant`` is in (with ``partner``, that pair
    only). An authority sees only the pairs its own participant is in."""
    require(principal, Action.VIEW_RECONCILIATION, participant=participant)
    if is_participant_bound(principal):
        participant = principal.participant_code
    pairs, details = reconcile.reconcile(
        _year_certificates(session, year), _reported_imports(session, year), year, today, tolerances
    )

    def concerned(frame: pl.DataFrame) -> pl.DataFrame:
        for code in (participant, partner):
            if code:
                frame = frame.filter((pl.col("exporter") == code) | (pl.col("importer") == code))
        return frame

    return concerned(pairs), concerned(details)


def _driver_rows(connection: sa.Connection, statement: sa.Select[Any]) -> list[Any]:
    cursor = connection.execute(statement).cursor
    assert cursor is not None
    return list(cursor.fetchall())


def _year_certificates(session: Session, year: int) -> pl.DataFrame:
    """Every certificate that stands and was issued, or received, in ``year``, with its
    confirmation: two index-bounded reads joined by index lookups (hashing every
    confirmation ever made took PostgreSQL three times as long), dates parsed by Polars."""
    from kpcs.certificates.models import Certificate, CertificateStatus, ImportConfirmation

    first, last = date(year, 1, 1), date(year, 12, 31)
    columns = (
        Certificate.number,
        Certificate.exporting_participant,
        Certificate.importing_participant,
        sa.cast(Certificate.issued_on, sa.String),
        sa.cast(Certificate.total_carats, sa.Float),
        sa.cast(Certificate.total_value_usd, sa.Float),
        sa.cast(ImportConfirmation.received_on, sa.String),
        sa.cast(ImportConfirmation.carats_received, sa.Float),
        sa.cast(ImportConfirmation.value_usd_received, sa.Float),
    )
    standing = Certificate.status != CertificateStatus.CANCELLED
    issued = (
        sa.select(*columns)
        .outerjoin(ImportConfirmation, ImportConfirmation.certificate_id == Certificate.id)
        .where(standing, Certificate.issued_on.between(first, last))
    )
    received_later = (
        sa.select(*columns)
        .join(ImportConfirmation, ImportConfirmation.certificate_id == Certificate.id)
        .where(standing, ImportConfirmation.received_on.between(first, last), Certificate.issued_on < first)
    )
    raw = dict(reconcile.CERTIFICATE_SCHEMA) | {"issued_on": pl.String, "received_on": pl.String}
    # The driver's rows as they come: every column is text or a float in SQL already, so
    # SQLAlchemy's rows (a third of the time over a year of certificates) add nothing.
    connection = session.connection()
    with joins_by_index(connection):
        rows = [row for statement in (issued, received_later) for row in _driver_rows(connection, statement)]
    frame = pl.DataFrame(rows, schema=list(raw.items()), orient="row")
    return frame.with_columns(
        pl.col(day).str.slice(0, 10).str.to_date("%Y-%m-%d") for day in ("issued_on", "received_on")
    )


def _reported_imports(session: Session, year: int) -> pl.DataFrame:
    """The imports of ``year`` reported in the statistics in force, per importer, exporter
    and quarter (summed over HS codes)."""
    trade = figures_frame(session, StatisticsKind.TRADE, year, year)
    return (
        trade.filter(pl.col("flow") == "import")
        .group_by(pl.col("participant").alias("importer"), pl.col("partner").alias("exporter"), "period")
        .agg(pl.col("carats").sum(), pl.col("value_usd").sum(), pl.col("certificates").sum())
        .select(list(reconcile.REPORTED_SCHEMA))
    )


ASSESSMENT_YEARS = 5
"""Years of past figures an export is assessed against."""


def assess_export(
    session: Session,
    principal: Principal,
    today: date,
    *,
    exporter: str,
    carats: float,
    value_usd: float,
    hs_code: str,
    origin: str,
) -> dict[str, Any]:
    """How a proposed export compares with the exporter's history, other exporters and the
    origin's production over the last five years (reported trade, or the trade derived from
    certificates where none was reported; submitted or published production)."""
    from kpcs.certificates.rules import MIXED, hs_code_problem
    from kpcs.countries import is_country

    require(principal, Action.ASSESS_EXPORT, participant=exporter)
    names = {code: facts.name for code, facts in registry_snapshot(session).participants.items()}
    problems = []
    if exporter not in names:
        problems.append(("exporter", f"{exporter!r} is not a participant in the registry"))
    if (problem := hs_code_problem(hs_code)) is not None:
        problems.append(("hs_code", problem))
    if origin != MIXED and not is_country(origin):
        problems.append(("origin", f"{origin!r} is not a country code (ISO 3166 alpha-2) or 'mixed'"))
    for name, amount in (("carats", carats), ("value_usd", value_usd)):
        if not amount > 0:
            problems.append((name, "must be more than zero"))
    if problems:
        raise InvalidInput(
            "the proposed export cannot be assessed",
            problems=[FieldProblem(field, message) for field, message in problems],
        )
    first, last = today.year - ASSESSMENT_YEARS, today.year
    exports = _past_exports(session, first, last)
    history = public.production_by_year(session, first, last)
    found = assessment.assess_export(
        assessment.Proposal(exporter, carats, value_usd, hs_code, origin), exports, history, names
    )
    return found.as_dict()


def _past_exports(session: Session, first_year: int, last_year: int) -> pl.DataFrame:
    """Exports per participant, quarter and HS code over the years."""
    trade = trade_in_force(session, first_year, last_year, ("participant", "period", "flow", "hs_code"))
    return trade.filter(pl.col("flow") == "export").drop("flow")
