"""What a `kpcs` command loads: help and verification import only what they use (issue 15).

Each command runs in a fresh interpreter, through the console script's entry point
(`kpcs.cli:main`), and writes the names in `sys.modules` to a file as it exits. What is held
here is *which* modules a command loads, since that is what its start-up time follows; the
times themselves are measured by `make bench` (area `cli`), never in a pass/fail test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from kpcs.certificates.qr import encode_qr_text
from kpcs.cli import app
from tests.conftest import Cli, certificate_body

# Runs `kpcs ARGS...` as the console script does, and lists the loaded modules at exit
# (after the command's own SystemExit, whatever its exit code).
PROBE = """
import atexit, sys
report, sys.argv = sys.argv[1], ["kpcs", *sys.argv[2:]]
def _report():
    with open(report, "w") as out:
        out.write("\\n".join(sorted(sys.modules)))
atexit.register(_report)
from kpcs.cli import main
main()
"""

# No command below needs any of these: the web app and its server and templates, the
# statistics engine and its charts, PDFs, spreadsheets, QR images (reading a photo or drawing
# a symbol; a QR code's `KPC1:` text is decoded without them), migrations, the HTTP client
# (only `trust-list fetch`, `log audit` and the exchange use the network) and password hashing.
NEVER_NEEDED = (
    "kpcs.web",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "matplotlib",
    "numpy",
    "polars",
    "duckdb",
    "pyarrow",
    "fpdf",
    "openpyxl",
    "PIL",
    "zxingcpp",
    "segno",
    "alembic",
    "httpx",
    "argon2",
)
# Offline verification reads a credential and a saved trust list: no database, no settings,
# and no signing (joserfc, and cryptography for private keys): libsodium checks the signature.
OFFLINE = (
    *NEVER_NEEDED,
    "sqlalchemy",
    "psycopg",
    "pydantic_settings",
    "kpcs.db",
    "kpcs.config",
    "joserfc",
    "cryptography",
)
# Help is built from the commands' signatures alone: no kpcs service, model or signature
# code. (pydantic is not in this list: Typer itself uses it to convert options.)
HELP = (*OFFLINE, "nacl", "kpcs.signing.jws", "kpcs.certificates.verification")


def _loaded(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """Run `kpcs ARGS...` in a fresh interpreter: the modules it loaded, and its stdout."""
    report = tmp_path / "modules.txt"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "KPCS_DATA_DIR": str(tmp_path / "data"), **(env or {})},
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return set(report.read_text().splitlines()), done.stdout


def _unneeded(modules: set[str], forbidden: Iterable[str]) -> list[str]:
    """The forbidden packages that were loaded (a package counts once, however many of its modules)."""
    return sorted(f for f in forbidden if any(m == f or m.startswith(f + ".") for m in modules))


COMMANDS = sorted(
    [str(group.name) for group in app.registered_groups]
    + [str(command.name) for command in app.registered_commands]
)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_loads_no_service(tmp_path: Path, command: str | None) -> None:
    args = ["--help"] if command is None else [command, "--help"]
    modules, output = _loaded(tmp_path, *args)
    assert "Usage:" in output
    assert _unneeded(modules, HELP) == []


@pytest.fixture
def issued(cli: Cli, tmp_path: Path) -> tuple[str, str, Path]:
    """A credential, the kid that signs the trust list, and the saved signed trust list."""
    body = tmp_path / "shipment.json"
    body.write_text(json.dumps(certificate_body()))
    number = cli("certificates", "issue", "--file", str(body)).output.strip().splitlines()[-1]
    credential = json.loads(cli("certificates", "show", number).output)["credential"]
    saved = tmp_path / "trust-list.jws"
    exported = cli("trust-list", "export", "--out", str(saved)).output
    return credential, exported.split("signed by ")[1].split()[0], saved


# One backend is enough: a command's imports do not depend on where its data lives.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("form", ["jws", "qr-text"])
def test_offline_verify_loads_no_database(issued: tuple[str, str, Path], tmp_path: Path, form: str) -> None:
    credential, signer, saved = issued
    text = tmp_path / "credential.txt"
    text.write_text(credential if form == "jws" else encode_qr_text(credential))
    modules, output = _loaded(tmp_path, "verify", f"@{text}", "--trust-list", str(saved), "--pin", signer)
    assert "BW-2025-000001" in output and "offline" in output  # it did verify (valid or, by now, expired)
    assert _unneeded(modules, OFFLINE) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_online_verify_loads_the_database_only(
    issued: tuple[str, str, Path], cli: Cli, tmp_path: Path
) -> None:
    credential, _signer, _saved = issued
    settings = cli.settings
    modules, output = _loaded(
        tmp_path,
        "verify",
        credential,
        env={"KPCS_DATA_DIR": str(settings.data_dir), "KPCS_DATABASE_URL": settings.sqlalchemy_url},
    )
    assert "BW-2025-000001" in output and "this server" in output
    assert "sqlalchemy" in modules
    assert _unneeded(modules, NEVER_NEEDED) == []
