"""``kpcs statistics``: submit Annex III figures from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kpcs.cli.output import console, err_console
from kpcs.cli.state import state
from kpcs.statistics import services
from kpcs.statistics.templates import TemplateError

app = typer.Typer(help="Statistics: submissions and figures.", no_args_is_help=True)


@app.command("submit")
def submit(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a CSV or XLSX in a template")],
) -> None:
    """Check a trade or production file and store it whole; or name every bad row and store nothing."""
    cli = state(ctx)
    try:
        done = services.submit(cli.uow(), cli.principal, cli.clock, file.read_bytes(), file.name)
    except TemplateError as error:
        err_console.print(f"[red]error:[/red] {file.name} refused, nothing stored:", highlight=False)
        for e in error.errors:
            where = f"row {e.row}" if e.row is not None else "file"
            column = f", {e.column}" if e.column else ""
            err_console.print(f"  {where}{column}: {e.message}", highlight=False)
        raise typer.Exit(1) from None
    console.print(
        f"{done.rows:,} {done.kind} row(s) stored: "
        + ", ".join(f"{s['participant']} {s['period']} (revision {s['revision']})" for s in done.submissions),
        highlight=False,
    )
