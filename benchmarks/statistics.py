"""Statistics ingest: a 1,000,000-row trade CSV, checked and stored (issue figure: < 15 s),
beside the baseline of merely reading the same file with Python's csv module."""

from __future__ import annotations

import csv
import io
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from tests.conftest import TODAY, build_database

from benchmarks.common import Result, latency, timed
from kpcs.accounts.permissions import operator
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot
from kpcs.statistics.submissions import services as submissions
from kpcs.web.app import create_app

ROWS = 1_000_000


def trade_csv(codes: list[str], rows: int = ROWS) -> bytes:
    """A synthetic trade file of ``rows`` distinct keys (participant, period, flow, partner, HS)."""
    hs = ["7102.10", "7102.21", "7102.31"]
    periods = [f"{y}-Q{q}" for y in range(2004, 2025) for q in range(1, 5)]
    width = len(codes)
    out = io.StringIO()
    out.write("participant,period,flow,partner,hs_code,carats,value_usd,certificates\n")
    for n in range(rows):
        participant = n % width
        partner = (n // width) % (width - 1)
        partner += 1 if partner >= participant else 0
        rest = n // (width * (width - 1))
        out.write(
            f"{codes[participant]},{periods[(rest // 6) % len(periods)]},"
            f"{'export' if (rest // 3) % 2 else 'import'},"
            f"{codes[partner]},{hs[rest % 3]},{(n * 7919) % 1_000_000 / 100:.2f},"
            f"{(n * 104729) % 100_000_000 / 100:.2f},{n % 97}\n"
        )
    return out.getvalue().encode()


def bench_ingest(url: str, database: str) -> list[Result]:
    """Check and store a million-row trade file through the same code the API uses."""
    build_database(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        snapshot = registry_snapshot(session)
    codes = sorted(c for c, f in snapshot.participants.items() if f.kind is ParticipantKind.PARTICIPANT)
    content = trade_csv(codes)
    started = time.perf_counter()
    rows = sum(1 for _ in csv.reader(io.StringIO(content.decode())))
    baseline = time.perf_counter() - started
    try:
        started = time.perf_counter()
        done = submissions.submit(
            UnitOfWork(make_session_factory(engine)),
            operator("bench"),
            FixedClock(TODAY),
            content,
            "trade.csv",
        )
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    assert done.rows == ROWS == rows - 1
    return [*_ingest_result(elapsed, baseline, content, database), *_pages(url, database)]


def _pages(url: str, database: str) -> list[Result]:
    """The public pages over the million trade rows just stored (and the published production)."""
    settings = Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url)
    found: list[Result] = []
    with TestClient(create_app(settings, clock=FixedClock(TODAY))) as client:
        # A process that has served a page before: "first request" is then the first for
        # these figures (nothing cached), not the first the process ever served.
        client.get("/statistics?year=2010").raise_for_status()
        for path, target, limit in (
            ("/statistics?year=2020", "< 200 ms (the Annual Global Summary)", 0.2),
            ("/statistics/participants/BW", "< 1 s", 1.0),
            ("/statistics/world", "< 1 s", 1.0),
            ("/statistics/compliance?year=2024", "< 1 s", 1.0),
        ):
            first = timed(lambda p=path: client.get(p).raise_for_status(), 1)[0]
            samples = timed(lambda p=path: client.get(p).raise_for_status(), 20)
            found.append(
                Result(
                    "pages",
                    f"`GET {path}` over {ROWS:,} reported trade rows (in-process client, full HTML; "
                    f"first request {first * 1000:.0f} ms, then the median of 20)",
                    database,
                    latency(samples),
                    target,
                    max(first, sorted(samples)[len(samples) // 2]) < limit,
                )
            )
    return found


def _ingest_result(elapsed: float, baseline: float, content: bytes, database: str) -> list[Result]:
    return [
        Result(
            "statistics",
            f"ingest a {ROWS:,}-row trade CSV ({len(content) / 1e6:.0f} MB): every row checked, stored with "
            f"its revision records (baseline: only reading it with Python's csv module, {baseline:.1f} s)",
            database,
            f"{elapsed:.1f} s",
            "< 15 s",
            elapsed < 15,
        )
    ]
