"""`kpcs certificates`, `kpcs keys`, `kpcs trust-list`, `kpcs verify` and `kpcs fraud`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Cli, certificate_body
from tests.factories.forgery import resign_as


def _issue(cli: Cli, tmp_path: Path, **changes: object) -> str:
    body = tmp_path / "certificate.json"
    body.write_text(json.dumps(certificate_body(**changes)))
    result = cli("certificates", "issue", "--file", str(body))
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_issue_from_file_then_list_show_pdf(cli: Cli, tmp_path: Path) -> None:
    number = _issue(cli, tmp_path)
    assert number == "BW-2025-000001"
    listed = json.loads(cli("certificates", "list", "--json").output)
    assert [c["number"] for c in listed] == [number]
    shown = json.loads(cli("certificates", "show", number).output)
    assert shown["timeline"][0]["actor"].startswith("cli:")
    out = tmp_path / "cert.pdf"
    assert cli("certificates", "pdf", number, "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"%PDF-")


def test_issue_errors_name_the_problem(cli: Cli, tmp_path: Path) -> None:
    missing = cli("certificates", "issue", "--file", str(tmp_path / "nope.json"))
    assert missing.exit_code == 1 and "cannot read" in missing.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = cli("certificates", "issue", "--file", str(broken))
    assert result.exit_code == 1 and "line 1" in result.output
    refused = tmp_path / "refused.json"
    refused.write_text(
        json.dumps(
            certificate_body(lines=[{"hs_code": "7104.21", "origin": "BW", "carats": 1, "value_usd": 1}])
        )
    )
    result = cli("certificates", "issue", "--file", str(refused))
    assert result.exit_code == 1 and "synthetic" in result.output and "Traceback" not in result.output


def test_confirm_cancel_unconfirmed(cli: Cli, tmp_path: Path) -> None:
    first = _issue(cli, tmp_path)
    second = _issue(cli, tmp_path)
    confirmed = cli("certificates", "confirm", first, "--received-on", "2025-03-03", "--carats", "1700")
    assert confirmed.exit_code == 0 and "differences" in confirmed.output
    assert cli("certificates", "cancel", second, "--reason", "printing_error").exit_code == 0
    again = cli("certificates", "cancel", second, "--reason", "printing_error")
    assert again.exit_code == 1 and "already cancelled" in again.output
    assert json.loads(cli("certificates", "unconfirmed", "--days", "0", "--json").output) == []


def test_remind_the_importer(cli: Cli, tmp_path: Path) -> None:
    body = tmp_path / "shipment.json"
    body.write_text(json.dumps(certificate_body()))
    first = cli("certificates", "issue", "--file", str(body)).output.strip().splitlines()[-1]
    second = cli("certificates", "issue", "--file", str(body)).output.strip().splitlines()[-1]
    one = cli("certificates", "remind", first, "--note", "Courier reports delivery")
    assert one.exit_code == 0 and f"reminder sent for {first} (here)" in one.output
    every = cli("certificates", "remind", "--unconfirmed-days", "0")
    assert every.exit_code == 0, every.output
    assert f"reminder sent for {second}" in every.output
    assert f"not sent for {first}: a reminder already went today" in every.output
    assert "1 reminder(s) sent, 1 not sent" in every.output
    listed = json.loads(cli("certificates", "unconfirmed", "--days", "0", "--json").output)
    assert {r["number"]: r["reminders"] for r in listed} == {first: 1, second: 1}
    neither = cli("certificates", "remind")
    assert neither.exit_code == 1 and "give a certificate number, or --unconfirmed-days" in neither.output
    both = cli("certificates", "remind", first, "--unconfirmed-days", "0")
    assert both.exit_code == 1 and "not both" in both.output


def test_keys_rotate_revoke_and_offline_verify(cli: Cli, tmp_path: Path) -> None:
    number = _issue(cli, tmp_path)
    credential = json.loads(cli("certificates", "show", number).output)["credential"]
    saved = tmp_path / "trust-list.jws"
    exported = cli("trust-list", "export", "--out", str(saved))
    assert exported.exit_code == 0
    signer = exported.output.split("signed by ")[1].split()[0]

    ok = cli("verify", credential, "--trust-list", str(saved), "--pin", signer)
    assert ok.exit_code == 0 and "VALID" in ok.output and "offline" in ok.output
    online = cli("verify", credential)
    assert online.exit_code == 0
    wrong_pin = cli("verify", credential, "--trust-list", str(saved), "--pin", "someone-else")
    assert wrong_pin.exit_code == 1 and "pinned" in wrong_pin.output

    keys = json.loads(cli("keys", "list", "--json").output)
    old_kid = next(k["kid"] for k in keys if k["owner"] == "BW")
    rotated = cli("keys", "rotate", "--participant", "BW")
    assert rotated.exit_code == 0
    assert _issue(cli, tmp_path) != number
    assert cli("verify", credential).exit_code == 0  # a retired key still verifies its own window
    assert cli("keys", "revoke", "--reason", "the laptop was stolen", "--", old_kid).exit_code == 0
    revoked = cli("verify", credential, "--json")
    assert revoked.exit_code == 1 and "revoked" in json.loads(revoked.output)["problems"][0]
    # an offline verifier learns of the revocation from a fresh trust list
    cli("trust-list", "export", "--out", str(saved))
    assert cli("verify", credential, "--trust-list", str(saved)).exit_code == 1
    assert cli("keys", "rotate").exit_code == 1  # which participant?


def test_verify_online_refuses_what_was_never_issued_and_offline_says_it_cannot_tell(
    cli: Cli, tmp_path: Path
) -> None:
    number = _issue(cli, tmp_path)
    credential = json.loads(cli("certificates", "show", number).output)["credential"]
    forged = resign_as(credential, cli.settings.data_dir / "keys", number="BW-2025-999999")
    online = cli("verify", forged)
    assert online.exit_code == 1 and "NOT VALID" in online.output
    assert "no record of a certificate numbered BW-2025-999999" in online.output
    assert cli("verify", credential).exit_code == 0
    saved = tmp_path / "trust-list.jws"
    assert cli("trust-list", "export", "--out", str(saved)).exit_code == 0
    # Offline, the forgery is indistinguishable, and the verifier is told what went unchecked.
    offline = cli("verify", forged, "--trust-list", str(saved))
    assert offline.exit_code == 0 and "VALID" in offline.output
    assert "Offline, not checked" in offline.output
    assert "that the certificate was issued" in offline.output and "transparency log" in offline.output
    assert "its current status" in offline.output
    as_json = json.loads(cli("verify", forged, "--trust-list", str(saved), "--json").output)
    assert [line.split(":")[0] for line in as_json["not_checked"]] == [
        "that the certificate was issued",
        "its current status",
    ]
    assert json.loads(cli("verify", credential, "--json").output)["not_checked"] == []


def test_verify_reads_a_file_and_rejects_garbage(cli: Cli, tmp_path: Path) -> None:
    garbage = cli("verify", "not-a-credential")
    assert garbage.exit_code == 1 and "three parts" in garbage.output
    number = _issue(cli, tmp_path)
    path = tmp_path / "credential.txt"
    path.write_text(json.loads(cli("certificates", "show", number).output)["credential"])
    assert cli("verify", f"@{path}").exit_code == 0
    # A trust list that is not one: the error names the file and why, never a traceback.
    broken = tmp_path / "keys.json"
    broken.write_text('{"keys": [')
    refused = cli("verify", f"@{path}", "--trust-list", str(broken))
    assert refused.exit_code == 1 and "is not valid JSON" in refused.output and "keys.json" in refused.output
    page = tmp_path / "trust-list.html"
    page.write_text("<!doctype html><html><title>Not found</title></html>")
    refused = cli("verify", f"@{path}", "--trust-list", str(page))
    assert refused.exit_code == 1 and "is a web page, not a trust list" in refused.output


def test_fraud_register(cli: Cli, tmp_path: Path) -> None:
    evidence = tmp_path / "scan.png"
    evidence.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    filed = cli(
        "fraud",
        "report",
        "--number",
        "KE 0042",
        "--claimed-participant",
        "ke",
        "--notes",
        "intercepted in Antwerp; Kenya is not a participant",
        "--evidence",
        str(evidence),
    )
    assert filed.exit_code == 0, filed.output
    listed = json.loads(cli("fraud", "list", "--json").output)
    assert listed[0]["claimed_participant"] == "KE" and listed[0]["has_evidence"]
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    refused = cli(
        "fraud",
        "report",
        "--number",
        "X1",
        "--claimed-participant",
        "ZZ",
        "--notes",
        "x",
        "--evidence",
        str(bad),
    )
    assert refused.exit_code == 1 and "claimed_participant" in refused.output and "evidence" in refused.output


def test_set_validity(cli: Cli, tmp_path: Path) -> None:
    assert (
        cli("participants", "set-validity", "BW", "--default-days", "30", "--max-days", "90").exit_code == 0
    )
    number = _issue(cli, tmp_path)
    assert json.loads(cli("certificates", "show", number).output)["expires_on"] == "2025-04-02"
    refused = cli("participants", "set-validity", "BW", "--default-days", "100", "--max-days", "90")
    assert refused.exit_code == 1 and "default_validity_days" in refused.output
