"""The statistics pages over the real scale: two million certificates of history (issue 6:
"everything a page shows … under 1 second; the Annual Global Summary page under 200 ms").

The certificates are written straight into the tables in bulk (signing two million
credentials would measure the issuing path, which has its own benchmark): 2004–2025, about
90,000 a year, numbered in order of issue, 1.5 lines each, nine in ten confirmed on
import a few days to three weeks later, one in a hundred cancelled. They are loaded into a
database at the revision before the certificate totals, which the upgrade then computes in
one pass (as for a database upgraded in place); from then on the triggers keep them. Each
page is then fetched through the real app.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient
from tests.conftest import build_database

from benchmarks.common import Result, latency, timed
from kpcs import migrations
from kpcs.accounts import services as accounts
from kpcs.accounts.models import Role
from kpcs.accounts.permissions import operator
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot
from kpcs.web.app import create_app

CERTIFICATES = 2_000_000
BEFORE_TOTALS = "0009"
"""The revision before the certificate totals (migration 0010 sums what is there)."""
FIRST, LAST = 2004, 2025
NOW = datetime(2026, 3, 1, tzinfo=UTC)
"""After the last year, so that every page shows complete history."""


def history(codes: list[str], certificates: int = CERTIFICATES, seed: int = 7) -> dict[str, pl.DataFrame]:
    """Certificates, their lines and import confirmations, as frames in table column order."""
    days = (date(LAST, 12, 31) - date(FIRST, 1, 1)).days
    # Numbered in order of issue, as a database that records certificates as they are
    # issued numbers them: a year's certificates are neighbours in the table.
    frame = (
        pl.DataFrame({"draw": pl.int_range(1, certificates + 1, eager=True)})
        .with_columns((pl.col("draw").hash(seed + 2) % days).cast(pl.Int32).alias("day"))
        .sort("day", "draw")
        .select(pl.int_range(1, pl.len() + 1).alias("id"), "day")
    )
    # Trade concentrates on a few hubs and producers: a skewed pick of both ends.
    width = len(codes)
    by_position = dict(enumerate(codes))
    certificates_frame = (
        frame.with_columns(
            (pl.col("id").hash(seed) % width).alias("e"),
            (pl.col("id").hash(seed + 1) % (width - 1)).alias("i"),
            (pl.col("id").hash(seed + 3) % 100).alias("fate"),
        )
        .with_columns(
            # Square the position to skew: low-numbered codes trade far more often.
            ((pl.col("e") * pl.col("e")) // width).alias("e"),
            pl.when(pl.col("i") >= (pl.col("e") * pl.col("e")) // width)
            .then(pl.col("i") + 1)
            .otherwise(pl.col("i"))
            .alias("i"),
        )
        .with_columns(
            pl.col("e").replace_strict(by_position, return_dtype=pl.String).alias("exporting_participant"),
            pl.col("i").replace_strict(by_position, return_dtype=pl.String).alias("importing_participant"),
            (pl.lit(date(FIRST, 1, 1)) + pl.duration(days=pl.col("day"))).alias("issued_on"),
        )
    )
    certificates_out = certificates_frame.select(
        "id",
        pl.concat_str(
            pl.col("exporting_participant"), pl.lit("-B-"), pl.col("id").cast(pl.String).str.zfill(9)
        ).alias("number"),
        pl.when(pl.col("fate") == 0)
        .then(pl.lit("cancelled"))
        .when(pl.col("fate") < 90)
        .then(pl.lit("confirmed"))
        .otherwise(pl.lit("issued"))
        .alias("status"),
        "exporting_participant",
        "importing_participant",
        pl.col("exporting_participant").str.slice(0, 2).alias("exporting_country"),
        pl.col("importing_participant").str.slice(0, 2).alias("importing_country"),
        pl.lit("Exporter Ltd").alias("exporter_name"),
        pl.lit("1 Main Road").alias("exporter_address"),
        pl.lit("Importer BV").alias("importer_name"),
        pl.lit("2 Hoveniersstraat").alias("importer_address"),
        pl.lit(1).alias("parcel_count"),
        pl.lit(0.0).alias("total_carats"),
        pl.lit(0.0).alias("total_value_usd"),
        "issued_on",
        (pl.col("issued_on") + pl.duration(days=60)).alias("expires_on"),
        pl.lit("KP authority").alias("issuing_authority"),
        pl.lit("bench-key").alias("kid"),
        pl.lit("bench").alias("credential"),
        pl.col("issued_on").cast(pl.Datetime("us", "UTC")).alias("issued_at"),
        pl.lit("bench").alias("issued_by"),
        pl.lit("[]").alias("warnings"),
    )
    # One or two lines per certificate.
    lines = (
        certificates_frame.select("id", (pl.col("id").hash(seed + 4) % 2 + 1).alias("count"))
        .with_columns(pl.int_ranges(1, pl.col("count") + 1).alias("position"))
        .explode("position")
        .select(
            pl.int_range(1, pl.len() + 1).alias("id"),
            pl.col("id").alias("certificate_id"),
            "position",
            ((pl.col("id").hash(seed + 5) + pl.col("position")) % 3)
            .replace_strict(dict(enumerate(["7102.10", "7102.21", "7102.31"])), return_dtype=pl.String)
            .alias("hs_code"),
            pl.lit("mixed").alias("origin"),
            ((pl.col("id").hash(seed + 6) % 500_000) / 100 + 1).round(2).alias("carats"),
            ((pl.col("id").hash(seed + 7) % 50_000_000) / 100 + 10).round(2).alias("value_usd"),
        )
    )
    totals = lines.group_by("certificate_id").agg(
        pl.col("carats").sum().round(2).alias("total_carats"),
        pl.col("value_usd").sum().round(2).alias("total_value_usd"),
    )
    certificates_out = (
        certificates_out.drop("total_carats", "total_value_usd")
        .join(totals, left_on="id", right_on="certificate_id")
        .select(certificates_out.columns)
        .sort("id")
    )
    confirmed = certificates_frame.filter(pl.col("fate").is_between(1, 89))
    confirmations = confirmed.select(
        pl.int_range(1, pl.len() + 1).alias("id"),
        pl.col("id").alias("certificate_id"),
        (pl.col("issued_on") + pl.duration(days=pl.col("fate") % 21 + 2)).alias("received_on"),
        pl.lit("[]").alias("discrepancies"),
        (pl.col("issued_on") + pl.duration(days=pl.col("fate") % 21 + 2))
        .cast(pl.Datetime("us", "UTC"))
        .alias("confirmed_at"),
        pl.lit("bench").alias("confirmed_by"),
    )
    return {
        "certificates": certificates_out,
        "certificate_lines": lines,
        "import_confirmations": confirmations,
    }


def _load(url: str, tables: dict[str, pl.DataFrame]) -> None:
    """Write the frames into their tables: COPY on PostgreSQL, one prepared statement on SQLite."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO signing_keys (kid, purpose, owner, public_x, created_at, created_by) "
                "VALUES ('bench-key', 'certificates', 'bench', 'x', '2004-01-01 00:00:00', 'bench')"
            )
            for name, frame in tables.items():
                columns = ", ".join(frame.columns)
                if connection.dialect.name == "postgresql":
                    driver = connection.connection.driver_connection
                    assert driver is not None
                    with driver.cursor().copy(
                        f"COPY {name} ({columns}) FROM STDIN WITH (FORMAT csv)"
                    ) as copy:
                        copy.write(frame.write_csv(include_header=False))
                else:
                    text = frame.with_columns(
                        pl.col(pl.Date).cast(pl.String), pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S")
                    )
                    marks = ", ".join("?" for _ in frame.columns)
                    connection.exec_driver_sql(
                        f"INSERT INTO {name} ({columns}) VALUES ({marks})", list(text.iter_rows())
                    )
    finally:
        engine.dispose()


