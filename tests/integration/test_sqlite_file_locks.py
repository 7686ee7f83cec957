"""A second engine made in a process must not drop the locks the first one holds on the SQLite
file: `kpcs serve` connects for its deadline sweep before the app makes its own engine, and a
lost lock let a `kpcs` command in another process reset the WAL under the server (CI failed
with "disk I/O error" in every exchange system test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kpcs.db import make_engine


def test_making_another_engine_keeps_the_locks_of_connections_already_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kpcs.db'}"
    first = make_engine(url)
    try:
        with first.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        held = first.connect()  # a connection in WAL mode holds a shared lock on the file
        held.exec_driver_sql("SELECT count(*) FROM t").scalar()
        make_engine(url).dispose()  # the app's engine, made while the sweep's connection is open

        # Another process may not take the database for itself while a connection is open here.
        probe = (
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=0.2);"
            "print(c.execute('PRAGMA journal_mode=DELETE').fetchone()[0])"
        )
        other = subprocess.run(
            [sys.executable, "-c", probe, str(tmp_path / "kpcs.db")], capture_output=True, text=True
        )
        assert "locked" in other.stderr or other.stdout.strip() == "wal", (other.stdout, other.stderr)
        held.close()
    finally:
        first.dispose()
