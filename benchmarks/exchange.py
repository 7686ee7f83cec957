"""The exchange under faults: a hub and the nodes of Botswana and India as real processes
on loopback (SQLite each), 1,000 certificates issued in batches from all three, with a
random process killed (SIGKILL) and restarted after every batch; then nothing may be
lost or duplicated. And the pre-notification latency, exporter to importer via the hub."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.conftest import certificate_body
from tests.exchange_cluster import ExchangeCluster, Instance, wait_for

from benchmarks.common import Result

TOTAL = 1_000
BATCH = 50
LATENCY_SAMPLES = 40

# (exporting system, exporting participant, importing participant, importing country)
ROUTES = [
    ("BW", "BW", "IN", "IN"),
    ("IN", "IN", "BW", "BW"),
    ("hub", "AE", "IN", "IN"),
    ("BW", "BW", "AE", "AE"),
]


def _body(exporting_country: str, importing_country: str) -> dict[str, Any]:
    return certificate_body(
        exporting_country=exporting_country,
        importing_country=importing_country,
        lines=[{"hs_code": "7102.21", "origin": "mixed", "carats": 120.5, "value_usd": 15000}],
    )


def _system(cluster: ExchangeCluster, name: str) -> Instance:
    return cluster.hub if name == "hub" else cluster[name]


def _latency(cluster: ExchangeCluster) -> list[float]:
    bw, india = cluster["BW"], cluster["IN"]
    seconds = []
    with bw.client("authority", "BW") as client:
        for _ in range(LATENCY_SAMPLES):
            response = client.post("/api/v1/certificates", json=_body("BW", "IN"))
            sent = time.perf_counter()
            number = response.json()["number"]
            wait_for(
                lambda n=number: india.scalar("SELECT count(*) FROM certificates WHERE number = :n", n=n),
                timeout=30,
                what="the pre-notification",
            )
            seconds.append(time.perf_counter() - sent)
            time.sleep(0.05)
    return seconds


def _issue_batches(cluster: ExchangeCluster, rng: random.Random) -> int:
    restarts = 0
    for batch in range(TOTAL // BATCH):
        system, participant, _, country = ROUTES[batch % len(ROUTES)]
        exporter = _system(cluster, system)
        with exporter.client("authority", participant) as client:
            for _ in range(BATCH):
                response = client.post("/api/v1/certificates", json=_body(participant, country))
                assert response.status_code == 201, response.text
        victim = rng.choice([cluster.hub, cluster["BW"], cluster["IN"]])
        victim.kill()  # often the exporter itself, with its outbox still full
        time.sleep(rng.uniform(0.0, 1.0))
        victim.start()
        restarts += 1
    return restarts


def _count(instance: Instance, sql: str) -> int:
    return int(instance.scalar(sql) or 0)


def _tally(cluster: ExchangeCluster) -> tuple[int, int, int]:
    """(issued, lost, duplicated) over every exporter's own certificates."""
    issued = lost = duplicated = 0
    for system, participant, importer, _ in ROUTES:
        exporter = _system(cluster, system)
        importing = cluster.hub if importer == "AE" else cluster[importer]
        numbers = [
            n
            for (n,) in exporter.rows(
                "SELECT number FROM certificates WHERE received_at IS NULL "
                f"AND exporting_participant = '{participant}' AND importing_participant = '{importer}'"
            )
        ]
        issued += len(numbers)
        arrived = {
            n: c
            for n, c in importing.rows(
                "SELECT object_id, count(*) FROM audit_events WHERE tag = 'certificate:received' "
                f"AND object_id LIKE '{participant}-%' GROUP BY object_id"
            )
        }
        lost += sum(1 for n in numbers if n not in arrived)
        duplicated += sum(c - 1 for c in arrived.values() if c > 1)
    return issued, lost, duplicated


def bench_exchange() -> tuple[list[Result], list[str]]:
    """Both exchange figures of the exchange issue."""
    rng = random.Random(2021)
    with tempfile.TemporaryDirectory() as tmp:
        cluster = ExchangeCluster(Path(tmp)).start()
        try:
            latency = _latency(cluster)
            started = time.perf_counter()
            restarts = _issue_batches(cluster, rng)
            for instance in (cluster["BW"], cluster["IN"], cluster.hub):
                wait_for(lambda i=instance: cluster.idle(i), timeout=300, what=f"{instance.name} to drain")
            elapsed = time.perf_counter() - started
            issued, lost, duplicated = _tally(cluster)
        finally:
            cluster.stop()
    median = statistics.median(latency)
    setup = (
        "a hub and the national nodes of BW and IN, each `kpcs serve` (1 worker, SQLite) on loopback; "
        f"{TOTAL:,} certificates in batches of {BATCH} from BW, IN and the hub (for AE); after every batch a "
        f"random process is killed with SIGKILL and restarted ({restarts} restarts)"
    )
    return [
        Result(
            "exchange",
            f"certificates issued across hub and nodes with random restarts ({setup}; {elapsed:.0f} s)",
            "SQLite",
            f"{issued:,} issued, {lost} lost, {duplicated} duplicated",
            "0 lost, 0 duplicated",
            lost == 0 and duplicated == 0 and issued >= TOTAL,
        ),
        Result(
            "exchange",
            "pre-notification latency, BW's node to IN's node through the hub, default settings "
            f"(n={LATENCY_SAMPLES}, from the issuer's 201 to the row in the importer's database)",
            "SQLite",
            f"median {median * 1000:.0f} ms, max {max(latency) * 1000:.0f} ms",
            "median < 1 s",
            median < 1.0,
        ),
    ], []
