"""``kpcs annual-reports``: the annual reports and the late and missing list from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

app = typer.Typer(help="Annual reports: list, show, the late and missing list.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="print JSON")]


@app.command("list")
def list_(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(help="the year reported on")] = None,
    participant: Annotated[str | None, typer.Option(help="participant code")] = None,
    status: Annotated[str | None, typer.Option(help="draft, submitted, assessed or responded")] = None,
    json_: Json = False,
) -> None:
    """The annual reports, latest year first."""
    from kpcs.annual_reports import services

    cli = state(ctx)
    with cli.session_factory() as session:
        found = services.reports(
            session,
            cli.principal,
            cli.clock.today(),
            year=year,
            participant=participant.upper() if participant else None,
            status=status,
        )
    if json_:
        print_json(found)
        return
    print_table(
        f"{len(found)} annual report(s)",
        ["no.", "year", "participant", "status", "due by", "standing", "submitted"],
        [
            [
                r["id"],
                r["year"],
                r["participant"],
                r["status"],
                str(r["due_on"]),
                r["standing"],
                f"{r['submitted_at']:%Y-%m-%d}" if r["submitted_at"] else "",
            ]
            for r in found
        ],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    report_id: Annotated[int, typer.Argument(help="the report's number")],
    pdf: Annotated[Path | None, typer.Option(help="also write the report as a PDF here")] = None,
    json_: Json = False,
) -> None:
    """One report: its sections, feedback and response (and, with --pdf, the printable copy)."""
    from kpcs.annual_reports import services

    cli = state(ctx)
    with cli.session_factory() as session:
        detail = services.report(session, cli.principal, report_id, cli.clock.today())
    if pdf is not None:
        from kpcs.annual_reports.pdf import render_annual_report_pdf

        pdf.write_bytes(render_annual_report_pdf(detail, cli.clock.today()))
    if json_:
        print_json(detail)
        return
    console.print(
        f"annual report {detail['id']}: {detail['participant']} {detail['year']}, {detail['status']}"
        f" ({detail['standing']}, due by {detail['due_on']})",
        highlight=False,
    )
    print_table(
        "sections",
        ["section", "part A", "part B", "feedback"],
        [[s["key"], s["part_a"], s["part_b"], s["feedback"] or ""] for s in detail["sections"]],
    )
    if detail["response"]:
        console.print(f"response: {detail['response']}", highlight=False)


@app.command("late")
def late(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="the year reported on")],
    json_: Json = False,
) -> None:
    """Participants whose report on the year is missing past the due date, or came late."""
    from kpcs.annual_reports import services

    cli = state(ctx)
    with cli.session_factory() as session:
        found = services.late_and_missing(session, cli.principal, year, cli.clock.today())
    if json_:
        print_json(found)
        return
    print_table(
        f"reports on {year}, due by {found['due_on']}: {len(found['rows'])} late or missing",
        ["participant", "name", "standing", "submitted", "days late"],
        [
            [r["participant"], r["name"], r["standing"], r["submitted_on"] or "", r["days_late"]]
            for r in found["rows"]
        ],
    )
