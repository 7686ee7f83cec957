"""A flood (issue 17): one client sending wrong passwords to `/sign-in` and garbage to
`POST /api/v1/verify` as fast as 16 connections allow, against `kpcs serve --workers 2` on
SQLite with its default limits, while another client (another loopback address) signs in
with the right password once a second each.

What is measured: how fast the flood is answered (the 429s cost no password hashing), how
much of it got through to the password check, and how long the honest sign-in took while
the flood ran, against the same sign-in on a quiet server.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from benchmarks.common import KPCS, Result, served

FLOOD_S = 10.0
CONNECTIONS = 16
PASSWORD = "a long and honest passphrase"
HONEST = "127.0.{}.{}"
"""The honest clients' source addresses: other addresses on the loopback network, so the
server tells them apart from the flood (127.0.0.1) as it would clients on the Internet;
each honest request comes from an address of its own (a clerk's sign-in is one request,
not ten a minute), with no cookies from an earlier one."""


def _honest(base: str, n: int) -> httpx.Client:
    return httpx.Client(
        base_url=base,
        timeout=30,
        transport=httpx.HTTPTransport(local_address=HONEST.format(1 + n // 250, 2 + n % 250)),
    )


def _sign_in(client: httpx.Client, password: str) -> tuple[int, float]:
    started = time.perf_counter()
    answer = client.post("/sign-in", data={"username": "admin", "password": password, "next": "/"})
    return answer.status_code, time.perf_counter() - started


def _flood(base: str, send: str, stop: threading.Event, out: list[tuple[int, float]]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        while not stop.is_set():
            started = time.perf_counter()
            if send == "sign-in":
                status = client.post("/sign-in", data={"username": "admin", "password": "guess"}).status_code
            else:
                status = client.post("/api/v1/verify", json={"credential": "x.y.z"}).status_code
            out.append((status, time.perf_counter() - started))


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(samples) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms (n={len(samples)})"


def bench_flood() -> list[Result]:
    """Flood sign-in and verification from one address; sign in honestly from another."""
    work = Path(tempfile.mkdtemp(prefix="kpcs-bench-flood-"))
    env = os.environ | {
        "KPCS_DATABASE_URL": f"sqlite:///{work}/flood.db",
        "KPCS_DATA_DIR": str(work / "data"),
        "KPCS_RATE_LIMITS": "true",
    }
    subprocess.run([*KPCS, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*KPCS, "users", "create", "admin", "--name", "Admin", "--role", "admin", "--password-stdin"],
        env=env,
        input=PASSWORD,
        text=True,
        check=True,
        capture_output=True,
    )
    results = []
    with served(env, workers=2) as (_pid, base):
        quiet = []
        for n in range(5):
            with _honest(base, n) as honest:
                quiet.append(_sign_in(honest, PASSWORD))
        n = 5
        for send in ("sign-in", "verify"):
            answers: list[tuple[int, float]] = []
            during: list[tuple[int, float]] = []
            stop = threading.Event()
            threads = [
                threading.Thread(target=_flood, args=(base, send, stop, answers)) for _ in range(CONNECTIONS)
            ]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + FLOOD_S
            while time.monotonic() < deadline:
                n += 1
                with _honest(base, n) as honest:
                    if send == "sign-in":
                        during.append(_sign_in(honest, PASSWORD))
                    else:
                        started = time.perf_counter()
                        status = honest.post("/api/v1/verify", json={"credential": "x.y.z"}).status_code
                        during.append((status, time.perf_counter() - started))
                time.sleep(1.0)
            stop.set()
            for thread in threads:
                thread.join()
            counts = Counter(status for status, _ in answers)
            limited = [s for status, s in answers if status == 429]
            # The honest verification sends the flood's own garbage: it must be told why (422),
            # not to wait (429).
            wanted = 303 if send == "sign-in" else 422
            honest_ok = all(status == wanted for status, _ in during)
            honest_counts = ", ".join(f"{n} × {s}" for s, n in sorted(Counter(s for s, _ in during).items()))
            route = "`POST /sign-in` (wrong passwords)" if send == "sign-in" else "`POST /api/v1/verify`"
            results.append(
                Result(
                    "flood",
                    f"{route} from one address on {CONNECTIONS} connections for {FLOOD_S:.0f} s, "
                    f"`kpcs serve --workers 2`, default limits: {len(answers):,} requests answered "
                    f"({', '.join(f'{n:,} × {s}' for s, n in sorted(counts.items()))}); the 429s took",
                    "SQLite",
                    _ms(limited) if limited else "no 429",
                    "answered in seconds (issue 17): 429 p95 < 1 s",
                    bool(limited) and sorted(limited)[max(0, int(len(limited) * 0.95) - 1)] < 1.0,
                )
            )
            what = "signs in with the right password" if send == "sign-in" else "sends the flood's request"
            results.append(
                Result(
                    "flood",
                    f"meanwhile, once a second, a client from another address {what}"
                    + (f" (on a quiet server: {_ms([s for _, s in quiet])})" if send == "sign-in" else "")
                    + f": answered {honest_counts}",
                    "SQLite",
                    _ms([s for _, s in during]),
                    f"every answer {wanted}, under 2 s (issue 17: slow the guesser, not the user)",
                    honest_ok and max(s for _, s in during) < 2.0,
                )
            )
    return results


if __name__ == "__main__":
    for r in bench_flood():
        print(r)
