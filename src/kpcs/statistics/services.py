"""Use cases of statistics submissions: take a file whole or refuse it whole, keep every
revision, and read the figures in force.

A file is checked by :mod:`kpcs.statistics.templates` before anything is written; then
its upload, one submission per participant and period (superseding the one in force, which
is kept), and its rows are written in one transaction, with an audit record per
submission saying what changed.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.models import Role
from kpcs.accounts.permissions import Action, Principal, PrincipalKind, is_participant_bound, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork, joins_by_index
from kpcs.errors import FieldProblem, InvalidInput
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot
from kpcs.statistics import assessment, engine, public, reconcile, templates
from kpcs.statistics.models import (
    ALL,
    CertificateTotal,
    ProductionFigure,
    PublishedProduction,
    StatisticsKind,
    StatisticsSubmission,
    StatisticsUpload,
    SubmissionTotal,
    TradeFigure,
)

MAX_FILE_BYTES = 200 * 1024 * 1024
"""A million-row trade file is about 60 MB as CSV."""

_TABLES: dict[StatisticsKind, Any] = {
    StatisticsKind.TRADE: TradeFigure,
    StatisticsKind.PRODUCTION: ProductionFigure,
}


@dataclass(frozen=True)
class Submitted:
    """What an accepted file became."""

    kind: str
    rows: int
    submissions: list[dict[str, Any]]  # [{participant, period, revision}]


def submit(uow: UnitOfWork, principal: Principal, clock: Clock, content: bytes, filename: str) -> Submitted:
    """Check a trade or production file and store it whole, or raise naming every problem."""
    require(principal, Action.SUBMIT_STATISTICS)
    if len(content) > MAX_FILE_BYTES:
        raise InvalidInput.field("file", f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    table = templates.read_table(content, filename)
    own = None
    if principal.kind is not PrincipalKind.OPERATOR and not principal.has_role(Role.STATISTICS):
        own = principal.participant_code
    with uow:
        snapshot = registry_snapshot(uow.session)
        codes = [
            code for code, facts in snapshot.participants.items() if facts.kind is ParticipantKind.PARTICIPANT
        ]
        kind, clean = templates.validate(table, participants=codes, today=clock.today(), only_participant=own)
        now = clock.now()
        upload = StatisticsUpload(
            kind=kind,
            filename=Path(filename or "upload").name[:255],
            sha256=hashlib.sha256(content).hexdigest(),
            rows=clean.height,
            uploaded_at=now,
            uploaded_by=principal.actor,
        )
        uow.session.add(upload)
        uow.session.flush()
        groups = clean.group_by("participant", "period", maintain_order=True).agg(pl.len().alias("rows"))
        keys = [(participant, period) for participant, period, _ in groups.iter_rows()]
        superseded = _supersede(uow.session, kind, keys, now)
        new_rows = [
            {
                "upload_id": upload.id,
                "kind": kind,
                "participant": participant,
                "period": period,
                "year": templates.period_year(period),
                "revision": superseded[(participant, period)]["revision"] + 1
                if (participant, period) in superseded
                else 1,
                "rows": rows,
                "submitted_at": now,
                "submitted_by": principal.actor,
            }
            for participant, period, rows in groups.iter_rows()
        ]
        # One statement for every submission of the file (a world file has thousands).
        inserted = uow.session.execute(
            sa.insert(StatisticsSubmission).returning(
                StatisticsSubmission.id,
                StatisticsSubmission.participant,
                StatisticsSubmission.period,
                sort_by_parameter_order=True,
            ),
            new_rows,
        ).all()
        ids = {(participant, period): new_id for new_id, participant, period in inserted}
        if superseded:
            uow.session.execute(
                sa.update(StatisticsSubmission),
                [{"id": old["id"], "superseded_by_id": ids[key]} for key, old in superseded.items()],
            )
        _insert(uow.session, kind, clean, ids)
        uow.session.execute(sa.insert(SubmissionTotal), _flow_totals(kind, clean, ids))
        totals = _totals(clean)
        made = [
            {"participant": r["participant"], "period": r["period"], "revision": r["revision"]}
            for r in new_rows
        ]
        for item in made:
            key = (item["participant"], item["period"])
            record(
                uow.session,
                actor=principal,
                clock=clock,
                tag=tags.STATISTICS_SUBMITTED,
                object_type="statistics",
                object_id=f"{kind.value}:{key[0]}:{key[1]}",
                before=superseded[key]["totals"] if key in superseded else None,
                after={"revision": item["revision"], "upload": upload.id, **totals[key]},
                note=f"revision {item['revision']} from {upload.filename}",
            )
        uow.commit()
        return Submitted(kind=kind.value, rows=clean.height, submissions=made)


def _supersede(
    session: Session, kind: StatisticsKind, keys: list[tuple[str, str]], now: datetime
) -> dict[tuple[str, str], dict[str, Any]]:
    """Take the submissions in force for ``keys`` out of force; returns for each its id,
    revision and totals (what the audit record shows as "before")."""
    wanted = set(keys)
    table = _TABLES[kind]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    participants = sorted({p for p, _ in wanted})
    periods = sorted({q for _, q in wanted})
    for sub_id, participant, period, revision, rows, carats, value in session.execute(
        sa.select(
            StatisticsSubmission.id,
            StatisticsSubmission.participant,
            StatisticsSubmission.period,
            StatisticsSubmission.revision,
            sa.func.count(table.id),
            sa.func.sum(table.carats),
            sa.func.sum(table.value_usd),
        )
        .outerjoin(table, table.submission_id == StatisticsSubmission.id)
        .where(
            StatisticsSubmission.kind == kind,
            StatisticsSubmission.superseded_at.is_(None),
            StatisticsSubmission.participant.in_(participants),
            StatisticsSubmission.period.in_(periods),
        )
        .group_by(StatisticsSubmission.id)
    ):
        if (participant, period) in wanted:
            found[(participant, period)] = {
                "id": sub_id,
                "revision": revision,
                "totals": {
                    "revision": revision,
                    "rows": rows,
                    "carats": str(carats),
                    "value_usd": str(value),
                },
            }
    if found:
        # Out of force before the new ones go in: one submission in force at a time.
        session.execute(
            sa.update(StatisticsSubmission)
            .where(StatisticsSubmission.id.in_([old["id"] for old in found.values()]))
            .values(superseded_at=now)
        )
    return found


def _flow_totals(
    kind: StatisticsKind, clean: pl.DataFrame, ids: dict[tuple[str, str], int]
) -> list[dict[str, Any]]:
    """Each new submission's figures summed per flow (what the public pages read)."""
    flow = pl.col("flow") if kind is StatisticsKind.TRADE else pl.lit("production")
    certificates = (
        pl.col("certificates").cast(pl.Int64).sum()
        if kind is StatisticsKind.TRADE
        else pl.lit(None, pl.Int64)
    )
    value = pl.col("value_usd").cast(pl.Decimal(22, 2), strict=False)
    sums = (
        clean.with_columns(flow.alias("flow"))
        .group_by("participant", "period", "flow")
        .agg(
            pl.col("carats").cast(pl.Decimal(20, 2)).sum().alias("carats"),
            pl.when(value.is_not_null().any()).then(value.sum()).alias("value_usd"),
            certificates.alias("certificates"),
        )
    )
    return [
        {
            "submission_id": ids[(row["participant"], row["period"])],
            "flow": row["flow"],
            "carats": row["carats"],
            "value_usd": row["value_usd"],
            "certificates": row["certificates"],
        }
        for row in sums.iter_rows(named=True)
    ]


