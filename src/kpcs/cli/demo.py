"""``kpcs demo``: demo accounts so a newcomer can sign in after ``make run``."""

from __future__ import annotations

from typing import Annotated

import typer

from kpcs.cli.output import console
from kpcs.cli.state import state
from kpcs.errors import DomainError

app = typer.Typer(
    help="Demo data for a first look (never on production unless forced).", no_args_is_help=True
)

# (username, full name, roles, participant, password). The passwords are public on purpose:
# these accounts exist only on a demo database, and are never created on a database
# that already has users or in production. Roles are named as `kpcs users create --role`
# takes them (create_user checks them), so that this table needs no import of the models.
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...], str | None, str], ...] = (
    ("admin", "Demo Administrator", ("admin",), None, "demo-admin-pass"),
    ("botswana", "Demo KP Authority of Botswana", ("authority",), "BW", "demo-botswana-pass"),
    ("eu", "Demo KP Authority of the European Union", ("authority",), "EU", "demo-eu-pass"),
    ("india", "Demo KP Authority of India", ("authority",), "IN", "demo-india-pass"),
    ("wgs", "Demo Statistics Analyst (WGS)", ("statistics",), None, "demo-wgs-pass"),
    ("wgm", "Demo Monitoring (WGM and Monitoring Team)", ("monitoring",), None, "demo-wgm-pass"),
)


@app.command("seed")
def seed(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="allow on a production instance")] = False,
) -> None:
    """Create the demo accounts if the database has no users yet, and print how to sign in."""
    import sqlalchemy as sa

    from kpcs.accounts import services
    from kpcs.accounts.models import User
    from kpcs.config import Environment

    cli = state(ctx)
    if cli.settings.environment is Environment.PRODUCTION and not force:
        raise DomainError(
            "refusing to create demo accounts on a production instance (KPCS_ENVIRONMENT=production); "
            "use --force if you really mean it"
        )
    with cli.session_factory() as session:
        existing = session.scalar(sa.select(sa.func.count()).select_from(User))
    if existing:
        console.print(f"demo accounts not created: the database already has {existing} user(s)")
        return
    for username, full_name, roles, participant, password in DEMO_ACCOUNTS:
        services.create_user(
            cli.uow(),
            cli.principal,
            cli.clock,
            username=username,
            full_name=full_name,
            password=password,
            roles=list(roles),
            participant=participant,
        )
    console.print("[bold]Demo accounts[/bold] (sign in on the web pages, at /sign-in):")
    for username, _full_name, roles, participant, password in DEMO_ACCOUNTS:
        who = ", ".join(roles) + (f" for {participant}" if participant else "")
        console.print(f"  {username:<10} password {password:<20} {who}", highlight=False)
