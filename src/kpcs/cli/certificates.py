"""``kpcs certificates``: issue and manage certificates from files and scripts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state
from kpcs.errors import FieldProblem, InvalidInput

if TYPE_CHECKING:
    from kpcs.certificates.schemas import CertificateCreate

# The certificate services (and through them SQLAlchemy, the exchange and the log) and the PDF
# writer are imported inside the commands: `kpcs --help` and `kpcs verify` need neither.

app = typer.Typer(help="Issue, list, confirm and cancel KP certificates.", no_args_is_help=True)


def _read_body(path: Path) -> CertificateCreate:
    from pydantic import ValidationError

    from kpcs.certificates.schemas import CertificateCreate

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput.field("file", f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput.field(
            "file", f"{path} is not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    try:
        return CertificateCreate.model_validate(raw)
    except ValidationError as exc:
        problems = [FieldProblem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise InvalidInput(
            "; ".join(f"{p.field}: {p.message}" for p in problems), problems=problems
        ) from None


@app.command("issue")
def issue(
    ctx: typer.Context,
    file: Annotated[Path, typer.Option("--file", "-f", help="JSON body as for POST /certificates")],
    json_: Annotated[bool, typer.Option("--json", help="print the certificate object")] = False,
) -> None:
    """Issue a certificate from a JSON file; prints its number (last line) or every problem."""
    from kpcs.certificates import services
    from kpcs.translog.services import current_head

    cli = state(ctx)
    body = _read_body(file)
    issued = services.issue_certificate(cli.uow(), cli.principal, cli.clock, cli.keyring, body)
    # No web worker may be running to sign the log's head on its timer: sign it now.
    current_head(cli.uow(), cli.keyring, cli.clock)
    if json_:
        print_json(issued.model_dump(mode="json"))
        return
    console.print(
        f"issued {issued.number}: {issued.exporting_participant} → {issued.importing_participant}, "
        f"{issued.total_carats} ct, US$ {issued.total_value_usd}, valid until {issued.expires_on}",
        highlight=False,
    )
    print(issued.number)


@app.command("list")
def list_(
    ctx: typer.Context,
    participant: Annotated[
        str | None, typer.Option(help="only certificates to or from this participant")
    ] = None,
    status: Annotated[str | None, typer.Option(help="issued, confirmed, cancelled or expired")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    json_: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List certificates, newest first."""
    from kpcs.certificates import reading

    cli = state(ctx)
    with cli.session_factory() as session:
        rows = reading.list_certificates(
            session, cli.principal, cli.clock, status=status, partner=participant, limit=limit
        )
    if json_:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Certificates",
        ["number", "status", "from", "to", "carats", "value US$", "issued", "received"],
        [
            (
                r.number,
                r.status,
                r.exporting_participant,
                r.importing_participant,
                r.total_carats,
                r.total_value_usd,
                r.issued_on,
                r.received_on or "",
            )
            for r in rows
        ],
    )


@app.command("show")
def show(ctx: typer.Context, number: str) -> None:
    """One certificate as JSON, with its timeline."""
    from kpcs.certificates import reading

    cli = state(ctx)
    with cli.session_factory() as session:
        print_json(reading.get_certificate(session, cli.principal, cli.clock, number).model_dump(mode="json"))


@app.command("pdf")
def pdf(
    ctx: typer.Context,
    number: str,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="file to write (default NUMBER.pdf)")
    ] = None,
) -> None:
    """Write the printable certificate."""
    from kpcs.certificates import reading
    from kpcs.certificates.pdf import render_certificate_pdf

    cli = state(ctx)
    with cli.session_factory() as session:
        document = reading.certificate_document(session, cli.principal, cli.clock, number)
    target = out or Path(f"{document.number}.pdf")
    target.write_bytes(render_certificate_pdf(document))
    console.print(f"wrote {target}", highlight=False)


