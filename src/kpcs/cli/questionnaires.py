"""``kpcs statistics questionnaires``: the Data Anomaly Questionnaire from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

# The questionnaire services (Polars, DuckDB) and the PDF writer are imported inside the commands.

app = typer.Typer(help="Data Anomaly Questionnaires: draw up, send, answer, review.", no_args_is_help=True)

Id = Annotated[int, typer.Argument(help="the questionnaire's number")]
Number = Annotated[int, typer.Argument(help="the question's number")]
Json = Annotated[bool, typer.Option("--json", help="print JSON")]


def _show(detail: dict[str, Any], json_: bool) -> None:
    if json_:
        print_json(detail)
        return
    console.print(
        f"questionnaire {detail['id']}: {detail['participant']} {detail['year']}, {detail['status']}"
        + (f", answers due by {detail['deadline']}" if detail["deadline"] else ""),
        highlight=False,
    )
    print_table(
        f"{detail['question_count']} question(s)",
        ["no.", "state", "type", "partner", "period", "question", "last step"],
        [
            [
                q["number"],
                q["state"],
                q["anomaly"]["type"],
                q["anomaly"].get("partner") or "",
                q["anomaly"].get("period") or "",
                q["text"],
                (f"{q['steps'][-1]['step']} by {q['steps'][-1]['taken_by']}" if q["steps"] else ""),
            ]
            for q in detail["questions"]
        ],
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(help="the year under review")] = None,
    status: Annotated[str | None, typer.Option(help="draft, sent, answered or closed")] = None,
    json_: Json = False,
) -> None:
    """The questionnaires, with where their questions stand."""
    from kpcs.statistics.analysis import daq

    cli = state(ctx)
    with cli.session_factory() as session:
        found = daq.questionnaires(session, cli.principal, cli.clock.today(), year=year, status=status)
    if json_:
        print_json(found)
        return
    print_table(
        f"{len(found)} questionnaire(s)",
        ["no.", "year", "participant", "status", "deadline", "questions", "to answer", "to review"],
        [
            [
                q["id"],
                q["year"],
                q["participant"],
                q["status"] + (" (overdue)" if q["overdue"] else ""),
                str(q["deadline"] or ""),
                q["question_count"],
                q["by_state"]["awaiting answer"],
                q["by_state"]["answered"],
            ]
            for q in found
        ],
    )


@app.command("draw-up")
def draw_up(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="the year under review")],
    participant: Annotated[str, typer.Option(help="participant code")],
    severity: Annotated[str | None, typer.Option(help="only anomalies at least this severe")] = None,
    json_: Json = False,
) -> None:
    """A draft questionnaire: one question per anomaly of the year that concerns the participant."""
    from kpcs.statistics.analysis import daq

    cli = state(ctx)
    done = daq.draw_up(
        cli.uow(), cli.principal, cli.clock, year=year, participant=participant.upper(), severity=severity
    )
    _show(done, json_)


@app.command("show")
def show(
    ctx: typer.Context,
    questionnaire_id: Id,
    pdf: Annotated[Path | None, typer.Option(help="also write the questionnaire as a PDF here")] = None,
    json_: Json = False,
) -> None:
    """One questionnaire with its questions (and, with --pdf, the printable copy)."""
    from kpcs.statistics.analysis import daq

    cli = state(ctx)
    with cli.session_factory() as session:
        detail = daq.questionnaire(session, cli.principal, questionnaire_id, cli.clock.today())
    if pdf is not None:
        from kpcs.statistics.analysis.questionnaire_pdf import render_questionnaire_pdf

        pdf.write_bytes(render_questionnaire_pdf(detail, cli.clock.today()))
    _show(detail, json_)


@app.command("send")
def send(
    ctx: typer.Context,
    questionnaire_id: Id,
    deadline: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: two months from today)")] = None,
) -> None:
    """Send a draft to the participant."""
    from kpcs.statistics.analysis import daq

    cli = state(ctx)
    try:
        due = date.fromisoformat(deadline) if deadline else None
    except ValueError:
        raise typer.BadParameter(f"{deadline!r} is not a date YYYY-MM-DD", param_hint="--deadline") from None
    done = daq.send(cli.uow(), cli.principal, cli.clock, questionnaire_id, due)
    console.print(
        f"sent questionnaire {done['id']} to {done['participant']}: answers due by {done['deadline']}",
        highlight=False,
    )


@app.command("answer")
def answer(
    ctx: typer.Context,
    questionnaire_id: Id,
    number: Number,
    text: Annotated[str, typer.Option("--text", help="the answer")],
) -> None:
    """Answer one question (the participant's authority)."""
    from kpcs.statistics.analysis import daq

    cli = state(ctx)
    done = daq.answer(cli.uow(), cli.principal, cli.clock, questionnaire_id, number, text)
    console.print(
        f"answered question {number}; questionnaire {done['id']} is {done['status']}", highlight=False
    )


@app.command("review")
def review(
    ctx: typer.Context,
    questionnaire_id: Id,
    number: Number,
    decision: Annotated[str, typer.Option(help="accept, ask-again or escalate")],
    note: Annotated[str | None, typer.Option(help="what is still needed, or why it is escalated")] = None,
) -> None:
    """Accept an answer, ask again or escalate (the Working Group on Statistics)."""
    from kpcs.statistics.analysis import daq

    cli = state(ctx)
    done = daq.review(cli.uow(), cli.principal, cli.clock, questionnaire_id, number, decision, note)
    console.print(
        f"question {number}: {done['questions'][number - 1]['state']}; questionnaire {done['id']} is "
        f"{done['status']}",
        highlight=False,
    )
