"""Signing keys in a hardware module (issue 17, item 10), on a real SoftHSM2 token.

The authority, log and trust-list keys are made in the token and sign there; what they sign
verifies with the ordinary verifier against the published trust list, the private halves
cannot be read out of the token, and no key file is written.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pkcs11
import pydantic
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from nacl.signing import VerifyKey
from pkcs11 import Attribute, ObjectClass
from sqlalchemy.orm import Session, sessionmaker

from kpcs.accounts.models import Role
from kpcs.certificates.verification import verify_offline
from kpcs.config import Settings
from kpcs.errors import ConfigurationError
from kpcs.signing.domain import KeyPurpose, KeyStorage
from kpcs.signing.jws import b64url_decode, parse_compact
from kpcs.signing.models import SigningKey
from kpcs.signing.pkcs11 import Pkcs11Token
from kpcs.signing.trust_list import TrustList, open_signed_trust_list
from kpcs.translog.heads import Head, head_problems
from tests.conftest import TODAY, auth, certificate_body
from tests.softhsm import SoftHsm


def _hsm_settings(base: Settings, hsm: SoftHsm, **changes: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": base.data_dir,
        "database_url": base.database_url,
        "key_store": KeyStorage.PKCS11,
        "pkcs11_module": hsm.module,
        "pkcs11_token": hsm.token,
        "pkcs11_pin": hsm.pin,
    }
    return Settings(**(values | changes))  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, tmp_path: Path, softhsm: SoftHsm) -> Settings:
    """This test's database and data directory, with new keys made in the SoftHSM token."""
    return _hsm_settings(Settings(data_dir=tmp_path / "data", database_url=database_url), softhsm)


def _row(session_factory: sessionmaker[Session], kid: str) -> SigningKey:
    with session_factory() as session:
        row = session.get(SigningKey, kid)
        assert row is not None
        return row


def _private_key_object(hsm: SoftHsm, label: str) -> dict[str, object]:
    """Read the private key's attributes straight from the token, as an attacker with the PIN
    would, and try to read the key itself."""
    token = pkcs11.lib(str(hsm.module)).get_token(token_label=hsm.token)
    # The process is logged in already (kpcs's own session): this session shares that login.
    with token.open() as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
        try:
            value = key[Attribute.VALUE]
        except pkcs11.exceptions.AttributeSensitive:
            value = None
        return {
            "extractable": key[Attribute.EXTRACTABLE],
            "sensitive": key[Attribute.SENSITIVE],
            "value": value,
        }


def test_a_certificate_signed_in_the_module_verifies_against_the_trust_list(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, settings: Settings, session_factory, softhsm: SoftHsm
) -> None:
    issued = client.post(
        "/api/v1/certificates", json=certificate_body(), headers=auth(make_token(Role.AUTHORITY, "BW"))
    )
    assert issued.status_code == 201, issued.text
    credential = issued.json()["credential"]
    kid = parse_compact(credential).header["kid"]

    row = _row(session_factory, kid)
    assert row.storage is KeyStorage.PKCS11 and row.hsm_label
    # The published key is the token's public key, and the ordinary verifier accepts the credential.
    token = Pkcs11Token(settings.pkcs11_config())
    trust = TrustList.from_jwks(client.get("/api/v1/trust-list").json())
    assert trust.keys[kid].x == token.public_x(row.hsm_label)
    assert verify_offline(credential, trust, now=TODAY).valid
    assert client.post("/api/v1/verify", json={"credential": credential}).json()["valid"] is True

    # The private half cannot leave the token, and no key file was written.
    assert _private_key_object(softhsm, row.hsm_label) == {
        "extractable": False,
        "sensitive": True,
        "value": None,
    }
    assert token.attributes(row.hsm_label)["never_extractable"] is True
    keys_dir = settings.data_dir / "keys"
    assert not keys_dir.exists() or list(keys_dir.iterdir()) == []


