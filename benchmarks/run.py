"""`make bench`: measure kpcs on this machine and rewrite docs/benchmarks.md.

Timings live here, never in pass/fail tests.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable

from tests.pgcluster import PostgresCluster

from benchmarks.anomalies import bench_anomalies
from benchmarks.certificate_history import bench_certificate_history
from benchmarks.certificates import bench_http, bench_verify_in_process
from benchmarks.cli import bench_cli
from benchmarks.common import Result, update, write
from benchmarks.dashboard import bench_dashboard
from benchmarks.detection import bench_detection
from benchmarks.exchange import bench_exchange
from benchmarks.flood import bench_flood
from benchmarks.matrix import bench_matrix
from benchmarks.photos import bench_photos, photo_generators_chosen, photo_row_not_measured, photo_run_said
from benchmarks.reconciliation import bench_reconciliation
from benchmarks.registry import bench_registry
from benchmarks.statistics import bench_ingest
from benchmarks.translog import bench_log
from benchmarks.uploads import bench_uploads
from benchmarks.valuation import bench_valuation
from kpcs.db import make_engine


def _database(cluster: PostgresCluster, name: str) -> str:
    engine = make_engine(cluster.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return cluster.url(name)


def _print(results: list[Result]) -> None:
    for r in results:
        flag = "" if r.met is None else ("  [met]" if r.met else "  [NOT MET]")
        print(f"{r.area:12} {r.database:14} {r.what}: {r.value}{flag}")


def _analysis() -> list[Result]:
    """Anomalies (SQLite and PostgreSQL), reconciliation, country analyses."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        results += bench_anomalies(f"sqlite:///{tmp}/anomalies.db", "SQLite")
    results += bench_reconciliation()
    cluster = PostgresCluster().start()
    try:
        results += bench_anomalies(_database(cluster, "kpcs_bench_anomalies"), "PostgreSQL 15")
    finally:
        cluster.stop()
    return results


def _certificates() -> list[Result]:
    """Verification in-process, issuing and verifying through HTTP on PostgreSQL."""
    results = bench_verify_in_process()
    cluster = PostgresCluster().start()
    try:
        http_results, _ = bench_http(_database(cluster, "kpcs_bench_http"))
        results += http_results
    finally:
        cluster.stop()
    return results


def _dashboard() -> list[Result]:
    """The Chair's dashboard over 20 years of monitoring history, SQLite and PostgreSQL."""
    with tempfile.TemporaryDirectory() as tmp:
        results = bench_dashboard(f"sqlite:///{tmp}/dashboard.db", "SQLite")
    cluster = PostgresCluster().start()
    try:
        results += bench_dashboard(_database(cluster, "kpcs_bench_dashboard"), "PostgreSQL 15")
    finally:
        cluster.stop()
    return results


AREAS: dict[str, Callable[[], list[Result]]] = {
    "analysis": _analysis,
    "certificates": _certificates,
    "cli": bench_cli,
    "dashboard": _dashboard,
    "detection": bench_detection,
    "flood": bench_flood,
    "photos": bench_photos,
    "uploads": bench_uploads,
    "valuation": bench_valuation,
}
"""The areas `make bench ONLY=<area>` measures again on their own, keeping the other rows."""


def one_area(area: str) -> None:
    """Measure ``area`` alone and replace its rows in docs/benchmarks.md."""
    results = AREAS[area]()
    if area == "photos" and photo_generators_chosen():
        update(results, area, kept=photo_row_not_measured, said=photo_run_said())
    else:
        update(results, area)
    _print(results)


def main() -> None:
    """Run every benchmark on SQLite and PostgreSQL."""
    results: list[Result] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        results += bench_registry(f"sqlite:///{tmp}/bench.db", "SQLite")
        results += bench_log(f"sqlite:///{tmp}/log.db", "SQLite")
        results += bench_ingest(f"sqlite:///{tmp}/statistics.db", "SQLite")
    results += bench_uploads()
    results += bench_flood()
    with tempfile.TemporaryDirectory() as tmp:
        results += bench_certificate_history(f"sqlite:///{tmp}/history.db", "SQLite")
        results += bench_anomalies(f"sqlite:///{tmp}/anomalies.db", "SQLite")
    results += bench_verify_in_process()
    results += bench_matrix()
    results += bench_reconciliation()
    exchange_results, exchange_notes = bench_exchange()
    results += exchange_results
    notes += exchange_notes
    cluster = PostgresCluster().start()
    try:
        results += bench_registry(_database(cluster, "kpcs_bench_registry"), "PostgreSQL 15")
        results += bench_log(_database(cluster, "kpcs_bench_log"), "PostgreSQL 15")
        results += bench_ingest(_database(cluster, "kpcs_bench_statistics"), "PostgreSQL 15")
        results += bench_certificate_history(_database(cluster, "kpcs_bench_history"), "PostgreSQL 15")
        results += bench_anomalies(_database(cluster, "kpcs_bench_anomalies"), "PostgreSQL 15")
        http_results, http_notes = bench_http(_database(cluster, "kpcs_bench_http"))
        results += http_results
        notes += http_notes
    finally:
        cluster.stop()
    results += bench_cli()
    results += _dashboard()
    results += bench_detection()
    results += bench_photos()
    results += bench_valuation()
    write(results, notes)
    _print(results)


if __name__ == "__main__":
    if sys.argv[1:] and sys.argv[1] in AREAS and len(sys.argv) == 2:
        one_area(sys.argv[1])
    elif sys.argv[1:]:
        raise SystemExit(f"unknown benchmark area {sys.argv[1:]!r}: run all, or one of {', '.join(AREAS)}")
    else:
        main()
