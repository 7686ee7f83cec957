"""``kpcs footprints``: footprints of production zones from the command line: list them, have
kpcs compute one from a zone's approved dossiers, or enter one from a JSON file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

# The services (SQLAlchemy) are imported inside the commands: help is built from the signatures.

app = typer.Typer(
    help="Footprints of production zones: list, compute from approved dossiers, enter.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="print JSON")]


def _shares(shares: dict[str, float]) -> str:
    return ", ".join(f"{key} {share:.0%}" for key, share in shares.items())


def _show(footprint: dict[str, Any]) -> None:
    console.print(
        f"footprint {footprint['id']}: {footprint['participant']}, zone {footprint['zone']}, "
        f"{footprint['source_words']}, as of {footprint['as_of']}: {footprint['stones']} stones, "
        f"US$ {footprint['usd_per_carat']:,.2f}/ct",
        highlight=False,
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    participant: Annotated[str | None, typer.Option(help="only this participant's zones")] = None,
    zone: Annotated[str | None, typer.Option(help="only this zone")] = None,
    json_: Json = False,
) -> None:
    """Every footprint, newest first; the current one of each zone marked."""
    from kpcs.footprints import services as footprints

    cli = state(ctx)
    with cli.session_factory() as session:
        found = footprints.list_footprints(session, cli.principal, participant=participant, zone=zone)
    if json_:
        print_json(found)
        return
    print_table(
        f"{len(found)} footprint(s)",
        ["no.", "participant", "zone", "source", "as of", "stones", "US$/ct", "sieve classes", "current"],
        [
            [
                f["id"],
                f["participant"],
                f["zone"],
                f["source_words"],
                f["as_of"],
                f["stones"],
                f["usd_per_carat"],
                _shares(f["sizes"]),
                "yes" if f["current"] else "",
            ]
            for f in found
        ],
    )


@app.command("compute")
def compute(
    ctx: typer.Context,
    participant: Annotated[str, typer.Option(help="the participant, e.g. CF")],
    zone: Annotated[str, typer.Option(help="the zone, as its dossiers name it")],
    notes: Annotated[str, typer.Option(help="a note kept with the footprint")] = "",
) -> None:
    """Compute the zone's footprint from its approved dossiers that declare an assortment."""
    from kpcs.footprints import services as footprints
    from kpcs.footprints.schemas import FootprintCompute

    cli = state(ctx)
    try:
        body = FootprintCompute.model_validate({"participant": participant, "zone": zone, "notes": notes})
    except ValidationError as exc:
        error = exc.errors()[0]
        raise typer.BadParameter(error["msg"], param_hint=f"--{error['loc'][0]}") from None
    _show(footprints.compute(cli.uow(), cli.principal, cli.clock, body))


@app.command("enter")
def enter(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="a JSON file with the body of POST /footprints (participant, zone, sizes, colours, "
            "qualities as fractions, usd_per_carat, stones)",
            exists=True,
            dir_okay=False,
        ),
    ],
) -> None:
    """Enter a footprint the experts established."""
    from kpcs.footprints import services as footprints
    from kpcs.footprints.schemas import FootprintCreate

    cli = state(ctx)
    try:
        body = FootprintCreate.model_validate_json(file.read_text(encoding="utf-8"))
    except (ValidationError, UnicodeDecodeError) as exc:
        said = (
            "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
            if isinstance(exc, ValidationError)
            else str(exc)
        )
        raise typer.BadParameter(said, param_hint="FILE") from None
    _show(footprints.enter(cli.uow(), cli.principal, cli.clock, body))