def _analyze(url: str) -> None:
    """Planner statistics, as a database that has been in use has them."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def bench_certificate_history(url: str, database: str) -> list[Result]:
    """Every statistics page over two million certificates of history."""
    build_database(url, revision=BEFORE_TOTALS)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        snapshot = registry_snapshot(session)
    codes = sorted(c for c, f in snapshot.participants.items() if f.kind is ParticipantKind.PARTICIPANT)
    clock = FixedClock(NOW)
    statistics_token = accounts.create_token(
        UnitOfWork(make_session_factory(engine)),
        operator("bench"),
        clock,
        role=Role.STATISTICS,
        participant=None,
    ).secret
    engine.dispose()
    tables = history(codes)
    started = time.perf_counter()
    _load(url, tables)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    migrations.upgrade(url)
    upgraded = time.perf_counter() - started
    _analyze(url)
    print(f"  {database}: {CERTIFICATES:,} certificates loaded in {loaded:.0f} s, summed in {upgraded:.0f} s")
    lines = tables["certificate_lines"].height
    busiest = (
        tables["certificates"].group_by("exporting_participant").len().sort("len", descending=True).item(0, 0)
    )
    headers = {"Authorization": f"Bearer {statistics_token}"}
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url)
    found: list[Result] = []
    with TestClient(create_app(settings, clock=clock)) as client:
        # A process that has served a page before: "first request" is then the first for
        # these figures (nothing cached), not the first the process ever served.
        client.get("/statistics?year=2010").raise_for_status()
        for path, target, limit in (
            ("/statistics?year=2024", "< 200 ms (the Annual Global Summary)", 0.2),
            (f"/statistics/participants/{busiest}", "< 1 s", 1.0),
            ("/statistics/world", "< 1 s", 1.0),
            ("/statistics/compliance?year=2024", "< 1 s", 1.0),
            (f"/statistics/derived?year=2024&participant={busiest}", "< 1 s", 1.0),
            ("/statistics/derived?year=2024", "< 1 s", 1.0),
            ("/statistics/reconciliation?year=2024", "< 1 s", 1.0),
        ):

            def fetch(p: str = path) -> None:
                client.get(p, headers=headers).raise_for_status()

            first = timed(fetch, 1)[0]
            samples = timed(fetch, 10)
            print(f"  {database}: GET {path}: first {first * 1000:.0f} ms", flush=True)
            found.append(
                Result(
                    "pages",
                    f"`GET {path}` over {CERTIFICATES:,} certificates ({lines:,} lines) of {FIRST}–{LAST} "
                    f"(in-process client, full HTML; first request {first * 1000:.0f} ms, "
                    "then the median of 10)",
                    database,
                    latency(samples),
                    target,
                    max(first, sorted(samples)[len(samples) // 2]) < limit,
                )
            )
    return found