def test_log_heads_and_the_signed_trust_list_are_signed_in_the_module(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, session_factory
) -> None:
    headers = auth(make_token(Role.AUTHORITY, "BW"))
    assert client.post("/api/v1/certificates", json=certificate_body(), headers=headers).status_code == 201

    sth = client.get("/api/v1/log/sth").json()
    assert sth["tree_size"] == 1
    trust = TrustList.from_jwks(client.get("/api/v1/trust-list").json())
    assert head_problems(Head.from_dict(sth), trust) == []
    log_kid = parse_compact(sth["signature"]).header["kid"]
    log_row = _row(session_factory, log_kid)
    assert (log_row.purpose, log_row.storage) == (KeyPurpose.LOG, KeyStorage.PKCS11)

    signed = open_signed_trust_list(client.get("/api/v1/trust-list/signed").text.strip())
    assert _row(session_factory, signed.signer_kid).storage is KeyStorage.PKCS11
    assert set(trust.keys) < set(signed.trust_list.keys)  # and the trust-list key itself


def test_cli_rotates_a_file_key_into_the_module(  # type: ignore[no-untyped-def]
    tmp_path: Path, database_url: str, softhsm: SoftHsm, clock, make_token, session_factory
) -> None:
    from tests.conftest import Cli

    pin_file = tmp_path / "pin"
    pin_file.write_text(softhsm.pin + "\n")
    # Keys are files by default; the token is configured (PIN from a file) for the rotation.
    base = Settings(data_dir=tmp_path / "data", database_url=database_url)
    settings = _hsm_settings(
        base, softhsm, key_store=KeyStorage.FILE, pkcs11_pin=None, pkcs11_pin_file=pin_file
    )
    cli = Cli(settings, clock)
    from kpcs.web.app import create_app

    with TestClient(create_app(settings, clock=clock)) as client:
        headers = auth(make_token(Role.AUTHORITY, "BW"))
        before = client.post("/api/v1/certificates", json=certificate_body(), headers=headers).json()
        old_kid = parse_compact(before["credential"]).header["kid"]
        assert _row(session_factory, old_kid).storage is KeyStorage.FILE
        assert (settings.data_dir / "keys" / f"{old_kid}.pem").stat().st_mode & 0o777 == 0o600

        rotated = cli("keys", "rotate", "--participant", "BW", "--store", "pkcs11")
        assert rotated.exit_code == 0, rotated.output
        assert "in pkcs11" in rotated.output
        listed = json.loads(cli("keys", "list", "--participant", "BW", "--json").output)
        by_status = {k["status"]: k for k in listed}  # the fixed clock gives both the same date
        assert (by_status["active"]["storage"], by_status["retired"]["storage"]) == ("pkcs11", "file")
        assert by_status["active"]["hsm_label"].startswith("kpcs-")

        after = client.post("/api/v1/certificates", json=certificate_body(), headers=headers).json()
        new_kid = parse_compact(after["credential"]).header["kid"]
        assert new_kid != old_kid and _row(session_factory, new_kid).storage is KeyStorage.PKCS11
        assert not (settings.data_dir / "keys" / f"{new_kid}.pem").exists()
        for credential in (before["credential"], after["credential"]):
            assert client.post("/api/v1/verify", json={"credential": credential}).json()["valid"] is True

    # The signature is plain Ed25519 over the JWS signing input.
    parsed = parse_compact(after["credential"])
    trust_x = _row(session_factory, new_kid).public_x
    VerifyKey(b64url_decode(trust_x)).verify(parsed.signing_input, parsed.signature)


