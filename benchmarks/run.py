"""`make bench`: measure kpcs on this machine and rewrite docs/benchmarks.md.

Each measurement says what it measures, on which database, and the figure it is held
against (the issue's target, or the first measurement when the issue names none).
Timings live here, never in pass/fail tests.
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from kpcs import migrations
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.participants import services
from kpcs.participants.datafile import load_registry_file
from kpcs.participants.loader import apply_registry
from kpcs.web.app import create_app
from tests.pgcluster import PostgresCluster

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
CLOCK = FixedClock(datetime(2025, 3, 3, tzinfo=UTC))


@dataclass
class Result:
    """One measured figure."""

    area: str
    what: str
    database: str
    value: str
    target: str


def _timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(samples) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms (n={len(samples)})"


def bench_registry(url: str, database: str) -> list[Result]:
    """Registry: loading the data file, and answering "status of X on date D"."""
    results = []
    start = time.perf_counter()
    migrations.upgrade(url)
    migrate_s = time.perf_counter() - start
    engine = make_engine(url)
    factory = make_session_factory(engine)
    data = load_registry_file()
    start = time.perf_counter()
    with UnitOfWork(factory) as uow:
        apply_registry(uow.session, data, clock=CLOCK)
        uow.commit()
    load_s = time.perf_counter() - start
    results.append(Result("registry", "`kpcs db upgrade` on an empty database: migrate, then load the registry",
                          database, f"{migrate_s * 1000:.0f} ms + {load_s * 1000:.0f} ms", "none named (first run)"))
    with factory() as session:
        samples = _timed(lambda: services.status_of(session, "CF", date(2016, 6, 1)), 300)
    results.append(Result("registry", "`status_of(CF, 2016-06-01)`: a participant's status on a date",
                          database, _ms(samples), "none named (first run)"))
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url)
    with TestClient(create_app(settings, clock=CLOCK)) as client:
        samples = _timed(lambda: client.get("/api/v1/participants").raise_for_status(), 200)
        results.append(Result("api", "`GET /api/v1/participants` (75 entries, in-process client)",
                              database, _ms(samples), "none named (first run)"))
        samples = _timed(lambda: client.get("/api/v1/participants/CF").raise_for_status(), 200)
        results.append(Result("api", "`GET /api/v1/participants/CF` with history and seats",
                              database, _ms(samples), "none named (first run)"))
        samples = _timed(lambda: client.get("/participants").raise_for_status(), 100)
        results.append(Result("pages", "`GET /participants` page (full HTML)", database, _ms(samples),
                              "none named (first run)"))
    engine.dispose()
    return results


def machine() -> str:
    """A line describing this machine."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
            f"Python {platform.python_version()}")


def write(results: list[Result]) -> None:
    """Rewrite docs/benchmarks.md."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/run.py`); do not edit by hand.",
        "",
        f"- Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        "- SQLite: a file in a temporary directory; PostgreSQL 15: a throwaway local cluster "
        "(fsync off, as in the tests).",
        "- Baseline: each issue's named figure where it names one; otherwise the first measurement, "
        "so later runs show drift.",
        "",
        "| area | what | database | measured | target / baseline |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {r.area} | {r.what} | {r.database} | {r.value} | {r.target} |" for r in results]
    DOC.write_text("\n".join(lines) + "\n")


def main() -> None:
    """Run every benchmark on SQLite and PostgreSQL."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        results += bench_registry(f"sqlite:///{tmp}/bench.db", "SQLite")
    cluster = PostgresCluster().start()
    try:
        engine = make_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE DATABASE kpcs_bench")
        engine.dispose()
        results += bench_registry(cluster.url("kpcs_bench"), "PostgreSQL 15")
    finally:
        cluster.stop()
    write(results)
    for r in results:
        print(f"{r.area:9} {r.database:14} {r.what}: {r.value}")


if __name__ == "__main__":
    main()
