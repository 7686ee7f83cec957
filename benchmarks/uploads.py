"""Uploads a client cannot exhaust (issue 17): the time `kpcs serve` takes to answer each
statistics-file bomb, and the server's memory (resident set) at its peak during the upload
and once it has answered, beside the largest legitimate upload, a 1,000,000-row trade CSV.

Each upload goes to a fresh `kpcs serve` (one process, on SQLite), whose resident set is
read from /proc every 20 ms while the request runs, and again 10 s after it answered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tests.factories import bombs

from benchmarks.common import Result
from benchmarks.statistics import trade_csv
from kpcs.db import make_engine, make_session_factory
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot

KPCS = [sys.executable, "-m", "kpcs.cli"]
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


def _codes(url: str) -> list[str]:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        snapshot = registry_snapshot(session)
    engine.dispose()
    return sorted(c for c, f in snapshot.participants.items() if f.kind is ParticipantKind.PARTICIPANT)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(env: dict[str, str]) -> Iterator[tuple[int, str]]:
    """A fresh `kpcs serve` (one process) for one upload: its pid and base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*KPCS, "serve", "--port", str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.3)
        yield server.pid, base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def bench_uploads() -> list[Result]:
    """Upload each bomb and the million-row CSV to `kpcs serve` on SQLite."""
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
    legitimate = trade_csv(_codes(url))
    files: list[tuple[str, str, bytes, int]] = [
        ("an XLSX of 1,500,000 empty rows, declared in its dimension", "empty.xlsx",
         bombs.empty_rows_workbook(1_500_000), 422),
        ("an XLSX of 1,500,000 empty rows, not declared", "undeclared.xlsx",
         bombs.empty_rows_workbook(1_500_000, dimension=False), 422),
        ("an XLSX that unpacks to 340 MB", "inflating.xlsx", bombs.inflating_workbook(340), 422),
        ("a CSV whose second line is 10 MB", "long-line.csv", bombs.long_line_csv(10), 422),
        ("a CSV of 2,000,000 blank lines", "blank.csv", bombs.blank_lines_csv(2_000_000), 422),
        ("the legitimate 1,000,000-row trade CSV", "trade.csv", legitimate, 201),
    ]  # fmt: skip
    results = []
    for what, name, content, expected in files:
        with (
            _server(env) as (pid, base),
            httpx.Client(base_url=base, timeout=600, headers={"Authorization": f"Bearer {token}"}) as client,
        ):
            answer, elapsed, before, peak, after = _measured(
                pid,
                lambda n=name, c=content: client.post(  # type: ignore[misc]
                    "/api/v1/statistics/submissions", files={"file": (n, c)}
                ),
            )
        detail = answer.json().get("detail") if answer.status_code != 201 else None
        said = detail[0]["message"] if isinstance(detail, list) else detail
        print(f"{name}: {answer.status_code} {elapsed:.1f} s {before:.0f}/{peak:.0f}/{after:.0f} MiB")
        refusal = expected != 201
        results.append(
            Result(
                "uploads",
                f"`POST /api/v1/statistics/submissions` with {what} ({len(content) / 1e6:.1f} MB sent): "
                f"answered {answer.status_code}"
                + (f" ({said})" if said else "")
                + f"; server resident set {before:.0f} MiB before, {peak:.0f} MiB at its peak, "
                f"{after:.0f} MiB {SETTLE_S} s after",
                "SQLite",
                f"{elapsed:.1f} s, +{peak - before:.0f} MiB",
                f"{expected}; < {ANSWER_S:.0f} s, < +{REFUSAL_MIB} MiB" if refusal else "201; < 15 s",
                answer.status_code == expected
                and (elapsed < ANSWER_S and peak - before < REFUSAL_MIB if refusal else elapsed < 15),
            )
        )
    return results


if __name__ == "__main__":
    for r in bench_uploads():
        print(r)
