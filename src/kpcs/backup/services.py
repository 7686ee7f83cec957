"""Use cases: back a node up into one file, and restore such a file into a new node.

A backup is one consistent snapshot: every table is read in a single read transaction
(REPEATABLE READ on PostgreSQL; a WAL read snapshot on SQLite), so the log, its heads and
the certificates agree. Key files and the other files of the data directory go with it;
keys that live in a PKCS#11 token stay there, and the backup carries their labels.

A restore checks the whole archive first, refuses a database or data directory that
already holds something unless told to replace it, loads every table in one transaction
(checking each table's row count against the manifest before committing), records the
restore in the audit log, and then checks the node (:mod:`kpcs.backup.integrity`).
"""

from __future__ import annotations

import base64
import enum
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.backup.archive import (
    DATABASE_PREFIX,
    FILES_PREFIX,
    BackupInvalid,
    Manifest,
    open_archive,
    sha256_file,
)
from kpcs.backup.archive import write_archive as _write_archive
from kpcs.backup.integrity import IntegrityReport, check_node
from kpcs.clock import Clock
from kpcs.db import Base
from kpcs.errors import Conflict, KPCSError
from kpcs.signing.keys import KeyRing

DERIVED_BY_TRIGGERS = ("statistics_certificate_totals",)
"""Tables that database triggers fill as certificates are inserted (migration 0010): after
the restore they are emptied and loaded from the backup, or their totals would double."""

BATCH = 1000
"""Rows per INSERT batch on restore."""

RESTORE_ATTEMPTS = 4
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: the transaction was aborted whole."""

_SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")
IN_PROGRESS_SUFFIXES = (".kpcs-backup", ".partial", ".tmp")
IN_PROGRESS_PREFIXES = (".new-",)
"""Files a running server is still writing (then renames): backups, key files being written
(:mod:`kpcs.signing.keys`), evidence being stored (:mod:`kpcs.certificates.fraud`)."""


def _tables() -> list[sa.Table]:
    import kpcs.models  # noqa: F401 - every model registers its table in Base.metadata

    return list(Base.metadata.sorted_tables)


def _schema_head() -> str:
    from alembic.script import ScriptDirectory

    from kpcs.migrations import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def _database_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _encode(value: Any) -> Any:
    """A column value as JSON (decoded again by :func:`_decoder` from the column's type)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _python_type(column: sa.Column[Any]) -> type | None:
    """What a column's values are in Python (a TypeDecorator's are its implementation's)."""
    column_type = column.type
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl_instance
    try:
        kind = column_type.python_type
    except NotImplementedError:
        return None
    return kind if isinstance(kind, type) and kind is not object else None


def _decode(kind: type | None, value: Any) -> Any:
    if value is None or kind is None:
        return value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    if kind is bytes:
        return base64.b64decode(value)
    if issubclass(kind, enum.Enum):
        return kind(value)
    return value


@dataclass(frozen=True)
class BackupResult:
    """What ``kpcs backup`` wrote."""

    path: Path
    tables: int
    rows: int
    files: int
    hsm_keys: int


def create_backup(
    engine: Engine,
    data_dir: Path,
    target: Path,
    *,
    principal: Principal,
    clock: Clock,
    session_factory: sessionmaker[Session],
) -> BackupResult:
    """Write a backup of the database at ``engine`` and the files in ``data_dir`` to ``target``.

    The file holds private keys: it is written mode 0600, and belongs where the keys would.
    The backup is recorded in the audit log after it is written (so not inside it).
    """
    from kpcs import __version__
    from kpcs.signing.models import KeyStorage, SigningKey
    from kpcs.translog.models import TreeHead

    require(principal, Action.MANAGE_KEYS)  # a backup holds every private key of the node
    if target.exists():
        raise Conflict(f"{target} exists already: choose another file (a backup never overwrites one)")
    tables = _tables()
    known = {table.name for table in tables}
    with tempfile.TemporaryDirectory(prefix="kpcs-backup-") as scratch:
        staging = Path(scratch)
        (staging / "database").mkdir(mode=0o700)
        members: dict[str, Path] = {}
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                present = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
                if present - known:
                    raise KPCSError(
                        "the database has tables this kpcs does not know "
                        f"({', '.join(sorted(present - known))}): back it up with the kpcs that migrated it"
                    )
                revision = _database_revision(connection)
                if revision is None:
                    raise KPCSError("the database is empty: run `kpcs db upgrade` first")
                manifest = Manifest(
                    created_at=clock.now().isoformat(),
                    created_by=principal.actor,
                    kpcs_version=__version__,
                    schema_revision=revision,
                    source_database=connection.dialect.name,
                )
                for table in tables:
                    name = f"{DATABASE_PREFIX}{table.name}.jsonl"
                    path = staging / name
                    count = _dump_table(connection, table, path)
                    manifest.tables[table.name] = {"rows": count, "columns": [c.name for c in table.columns]}
                    members[name] = path
                keys = sa.select(SigningKey.__table__).order_by(SigningKey.created_at, SigningKey.kid)
                manifest.keys = [
                    {
                        "kid": row.kid,
                        "purpose": str(row.purpose),
                        "owner": row.owner,
                        "storage": str(row.storage),
                        "hsm_label": row.hsm_label,
                    }
                    for row in connection.execute(keys)
                ]
                newest = connection.execute(
                    sa.select(TreeHead.tree_size, TreeHead.root_hash)
                    .order_by(TreeHead.tree_size.desc())
                    .limit(1)
                ).first()
                if newest is not None:
                    manifest.log = {
                        "tree_size": newest.tree_size,
                        "root_hash": base64.b64encode(newest.root_hash).decode(),
                    }
        manifest.members = {name: sha256_file(path) for name, path in members.items()}
        for relative, path in _data_files(data_dir, engine, target):
            try:
                manifest.members[f"{FILES_PREFIX}{relative}"] = sha256_file(path)
            except FileNotFoundError:
                continue  # gone since it was listed: a running server's temporary file
            members[f"{FILES_PREFIX}{relative}"] = path
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_archive(target, manifest, members)
    with session_factory() as session:
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.BACKUP_CREATED,
            object_type="instance",
            object_id="backup",
            after={"file": str(target), "tables": len(tables), "keys": len(manifest.keys)},
        )
        session.commit()
    return BackupResult(
        path=target,
        tables=len(tables),
        rows=sum(t["rows"] for t in manifest.tables.values()),
        files=sum(1 for name in members if name.startswith(FILES_PREFIX)),
        hsm_keys=sum(1 for key in manifest.keys if key["storage"] == KeyStorage.PKCS11.value),
    )


