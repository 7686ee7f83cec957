"""The transparency log at a million leaves: batch appends, proofs, and memory."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from benchmarks.common import Result
from kpcs import migrations
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.translog import merkle, store

LEAVES = 1_000_000
BATCH = 2_000


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _certificates(engine: sa.Engine, count: int) -> None:
    """Rows for the leaves to point at, made by the database itself (not what is measured)."""
    dialect = engine.dialect.name
    series = (
        f"generate_series(1, {count}) AS n"
        if dialect == "postgresql"
        else "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s "
        f"WHERE n < {count}) SELECT n FROM s)"
    )
    number = "'BW-B-' || lpad(n::text, 9, '0')" if dialect == "postgresql" else "printf('BW-B-%09d', n)"
    with engine.begin() as connection:
        if dialect == "postgresql":
            # The statistics triggers (migration 0010) would update the same totals row a
            # million times in this one transaction, which PostgreSQL does in quadratic time:
            # they are for certificates issued one by one, and the log does not need them.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        connection.execute(
            sa.text(
                "INSERT INTO participants (code, name, kind, countries) VALUES "
                "('BW', 'Botswana', 'participant', '[\"BW\"]'), "
                "('EU', 'European Union', 'participant', '[\"BE\"]')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO signing_keys (kid, purpose, owner, public_x, created_at, created_by) "
                "VALUES ('bench', 'certificates', 'BW', 'x', :at, 'bench')"
            ),
            {"at": datetime(2025, 1, 1)},
        )
        connection.execute(
            sa.text(
                "INSERT INTO certificates (number, status, exporting_participant, importing_participant, "
                "exporting_country, importing_country, exporter_name, exporter_address, importer_name, "
                "importer_address, parcel_count, total_carats, total_value_usd, issued_on, expires_on, "
                "issuing_authority, kid, credential, issued_at, issued_by) "
                f"SELECT {number}, 'issued', 'BW', 'EU', 'BW', 'BE', 'e', 'a', 'i', 'a', 1, 1, 1, "
                "'2025-01-01', '2025-03-01', 'x', 'bench', 'credential.' || n, '2025-01-01', 'bench' "
                f"FROM {series}"
            )
        )


def bench_log(url: str, database: str) -> list[Result]:
    """Append a million leaves in batches, then time proofs at that size."""
    migrations.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    _certificates(engine, LEAVES)
    with engine.connect() as connection:
        ids = connection.execute(sa.text("SELECT id, credential FROM certificates ORDER BY id")).all()
    leaves = [(merkle.leaf_hash(credential.encode()), certificate_id) for certificate_id, credential in ids]
    del ids
    at = datetime.now(UTC)
    rss_at: dict[int, float] = {}
    start = time.perf_counter()
    for offset in range(0, LEAVES, BATCH):
        with UnitOfWork(factory) as uow:
            store.append(uow.session, leaves[offset : offset + BATCH], at=at)
            uow.commit()
        done = offset + BATCH
        if done in (100_000, LEAVES):
            rss_at[done] = _rss_mib()
    elapsed = time.perf_counter() - start
    rate = LEAVES / elapsed
    with factory() as session:
        size = store.size(session)
        root = store.root_at(session, size)
        check = merkle.verify_inclusion(
            leaves[123_456][0], 123_456, size, store.inclusion_proof(session, 123_456, size), root
        )
        inclusion, consistency = [], []
        for _ in range(300):
            index = random.randrange(size)
            t = time.perf_counter()
            store.inclusion_proof(session, index, size)
            inclusion.append(time.perf_counter() - t)
            first = random.randrange(1, size)
            t = time.perf_counter()
            store.consistency_proof(session, first, size)
            consistency.append(time.perf_counter() - t)
    engine.dispose()
    inc, con = statistics.median(inclusion) * 1000, statistics.median(consistency) * 1000
    growth = rss_at[LEAVES] - rss_at[100_000]
    return [
        Result(
            "log",
            f"append {LEAVES:,} leaves in batches of {BATCH:,} (each batch one transaction)",
            database,
            f"{rate:,.0f} leaves/s ({elapsed:.0f} s)",
            "≥ 20,000 leaves/s",
            rate >= 20_000,
        ),
        Result(
            "log",
            f"inclusion proof at {size:,} leaves (store read + path; proof verified: {check})",
            database,
            f"median {inc:.3f} ms",
            "< 1 ms",
            inc < 1.0 and check,
        ),
        Result(
            "log",
            f"consistency proof at {size:,} leaves",
            database,
            f"median {con:.3f} ms",
            "< 1 ms",
            con < 1.0,
        ),
        Result(
            "log",
            "memory of the appending process, from 100,000 to 1,000,000 leaves appended "
            "(the leaf hashes it was handed are held by the benchmark, not the log)",
            database,
            f"{rss_at[100_000]:.0f} MiB → {rss_at[LEAVES]:.0f} MiB ({growth:+.0f} MiB)",
            "does not grow",
            growth < 16,
        ),
    ]
