"""What every benchmark shares: results, timing, the machine, and the report."""

from __future__ import annotations

import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
KPCS = [sys.executable, "-m", "kpcs.cli"]
"""The CLI, as the benchmarks run it (the interpreter they run in)."""


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(env: dict[str, str], *, workers: int = 1) -> Iterator[tuple[int, str]]:
    """A fresh `kpcs serve` with ``env``, once it answers its health check: its pid and
    base URL; stopped (the whole process group) on the way out."""
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*KPCS, "serve", "--port", str(port), "--workers", str(workers), "--no-access-log"],
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


@dataclass
class Result:
    """One measured figure, with the target (or baseline) it is held against."""

    area: str
    what: str
    database: str
    value: str
    target: str
    met: bool | None = None


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def latency(samples: list[float]) -> str:
    """Median and 95th percentile in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(samples) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms (n={len(samples)})"


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
    return (
        f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}), "
        f"Python {platform.python_version()}"
    )


def write(results: list[Result], notes: list[str]) -> None:
    """Rewrite docs/benchmarks.md."""
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/`); do not edit by hand.",
        "",
        f"- Measured: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        "- SQLite: a file in a temporary directory; PostgreSQL 15: a throwaway local cluster "
        "(fsync off, as in the tests).",
        "- Baseline: each issue's named figure where it names one; otherwise the first measurement, "
        "so later runs show drift.",
        "- HTTP figures: `kpcs serve --workers 2` and the load generator `wrk` share the same 2 cores; "
        "each figure is the median of 5 runs of 10 s, after a warm-up, with every run listed. This "
        "machine's speed varies by up to 2x from minute to minute (a shared virtual machine), so "
        "single runs mislead.",
        "",
        "| area | what | database | measured | target / baseline | met |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.area} | {r.what} | {r.database} | {r.value} | {r.target} | {met} |")
    if notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in notes]
    DOC.write_text("\n".join(lines) + "\n")


def update(
    results: list[Result], area: str, kept: Callable[[str], bool] | None = None, said: str = ""
) -> None:
    """Replace the rows of ``area`` in docs/benchmarks.md with ``results`` (a run of one
    area: the other rows keep the figures of the last full run), and say when.

    The area's rows stay together, where its first row was (after the table if it had
    none), however many rows it had before; those ``kept`` says to keep come first, with
    their earlier figures (a run of part of an area), and ``said`` is added to the stamp."""
    lines = DOC.read_text().splitlines()
    rows = [f"| {r.area} | {r.what} | {r.database} | {r.value} | {r.target} | "
            f"{'' if r.met is None else ('yes' if r.met else '**no**')} |" for r in results]  # fmt: skip
    places = [i for i, line in enumerate(lines) if line.startswith(f"| {area} |")]
    first = places[0] if places else max(i for i, line in enumerate(lines) if line.startswith("| ")) + 1
    rows = [lines[i] for i in places if kept is not None and kept(lines[i])] + rows
    lines = [line for i, line in enumerate(lines) if i not in set(places)]
    lines[first:first] = rows
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    stamp = f"- Area `{area}` measured again on its own: {when} (`make bench ONLY={area}`){said}"
    lines = [line for line in lines if not line.startswith(f"- Area `{area}`")]
    header = next(i for i, line in enumerate(lines) if line.startswith("- Machine:"))
    DOC.write_text("\n".join([*lines[: header + 1], stamp, *lines[header + 1 :]]) + "\n")
