"""``kpcs decisions``: the register of administrative decisions from the command line:
search it, show one decision, add one (as the operator, audited)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

# The decision services (and SQLAlchemy through them) are imported inside the commands.

app = typer.Typer(help="The register of administrative decisions.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="print JSON")]


def _show(d: dict[str, Any]) -> None:
    number = f"{d['number']}: " if d["number"] else ""
    console.print(f"decision {d['id']}: {number}{d['title']}", highlight=False)
    console.print(
        f"adopted by {d['adopted_by']}, {d['adopted_on'] or d['year'] or 'year not given'}; "
        f"status {d['status'].replace('_', ' ')} ({'; '.join(d['status_sources'])})",
        highlight=False,
    )
    console.print(d["summary"], highlight=False)
    for label, refs in (("supersedes", d["supersedes"]), ("superseded by", d["superseded_by"])):
        for r in refs:
            console.print(f"{label} decision {r['id']}: {r['title']}", highlight=False)
    concerns = [b["code"] for b in d["bodies"]] + [p["code"] for p in d["participants"]]
    if concerns:
        console.print("concerns: " + ", ".join(concerns), highlight=False)
    console.print("sources: " + "; ".join(d["sources"]), highlight=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    q: Annotated[str | None, typer.Option("--q", "-q", help="words to look for")] = None,
    body: Annotated[str | None, typer.Option(help="a working body's code, e.g. WGS")] = None,
    participant: Annotated[str | None, typer.Option(help="a participant's code, e.g. CF")] = None,
    status: Annotated[str | None, typer.Option(help="in_force, superseded or terminated")] = None,
    year: Annotated[int | None, typer.Option(min=2000, max=2100, help="year of adoption")] = None,
    json_: Json = False,
) -> None:
    """The decisions matching every filter given, newest first."""
    from kpcs.decisions import services as decisions
    from kpcs.decisions.domain import DecisionStatus
    from kpcs.errors import InvalidInput

    try:
        chosen = DecisionStatus(status) if status else None
    except ValueError:
        raise InvalidInput.field("status", "one of in_force, superseded, terminated") from None
    cli = state(ctx)
    with cli.session_factory() as session:
        found = [
            d.model_dump(mode="json")
            for d in decisions.search(
                session, q=q, body=body, participant=participant, status=chosen, year=year
            )
        ]
    if json_:
        print_json(found)
        return
    print_table(
        f"{len(found)} decision(s)",
        ["id", "year", "number", "title", "status"],
        [[d["id"], d["year"] or "", d["number"] or "", d["title"], d["status"]] for d in found],
    )


@app.command("show")
def show(ctx: typer.Context, decision_id: Annotated[int, typer.Argument(min=1)], json_: Json = False) -> None:
    """One decision with what it concerns, what it replaced and its sources."""
    from kpcs.decisions import services as decisions

    cli = state(ctx)
    with cli.session_factory() as session:
        found = decisions.get(session, decision_id).model_dump(mode="json")
    if json_:
        print_json(found)
    else:
        _show(found)


@app.command("add")
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="the decision's title")],
    summary: Annotated[str, typer.Option(help="what it decides, in a sentence or two")],
    source: Annotated[list[str], typer.Option(help="a citation '<source id> <locator>' (repeat)")],
    number: Annotated[str | None, typer.Option(help="its number, e.g. 02/2013")] = None,
    year: Annotated[int | None, typer.Option(help="year of adoption")] = None,
    adopted_on: Annotated[str | None, typer.Option(help="day of adoption, YYYY-MM-DD")] = None,
    adopted_by: Annotated[str, typer.Option(help="the adopting body")] = "Plenary",
    status: Annotated[str, typer.Option(help="in_force, superseded or terminated")] = "in_force",
    link: Annotated[str | None, typer.Option(help="where its text is published")] = None,
    participant: Annotated[list[str] | None, typer.Option(help="a participant it concerns (repeat)")] = None,
    body: Annotated[list[str] | None, typer.Option(help="a working body it concerns (repeat)")] = None,
    supersedes: Annotated[
        list[int] | None, typer.Option(help="id of a decision it replaces (repeat)")
    ] = None,
    json_: Json = False,
) -> None:
    """Add a decision to the register (audited under the operator's name)."""
    from kpcs.decisions import services as decisions
    from kpcs.decisions.schemas import DecisionCreate

    cli = state(ctx)
    body_ = DecisionCreate.model_validate(
        {
            "title": title,
            "summary": summary,
            "sources": source,
            "number": number,
            "year": year,
            "adopted_on": adopted_on or None,
            "adopted_by": adopted_by,
            "status": status,
            "link": link,
            "participants": participant or [],
            "bodies": body or [],
            "supersedes": supersedes or [],
        }
    )
    created = decisions.create(cli.uow(), cli.principal, cli.clock, body_).model_dump(mode="json")
    if json_:
        print_json(created)
    else:
        _show(created)
        console.print(f"added decision {created['id']}", highlight=False)