def _dump_table(connection: Connection, table: sa.Table, path: Path) -> int:
    count = 0
    statement = sa.select(table).order_by(*table.primary_key.columns)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        for row in connection.execution_options(yield_per=BATCH).execute(statement):
            out.write(orjson.dumps([_encode(value) for value in row]) + b"\n")
            count += 1
    return count


def _data_files(data_dir: Path, engine: Engine, target: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under the data directory but the SQLite database (dumped above),
    the backup being written, and earlier backups kept there."""
    if not data_dir.is_dir():
        return
    skipped: set[Path] = set()
    if engine.dialect.name == "sqlite" and engine.url.database:
        database = Path(engine.url.database).resolve()
        skipped = {database.with_name(database.name + suffix) for suffix in _SQLITE_SIDE_FILES}
    skipped.add(target.resolve())
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file() or path.is_symlink() or path.resolve() in skipped:
            continue
        if path.name.endswith(IN_PROGRESS_SUFFIXES) or path.name.startswith(IN_PROGRESS_PREFIXES):
            continue
        yield path.relative_to(data_dir).as_posix(), path


@dataclass(frozen=True)
class RestoreResult:
    """What ``kpcs restore`` loaded, and the integrity check of the node it made."""

    manifest: Manifest
    rows: int
    files: int
    integrity: IntegrityReport


def restore_backup(
    source: Path,
    engine: Engine,
    session_factory: sessionmaker[Session],
    keyring: KeyRing,
    data_dir: Path,
    *,
    principal: Principal,
    clock: Clock,
    replace: bool = False,
) -> RestoreResult:
    """Restore ``source`` into the database at ``engine`` and the data directory ``data_dir``.

    Refuses (changing nothing) a damaged archive, a backup of another schema revision, and,
    unless ``replace``, a database or data directory that already holds something.
    """
    from kpcs import migrations

    require(principal, Action.MANAGE_KEYS)
    with tempfile.TemporaryDirectory(prefix="kpcs-restore-") as scratch:
        opened = open_archive(source, Path(scratch))
        manifest = opened.manifest
        head = _schema_head()
        if manifest.schema_revision != head:
            raise BackupInvalid(
                f"the backup is of database schema {manifest.schema_revision}, this kpcs writes {head}: "
                "restore it with the kpcs version that made it, then upgrade"
            )
        tables = {table.name: table for table in _tables()}
        unknown = sorted(set(manifest.tables) - set(tables))
        if unknown:
            raise BackupInvalid(f"the backup has tables this kpcs does not know: {', '.join(unknown)}")
        for name, described in manifest.tables.items():
            if described["columns"] != [c.name for c in tables[name].columns]:
                raise BackupInvalid(f"the backup's columns of {name} are not this kpcs's")
        files = opened.files()
        _refuse_if_occupied(engine, data_dir, files, replace=replace)
        with engine.connect() as connection:
            revision = _database_revision(connection)
        if revision is None:
            migrations.upgrade(engine.url.render_as_string(hide_password=False))
        elif revision != head:
            raise Conflict(
                f"the target database is at schema {revision}, not {head}: run `kpcs db upgrade` first"
            )
        _write_files(data_dir, files)
        rows = _load_retrying(engine, opened, tables, principal=principal, clock=clock, source=source)
    with session_factory() as session:
        integrity = check_node(session, keyring)
    return RestoreResult(manifest=manifest, rows=rows, files=len(files), integrity=integrity)


def _refuse_if_occupied(engine: Engine, data_dir: Path, files: dict[str, Path], *, replace: bool) -> None:
    if replace:
        return
    occupied: list[str] = []
    with engine.connect() as connection:
        present = set(sa.inspect(connection).get_table_names())
        for table in _tables():
            if table.name in present:
                count = connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                if count:
                    occupied.append(f"{count} rows in {table.name}")
        if not occupied and present - {"alembic_version"} and _database_revision(connection) is None:
            occupied.append(f"tables that are not kpcs's ({', '.join(sorted(present)[:3])})")
    clashing = sorted(name for name in files if (data_dir / name).exists())
    if clashing:
        occupied.append(f"files in {data_dir} ({', '.join(clashing[:3])})")
    if occupied:
        raise Conflict(
            "the target is not empty: " + "; ".join(occupied[:4]) + ". Restore into a new database and data "
            "directory, or pass --replace to delete what is there first"
        )


def _write_files(data_dir: Path, files: dict[str, Path]) -> None:
    """Put the data directory's files in place, private (0600, directories 0700)."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for relative, unpacked in files.items():
        target = data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        target.parent.chmod(0o700)
        temporary = target.with_name(f".{target.name}.restoring")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(unpacked.read_bytes())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)


