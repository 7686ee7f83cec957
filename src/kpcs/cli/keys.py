"""``kpcs keys`` and ``kpcs trust-list``: signing keys and the trust list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state
from kpcs.errors import KPCSError
from kpcs.signing.domain import INSTANCE_OWNER, KeyPurpose, KeyStorage

keys_app = typer.Typer(
    help="Signing keys: list, rotate (in key files or a PKCS#11 hardware module), revoke.",
    no_args_is_help=True,
)
trust_app = typer.Typer(help="The trust list for offline verification.", no_args_is_help=True)


def _owner_and_purpose(participant: str | None, purpose: KeyPurpose) -> tuple[KeyPurpose, str]:
    if purpose is KeyPurpose.CERTIFICATES:
        if not participant:
            raise KPCSError("name the participant whose certificate key to rotate: --participant BW")
        return purpose, participant.upper()
    return purpose, INSTANCE_OWNER


@keys_app.command("list")
def list_(
    ctx: typer.Context,
    participant: Annotated[
        str | None, typer.Option(help="only this owner (a participant code, or kpcs)")
    ] = None,
    json_: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every key with its status and validity window."""
    from kpcs.signing.keys import list_keys

    cli = state(ctx)
    with cli.session_factory() as session:
        rows = list_keys(session, cli.principal, owner=participant)
    if json_:
        print_json([r.__dict__ for r in rows])
        return
    print_table(
        "Signing keys",
        ["kid", "purpose", "owner", "status", "stored in", "from", "until", "revoked"],
        [
            (
                r.kid,
                r.purpose,
                r.owner,
                r.status,
                f"pkcs11:{r.hsm_label}" if r.hsm_label else r.storage,
                f"{r.created_at:%Y-%m-%d}",
                f"{r.retired_at:%Y-%m-%d}" if r.retired_at else "",
                r.revoked_reason or "",
            )
            for r in rows
        ],
    )


@keys_app.command("rotate")
def rotate(
    ctx: typer.Context,
    participant: Annotated[str | None, typer.Option(help="participant whose certificate key rotates")] = None,
    purpose: Annotated[
        KeyPurpose, typer.Option(help="certificates, log or trust-list")
    ] = KeyPurpose.CERTIFICATES,
    store: Annotated[
        KeyStorage | None,
        typer.Option(
            help="where the new key is made: file (data dir) or pkcs11 (the token of KPCS_PKCS11_*, "
            "never leaving it); default KPCS_KEY_STORE"
        ),
    ] = None,
) -> None:
    """Retire the active key (it still verifies what it signed) and start a new one.

    Also how a first key is made in the hardware module: `kpcs keys rotate --purpose log --store pkcs11`.
    """
    from kpcs.signing.keys import rotate_key

    cli = state(ctx)
    what, owner = _owner_and_purpose(participant, purpose)
    target = cli.keyring.store if store is None else cli.keyring.store_for(store)
    kid = rotate_key(cli.uow(), cli.principal, cli.clock, target, what, owner)
    console.print(f"new {what.value} key for {owner} in {target.storage.value}: {kid}", highlight=False)


@keys_app.command("revoke")
def revoke(
    ctx: typer.Context,
    kid: str,
    reason: Annotated[str, typer.Option(help="why (e.g. the key file may have been copied)")],
) -> None:
    """Revoke a key: nothing it signed verifies any more (put `--` before a kid that starts with `-`)."""
    from kpcs.signing.keys import revoke_key

    cli = state(ctx)
    revoke_key(cli.uow(), cli.principal, cli.clock, kid, reason)
    console.print(f"revoked {kid}", highlight=False)


@trust_app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="file to write")] = Path("trust-list.jws"),
) -> None:
    """Write this instance's signed, dated trust list (for offline verifiers)."""
    from kpcs.accounts.permissions import SYSTEM
    from kpcs.signing.trust_list import sign_trust_list

    cli = state(ctx)
    signer = cli.keyring.active(KeyPurpose.TRUST_LIST, INSTANCE_OWNER, actor=SYSTEM)
    trust = cli.keyring.trust_list()
    token = sign_trust_list(
        trust,
        signer=trust.keys[signer.kid],
        private_key=signer.private_key,
        issued_at=cli.clock.now(),
        issuer=cli.settings.node,
    )
    out.write_text(token + "\n")
    console.print(
        f"wrote {out}: {len(trust.keys)} keys, signed by {signer.kid} (pin this kid)", highlight=False
    )


@trust_app.command("fetch")
def fetch(
    url: Annotated[str, typer.Argument(help="base URL of a kpcs instance, e.g. https://kpcs.example.org")],
    out: Annotated[Path, typer.Option("--out", "-o")] = Path("trust-list.jws"),
    pin: Annotated[str | None, typer.Option(help="kid the trust list must be signed by")] = None,
) -> None:
    """Download a signed trust list, check its signature, and save it."""
    import httpx

    from kpcs.signing.trust_list import open_signed_trust_list

    try:
        response = httpx.get(url.rstrip("/") + "/api/v1/trust-list/signed", timeout=30)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise KPCSError(f"cannot fetch the trust list from {url}: {exc}") from None
    opened = open_signed_trust_list(response.text.strip(), pinned_kid=pin)
    out.write_text(response.text.strip() + "\n")
    console.print(
        f"saved {out}: {len(opened.trust_list.keys)} keys as of {opened.issued_at:%Y-%m-%d %H:%M}, "
        f"signed by {opened.signer_kid}" + ("" if pin else " (not pinned: compare this kid out of band)"),
        highlight=False,
    )