def _totals(clean: pl.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    sums = clean.group_by("participant", "period").agg(
        pl.len().alias("rows"),
        pl.col("carats").cast(pl.Decimal(20, 2)).sum().alias("carats"),
        pl.col("value_usd").cast(pl.Decimal(22, 2)).sum().alias("value_usd"),
    )
    return {
        (p, q): {"rows": rows, "carats": str(carats), "value_usd": str(value)}
        for p, q, rows, carats, value in sums.iter_rows()
    }


def _insert(
    session: Session, kind: StatisticsKind, clean: pl.DataFrame, ids: dict[tuple[str, str], int]
) -> None:
    """Write the rows in bulk: COPY on PostgreSQL, one prepared statement on SQLite."""
    keys = pl.DataFrame(
        {
            "participant": [k[0] for k in ids],
            "period": [k[1] for k in ids],
            "submission_id": list(ids.values()),
        },
        schema={"participant": pl.String, "period": pl.String, "submission_id": pl.Int64},
    )
    columns = ["submission_id", *templates.COLUMNS[kind]]
    rows = clean.join(keys, on=["participant", "period"], how="left").select(columns)
    table = _TABLES[kind].__table__
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        names = ", ".join(f'"{c}"' for c in columns)
        with driver.cursor().copy(f"COPY {table.name} ({names}) FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(rows.write_csv(include_header=False))
        return
    placeholders = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", list(rows.iter_rows())
    )


# --- reading ---------------------------------------------------------------------------------


def trade_figures(session: Session, year: int | None = None) -> list[dict[str, Any]]:
    """The trade figures in force (template columns), for a year or all years."""
    return _figures(session, StatisticsKind.TRADE, year)


def production_figures(session: Session, year: int | None = None) -> list[dict[str, Any]]:
    """The production figures in force (template columns), for a year or all years."""
    return _figures(session, StatisticsKind.PRODUCTION, year)


FRAME_SCHEMAS: dict[StatisticsKind, dict[str, Any]] = {
    StatisticsKind.TRADE: {
        "participant": pl.String,
        "period": pl.String,
        "flow": pl.String,
        "partner": pl.String,
        "hs_code": pl.String,
        "carats": pl.Float64,
        "value_usd": pl.Float64,
        "certificates": pl.Int64,
    },
    StatisticsKind.PRODUCTION: {
        "participant": pl.String,
        "period": pl.String,
        "mining_type": pl.String,
        "carats": pl.Float64,
        "value_usd": pl.Float64,
    },
}
"""The figures in force as the engine and the anomaly detectors read them (template columns)."""


def figures_frame(
    session: Session, kind: StatisticsKind, first_year: int, last_year: int, participant: str | None = None
) -> pl.DataFrame:
    """The figures in force of ``first_year`` to ``last_year`` as a frame (template columns),
    read with amounts as floats and no object per row."""
    table = _TABLES[kind]
    columns = [
        sa.cast(getattr(table, name), sa.Float) if name in ("carats", "value_usd") else getattr(table, name)
        for name in templates.COLUMNS[kind]
    ]
    statement = (
        sa.select(*columns)
        .join(StatisticsSubmission, StatisticsSubmission.id == table.submission_id)
        .where(
            StatisticsSubmission.superseded_at.is_(None),
            StatisticsSubmission.year.between(first_year, last_year),
        )
    )
    if participant is not None:
        statement = statement.where(StatisticsSubmission.participant == participant)
    return pl.DataFrame(
        session.execute(statement).all(), schema=list(FRAME_SCHEMAS[kind].items()), orient="row"
    )


def _figures(session: Session, kind: StatisticsKind, year: int | None) -> list[dict[str, Any]]:
    table = _TABLES[kind]
    names = templates.COLUMNS[kind]
    statement = (
        sa.select(*(getattr(table, name) for name in names))
        .join(StatisticsSubmission, StatisticsSubmission.id == table.submission_id)
        .where(StatisticsSubmission.superseded_at.is_(None))
        .order_by(*(getattr(table, name) for name in templates.KEYS[kind]))
    )
    if year is not None:
        statement = statement.where(StatisticsSubmission.year == year)
    return [
        {
            name: (float(value) if isinstance(value, Decimal) else value)
            for name, value in zip(names, row, strict=True)
        }
        for row in session.execute(statement)
    ]


def revisions(session: Session, kind: StatisticsKind, participant: str, period: str) -> list[dict[str, Any]]:
    """Every submission for a participant and period, newest first: who, when, how many rows."""
    return [
        {
            "revision": s.revision,
            "rows": s.rows,
            "submitted_at": s.submitted_at,
            "submitted_by": s.submitted_by,
            "in_force": s.superseded_at is None,
        }
        for s in session.scalars(
            sa.select(StatisticsSubmission)
            .where(
                StatisticsSubmission.kind == kind,
                StatisticsSubmission.participant == participant,
                StatisticsSubmission.period == period,
            )
            .order_by(StatisticsSubmission.revision.desc())
        )
    ]


# --- published figures -----------------------------------------------------------------------


PUBLISHED_PRODUCTION = Path(__file__).parent / "data" / "kp-production-published.csv"


def load_published_production(session: Session, clock: Clock, path: Path = PUBLISHED_PRODUCTION) -> int:
    """Load (or refresh) the KP's published annual production; returns rows changed."""
    changed = 0
    now = clock.now()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    source = ""
    for row in rows:
        if row["source"] and row["source"] != "same":
            source = row["source"]
        year, participant = int(row["year"]), row["participant"]
        carats = Decimal(row["carats"])
        value = Decimal(row["value_usd"]) if row["value_usd"] else None
        found = session.scalar(
            sa.select(PublishedProduction).where(
                PublishedProduction.year == year, PublishedProduction.participant == participant
            )
        )
        if found is None:
            session.add(
                PublishedProduction(
                    year=year,
                    participant=participant,
                    carats=carats,
                    value_usd=value,
                    source=source,
                    loaded_at=now,
                )
            )
            changed += 1
        elif (found.carats, found.value_usd, found.source) != (carats, value, source):
            found.carats, found.value_usd, found.source, found.loaded_at = carats, value, source, now
            changed += 1
    return changed


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
