"""``kpcs verify``: check a credential, offline from a saved trust list or on this server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kpcs.cli.output import console, print_json
from kpcs.cli.state import state
from kpcs.errors import InvalidInput

if TYPE_CHECKING:
    from kpcs.certificates.verification import Verification
    from kpcs.signing.trust_list import TrustList

STALE_AFTER_DAYS = 7


def _load_trust_list(path: Path, pin: str | None) -> tuple[TrustList, str]:
    from kpcs.signing.trust_list import TrustList, open_signed_trust_list

    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InvalidInput.field("trust-list", f"cannot read {path}: {exc.strerror}") from None
    if text.startswith("{"):
        if pin:
            raise InvalidInput.field(
                "pin", "a plain JWKS is not signed: use the signed trust list to pin a key"
            )
        try:
            jwks = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput.field("trust-list", f"{path} is not valid JSON: {exc}") from None
        return TrustList.from_jwks(jwks), "unsigned JWKS file (not authenticated)"
    if text.lstrip().lower().startswith(("<!doctype", "<html")):
        raise InvalidInput.field(
            "trust-list",
            f"{path} is a web page, not a trust list: save /api/v1/trust-list (a JWKS) "
            "or use `kpcs trust-list fetch`",
        )
    opened = open_signed_trust_list(text, pinned_kid=pin)
    age = (datetime.now(UTC) - opened.issued_at).days
    note = f"signed trust list of {opened.issued_at:%Y-%m-%d}, signer {opened.signer_kid}"
    if age > STALE_AFTER_DAYS:
        note += f" — {age} days old: fetch a fresh one to learn of revoked keys"
    if not pin:
        note += " (signer not pinned)"
    return opened.trust_list, note


def verify(
    ctx: typer.Context,
    credential: Annotated[
        str, typer.Argument(help="the compact JWS, a KPC1: QR text, or @FILE to read it from")
    ],
    trust_list: Annotated[
        Path | None, typer.Option("--trust-list", help="saved trust list: verify offline")
    ] = None,
    pin: Annotated[str | None, typer.Option(help="kid the trust list must be signed by")] = None,
    json_: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Verify a certificate credential; exit 0 if valid, 1 if not."""
    cli = state(ctx)
    text = credential
    if credential.startswith("@"):
        try:
            text = Path(credential[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInput.field("credential", f"cannot read {credential[1:]}: {exc.strerror}") from None
    result: Verification
    if trust_list is not None:
        # Offline: the credential and the saved trust list are all it reads (no settings, no database).
        from kpcs.certificates.verification import NOT_CHECKED_OFFLINE, credential_text, verify_offline

        keys, note = _load_trust_list(trust_list, pin)
        result = verify_offline(credential_text(text), keys, now=cli.clock.now())
        not_checked = list(NOT_CHECKED_OFFLINE)
    else:
        from kpcs.certificates.verifying import verify_online

        with cli.session_factory() as session:
            result = verify_online(session, cli.keyring, cli.clock, text)
        note = f"checked against this server's trust list, registry and log ({cli.settings.sqlalchemy_url.split('://')[0]})"
        not_checked = []
    if json_:
        print_json(result.as_dict() | {"checked_with": note, "not_checked": not_checked})
    else:
        verdict = "[green]VALID[/green]" if result.valid else "[red]NOT VALID[/red]"
        console.print(f"{verdict} {result.number or ''} (status {result.status})")
        for problem in result.problems:
            console.print(f"  - {problem}", highlight=False)
        if not_checked:
            console.print("Offline, not checked (verify online for these):", highlight=False)
            for what in not_checked:
                console.print(f"  - {what}", highlight=False)
        console.print(f"[dim]{note}[/dim]", highlight=False)
    raise typer.Exit(0 if result.valid else 1)
