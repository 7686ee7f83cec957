"""``kpcs assistance``: technical assistance needs and offers from the command line: the
list, the matches, a need or an offer added, its status moved, and the CSV export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

# The assistance services (and SQLAlchemy through them) are imported inside the commands.

app = typer.Typer(
    help="Technical assistance: needs and offers, matched by topic and region.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="print JSON")]
Kind = Annotated[str | None, typer.Option(help="need or offer")]
Topic = Annotated[str | None, typer.Option(help="valuation, geology, internal-controls, certification, …")]
Region = Annotated[str | None, typer.Option(help="west-africa, central-africa, …, worldwide")]


def _day(value: str | None, field: str) -> date | None:
    from kpcs.errors import InvalidInput

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(field, "a date, YYYY-MM-DD") from None


def _rows(found: list[dict[str, Any]]) -> list[list[object]]:
    return [
        [e["id"], e["kind"], e["participant"], e["topic"], e["region"], e["status"], e["title"]]
        for e in found
    ]


COLUMNS = ["no.", "kind", "participant", "topic", "region", "status", "title"]


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: Kind = None,
    topic: Topic = None,
    region: Region = None,
    status: Annotated[str | None, typer.Option(help="open, matched, in progress, closed")] = None,
    participant: Annotated[str | None, typer.Option(help="only this participant's or observer's")] = None,
    json_: Json = False,
) -> None:
    """The needs and offers, newest first."""
    from kpcs.assistance import services as assistance

    cli = state(ctx)
    chosen = assistance.EntryFilter(
        kind=kind, topic=topic, region=region, status=status, participant=participant
    )
    with cli.session_factory() as session:
        found = assistance.entries(session, cli.principal, chosen)
    if json_:
        print_json(found)
        return
    print_table(f"{len(found)} need(s) and offer(s)", COLUMNS, _rows(found))


@app.command("matches")
def matches(ctx: typer.Context, topic: Topic = None, region: Region = None, json_: Json = False) -> None:
    """Every open need with each open offer that fits it, and why."""
    from kpcs.assistance import services as assistance

    cli = state(ctx)
    with cli.session_factory() as session:
        found = assistance.matches(session, cli.principal, topic=topic, region=region)
    if json_:
        print_json(found)
        return
    print_table(
        f"{len(found)} match(es)",
        ["need", "offer", "why"],
        [
            [
                f"{m['need']['id']} {m['need']['participant']}: {m['need']['title']}",
                f"{m['offer']['id']} {m['offer']['participant']}: {m['offer']['title']}",
                m["reason"],
            ]
            for m in found
        ],
    )


@app.command("add")
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option(help="need or offer")],
    participant: Annotated[str, typer.Option(help="the participant or observer code (e.g. SL, DDI)")],
    topic: Annotated[str, typer.Option(help="valuation, geology, internal-controls, certification, …")],
    region: Annotated[str, typer.Option(help="where needed or offered; worldwide: anywhere")],
    title: Annotated[str, typer.Option(help="a short title")],
    description: Annotated[str, typer.Option(help="what is needed or offered")],
    contact: Annotated[str, typer.Option(help="the person or office to contact")],
    from_: Annotated[str | None, typer.Option("--from", help="from when, YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option("--until", help="until when, YYYY-MM-DD")] = None,
) -> None:
    """Record a need or an offer (audited)."""
    from kpcs.assistance import services as assistance

    cli = state(ctx)
    made = assistance.create(
        cli.uow(),
        cli.principal,
        cli.clock,
        kind=kind,
        participant=participant,
        topic=topic,
        region=region,
        title=title,
        description=description,
        contact=contact,
        starts_on=_day(from_, "starts_on"),
        ends_on=_day(until, "ends_on"),
    )
    console.print(
        f"{made['kind']} {made['id']} recorded for {made['participant']}: {made['title']} "
        f"({len(made['candidates'])} match(es))",
        highlight=False,
    )


@app.command("status")
def status(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(help="the need's or offer's number")],
    status: Annotated[str, typer.Option(help="matched, in progress, closed, or open again")],
    counterpart: Annotated[int | None, typer.Option(help="for a match: the entry of the other kind")] = None,
    note: Annotated[str | None, typer.Option(help="why")] = None,
) -> None:
    """Move a need or an offer along its course (audited)."""
    from kpcs.assistance import services as assistance

    cli = state(ctx)
    moved = assistance.set_status(
        cli.uow(), cli.principal, cli.clock, entry_id, status=status, counterpart=counterpart, note=note
    )
    partner = f", with {moved['matched_with']}" if moved["matched_with"] else ""
    console.print(f"{moved['kind']} {moved['id']} is {moved['status']}{partner}", highlight=False)


@app.command("export")
def export(
    ctx: typer.Context,
    output: Annotated[Path | None, typer.Option(help="write the CSV here (default: stdout)")] = None,
    kind: Kind = None,
    topic: Topic = None,
    region: Region = None,
    status: Annotated[str | None, typer.Option(help="open, matched, in progress, closed")] = None,
) -> None:
    """The needs and offers as CSV."""
    from kpcs.assistance import services as assistance

    cli = state(ctx)
    chosen = assistance.EntryFilter(kind=kind, topic=topic, region=region, status=status)
    with cli.session_factory() as session:
        text = assistance.export_csv(session, cli.principal, chosen)
    if output is None:
        print(text, end="")
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"wrote {text.count(chr(10)) - 1} row(s) to {output}", highlight=False)
