"""``kpcs users``: people who sign in to the web pages."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

app = typer.Typer(help="Create and manage users of the web pages.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from standard input (scripts)")
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("create")
def create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="sign-in name, lower case")],
    full_name: Annotated[str, typer.Option("--name", help="the person's full name")],
    role: Annotated[list[str], typer.Option(help="a role; repeat for several")],
    participant: Annotated[str | None, typer.Option(help="participant code the user acts for")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user (asks for the password unless --password-stdin)."""
    from kpcs.accounts import services

    cli = state(ctx)
    password = _read_password(password_stdin)
    user = services.create_user(
        cli.uow(),
        cli.principal,
        cli.clock,
        username=username,
        full_name=full_name,
        password=password,
        roles=role,
        participant=participant,
    )
    console.print(
        f"created user {user.username} ({', '.join(user.roles)}"
        f"{' for ' + user.participant_code if user.participant_code else ''})",
        highlight=False,
    )


@app.command("list")
def list_(
    ctx: typer.Context, json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False
) -> None:
    """List users."""
    from kpcs.accounts import services

    cli = state(ctx)
    with cli.session_factory() as session:
        users = services.list_users(session, cli.principal)
    if json_:
        print_json([u.__dict__ for u in users])
        return
    print_table(
        "Users",
        ["username", "name", "participant", "roles", "active", "last sign-in"],
        [
            (
                u.username,
                u.full_name,
                u.participant_code,
                ", ".join(u.roles),
                "yes" if u.is_active else "no",
                f"{u.last_sign_in_at:%Y-%m-%d %H:%M}" if u.last_sign_in_at else "never",
            )
            for u in users
        ],
    )


@app.command("set-password")
def set_password(ctx: typer.Context, username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a user's password; their open sessions end."""
    from kpcs.accounts import services

    cli = state(ctx)
    services.set_password(
        cli.uow(), cli.principal, cli.clock, username=username, password=_read_password(password_stdin)
    )
    console.print(f"password of {username} changed; their sessions were ended", highlight=False)


@app.command("deactivate")
def deactivate(ctx: typer.Context, username: str) -> None:
    """Stop a user from signing in (their sessions end at once)."""
    from kpcs.accounts import services

    cli = state(ctx)
    services.set_active(cli.uow(), cli.principal, cli.clock, username=username, active=False)
    console.print(f"user {username} deactivated", highlight=False)


@app.command("activate")
def activate(ctx: typer.Context, username: str) -> None:
    """Let a deactivated user sign in again."""
    from kpcs.accounts import services

    cli = state(ctx)
    services.set_active(cli.uow(), cli.principal, cli.clock, username=username, active=True)
    console.print(f"user {username} activated", highlight=False)


@app.command("set-email")
def set_email(
    ctx: typer.Context,
    username: str,
    email: Annotated[str | None, typer.Argument(help="the address; leave out to remove it")] = None,
) -> None:
    """Set the address a user's notifications are e-mailed to (none: the inbox only)."""
    from kpcs.accounts import services

    cli = state(ctx)
    services.set_email(cli.uow(), cli.principal, cli.clock, username=username, email=email)
    console.print(
        f"notifications of {username} go to {email}"
        if email
        else f"{username} gets notifications in the inbox only",
        highlight=False,
    )
