"""``kpcs participants``: the registry from the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state
from kpcs.errors import InvalidInput
from kpcs.participants.registry import ParticipantKind, ParticipantStatus

app = typer.Typer(help="The participant registry.", no_args_is_help=True)

OnOption = Annotated[
    datetime | None, typer.Option("--on", formats=["%Y-%m-%d"], help="statuses as of this date (YYYY-MM-DD)")
]


@app.command("list")
def list_(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help="print the API's JSON objects")] = False,
    status: Annotated[ParticipantStatus | None, typer.Option(help="only this status")] = None,
    kind: Annotated[ParticipantKind | None, typer.Option(help="participant or observer")] = None,
    on: OnOption = None,
) -> None:
    """List participants and observers with their status."""
    from kpcs.participants import services

    cli = state(ctx)
    on_date = on.date() if on else cli.clock.today()
    with cli.session_factory() as session:
        rows = services.list_participants(session, on=on_date, kind=kind, status=status)
    if json_:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        f"KP registry as of {on_date}",
        ["code", "name", "kind", "status", "countries"],
        [(r.code, r.name, r.kind.value, r.status.value, len(r.countries)) for r in rows],
    )


@app.command("show")
def show(
    ctx: typer.Context,
    code: str,
    json_: Annotated[bool, typer.Option("--json", help="print the API's JSON object")] = False,
    on: OnOption = None,
) -> None:
    """One participant with its status history."""
    from kpcs.participants import services

    cli = state(ctx)
    with cli.session_factory() as session:
        detail = services.get_participant(session, code, on=on.date() if on else cli.clock.today())
    if json_:
        print_json(detail.model_dump(mode="json"))
        return
    console.print(
        f"[bold]{detail.name}[/bold] ({detail.code}), {detail.kind.value}: {detail.status.value}",
        highlight=False,
    )
    print_table(
        "Status history",
        ["from", "status", "reason", "zones", "source"],
        [
            (
                h.effective_on,
                h.status.value,
                h.reason,
                ", ".join(h.zones),
                "; ".join(h.sources) or f"recorded by {h.recorded_by}",
            )
            for h in detail.status_history
        ],
    )


@app.command("set-status")
def set_status(
    ctx: typer.Context,
    code: str,
    status: Annotated[ParticipantStatus, typer.Option(help="the new status")],
    effective_on: Annotated[datetime, typer.Option(formats=["%Y-%m-%d"], help="YYYY-MM-DD")],
    reason: Annotated[str, typer.Option(help="the decision, with its reference")],
    zone: Annotated[list[str] | None, typer.Option(help="a compliant zone (restricted); repeat")] = None,
) -> None:
    """Append a status change to a participant's history."""
    from kpcs.participants import services
    from kpcs.participants.schemas import StatusChangeCreate

    cli = state(ctx)
    try:
        change = StatusChangeCreate(
            status=status, effective_on=effective_on.date(), reason=reason, zones=zone or []
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    detail = services.change_status(cli.uow(), cli.principal, cli.clock, code, change)
    console.print(
        f"{detail.code} is {change.status.value} from {change.effective_on}; "
        f"status today: {detail.status.value}",
        highlight=False,
    )


@app.command("set-validity")
def set_validity(
    ctx: typer.Context,
    code: str,
    default_days: Annotated[int, typer.Option(help="validity of a certificate when none is asked for")],
    max_days: Annotated[int, typer.Option(help="longest validity the authority allows")],
) -> None:
    """Configure how long a participant's certificates are valid."""
    from kpcs.participants import services

    cli = state(ctx)
    authority = services.configure_authority(
        cli.uow(),
        cli.principal,
        cli.clock,
        code,
        default_validity_days=default_days,
        max_validity_days=max_days,
    )
    console.print(
        f"{authority.name}: certificates valid {authority.default_validity_days} days by default, "
        f"at most {authority.max_validity_days}",
        highlight=False,
    )
