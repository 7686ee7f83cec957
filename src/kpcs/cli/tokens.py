"""``kpcs tokens``: API tokens for national systems and scripts."""

from __future__ import annotations

from typing import Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    role: Annotated[str, typer.Option(help="admin, authority, customs, statistics or monitoring")],
    participant: Annotated[
        str | None, typer.Option(help="participant code (required for authority and customs)")
    ] = None,
    name: Annotated[str, typer.Option(help="what the token is for")] = "",
    expires_in_days: Annotated[int | None, typer.Option(help="expire after this many days")] = None,
) -> None:
    """Create a token; it is printed once, as the last line of stdout, and never stored."""
    from kpcs.accounts import services

    cli = state(ctx)
    new = services.create_token(
        cli.uow(),
        cli.principal,
        cli.clock,
        role=role,
        participant=participant,
        name=name,
        expires_in_days=expires_in_days,
    )
    t = new.token
    console.print(
        f"created token {t.id} ({t.prefix}…) for {t.participant_code or 'no participant'} "
        f"with role {t.role}; keep it safe, it will not be shown again:",
        highlight=False,
    )
    print(new.secret)


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="include revoked tokens")] = False,
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List tokens (never their secrets)."""
    from kpcs.accounts import services

    cli = state(ctx)
    with cli.session_factory() as session:
        tokens = services.list_tokens(session, cli.principal, include_revoked=all_)
    if json_:
        print_json([t.__dict__ | {"state": t.state} for t in tokens])
        return
    print_table(
        "API tokens",
        ["id", "prefix", "name", "participant", "role", "created", "last used", "state"],
        [
            (
                t.id,
                t.prefix,
                t.name,
                t.participant_code,
                t.role,
                f"{t.created_at:%Y-%m-%d}",
                f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never",
                t.state,
            )
            for t in tokens
        ],
    )


@app.command("revoke")
def revoke(ctx: typer.Context, token: Annotated[str, typer.Argument(help="token id or prefix")]) -> None:
    """Revoke a token; it stops working at once."""
    from kpcs.accounts import services

    cli = state(ctx)
    revoked = services.revoke_token(cli.uow(), cli.principal, cli.clock, token_ref=token)
    console.print(f"revoked token {revoked.id} ({revoked.prefix}…)", highlight=False)
