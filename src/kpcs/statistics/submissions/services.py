"""Use cases of statistics submissions: take a file whole or refuse it whole, keep every
revision, and read the figures in force.

A file is checked by :mod:`kpcs.statistics.templates` before anything is written; then
its upload, one submission per participant and period (superseding the one in force, which
is kept), and its rows are written in one transaction, with an audit record per
submission saying what changed.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.models import Role
from kpcs.accounts.permissions import Action, Principal, PrincipalKind, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import InvalidInput
from kpcs.participants.snapshot import registry_snapshot
from kpcs.statistics.models import (
    ProductionFigure,
    StatisticsKind,
    StatisticsSubmission,
    StatisticsUpload,
    SubmissionTotal,
    TradeFigure,
)
from kpcs.statistics.public import published
from kpcs.statistics.submissions import limits, templates

INSERT_SLICE = 50_000
"""Rows written per statement: as fast as one statement for all (measured on a million),
and the memory of 50,000 rows of Python objects instead of a million (some 500 MB)."""

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


def submit(
    uow: UnitOfWork, principal: Principal, clock: Clock, file: bytes | IO[bytes], filename: str
) -> Submitted:
    """Check a trade or production file and store it whole, or raise naming every problem.

    ``file`` is read as a stream (an upload spooled to disk, a file the CLI opened), never
    whole into memory; see :mod:`kpcs.statistics.submissions.limits` for what is refused."""
    require(principal, Action.SUBMIT_STATISTICS)
    stream = io.BytesIO(file) if isinstance(file, bytes) else file
    size = stream.seek(0, io.SEEK_END)
    if size > limits.MAX_FILE_BYTES:
        raise InvalidInput.field("file", f"the file is larger than {limits.MAX_FILE_BYTES // limits.MIB} MB")
    stream.seek(0)
    digest = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    sha256 = digest.hexdigest()
    table = templates.read_table(stream, filename)
    own = None
    if principal.kind is not PrincipalKind.OPERATOR and not principal.has_role(Role.STATISTICS):
        own = principal.participant_code
    with uow:
        snapshot = registry_snapshot(uow.session)
        # Trading entities (Chinese Taipei) report and are reported as partners, as in the KP statistics.
        codes = [code for code, facts in snapshot.participants.items() if facts.kind.trades]
        kind, clean = templates.validate(table, participants=codes, today=clock.today(), only_participant=own)
        del (
            table
        )  # the file as read: the checked copy is all that is needed from here (~150 MB a million rows)
        now = clock.now()
        upload = StatisticsUpload(
            kind=kind,
            filename=Path(filename or "upload").name[:255],
            sha256=sha256,
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
    """Write the rows in bulk: COPY on PostgreSQL, one prepared statement on SQLite; a
    slice of :data:`INSERT_SLICE` rows at a time, so that a million rows are never Python
    objects (or one CSV text) all at once."""
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
            for part in rows.iter_slices(INSERT_SLICE):
                copy.write(part.write_csv(include_header=False))
        return
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
    for part in rows.iter_slices(INSERT_SLICE):
        connection.exec_driver_sql(statement, list(part.iter_rows()))


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

# Loaded by kpcs.statistics.public.published now (production by participant with OTHERS, and
# the world totals); the old names stay for their callers. The first data file
# (kp-production-published.csv) is still shipped, for reference, and no longer loaded.
PUBLISHED_PRODUCTION = published.PRODUCTION_FILE


def load_published_production(session: Session, clock: Clock) -> int:
    """Load (or refresh) every published figure kpcs ships; returns rows added or changed."""
    return published.load_published_figures(session, clock).changed
