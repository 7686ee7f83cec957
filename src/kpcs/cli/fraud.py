"""``kpcs fraud``: the register of fraudulent certificates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state
from kpcs.errors import InvalidInput

app = typer.Typer(help="The register of fraudulent certificates.", no_args_is_help=True)


@app.command("report")
def report(
    ctx: typer.Context,
    number: Annotated[str, typer.Option(help="the number as it appears on the document")],
    claimed_participant: Annotated[str, typer.Option(help="alpha-2 code it claims to come from")],
    notes: Annotated[str, typer.Option(help="what gives it away, where it was found")],
    evidence: Annotated[Path | None, typer.Option(help="PDF, PNG or JPEG")] = None,
) -> None:
    """Add a suspected forgery to the register."""
    from kpcs.certificates.fraud import Evidence, report_fraud

    cli = state(ctx)
    file = None
    if evidence is not None:
        try:
            file = Evidence(filename=evidence.name, content=evidence.read_bytes())
        except OSError as exc:
            raise InvalidInput.field("evidence", f"cannot read {evidence}: {exc.strerror}") from None
    filed = report_fraud(
        cli.uow(),
        cli.principal,
        cli.clock,
        cli.evidence,
        number=number,
        claimed_participant=claimed_participant,
        notes=notes,
        evidence=file,
    )
    console.print(f"fraud report {filed.id} filed for {filed.number_as_printed}", highlight=False)


@app.command("list")
def list_(ctx: typer.Context, json_: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The register, newest first."""
    from kpcs.certificates.fraud import list_fraud_reports

    cli = state(ctx)
    with cli.session_factory() as session:
        rows = list_fraud_reports(session)
    if json_:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Fraud register",
        ["id", "reported", "number", "claims", "by", "notes"],
        [
            (
                r.id,
                f"{r.reported_at:%Y-%m-%d}",
                r.number_as_printed,
                r.claimed_participant,
                r.reporter_participant or "",
                r.notes,
            )
            for r in rows
        ],
    )
