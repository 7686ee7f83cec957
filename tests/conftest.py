"""Shared fixtures. Storage-touching tests take ``database_url`` and so run twice: on
SQLite and on a real PostgreSQL. Every test gets its own database, cloned from a
migrated template that holds the real registry, so tests never share state.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from kpcs import migrations
from kpcs.accounts import services as accounts
from kpcs.accounts.models import Role
from kpcs.accounts.permissions import Principal, operator
from kpcs.certificates import services as certificates
from kpcs.certificates.schemas import CertificateCreate, CertificatePublic
from kpcs.cli import app as cli_app
from kpcs.cli.state import CliState
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.decisions.seed import apply_decisions
from kpcs.participants.datafile import load_registry_file
from kpcs.participants.loader import apply_registry
from kpcs.plenaries.seed import apply_calendar
from kpcs.signing.keys import KeyFiles, KeyRing
from kpcs.statistics.submissions.services import load_published_production
from kpcs.web.app import create_app
from tests import softhsm as softhsm_token
from tests.pgcluster import PostgresCluster

# A fixed "today" for tests: after the CAR's readmission (15 November 2024).
TODAY = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
OPERATOR = operator("tester")


def build_database(url: str, registry: Path | None = None, revision: str = "head") -> None:
    """Migrate an empty database and load the registry, as `kpcs db upgrade` does."""
    migrations.upgrade(url, revision)
    engine = make_engine(url)
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            apply_registry(uow.session, load_registry_file(registry), clock=FixedClock(TODAY))
            uow.session.flush()
            apply_decisions(uow.session, clock=FixedClock(TODAY))
            apply_calendar(uow.session, clock=FixedClock(TODAY))
            load_published_production(uow.session, FixedClock(TODAY))
            uow.commit()
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """Admin URL of a PostgreSQL server: KPCS_TEST_POSTGRES_URL, or a throwaway cluster."""
    configured = os.environ.get("KPCS_TEST_POSTGRES_URL")
    if configured:
        yield configured
        return
    cluster = PostgresCluster().start()
    try:
        yield cluster.url()
    finally:
        cluster.stop()


def _admin_execute(admin_url: str, statement: str) -> None:
    engine = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[softhsm_token.SoftHsm]:
    """A SoftHSM2 token for this test session (see tests/softhsm.py)."""
    previous = os.environ.get("SOFTHSM2_CONF")
    yield softhsm_token.start(tmp_path_factory.mktemp("softhsm"))
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture(scope="session")
def postgres_template(postgres: str) -> str:
    """Name of a migrated PostgreSQL database holding the real registry, to clone per test."""
    name = f"kpcs_template_{uuid.uuid4().hex[:8]}"
    _admin_execute(postgres, f'CREATE DATABASE "{name}"')
    build_database(sa.make_url(postgres).set(database=name).render_as_string(hide_password=False))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the real registry, to copy per test."""
    path = tmp_path_factory.mktemp("template") / "kpcs.db"
    build_database(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database with the schema and the real registry, on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "kpcs.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    admin_url: str = request.getfixturevalue("postgres")
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"kpcs_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    try:
        yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clock() -> FixedClock:
    """A clock stopped at :data:`TODAY`."""
    return FixedClock(TODAY)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at this test's database and a private data directory."""
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def session_factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """Sessions on this test's database."""
    engine = make_engine(settings.sqlalchemy_url)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def uow(session_factory: sessionmaker[Session]) -> UnitOfWork:
    """A unit of work on this test's database."""
    return UnitOfWork(session_factory)


@pytest.fixture
def client(settings: Settings, clock: FixedClock) -> Iterator[TestClient]:
    """An HTTP client on the real app, on this test's database."""
    with TestClient(create_app(settings, clock=clock)) as test_client:
        yield test_client


class Cli:
    """Runs `kpcs` commands in-process against this test's settings and clock."""

    def __init__(self, settings: Settings, clock: FixedClock) -> None:
        self.settings = settings
        self.clock = clock
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> object:
        return self.runner.invoke(cli_app, list(args), obj=CliState(self.settings, self.clock), input=input)


@pytest.fixture
def cli(settings: Settings, clock: FixedClock) -> Cli:
    """The CLI, wired to this test's database."""
    return Cli(settings, clock)


@pytest.fixture
def make_token(session_factory: sessionmaker[Session], clock: FixedClock):  # type: ignore[no-untyped-def]
    """Create an API token: ``make_token(Role.AUTHORITY, "BW")`` returns the secret."""

    def make(role: Role, participant: str | None = None) -> str:
        new = accounts.create_token(
            UnitOfWork(session_factory), OPERATOR, clock, role=role, participant=participant
        )
        return new.secret

    return make


@pytest.fixture
def make_user(session_factory: sessionmaker[Session], clock: FixedClock):  # type: ignore[no-untyped-def]
    """Create a user with a password: ``make_user("alice", [Role.ADMIN])``."""

    def make(
        username: str, roles: list[Role], participant: str | None = None, password: str = "correct horse 42"
    ) -> str:
        accounts.create_user(
            UnitOfWork(session_factory),
            OPERATOR,
            clock,
            username=username,
            full_name=username.title(),
            password=password,
            roles=roles,
            participant=participant,
        )
        return password

    return make


def certificate_body(**changes: object) -> dict[str, object]:
    """A valid ``POST /certificates`` body (Botswana to Belgium), with ``changes`` applied."""
    body: dict[str, object] = {
        "exporting_country": "BW",
        "importing_country": "BE",
        "exporter": {"name": "Okavango Diamond Company", "address": "Plot 63016, Gaborone, Botswana"},
        "importer": {"name": "Antwerp Rough NV", "address": "Hoveniersstraat 2, 2018 Antwerpen, Belgium"},
        "parcel_count": 3,
        "lines": [
            {"hs_code": "7102.31", "origin": "BW", "carats": 1520.35, "value_usd": 310250.00},
            {"hs_code": "7102.21", "origin": "mixed", "carats": 200.00, "value_usd": 5000.50},
        ],
    }
    body.update(changes)
    return body


@pytest.fixture
def keyring(settings: Settings, session_factory: sessionmaker[Session], clock: FixedClock) -> KeyRing:
    """Signing keys in this test's data directory."""
    return KeyRing(session_factory, KeyFiles(settings.data_dir / "keys"), clock)


@pytest.fixture
def issue(session_factory: sessionmaker[Session], clock: FixedClock, keyring: KeyRing):  # type: ignore[no-untyped-def]
    """Issue a certificate through the service as the operator: ``issue(importing_country="IN")``."""

    def make(principal: Principal = OPERATOR, **changes: object) -> CertificatePublic:
        body = CertificateCreate.model_validate(certificate_body(**changes))
        return certificates.issue_certificate(UnitOfWork(session_factory), principal, clock, keyring, body)

    return make


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def live_server(sqlite_template: Path, tmp_path: Path, clock: FixedClock) -> Iterator[tuple[str, Settings]]:
    """The real app served by uvicorn on a free port, on a fresh SQLite database."""
    db = tmp_path / "kpcs.db"
    shutil.copyfile(sqlite_template, db)
    settings = Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{db}")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, clock=clock), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", settings
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def auth(token: str) -> dict[str, str]:
    """Headers that present ``token``."""
    return {"Authorization": f"Bearer {token}"}
