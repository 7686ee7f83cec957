"""``kpcs backup`` and ``kpcs restore`` (issue 17, item 11): a node backed up and restored into a
new database and data directory serves the same trust list, verifies a credential issued
before the backup, and keeps issuing; the restore checks itself and is audited."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from kpcs.accounts.models import Role
from kpcs.audit.models import AuditEvent
from kpcs.certificates.models import Certificate
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine
from kpcs.signing.models import SigningKey
from kpcs.web.app import create_app
from tests.conftest import Cli, FixedClock, _admin_execute, auth, certificate_body


@pytest.fixture
def other_backend(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the other backend than this test's source database."""
    if database_url.startswith("sqlite"):
        admin: str = request.getfixturevalue("postgres")
        name = f"kpcs_restore_{uuid.uuid4().hex[:12]}"
        _admin_execute(admin, f'CREATE DATABASE "{name}"')
        yield sa.make_url(admin).set(database=name).render_as_string(hide_password=False)
        _admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'restored' / 'kpcs.db'}"


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(sa.select(sa.func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def _issue_some(client: TestClient, token: str) -> list[dict]:  # type: ignore[type-arg]
    issued = [
        client.post("/api/v1/certificates", json=certificate_body(), headers=auth(token)).json()
        for _ in range(3)
    ]
    assert all("credential" in c for c in issued), issued
    return issued


def test_a_node_restored_elsewhere_serves_the_same_trust_list_and_verifies_old_credentials(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, cli: Cli, clock: FixedClock, tmp_path: Path, other_backend: str
) -> None:
    authority = make_token(Role.AUTHORITY, "BW")
    issued = _issue_some(client, authority)
    sth = client.get("/api/v1/log/sth").json()
    assert sth["tree_size"] == 3
    trust_before = client.get("/api/v1/trust-list").json()

    backup = tmp_path / "node.kpcs-backup"
    made = cli("backup", "--out", str(backup))
    assert made.exit_code == 0, made.output
    assert "holds private keys" in made.output
    assert backup.stat().st_mode & 0o777 == 0o600
    again = cli("backup", "--out", str(backup))
    assert again.exit_code == 1 and "exists already" in again.output
    with tarfile.open(backup) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert "database/certificates.jsonl" in names
    assert not [name for name in names if name.startswith("files/kpcs.db")]  # dumped, not copied
    assert any(name.startswith("files/keys/") and name.endswith(".pem") for name in names)
    assert manifest["tables"]["certificates"]["rows"] == 3 and manifest["log"]["tree_size"] == 3

    # A new node: another data directory, a new database on the other backend.
    restored = Settings(data_dir=tmp_path / "restored-data", database_url=other_backend)
    result = Cli(restored, clock)("restore", str(backup))
    assert result.exit_code == 0, result.output
    assert "integrity: ok" in result.output and "3 credential(s)" in result.output
    keys = sorted((restored.data_dir / "keys").iterdir())
    assert keys and {k.stat().st_mode & 0o777 for k in keys} == {0o600}

    with TestClient(create_app(restored, clock=clock)) as node:
        assert node.get("/api/v1/trust-list").json() == trust_before
        for certificate in issued:
            verdict = node.post("/api/v1/verify", json={"credential": certificate["credential"]}).json()
            assert verdict["valid"] is True, verdict
        assert node.get("/api/v1/log/sth").json() == sth
        # The restored node goes on issuing (ids and sequences continue after the restored rows).
        token = node.post(
            "/api/v1/certificates", json=certificate_body(), headers=auth(_token_on(restored, clock))
        )
        assert token.status_code == 201, token.text
        assert node.post("/api/v1/verify", json={"credential": token.json()["credential"]}).json()["valid"]
    # The restore is in the audit log, with who did it.
    engine = make_engine(other_backend)
    try:
        with engine.connect() as connection:
            event = connection.execute(
                sa.select(AuditEvent.actor, AuditEvent.after).where(
                    AuditEvent.tag == "instance:backup:restored"
                )
            ).one()
    finally:
        engine.dispose()
    assert event.actor.startswith("operator:") or event.actor
    assert event.after["rows"] > 0 and event.after["log_tree_size"] == 3


def _token_on(settings: Settings, clock: FixedClock) -> str:
    made = Cli(settings, clock)("tokens", "create", "--participant", "BW", "--role", "authority")
    assert made.exit_code == 0, made.output
    return made.output.strip().splitlines()[-1]


def test_restore_refuses_a_database_that_holds_data_unless_told(  # type: ignore[no-untyped-def]
    make_token, cli: Cli, clock: FixedClock, tmp_path: Path, settings: Settings
) -> None:
    # The node is stopped before its database is replaced, as docs/backup.md says: a server
    # left running signs the log with the key it holds in memory, which the restored node
    # may not publish (CI once caught its head signer doing so in the middle of the restore).
    with TestClient(create_app(settings, clock=clock)) as client:
        _issue_some(client, make_token(Role.AUTHORITY, "BW"))
    backup = tmp_path / "node.kpcs-backup"
    assert cli("backup", "--out", str(backup)).exit_code == 0

    # Another node that already has a database (migrated, with the registry) and a key of its own.
    other_dir = tmp_path / "other"
    other_url = settings.database_url
    assert other_url is not None
    other = Settings(data_dir=other_dir, database_url=other_url)
    refused = Cli(other, clock)("restore", str(backup))
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--replace" in refused.output
    assert not other_dir.exists()  # nothing written

    replaced = Cli(other, clock)("restore", str(backup), "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert _count(other_url, Certificate) == 3


def test_a_damaged_or_foreign_file_is_refused_and_changes_nothing(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, cli: Cli, clock: FixedClock, tmp_path: Path
) -> None:
    _issue_some(client, make_token(Role.AUTHORITY, "BW"))
    backup = tmp_path / "node.kpcs-backup"
    assert cli("backup", "--out", str(backup)).exit_code == 0
    target = Settings(data_dir=tmp_path / "fresh", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")

    # A member altered after the backup was written (say, a certificate's carats).
    altered = tmp_path / "altered.kpcs-backup"
    with tarfile.open(backup) as source, tarfile.open(altered, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "database/certificate_lines.jsonl":
                assert b'"1520.35"' in data
                data = data.replace(b'"1520.35"', b'"1.35"')
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    result = Cli(target, clock)("restore", str(altered))
    assert result.exit_code == 1
    assert (
        "does not match its manifest" in result.output and "database/certificate_lines.jsonl" in result.output
    )

    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")
    result = Cli(target, clock)("restore", str(not_a_backup))
    assert result.exit_code == 1 and "not a kpcs backup" in result.output
    result = Cli(target, clock)("restore", str(tmp_path / "missing.kpcs-backup"))
    assert result.exit_code == 1 and "does not exist" in result.output
    # Nothing was written: no schema in the target database, no data directory.
    engine = make_engine(target.sqlalchemy_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
    assert not (tmp_path / "fresh").exists()


def test_the_integrity_check_finds_a_rewritten_head_credential_or_key(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, session_factory, keyring, settings: Settings
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kpcs.backup.integrity import check_node
    from kpcs.translog.models import TreeHead

    _issue_some(client, make_token(Role.AUTHORITY, "BW"))
    assert client.get("/api/v1/log/sth").json()["tree_size"] == 3
    with session_factory() as session:
        clean = check_node(session, keyring)
    assert clean.ok and (clean.tree_size, clean.heads_verified, clean.credentials_verified) == (3, 1, 3)

    with UnitOfWork(session_factory) as unit:  # read then write: take SQLite's write lock first
        session = unit.session
        head = session.scalars(sa.select(TreeHead)).one()
        head.root_hash = bytes(32)
        certificate = session.scalars(sa.select(Certificate).order_by(Certificate.id)).first()
        assert certificate is not None
        header, payload, _signature = certificate.credential.split(".")
        certificate.credential = f"{header}.{payload}.{'A' * 86}"  # a well-formed, wrong signature
        kid = session.scalars(sa.select(SigningKey.kid).where(SigningKey.owner == "BW")).one()
        unit.commit()
    keyring.files.write(kid, Ed25519PrivateKey.generate())  # another key under the published kid

    with session_factory() as session:
        problems = check_node(session, keyring).problems
    assert any("signed head of size 3" in p and "signed values differ" in p for p in problems), problems
    assert any("root recomputed" in p for p in problems), problems
    assert any(f"certificate {certificate.number}" in p for p in problems), problems
    assert any(f"key {kid}: its file holds another key" in p for p in problems), problems


def test_the_embedded_database_in_the_data_dir_is_dumped_not_copied(
    tmp_path: Path, sqlite_template: Path, clock: FixedClock
) -> None:
    import shutil

    data_dir = tmp_path / "var"
    data_dir.mkdir()
    shutil.copyfile(sqlite_template, data_dir / "kpcs.db")
    (data_dir / "evidence").mkdir()
    (data_dir / "evidence" / "scan.pdf").write_bytes(b"%PDF-1.4 evidence")
    embedded = Settings(data_dir=data_dir)  # the default: sqlite:///$KPCS_DATA_DIR/kpcs.db
    backup = tmp_path / "var.kpcs-backup"
    made = Cli(embedded, clock)("backup", "--out", str(backup))
    assert made.exit_code == 0, made.output
    with tarfile.open(backup) as archive:
        files = sorted(name for name in archive.getnames() if name.startswith("files/"))
    assert files == ["files/evidence/scan.pdf"]

    restored = Settings(data_dir=tmp_path / "restored")
    result = Cli(restored, clock)("restore", str(backup))
    assert result.exit_code == 0, result.output
    assert (restored.data_dir / "evidence" / "scan.pdf").read_bytes() == b"%PDF-1.4 evidence"
    assert (restored.data_dir / "kpcs.db").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_restore_that_postgresql_aborts_to_break_a_deadlock_runs_again(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, cli: Cli, clock: FixedClock, tmp_path: Path, settings: Settings
) -> None:
    """A server still at work on the database can hold one table while it waits for another that
    the restore's TRUNCATE already holds; PostgreSQL aborts the restore to break the deadlock (this
    happened in CI), and the restore, being one transaction, must simply run again."""
    import threading
    import time

    from kpcs.db import Base

    _issue_some(client, make_token(Role.AUTHORITY, "BW"))
    backup = tmp_path / "node.kpcs-backup"
    assert cli("backup", "--out", str(backup)).exit_code == 0
    url = settings.database_url
    assert url is not None
    tables = [table.name for table in Base.metadata.sorted_tables]
    first, last = tables[0], tables[-1]

    engine = make_engine(url)
    try:
        other = engine.connect()
        other.exec_driver_sql(f'LOCK TABLE "{last}" IN ACCESS SHARE MODE')  # the restore waits for it
        pid = other.exec_driver_sql("SELECT pg_backend_pid()").scalar()

        def close_the_cycle() -> None:
            with engine.connect() as watcher:
                for _ in range(200):  # wait until the restore waits for the lock held here
                    waiting = watcher.exec_driver_sql(
                        f"SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> {int(pid)}"
                    ).scalar()
                    if waiting:
                        break
                    time.sleep(0.05)
            # Now ask for a table the restore already holds: a deadlock, which PostgreSQL breaks.
            try:
                other.exec_driver_sql(f'LOCK TABLE "{first}" IN ROW EXCLUSIVE MODE')
            finally:
                other.rollback()

        closing = threading.Thread(target=close_the_cycle)
        closing.start()
        restored = Cli(Settings(data_dir=tmp_path / "other", database_url=url), clock)(
            "restore", str(backup), "--replace"
        )
        closing.join(timeout=30)
        other.close()
    finally:
        engine.dispose()
    assert restored.exit_code == 0, restored.output
    assert _count(url, Certificate) == 3


def test_files_a_running_server_is_still_writing_are_left_out(
    tmp_path: Path, sqlite_template: Path, clock: FixedClock
) -> None:
    """A key file being written (``.new-…``) or evidence being stored (``….tmp``) is renamed
    or gone a moment later: a backup taken meanwhile leaves it out instead of failing on it."""
    import shutil

    data_dir = tmp_path / "var"
    (data_dir / "keys").mkdir(parents=True)
    shutil.copyfile(sqlite_template, data_dir / "kpcs.db")
    (data_dir / "keys" / ".new-x1y2.pem").write_bytes(b"half a key")
    (data_dir / "evidence").mkdir()
    (data_dir / "evidence" / "scan.tmp").write_bytes(b"half a scan")
    (data_dir / "evidence" / "scan.pdf").write_bytes(b"%PDF-1.4 evidence")
    backup = tmp_path / "var.kpcs-backup"
    made = Cli(Settings(data_dir=data_dir), clock)("backup", "--out", str(backup))
    assert made.exit_code == 0, made.output
    with tarfile.open(backup) as archive:
        files = sorted(name for name in archive.getnames() if name.startswith("files/"))
    assert files == ["files/evidence/scan.pdf"]