@app.command("confirm")
def confirm(
    ctx: typer.Context,
    number: str,
    received_on: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="date the shipment arrived")],
    carats: Annotated[str | None, typer.Option(help="carats received, if different")] = None,
    value_usd: Annotated[str | None, typer.Option(help="value received, if different")] = None,
    parcels: Annotated[int | None, typer.Option(help="parcels received, if different")] = None,
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Confirm an import (the return slip)."""
    from pydantic import ValidationError

    from kpcs.certificates import services
    from kpcs.certificates.schemas import ConfirmationCreate

    cli = state(ctx)
    try:
        body = ConfirmationCreate(
            received_on=received_on.date(),
            carats_received=carats,
            value_usd_received=value_usd,
            parcels_received=parcels,
            note=note,
        )
    except ValidationError as exc:
        raise InvalidInput(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        ) from None
    result = services.confirm_import(cli.uow(), cli.principal, cli.clock, number, body)
    found = result.confirmation.discrepancies if result.confirmation else []
    console.print(
        f"{result.number} confirmed as received on {received_on.date()}"
        + (f"; differences: {found}" if found else ""),
        highlight=False,
    )


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    number: str,
    reason: Annotated[
        str,
        typer.Option(
            help="printing_error, transposition_error, shipment_withdrawn, "
            "shipment_returned, lost_in_transit or other"
        ),
    ],
    note: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Cancel a certificate that was not used."""
    from kpcs.certificates import services
    from kpcs.certificates.schemas import CancellationCreate

    cli = state(ctx)
    result = services.cancel_certificate(
        cli.uow(), cli.principal, cli.clock, number, CancellationCreate(reason=reason, note=note)
    )
    console.print(f"{result.number} cancelled", highlight=False)


@app.command("unconfirmed")
def unconfirmed(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(min=0, help="issued at least this many days ago")] = 30,
    json_: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Certificates still without an import confirmation after DAYS."""
    from kpcs.certificates import reading

    cli = state(ctx)
    with cli.session_factory() as session:
        rows = reading.unconfirmed(session, cli.principal, cli.clock, days=days)
    if json_:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        f"Unconfirmed after {days} days",
        ["number", "to", "importer", "issued", "days open", "reminders", "last reminder"],
        [
            (
                r.number,
                r.importing_participant,
                r.importer_name,
                r.issued_on,
                r.days_open,
                r.reminders,
                r.last_reminded_at.strftime("%Y-%m-%d %H:%M") if r.last_reminded_at else "",
            )
            for r in rows
        ],
    )


@app.command("remind")
def remind(
    ctx: typer.Context,
    number: Annotated[str | None, typer.Argument(help="the certificate to chase")] = None,
    unconfirmed_days: Annotated[
        int | None,
        typer.Option(min=0, help="instead: every certificate still unconfirmed this many days after issue"),
    ] = None,
    note: Annotated[str | None, typer.Option(help="a note to the importing authority")] = None,
) -> None:
    """Remind the importing authority that a certificate awaits its import confirmation
    (one reminder a day; through the exchange when the importer runs its own system)."""
    from kpcs.certificates import reminders
    from kpcs.certificates.schemas import ReminderCreate, RemindersCreate

    cli = state(ctx)
    if number is None and unconfirmed_days is None:
        raise InvalidInput.field("number", "give a certificate number, or --unconfirmed-days N")
    if number is not None and unconfirmed_days is not None:
        raise InvalidInput.field("number", "give a certificate number or --unconfirmed-days, not both")
    if number is not None:
        sent = reminders.send_reminder(cli.uow(), cli.principal, cli.clock, number, ReminderCreate(note=note))
        console.print(f"reminder sent for {number.upper()} ({sent.route})", highlight=False)
        return
    assert unconfirmed_days is not None
    result = reminders.remind_unconfirmed(
        cli.uow(), cli.principal, cli.clock, RemindersCreate(days=unconfirmed_days, note=note)
    )
    for sent_for in result.sent:
        console.print(f"reminder sent for {sent_for}", highlight=False)
    for skipped, why in result.skipped.items():
        console.print(f"not sent for {skipped}: {why}", highlight=False)
    console.print(f"{len(result.sent)} reminder(s) sent, {len(result.skipped)} not sent", highlight=False)
