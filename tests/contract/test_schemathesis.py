"""The API does what ``/openapi.json`` says: Schemathesis generates requests for every
operation from the schema and sends them to the real app (in-process, on a real database),
as every kind of caller; no answer may be a 5xx, a status the operation does not document,
or a body that does not match the documented schema.

``make test`` runs a few examples per operation, derandomised (the same every run);
``make fuzz`` sets ``KPCS_FUZZ_EXAMPLES`` for many more, drawn anew each run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator

import pytest
import schemathesis
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kpcs.accounts import services as accounts
from kpcs.accounts.models import Role
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.web.app import create_app
from tests.conftest import OPERATOR, TODAY, _admin_execute

EXAMPLES = int(os.environ.get("KPCS_FUZZ_EXAMPLES", "10"))
FUZZING = "KPCS_FUZZ_EXAMPLES" in os.environ
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Every kind of caller, so that the routes of administrators and working groups are
# exercised past their permission checks, not only refused.
CALLERS: dict[str, tuple[Role, str | None] | None] = {
    "anonymous": None,
    "admin": (Role.ADMIN, None),
    "authority BW": (Role.AUTHORITY, "BW"),
    "authority EU": (Role.AUTHORITY, "EU"),
    "customs EU": (Role.CUSTOMS, "EU"),
    "statistics": (Role.STATISTICS, None),
    "monitoring": (Role.MONITORING, None),
}

SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite://")).openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this module, on each backend (PostgreSQL's integers are narrower
    than SQLite's: what overflows there must be refused too)."""
    if request.param == "sqlite":
        target = tmp_path_factory.mktemp("schemathesis") / "kpcs.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    admin_url: str = request.getfixturevalue("postgres")
    template: str = request.getfixturevalue("postgres_template")
    name = f"kpcs_fuzz_{uuid.uuid4().hex[:12]}"
    _admin_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def api(
    database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The app on that database (shared by this module's operations: requests that change
    state build on each other, as a real client's do), and a token per caller."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("schemathesis-data"), database_url=database)
    clock = FixedClock(TODAY)
    engine = make_engine(settings.sqlalchemy_url)
    headers: dict[str, str] = {}
    try:
        for caller, spec in CALLERS.items():
            if spec is not None:
                token = accounts.create_token(
                    UnitOfWork(make_session_factory(engine)),
                    OPERATOR,
                    clock,
                    role=spec[0],
                    participant=spec[1],
                )
                headers[caller] = token.secret
    finally:
        engine.dispose()
    with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
        yield client, headers


def _readable(item):  # type: ignore[no-untyped-def]
    """A multipart file part whose generated content (a negative case may make it a number)
    the HTTP client can send: as its text."""
    name, part = item
    if isinstance(part, tuple) and not isinstance(part[1], bytes | str):
        part = (part[0], str(part[1]).encode(), *part[2:])
    return name, part


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_operation_does_what_the_schema_says(api: tuple[TestClient, dict[str, str]], operation) -> None:  # type: ignore[no-untyped-def]
    client, tokens = api
    cases = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not FUZZING,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def run(case) -> None:  # type: ignore[no-untyped-def]
        # Each request as every caller: the routes of administrators and working groups are
        # exercised past their permission checks, and the refusals are checked too.
        for caller in CALLERS:
            headers = {"Authorization": f"Bearer {tokens[caller]}"} if caller in tokens else {}
            if case.headers and "authorization" in {name.lower() for name in case.headers}:
                headers = {}  # the case tries its own (generated) credentials
            kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
            if kwargs.pop("cookies", None):
                kwargs["headers"]["Cookie"] = "; ".join(f"{k}={v}" for k, v in case.cookies.items())
            if kwargs.get("files"):
                kwargs["files"] = [_readable(item) for item in kwargs["files"]]
            if isinstance(kwargs.get("data"), bytes | str):  # a raw body, not form fields
                kwargs["content"] = kwargs.pop("data")
            response = client.request(**kwargs)
            response.request.read()  # a multipart body is a stream until read; the checks look at it
            case.validate_response(response, checks=CHECKS)

    run()
