"""Uploads a client cannot exhaust (issue 17): the time `kpcs serve` takes to answer each
statistics-file bomb, and the server's memory (resident set) at its peak during the upload
and once it has answered, beside the largest legitimate upload, a 1,000,000-row trade CSV.

Each upload goes to a fresh `kpcs serve` (one process, on SQLite), whose resident set is
read from /proc every 20 ms while the request runs, and again 10 s after it answered.
"""

from __future__ import annotations

import io
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.factories import bombs

from benchmarks.common import KPCS, Result, served
from benchmarks.statistics import ROWS, trade_csv
from kpcs.db import make_engine, make_session_factory
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot

ANSWER_S = 5.0
"""A refusal's target: "answer in seconds" (issue 17), made a number."""
REFUSAL_MIB = 300
"""How far the server's resident set may rise while refusing a bomb."""
SETTLE_S = 10
"""Seconds after the answer at which the resident set is read again: long enough for the
allocators (Python's, Polars') to hand back what they freed."""


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def _measured(
    pid: int, send: Callable[[], httpx.Response]
) -> tuple[httpx.Response, float, float, float, float]:
    """The answer, seconds to it, and the server's resident set before, at its peak, and
    :data:`SETTLE_S` after."""
    before = _rss_mib(pid)
    peak = before
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _rss_mib(pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.perf_counter()
    try:
        answer = send()
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        watcher.join()
    time.sleep(SETTLE_S)
    return answer, elapsed, before, peak, _rss_mib(pid)


@dataclass(frozen=True)
class Upload:
    """A file to send, the answer it should get, and what the code before issue 17 did
    with it (measured the same way on this machine, 2026-12-06)."""

    what: str
    name: str
    content: bytes
    expected: int
    before: str


XLSX_ROWS = 100_000
"""Rows of the legitimate workbook (openpyxl takes a while to write a million)."""


def _trade_workbook(codes: list[str]) -> bytes:
    """The first :data:`XLSX_ROWS` rows of the benchmark's trade file as a workbook, numbers
    as numbers (as a clerk's Excel holds them)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for index, line in enumerate(trade_csv(codes, XLSX_ROWS).decode().splitlines()):
        values: list[object] = line.split(",")
        if index:
            values = [*values[:5], float(values[5]), float(values[6]), int(values[7])]
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _codes(url: str) -> list[str]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        snapshot = registry_snapshot(session)
    engine.dispose()
    return sorted(c for c, f in snapshot.participants.items() if f.kind is ParticipantKind.PARTICIPANT)


def bench_uploads() -> list[Result]:
    """Upload each bomb, the million-row CSV and a 100,000-row workbook to `kpcs serve` on SQLite."""
    work = Path(tempfile.mkdtemp(prefix="kpcs-bench-uploads-"))
    url = f"sqlite:///{work}/uploads.db"
    env = os.environ | {"KPCS_DATABASE_URL": url, "KPCS_DATA_DIR": str(work / "data")}
    subprocess.run([*KPCS, "db", "upgrade"], env=env, check=True, capture_output=True)
    token = (
        subprocess.run(
            [*KPCS, "tokens", "create", "--participant", "BW", "--role", "statistics"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    codes = _codes(url)
    legitimate = trade_csv(codes)
    uploads = [
        Upload("an XLSX of 1,500,000 empty rows, declared in its dimension", "empty.xlsx",
               bombs.empty_rows_workbook(1_500_000), 422, "28.7 s, +149 MiB"),
        Upload("an XLSX of 1,500,000 empty rows, not declared", "undeclared.xlsx",
               bombs.empty_rows_workbook(1_500_000, dimension=False), 422, "41.9 s, +153 MiB"),
        Upload("an XLSX that unpacks to 340 MB", "inflating.xlsx", bombs.inflating_workbook(340), 422,
               "48.6 s, +6,127 MiB, 2,926 MiB held a second after"),
        Upload("a CSV whose second line is 10 MB", "long-line.csv", bombs.long_line_csv(10), 422,
               "1.4 s, +274 MiB"),
        Upload("a CSV of 2,000,000 blank lines", "blank.csv", bombs.blank_lines_csv(2_000_000), 422,
               "0.6 s, +24 MiB"),
        Upload(f"the legitimate {ROWS:,}-row trade CSV", "trade.csv", legitimate, 201, "11.3 s, +974 MiB"),
        Upload(f"a legitimate {XLSX_ROWS:,}-row trade XLSX", "trade.xlsx", _trade_workbook(codes), 201, ""),
    ]  # fmt: skip
    results = []
    for upload in uploads:
        with (
            served(env) as (pid, base),
            httpx.Client(base_url=base, timeout=600, headers={"Authorization": f"Bearer {token}"}) as client,
        ):
            answer, elapsed, before, peak, after = _measured(
                pid,
                lambda u=upload: client.post(  # type: ignore[misc]
                    "/api/v1/statistics/submissions", files={"file": (u.name, u.content)}
                ),
            )
        detail = answer.json().get("detail") if answer.status_code != 201 else None
        said = detail[0]["message"] if isinstance(detail, list) else detail
        print(f"{upload.name}: {answer.status_code} {elapsed:.1f} s {before:.0f}/{peak:.0f}/{after:.0f} MiB")
        refusal = upload.expected != 201
        target = (
            f"{upload.expected} in < {ANSWER_S:.0f} s, < +{REFUSAL_MIB} MiB"
            if refusal
            else (
                "201 in < 15 s (the ingest figure)"
                if upload.name.endswith(".csv")
                else "none named (first run)"
            )
        )
        results.append(
            Result(
                "uploads",
                f"`POST /api/v1/statistics/submissions` with {upload.what} "
                f"({len(upload.content) / 1e6:.1f} MB sent): answered {answer.status_code}"
                + (f" ({said})" if said else "")
                + f"; server resident set {before:.0f} MiB before, {peak:.0f} MiB at its peak, "
                f"{after:.0f} MiB {SETTLE_S} s after",
                "SQLite",
                f"{elapsed:.1f} s, +{peak - before:.0f} MiB",
                target + (f"; before issue 17: {upload.before}" if upload.before else ""),
                None
                if target.startswith("none")
                else answer.status_code == upload.expected
                and (elapsed < ANSWER_S and peak - before < REFUSAL_MIB if refusal else elapsed < 15),
            )
        )
    return results


if __name__ == "__main__":
    for r in bench_uploads():
        print(r)