def test_cli_refuses_the_module_when_none_is_configured(tmp_path: Path, database_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import Cli

    cli = Cli(Settings(data_dir=tmp_path / "data", database_url=database_url), clock)
    result = cli("keys", "rotate", "--participant", "BW", "--store", "pkcs11")
    assert result.exit_code == 1
    assert "KPCS_PKCS11_MODULE" in result.output


def test_incomplete_or_wrong_module_settings_are_refused(tmp_path: Path, softhsm: SoftHsm) -> None:
    with pytest.raises(pydantic.ValidationError, match="KPCS_PKCS11_MODULE"):
        Settings(data_dir=tmp_path, key_store=KeyStorage.PKCS11)
    with pytest.raises(pydantic.ValidationError, match="KPCS_PKCS11_PIN"):
        Settings(data_dir=tmp_path, pkcs11_module=softhsm.module, pkcs11_token=softhsm.token)
    no_token = _hsm_settings(Settings(data_dir=tmp_path), softhsm, pkcs11_token="no-such-token")
    with pytest.raises(ConfigurationError, match="no-such-token"):
        Pkcs11Token(no_token.pkcs11_config()).generate()


def test_a_wrong_pin_is_named_by_the_cli(tmp_path: Path, softhsm: SoftHsm, sqlite_template: Path) -> None:
    # A process of its own: in this one the token is logged in already by the other tests.
    database = tmp_path / "kpcs.db"
    shutil.copyfile(sqlite_template, database)
    environment = os.environ | {
        "KPCS_DATA_DIR": str(tmp_path / "data"),
        "KPCS_DATABASE_URL": f"sqlite:///{database}",
        "KPCS_PKCS11_MODULE": str(softhsm.module),
        "KPCS_PKCS11_TOKEN": softhsm.token,
        "KPCS_PKCS11_PIN": "0000-wrong",
        "SOFTHSM2_CONF": str(softhsm.conf),
    }
    result = subprocess.run(
        [sys.executable, "-m", "kpcs.cli", "keys", "rotate", "--purpose", "log", "--store", "pkcs11"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"the PIN of token {softhsm.token!r} is wrong" in result.stderr
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM signing_keys").fetchone() == (0,)


def test_a_key_missing_from_the_token_is_a_clear_error(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, session_factory, settings: Settings
) -> None:
    headers = auth(make_token(Role.AUTHORITY, "BW"))
    assert client.post("/api/v1/certificates", json=certificate_body(), headers=headers).status_code == 201
    with session_factory() as session:
        row = session.scalars(sa.select(SigningKey).where(SigningKey.owner == "BW")).one()
    token = Pkcs11Token(settings.pkcs11_config())
    with pytest.raises(ConfigurationError, match="not the one in the key table"):
        token.private_key(row.hsm_label or "", expected_x="A" * 43)
    with pytest.raises(ConfigurationError, match="no key labelled"):
        token.private_key("kpcs-missing", expected_x=row.public_x)


def test_a_backup_names_the_module_keys_and_a_node_on_the_same_token_signs_with_them(  # type: ignore[no-untyped-def]
    client: TestClient, make_token, settings: Settings, clock, tmp_path: Path, softhsm: SoftHsm
) -> None:
    from kpcs.web.app import create_app
    from tests.conftest import Cli

    headers = auth(make_token(Role.AUTHORITY, "BW"))
    before = client.post("/api/v1/certificates", json=certificate_body(), headers=headers).json()
    kid = parse_compact(before["credential"]).header["kid"]
    backup = tmp_path / "hsm.kpcs-backup"
    assert Cli(settings, clock)("backup", "--out", str(backup)).exit_code == 0
    with tarfile.open(backup) as archive:
        assert not [name for name in archive.getnames() if name.startswith("files/keys/")]
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert {(k["kid"], k["storage"]) for k in manifest["keys"]} >= {(kid, "pkcs11")}
    assert all(k["hsm_label"] for k in manifest["keys"])

    # A node without the token restores (and says it cannot sign); one with it checks the keys.
    bare = Settings(data_dir=tmp_path / "bare", database_url=f"sqlite:///{tmp_path / 'bare.db'}")
    warned = Cli(bare, clock)("restore", str(backup))
    assert warned.exit_code == 0, warned.output
    assert "live in a PKCS#11 token" in warned.output
    restored = _hsm_settings(
        Settings(data_dir=tmp_path / "node", database_url=f"sqlite:///{tmp_path / 'n.db'}"), softhsm
    )
    result = Cli(restored, clock)("restore", str(backup))
    assert result.exit_code == 0, result.output
    assert "integrity: ok" in result.output and "0 key file(s)" in result.output
    assert f"{len(manifest['keys'])} key(s) on the token" in result.output
    with TestClient(create_app(restored, clock=clock)) as node:
        assert node.post("/api/v1/verify", json={"credential": before["credential"]}).json()["valid"] is True
        token = Cli(restored, clock)("tokens", "create", "--participant", "BW", "--role", "authority")
        issued = node.post(
            "/api/v1/certificates",
            json=certificate_body(),
            headers=auth(token.output.strip().splitlines()[-1]),
        )
        assert issued.status_code == 201, issued.text
        assert parse_compact(issued.json()["credential"]).header["kid"] == kid  # the same key, in the token
