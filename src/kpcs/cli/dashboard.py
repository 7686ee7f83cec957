"""``kpcs dashboard``: what is due, late or pending for the Chair and the working bodies, from
the command line (the same lines as the dashboard page, late first)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state


def _day(line: dict[str, Any]) -> str:
    if line["due_on"]:
        return f"due {line['due_on']}"
    return f"since {line['since']}" if line["since"] else ""


def dashboard(
    ctx: typer.Context,
    participant: Annotated[str | None, typer.Option(help="only this participant's lines")] = None,
    body: Annotated[str | None, typer.Option(help="only lines followed by this body: WGM, WGS…")] = None,
    state_: Annotated[str | None, typer.Option("--state", help="late, due or pending")] = None,
    kind: Annotated[str | None, typer.Option(help="annual report, review report, export dossier…")] = None,
    limit: Annotated[int, typer.Option(min=1, max=5000, help="the most lines listed")] = 500,
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """What is due, late or pending: annual reports, review reports, recommendations, export
    dossiers, questionnaires and missing statistics, by participant and by body."""
    from kpcs.oversight import services as oversight

    cli = state(ctx)
    with cli.session_factory() as session:
        found = oversight.dashboard(
            session,
            cli.principal,
            cli.clock.today(),
            participant=participant,
            body=body,
            state=state_,
            kind=kind,
            limit=limit,
        )
    if json_:
        print_json(found)
        return
    counts = found["counts"]
    console.print(
        f"{counts['late']} late, {counts['due']} due, {counts['pending']} pending "
        f"as of {found['today'].isoformat()}",
        highlight=False,
    )
    print_table(
        "by body",
        ["body", "late", "due", "pending"],
        [[t["key"], t["late"], t["due"], t["pending"]] for t in found["by_body"]],
    )
    print_table(
        f"{found['total']} line(s)" + (f", the first {limit}" if found["total"] > limit else ""),
        ["state", "day", "participant", "what", "waiting on"],
        [
            [
                f"late by {line['days_late']} d" if line["state"] == "late" else line["state"],
                _day(line),
                line["participant"],
                line["what"],
                line["waiting_on"],
            ]
            for line in found["lines"]
        ],
    )
