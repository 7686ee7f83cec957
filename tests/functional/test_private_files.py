"""Files that hold secrets are readable by their owner only (issue 17, item 10): signing key
files and the embedded SQLite database (and the WAL files SQLite makes beside it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from kpcs.config import Settings
from tests.conftest import Cli, FixedClock


def test_key_files_are_0600_in_a_0700_directory(issue, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    issued = issue()
    keys = settings.data_dir / "keys"
    assert keys.stat().st_mode & 0o777 == 0o700
    files = sorted(keys.iterdir())
    assert files and issued.credential
    assert [f.stat().st_mode & 0o777 for f in files] == [0o600] * len(files)


def test_a_readable_sqlite_database_is_made_private(
    tmp_path: Path, sqlite_template: Path, clock: FixedClock
) -> None:
    database = tmp_path / "kpcs.db"
    shutil.copyfile(sqlite_template, database)
    database.chmod(0o644)
    cli = Cli(Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{database}"), clock)
    listed = cli("participants", "list", "--json")
    assert listed.exit_code == 0 and json.loads(listed.output)
    written = cli("tokens", "create", "--participant", "BW", "--role", "authority")
    assert written.exit_code == 0
    beside = [p for p in tmp_path.iterdir() if p.name.startswith("kpcs.db")]
    assert database in beside
    assert {p.name: p.stat().st_mode & 0o777 for p in beside} == {p.name: 0o600 for p in beside}


def test_a_key_file_readable_by_others_is_refused_not_used(
    settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    out = tmp_path / "trust-list.jws"
    assert Cli(settings, clock)("trust-list", "export", "--out", str(out)).exit_code == 0
    (key,) = (settings.data_dir / "keys").iterdir()
    key.chmod(0o644)
    refused = Cli(settings, clock)("trust-list", "export", "--out", str(out))
    assert refused.exit_code == 1
    assert "readable by other users" in refused.output and "chmod 600" in refused.output
