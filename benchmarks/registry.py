"""Registry: loading the data file, status on a date, and the registry pages and API."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from benchmarks.common import Result, latency, timed
from kpcs import migrations
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.participants import services
from kpcs.participants.datafile import load_registry_file
from kpcs.participants.loader import apply_registry
from kpcs.web.app import create_app

CLOCK = FixedClock(datetime(2025, 3, 3, tzinfo=UTC))
FIRST = "none named (first run)"


def bench_registry(url: str, database: str) -> list[Result]:
    """Registry figures on the database at ``url`` (migrated and loaded here)."""
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
    results.append(
        Result(
            "registry",
            "`kpcs db upgrade` on an empty database: migrate, then load the registry",
            database,
            f"{migrate_s * 1000:.0f} ms + {load_s * 1000:.0f} ms",
            FIRST,
        )
    )
    with factory() as session:
        samples = timed(lambda: services.status_of(session, "CF", date(2016, 6, 1)), 300)
    results.append(
        Result(
            "registry",
            "`status_of(CF, 2016-06-01)`: a participant's status on a date",
            database,
            latency(samples),
            FIRST,
        )
    )
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url)
    with TestClient(create_app(settings, clock=CLOCK)) as client:
        samples = timed(lambda: client.get("/api/v1/participants").raise_for_status(), 200)
        results.append(
            Result(
                "api",
                "`GET /api/v1/participants` (75 entries, in-process client)",
                database,
                latency(samples),
                FIRST,
            )
        )
        samples = timed(lambda: client.get("/api/v1/participants/CF").raise_for_status(), 200)
        results.append(
            Result(
                "api",
                "`GET /api/v1/participants/CF` with history and seats",
                database,
                latency(samples),
                FIRST,
            )
        )
        samples = timed(lambda: client.get("/participants").raise_for_status(), 100)
        results.append(
            Result("pages", "`GET /participants` page (full HTML)", database, latency(samples), FIRST)
        )
    engine.dispose()
    return results
