"""Database plumbing: the declarative base, engines, and the unit of work.

SQLite (embedded, the default) and PostgreSQL (production) are both first-class: every
storage test runs on both. Nothing here connects at import time.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from kpcs.errors import ConfigurationError

# Constraint names that are the same on every backend, so that migrations can refer to
# them by name (SQLite batch mode needs names to drop or alter a constraint).
DB_INT_MAX = 2**31 - 1
"""The largest value an integer column holds on every backend: ids and counts are INTEGER,
32 bits on PostgreSQL (SQLite's are 64), and SQLAlchemy casts a compared value to the
column's type, so a bigger id or count from outside is refused before it reaches the
database, where it would overflow (a 500)."""

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no time zones, so values are stored as naive UTC and given back aware;
    a naive value on the way in is a programming error, not something to guess about.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every kpcs table."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    # StrEnum statuses are stored by value as plain strings (warehouse's pattern): readable
    # in SQL, and adding a value needs no ALTER TYPE on PostgreSQL.
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        enum.Enum: sa.Enum(
            enum.Enum,
            native_enum=False,
            create_constraint=False,
            length=32,
            values_callable=lambda members: [m.value for m in members],
        ),
        datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
        list[str]: sa.JSON(),
    }


def _sqlite_pragmas(foreign_keys: bool) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Foreign keys are off by default in SQLite; WAL lets the web server read while
        # the CLI writes; the busy timeout turns "database is locked" into a short wait.
        # synchronous=NORMAL (WAL's usual pairing): a crashed or killed program loses
        # nothing committed, a power failure may lose the last transactions but never
        # corrupts the file; FULL would fsync every commit. Production uses PostgreSQL.
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    return on_connect


def _transactional_ddl(engine: Engine) -> None:
    """Make the sqlite3 driver put DDL inside transactions, so a failed migration leaves
    nothing half done (SQLAlchemy's recipe for pysqlite)."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)


WRITE_OPTION = "kpcs_write"
"""Execution option marking a unit of work's transactions (SQLite begins them IMMEDIATE)."""


def _immediate_writes(engine: Engine) -> None:
    """On SQLite, begin a unit of work's transactions with BEGIN IMMEDIATE.

    SQLite has one writer. A transaction that reads first and writes later must upgrade its
    lock, and if another connection wrote in between, SQLite fails it at once ("database is
    locked") instead of waiting. Taking the write lock when a use case begins makes writers
    queue (within the busy timeout) instead; read-only sessions still begin deferred.
    """

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below

    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)


def _private_database_file(path: Path) -> None:
    """Create the SQLite file mode 0600 (or make it so): it holds accounts, token hashes and
    every certificate, and SQLite gives its -wal and -shm files the database file's mode.

    An existing file is changed by path, never opened: closing any descriptor of a database
    file drops every POSIX lock this process holds on it, including those of connections
    already open here (a `kpcs serve` whose deadline sweep connected before the app's engine
    was made); another process could then take the file as unused and reset its WAL index
    under them ("disk I/O error")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        status = path.stat()
        if status.st_mode & 0o077 and status.st_uid == os.geteuid():
            path.chmod(0o600)
        return
    os.close(descriptor)  # a file made just now: no connection of this process holds it yet


def make_engine(url: str, *, sqlite_migrations: bool = False, **kwargs: Any) -> Engine:
    """An engine for ``url``; for SQLite files, creates the parent directory first.

    ``sqlite_migrations=True`` is for Alembic only: SQLite alters a table by copying it and
    dropping the original, which enforced foreign keys forbid while rows refer to it, and
    the sqlite3 driver would commit each DDL statement on its own.
    """
    try:
        sa_url = sa.make_url(url)
        sa_url.get_dialect()
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigurationError(
            f"KPCS_DATABASE_URL is not a usable SQLAlchemy URL ({exc}); "
            "expected e.g. sqlite:///var/kpcs.db or postgresql+psycopg://user@host/kpcs"
        ) from None
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            _private_database_file(Path(sa_url.database))
        kwargs.setdefault("connect_args", {}).setdefault("check_same_thread", False)
        engine = sa.create_engine(sa_url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas(foreign_keys=not sqlite_migrations))
        if sqlite_migrations:
            _transactional_ddl(engine)
        elif kwargs.get("isolation_level") != "AUTOCOMMIT":
            _immediate_writes(engine)
        return engine
    # No ping before every checkout: it costs a round trip per request (as much as a border
    # check itself). Connections are recycled every half hour, and after a database restart
    # the first request on a dead connection gets a 503 (web/errors.py) while SQLAlchemy
    # discards the rest of the pool.
    kwargs.setdefault("pool_recycle", 1800)
    # A request holds at most one connection at a time (use cases never open a second one
    # while holding the first: that deadlocks a full pool). Ten kept open per worker, and
    # up to twenty more in bursts, so PostgreSQL backends are not forked per request.
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return sa.create_engine(sa_url, **kwargs)


@contextmanager
def joins_by_index(connection: sa.Connection) -> Iterator[None]:
    """Within the block, PostgreSQL joins by index lookups only (no hash or merge joins).

    For reads of a small slice of two big tables whose slices line up in a way the planner
    cannot know from its statistics (a year's certificates and their confirmations: it
    hashes the whole confirmations table to join the few it needs). SQLite already does.
    """
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        # SET, not SET LOCAL: pages read in autocommit, where SET LOCAL does nothing; the
        # RESET below puts the pooled connection back as it was.
        connection.exec_driver_sql("SET enable_hashjoin = off")
        connection.exec_driver_sql("SET enable_mergejoin = off")
    try:
        yield
    finally:
        if postgres:
            connection.exec_driver_sql("RESET enable_hashjoin")
            connection.exec_driver_sql("RESET enable_mergejoin")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (services return plain values)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


class UnitOfWork:
    """One business transaction: ``with uow: ...; uow.commit()``.

    Leaving the block without ``commit()`` rolls everything back, so a use case that fails
    half-way changes nothing (cosmicpython's unit of work, without repositories: the
    session is the repository for our reference tables).
    """

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        """The session of the open transaction."""
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its `with` block")
        return self._session

    def __enter__(self) -> Self:
        session = self._session_factory()
        bind = session.get_bind()
        if bind.dialect.name == "sqlite":
            # Every transaction of this unit of work takes SQLite's write lock at once.
            session.bind = bind.engine.execution_options(**{WRITE_OPTION: True})
        self._session = session
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    def commit(self) -> None:
        """Commit the transaction; everything flushed so far becomes durable."""
        self.session.commit()

    def flush(self) -> None:
        """Send pending changes to the database without committing (to get ids, or errors)."""
        self.session.flush()
