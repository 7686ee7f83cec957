"""``kpcs reviews``: peer reviews from the command line: the list with the reports pending
too long, one review, and a recommendation's follow-up."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

# The review services (and SQLAlchemy through them) are imported inside the commands.

app = typer.Typer(
    help="Peer reviews: review visits and missions, and their recommendations.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="print JSON")]


def _show(detail: dict[str, Any]) -> None:
    due = f", waiting for the {detail['next_step']} due {detail['due']}" if detail["next_step"] else ""
    flag = " (pending too long)" if detail["overdue"] else ""
    console.print(
        f"review {detail['id']}: {detail['kind']} to {detail['participant']}, {detail['stage']}{due}{flag}",
        highlight=False,
    )
    print_table(
        f"{len(detail['recommendations'])} recommendation(s)",
        ["id", "no.", "owner", "follow-up", "recommendation"],
        [[r["id"], r["number"], r["owner"], r["follow_up"], r["text"]] for r in detail["recommendations"]],
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    participant: Annotated[str | None, typer.Option(help="only this participant's reviews")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only reports pending too long")] = False,
    json_: Json = False,
) -> None:
    """The reviews, each with the step its Core Document timeline waits for."""
    from kpcs.reviews import services as reviews

    cli = state(ctx)
    with cli.session_factory() as session:
        found = reviews.reviews(
            session,
            cli.principal,
            cli.clock.today(),
            participant=participant.upper() if participant else None,
            overdue=True if overdue else None,
        )
    if json_:
        print_json(found)
        return
    print_table(
        f"{len(found)} review(s)",
        ["no.", "kind", "participant", "stage", "waiting for", "due"],
        [
            [
                r["id"],
                r["kind"],
                r["participant"],
                r["stage"],
                r["next_step"] or "",
                f"{r['due']}" + (" (pending too long)" if r["overdue"] else "") if r["due"] else "",
            ]
            for r in found
        ],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    review_id: Annotated[int, typer.Argument(help="the review's number")],
    json_: Json = False,
) -> None:
    """One review: its stage, timeline and recommendations."""
    from kpcs.reviews import services as reviews

    cli = state(ctx)
    with cli.session_factory() as session:
        detail = reviews.review(session, cli.principal, review_id, cli.clock.today())
    if json_:
        print_json(detail)
    else:
        _show(detail)


@app.command("follow-up")
def follow_up(
    ctx: typer.Context,
    recommendation_id: Annotated[
        int, typer.Argument(help="the recommendation's id (see `kpcs reviews show`)")
    ],
    status: Annotated[
        str, typer.Option(help="open, in progress, implemented, not implemented or no longer relevant")
    ],
    note: Annotated[str, typer.Option(help="why: what was done, and where it was reported")],
    source: Annotated[str, typer.Option(help="wgm, annual report or participant")] = "wgm",
) -> None:
    """Set where a recommendation's follow-up stands (recorded in its history and the audit log)."""
    from kpcs.reviews import services as reviews

    cli = state(ctx)
    detail = reviews.update_follow_up(
        cli.uow(), cli.principal, cli.clock, recommendation_id, status, note, source=source
    )
    _show(detail)
