"""`kpcs log audit` against a live server: it accepts honest growth and reports a fork,
a rewrite, a shrunk log or a forged head with exit code 3, leaving its state untouched."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import sqlalchemy as sa

from kpcs.accounts.permissions import operator
from kpcs.certificates import services
from kpcs.certificates.schemas import CertificateCreate
from kpcs.clock import FixedClock
from kpcs.config import Settings
from kpcs.db import UnitOfWork, make_engine, make_session_factory
from kpcs.signing.keys import KeyFiles, KeyRing
from tests.conftest import Cli, certificate_body
from tests.factories.translog import relog_in_first_form


def _issue(settings: Settings, clock: FixedClock, count: int) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    try:
        factory = make_session_factory(engine)
        keyring = KeyRing(factory, KeyFiles(settings.data_dir / "keys"), clock)
        body = CertificateCreate.model_validate(certificate_body())
        for _ in range(count):
            services.issue_certificate(UnitOfWork(factory), operator("t"), clock, keyring, body)
    finally:
        engine.dispose()


def test_audit_accepts_growth_and_catches_forks(live_server, tmp_path: Path, clock: FixedClock) -> None:  # type: ignore[no-untyped-def]
    base, settings = live_server
    cli = Cli(settings, clock)
    state = tmp_path / "audit.json"
    _issue(settings, clock, 3)
    first = cli("log", "audit", base, "--state", str(state), "--full")
    assert first.exit_code == 0, first.output
    assert "log OK" in first.output and "pinned log key" in first.output
    saved = json.loads(state.read_text())
    assert saved["last_head"]["tree_size"] == 3 and len(saved["pinned_kids"]) == 1

    _issue(settings, clock, 4)
    grown = cli("log", "audit", base, "--state", str(state))
    assert grown.exit_code == 0 and "grew from 3" in grown.output
    good_state = state.read_text()

    # A fork: the auditor once saw a different root for size 7.
    forked = json.loads(good_state)
    forked["last_head"]["root_hash"] = base64.b64encode(b"\x07" * 32).decode()
    state.write_text(json.dumps(forked))
    result = cli("log", "audit", base, "--state", str(state))
    assert result.exit_code == 3 and "FORK" in result.output
    assert json.loads(state.read_text()) == forked  # evidence kept

    # An earlier head of size 5 with a root this log's history does not contain.
    forked["last_head"]["tree_size"] = 5
    state.write_text(json.dumps(forked))
    result = cli("log", "audit", base, "--state", str(state))
    assert result.exit_code == 3 and "does not extend" in result.output

    # The log shrank.
    shrunk = json.loads(good_state)
    shrunk["last_head"]["tree_size"] = 70
    state.write_text(json.dumps(shrunk))
    result = cli("log", "audit", base, "--state", str(state))
    assert result.exit_code == 3 and "shrank" in result.output

    # A pinned key the log no longer signs with.
    other_key = json.loads(good_state)
    other_key["pinned_kids"] = ["someone-else"]
    state.write_text(json.dumps(other_key))
    result = cli("log", "audit", base, "--state", str(state))
    assert result.exit_code == 3 and "pinned" in result.output

    # The operator rewrites an entry: the signed root no longer matches the entries.
    state.write_text(good_state)
    engine = make_engine(settings.sqlalchemy_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE certificates SET credential = credential || 'x' WHERE id = 2"))
    engine.dispose()
    result = cli("log", "audit", base, "--state", str(state), "--full")
    assert result.exit_code == 3 and "REWRITE" in result.output


def test_audit_of_an_unreachable_log_is_an_error_not_a_verdict(tmp_path: Path, cli: Cli) -> None:
    result = cli("log", "audit", "http://127.0.0.1:9", "--state", str(tmp_path / "s.json"))
    assert result.exit_code == 1 and "cannot read" in result.output
    assert not (tmp_path / "s.json").exists()


def test_audit_replays_a_log_that_holds_both_forms_of_leaf(
    live_server, tmp_path: Path, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    """Leaves of the first form (the compact JWS) stay; lines follow them; the audit passes."""
    base, settings = live_server
    cli = Cli(settings, clock)
    state = tmp_path / "audit.json"
    _issue(settings, clock, 3)
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            assert relog_in_first_form(session) == 3
            session.commit()
    finally:
        engine.dispose()
    first = cli("log", "audit", base, "--state", str(state), "--full")
    assert first.exit_code == 0, first.output
    _issue(settings, clock, 2)
    grown = cli("log", "audit", base, "--state", str(state), "--full")
    assert grown.exit_code == 0 and "grew from 3" in grown.output, grown.output
    entries = httpx.get(f"{base}/api/v1/log/entries", params={"start": 0, "end": 10}).json()["entries"]
    assert [e["leaf"].count(".") for e in entries[:3]] == [2, 2, 2]  # compact JWS
    assert all(e["leaf"].startswith("kpcs-log-entry/1 ") for e in entries[3:])


def test_the_auditor_waits_out_a_rate_limit() -> None:
    import httpx

    from kpcs.cli.log import _get

    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}, json={"detail": "too many requests"}),
            httpx.Response(200, json={"tree_size": 3}),
        ]
    )
    slept: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(lambda request: next(answers))) as client:
        assert _get(client, "https://kpcs.example.org/api/v1/log/sth", sleep=slept.append) == {"tree_size": 3}
    assert slept == [7.0]