def _load_retrying(engine: Engine, opened: Any, tables: dict[str, sa.Table], **options: Any) -> int:
    """Load, trying again when PostgreSQL broke a deadlock by aborting the load.

    TRUNCATE takes its locks table by table; a server still running on the database can hold
    one of them while it waits for another, and PostgreSQL then aborts one side. The load is
    one transaction, so an aborted attempt left nothing behind and may simply run again.
    """
    for attempt in range(1, RESTORE_ATTEMPTS + 1):
        try:
            return _load(engine, opened, tables, **options)
        except OperationalError as error:
            retryable = getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
            if not retryable or attempt == RESTORE_ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def _load(
    engine: Engine,
    opened: Any,
    tables: dict[str, sa.Table],
    *,
    principal: Principal,
    clock: Clock,
    source: Path,
) -> int:
    """Empty every table and load the backup's rows, in one transaction."""
    manifest: Manifest = opened.manifest
    ordered = [tables[name] for name in tables if name in manifest.tables]
    derived = [table for table in ordered if table.name in DERIVED_BY_TRIGGERS]
    with Session(engine) as session, session.begin():
        connection = session.connection()
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            # The totals triggers are deferred to commit; fire them per statement instead, so
            # that the totals they add can be replaced by the backup's below.
            connection.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
            names = ", ".join(f'"{table.name}"' for table in tables.values())
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            connection.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for table in reversed(list(tables.values())):
                connection.execute(table.delete())
        total = 0
        for table in [t for t in ordered if t not in derived] + derived:
            if table in derived:
                connection.execute(table.delete())
            kinds = [(column.name, _python_type(column)) for column in table.columns]
            batch: list[dict[str, Any]] = []
            for values in opened.rows(table.name):
                batch.append(
                    {name: _decode(kind, value) for (name, kind), value in zip(kinds, values, strict=True)}
                )
                if len(batch) == BATCH:
                    connection.execute(table.insert(), batch)
                    batch = []
            if batch:
                connection.execute(table.insert(), batch)
        for table in ordered:
            count = connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0
            expected = manifest.tables[table.name]["rows"]
            if count != expected:
                raise BackupInvalid(
                    f"{table.name} holds {count} rows after the restore, the backup {expected}"
                )
            total += count
        if postgres:
            _reset_sequences(connection, ordered)
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.BACKUP_RESTORED,
            object_type="instance",
            object_id="backup",
            after={
                "file": str(source),
                "created_at": manifest.created_at,
                "created_by": manifest.created_by,
                "rows": total,
                "log_tree_size": manifest.log.get("tree_size", 0),
            },
        )
    return total


def _reset_sequences(connection: Connection, tables: list[sa.Table]) -> None:
    """Move PostgreSQL's id sequences past the restored ids (inserts gave ids explicitly)."""
    for table in tables:
        columns = list(table.primary_key.columns)
        if len(columns) != 1 or _python_type(columns[0]) is not int:
            continue
        column = columns[0].name
        sequence = connection.scalar(
            sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column}
        )
        if sequence is None:
            continue
        connection.execute(
            sa.text(
                f'SELECT setval(:s, COALESCE((SELECT MAX("{column}") FROM "{table.name}"), 0) + 1, false)'
            ),
            {"s": sequence},
        )
