"""The `kpcs` command line: the contract's commands, clear errors, exit codes."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from kpcs.config import Environment
from tests.conftest import Cli, auth

KPCS = [sys.executable, "-m", "kpcs.cli"]


def test_tokens_create_prints_token_last_and_it_works(cli: Cli, client: TestClient) -> None:
    result = cli("tokens", "create", "--participant", "BW", "--role", "authority")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("kpcs_")
    me = client.get("/api/v1/me", headers=auth(token)).json()
    assert me["participant"] == "BW" and me["roles"] == ["authority"]
    listed = json.loads(cli("tokens", "list", "--json").output)
    assert listed[0]["participant_code"] == "BW" and token not in json.dumps(listed)
    revoke = cli("tokens", "revoke", str(listed[0]["id"]))
    assert revoke.exit_code == 0
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    again = cli("tokens", "revoke", str(listed[0]["id"]))
    assert again.exit_code == 1 and "already revoked" in again.output


def test_token_errors_are_one_line_not_a_traceback(cli: Cli) -> None:
    result = cli("tokens", "create", "--participant", "XX", "--role", "authority")
    assert result.exit_code == 1
    assert "no participant with code 'XX'" in result.output and "Traceback" not in result.output
    bad_role = cli("tokens", "create", "--role", "king")
    assert bad_role.exit_code == 1 and "unknown role 'king'" in bad_role.output
    usage = cli("tokens", "create")
    assert usage.exit_code == 2


def test_participants_list_json_matches_the_api(cli: Cli, client: TestClient) -> None:
    result = cli("participants", "list", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == client.get("/api/v1/participants").json()
    restricted = json.loads(
        cli("participants", "list", "--json", "--on", "2016-06-01", "--status", "restricted").output
    )
    assert [p["code"] for p in restricted] == ["CF"]
    shown = cli("participants", "show", "CF")
    assert shown.exit_code == 0 and "Status history" in shown.output
    assert cli("participants", "show", "XX").exit_code == 1


def test_set_status_and_audit(cli: Cli) -> None:
    result = cli(
        "participants",
        "set-status",
        "ZW",
        "--status",
        "restricted",
        "--effective-on",
        "2025-03-03",
        "--reason",
        "Decision 7",
        "--zone",
        "Marange",
        "--zone",
        "Murowa",
    )
    assert result.exit_code == 0, result.output
    detail = json.loads(cli("participants", "show", "ZW", "--json").output)
    assert detail["status"] == "restricted" and detail["zones"] == ["Marange", "Murowa"]
    events = json.loads(cli("audit", "--json", "--tag", "participant:").output)
    assert events[0]["actor"] == f"cli:{getpass.getuser()}" and events[0]["after"]["zones"] == [
        "Marange",
        "Murowa",
    ]
    refused = cli(
        "participants",
        "set-status",
        "ZW",
        "--status",
        "suspended",
        "--effective-on",
        "2020-01-01",
        "--reason",
        "backdated",
    )
    assert refused.exit_code == 1 and "history is never rewritten" in refused.output
    table = cli("audit", "--tag", "participant:", "--limit", "1").output
    assert "Audit log" in table and "zones:" in table and "Marange" in table
    assert "{'" not in table  # key by key, as the audit page shows it, not Python's repr
    day = ["--tag", "participant:", "--json"]
    assert json.loads(cli("audit", *day, "--since", "2025-03-03", "--until", "2025-03-03").output)
    assert json.loads(cli("audit", *day, "--since", "2025-03-04").output) == []
    assert json.loads(cli("audit", *day, "--until", "2025-03-02").output) == []
    assert cli("audit", "--since", "03/03/2025").exit_code == 2  # a usage error, named by the option
    backwards = cli("audit", "--since", "2025-03-04", "--until", "2025-03-03")
    assert backwards.exit_code == 1 and "error:" in backwards.output


def test_users(cli: Cli, client: TestClient) -> None:
    created = cli(
        "users",
        "create",
        "clerk",
        "--name",
        "A Clerk",
        "--role",
        "authority",
        "--participant",
        "IN",
        "--password-stdin",
        input="a long password\n",
    )
    assert created.exit_code == 0, created.output
    users = json.loads(cli("users", "list", "--json").output)
    assert users[0]["username"] == "clerk" and users[0]["roles"] == ["authority"]
    assert "password" not in json.dumps(users).replace("password_", "")
    response = client.post(
        "/sign-in", data={"username": "clerk", "password": "a long password"}, follow_redirects=False
    )
    assert response.status_code == 303
    short = cli("users", "set-password", "clerk", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    assert cli("users", "deactivate", "clerk").exit_code == 0
    assert cli("users", "deactivate", "clerk").exit_code == 1


def test_demo_seed_once(cli: Cli) -> None:
    first = cli("demo", "seed")
    assert first.exit_code == 0 and "admin" in first.output and "demo-admin-pass" in first.output
    second = cli("demo", "seed")
    assert second.exit_code == 0 and "already has 6 user(s)" in second.output


def test_demo_refused_in_production(cli: Cli) -> None:
    cli.settings = cli.settings.model_copy(update={"environment": Environment.PRODUCTION})
    result = cli("demo", "seed")
    assert result.exit_code == 1 and "production" in result.output


def test_real_entry_point_on_a_fresh_data_dir(tmp_path: Path) -> None:
    """What `make run` does, in a subprocess: upgrade twice (idempotent), seed, list."""
    env = os.environ | {"KPCS_DATA_DIR": str(tmp_path / "var")}
    env.pop("KPCS_DATABASE_URL", None)
    first = subprocess.run([*KPCS, "db", "upgrade"], env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert "added" in first.stdout and (tmp_path / "var" / "kpcs.db").exists()
    # The database holds accounts and every certificate: only its owner may read it.
    assert (tmp_path / "var" / "kpcs.db").stat().st_mode & 0o777 == 0o600
    second = subprocess.run([*KPCS, "db", "upgrade"], env=env, capture_output=True, text=True, check=False)
    assert "registry up to date" in second.stdout
    check = subprocess.run([*KPCS, "db", "check"], env=env, capture_output=True, text=True, check=False)
    assert check.returncode == 0 and "agree" in check.stdout
    listed = subprocess.run(
        [*KPCS, "participants", "list", "--json"], env=env, capture_output=True, text=True, check=False
    )
    assert len(json.loads(listed.stdout)) > 55
    token = subprocess.run(
        [*KPCS, "tokens", "create", "--participant", "EU", "--role", "authority"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert token.stdout.strip().splitlines()[-1].startswith("kpcs_")
    broken = subprocess.run(
        [*KPCS, "db", "upgrade"],
        env=env | {"KPCS_DATABASE_URL": "nonsense://"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert broken.returncode == 1 and "Traceback" not in broken.stderr, broken.stderr
