"""``kpcs confiscations``: the register of confiscated and seized rough diamonds from the
command line: the register, a case added, its disposition recorded, the CSV export and the
published figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

# The confiscation services (and SQLAlchemy through them) are imported inside the commands.

app = typer.Typer(help="The register of confiscated and seized rough diamonds.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="print JSON")]
Participant = Annotated[str | None, typer.Option(help="only this participant's cases")]
Disposition = Annotated[str | None, typer.Option(help="held, returned, forfeited, auctioned or destroyed")]
Year = Annotated[int | None, typer.Option(help="only the seizures of this year")]


def _day(value: str | None, field: str) -> date | None:
    from kpcs.errors import InvalidInput

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(field, "a date, YYYY-MM-DD") from None


@app.command("list")
def list_(
    ctx: typer.Context,
    participant: Participant = None,
    disposition: Disposition = None,
    year: Year = None,
    json_: Json = False,
) -> None:
    """The cases, newest seizure first."""
    from kpcs.confiscations import services as confiscations

    cli = state(ctx)
    chosen = confiscations.CaseFilter(participant=participant, disposition=disposition, year=year)
    with cli.session_factory() as session:
        found = confiscations.cases(session, cli.principal, chosen)
    if json_:
        print_json(found)
        return
    print_table(
        f"{len(found)} case(s)",
        ["no.", "participant", "case", "seized on", "carats", "value (US$)", "disposition"],
        [
            [
                c["id"],
                c["participant"],
                c["reference"] or "",
                c["seized_on"],
                f"{c['carats']:,.2f}",
                f"{c['value_usd']:,.2f}",
                c["disposition"],
            ]
            for c in found
        ],
    )


@app.command("add")
def add(
    ctx: typer.Context,
    participant: Annotated[str, typer.Option(help="the participant whose authorities seized the stones")],
    seized_on: Annotated[str, typer.Option(help="the day of the seizure, YYYY-MM-DD")],
    carats: Annotated[str, typer.Option(help="carats, e.g. 152.35")],
    value_usd: Annotated[str, typer.Option("--value-usd", help="estimated value in US dollars")],
    circumstances: Annotated[str, typer.Option(help="how the stones were found (never published)")],
    disposition: Annotated[str, typer.Option(help="held (default), returned, forfeited, …")] = "held",
    disposition_on: Annotated[str | None, typer.Option(help="when the disposition took effect")] = None,
    reference: Annotated[str | None, typer.Option(help="the authority's case number")] = None,
) -> None:
    """Record a case (audited)."""
    from kpcs.confiscations import services as confiscations

    cli = state(ctx)
    seized = _day(seized_on, "seized_on")
    assert seized is not None
    made = confiscations.create(
        cli.uow(),
        cli.principal,
        cli.clock,
        participant=participant,
        seized_on=seized,
        carats=carats,
        value_usd=value_usd,
        circumstances=circumstances,
        disposition=disposition,
        disposition_on=_day(disposition_on, "disposition_on"),
        reference=reference,
    )
    console.print(
        f"confiscation {made['id']} recorded for {made['participant']}: {made['carats']:,.2f} ct, "
        f"US$ {made['value_usd']:,.2f}, {made['disposition']}",
        highlight=False,
    )


@app.command("dispose")
def dispose(
    ctx: typer.Context,
    case_id: Annotated[int, typer.Argument(help="the case's number")],
    disposition: Annotated[str, typer.Option(help="returned, forfeited, auctioned or destroyed")],
    on: Annotated[str, typer.Option(help="when it took effect, YYYY-MM-DD")],
    note: Annotated[str | None, typer.Option(help="e.g. the court's decision")] = None,
) -> None:
    """Record what became of a case's stones (audited)."""
    from kpcs.confiscations import services as confiscations

    cli = state(ctx)
    when = _day(on, "disposition_on")
    assert when is not None
    done = confiscations.dispose(
        cli.uow(), cli.principal, cli.clock, case_id, disposition=disposition, disposition_on=when, note=note
    )
    console.print(
        f"confiscation {done['id']}: {done['disposition']} on {done['disposition_on']}", highlight=False
    )


@app.command("export")
def export(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(help="write the CSV here (default: stdout)")] = None,
    participant: Participant = None,
    disposition: Disposition = None,
    year: Year = None,
) -> None:
    """The register as CSV."""
    from kpcs.confiscations import services as confiscations

    cli = state(ctx)
    chosen = confiscations.CaseFilter(participant=participant, disposition=disposition, year=year)
    with cli.session_factory() as session:
        text = confiscations.export_csv(session, cli.principal, chosen)
    if output is None:
        print(text, end="")
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {text.count(chr(10)) - 1} row(s) to {output}", highlight=False)


@app.command("statistics")
def statistics(ctx: typer.Context, json_: Json = False) -> None:
    """The published figures: per year, all participants together."""
    from kpcs.confiscations import services as confiscations

    cli = state(ctx)
    with cli.session_factory() as session:
        figures = confiscations.public_statistics(session, cli.principal)
    if json_:
        print_json(figures)
        return
    print_table(
        f"{len(figures)} year(s)",
        ["year", "cases", "carats", "value (US$)", "dispositions"],
        [
            [
                f["year"],
                f["cases"],
                "withheld" if f["withheld"] else f"{f['carats']:,.2f}",
                "withheld" if f["withheld"] else f"{f['value_usd']:,.2f}",
                ", ".join(f"{d}: {n}" for d, n in f["dispositions"].items()),
            ]
            for f in figures
        ],
    )
