"""``kpcs db``: create, migrate and check the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kpcs.cli.output import console
from kpcs.cli.state import state

# Alembic, the registry loader and the statistics services (Polars, DuckDB) are imported by the
# commands that use them: every other command would pay for them at start-up.

app = typer.Typer(help="Create, migrate and check the database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    ctx: typer.Context,
    registry: Annotated[
        Path | None, typer.Option(help="registry data file (default: the one shipped with kpcs)")
    ] = None,
) -> None:
    """Migrate the database to the latest schema, load the participant registry and hash again any
    shipment photo hashed by an older scheme (idempotent)."""
    from kpcs import migrations
    from kpcs.decisions.seed import apply_decisions
    from kpcs.participants.datafile import load_registry_file
    from kpcs.participants.loader import apply_registry
    from kpcs.photos.services import rehash_older
    from kpcs.photos.store import PhotoStore
    from kpcs.plenaries.seed import apply_calendar
    from kpcs.statistics.public.published import load_published_figures

    cli = state(ctx)
    data = load_registry_file(registry)  # checked before anything is written
    if cli.settings.database_url is None:
        cli.settings.ensure_data_dir()
    migrations.upgrade(cli.settings.sqlalchemy_url)
    with cli.uow() as uow:
        report = apply_registry(uow.session, data, clock=cli.clock)
        uow.session.flush()
        decisions = apply_decisions(uow.session, clock=cli.clock)
        apply_calendar(uow.session, clock=cli.clock)
        published = load_published_figures(uow.session, cli.clock)
        uow.commit()
    rehashed = rehash_older(cli.uow(), cli.principal, cli.clock, PhotoStore(cli.settings.data_dir / "photos"))
    console.print(
        f"database at schema {migrations.current_revision(cli.settings.sqlalchemy_url)}; "
        f"{report.summary()} (registry as of {data.as_of}); "
        f"decisions: {decisions['added']} added, {decisions['updated']} updated; "
        f"published statistics: {published.production} production row(s) and "
        f"{published.world_totals} world total(s) loaded or updated"
    )
    if rehashed.rehashed:
        console.print(f"{rehashed.rehashed} shipment photo(s) hashed again for the re-used-photo search")
    if rehashed.unreadable:
        listed = ", ".join(str(photo) for photo in rehashed.unreadable)
        console.print(
            f"[yellow]shipment photo(s) {listed}: file missing or damaged under "
            f"{cli.settings.data_dir}/photos, "
            "so not hashed again; the re-used-photo search leaves them aside (restore the files and run "
            "kpcs db upgrade again)[/yellow]"
        )


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Fail if the models have changes that no migration covers."""
    from kpcs import migrations

    migrations.check(state(ctx).settings.sqlalchemy_url)
    console.print("models and migrations agree")


@app.command("revision")
def revision(ctx: typer.Context, message: Annotated[str, typer.Option("-m", "--message")]) -> None:
    """Write a new migration from the difference between the models and the database."""
    from kpcs import migrations

    migrations.revision(state(ctx).settings.sqlalchemy_url, message)
