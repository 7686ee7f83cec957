"""``kpcs nodes``: enroll national nodes on the hub and watch the exchange."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

app = typer.Typer(help="National nodes and the exchange of messages with them.", no_args_is_help=True)


@app.command("enroll")
def enroll(
    ctx: typer.Context,
    participant: Annotated[str, typer.Option(help="the participant the node serves, e.g. BW")],
    url: Annotated[str, typer.Option(help="the node's address, e.g. https://kpcs.gov.bw")],
) -> None:
    """Make a one-time enrollment token (valid 7 days); printed as the last line of stdout.

    Start the node with KPCS_NODE=CODE, KPCS_HUB_URL and KPCS_ENROLLMENT_TOKEN set."""
    from kpcs.exchange import services

    cli = state(ctx)
    token = services.create_enrollment(cli.uow(), cli.principal, cli.clock, participant, url)
    console.print(
        f"enrollment token for the node of {participant.upper()} at {url} (one use, valid 7 days):",
        highlight=False,
    )
    print(token)


@app.command("status")
def status(
    ctx: typer.Context,
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Queues, failures and the last contact of every node (or of the hub, on a node)."""
    from kpcs.exchange import services

    cli = state(ctx)
    with cli.session_factory() as session:
        found = services.exchange_status(session, cli.principal)
    if json_:
        print_json(asdict(found))
        return
    if found.role == "node":
        enrolled = f"enrolled {found.enrolled_at:%Y-%m-%d %H:%M}" if found.enrolled_at else "NOT ENROLLED"
        line = f"national node of {found.participant}; hub {found.hub_url} ({enrolled})"
        console.print(line, highlight=False)
    else:
        console.print(f"hub; {len(found.queues)} national node(s) enrolled", highlight=False)
    print_table(
        "outgoing messages",
        ["to", "address", "pending", "oldest pending", "delivered", "failed", "last contact", "last error"],
        [
            [
                q.destination,
                q.url or "",
                q.pending,
                f"{q.oldest_pending_at:%Y-%m-%d %H:%M:%S}" if q.oldest_pending_at else "",
                q.delivered,
                q.failed,
                f"{q.last_contact_at:%Y-%m-%d %H:%M:%S}" if q.last_contact_at else "never",
                q.last_error or "",
            ]
            for q in found.queues
        ],
    )
    console.print(f"incoming: {found.received} received, {found.waiting} waiting for their certificate")
    for failure in found.failures:
        console.print(
            f"[red]failed[/red] {failure['id']} {failure['kind']} to {failure['destination']} "
            f"({failure['certificate'] or '-'}): {failure['error']}",
            highlight=False,
        )


@app.command("retry")
def retry(
    ctx: typer.Context,
    message_id: Annotated[str, typer.Argument(help="the id of a failed message")],
) -> None:
    """Send a failed message again, once its cause is fixed."""
    from kpcs.exchange import services

    cli = state(ctx)
    services.retry_failed(cli.uow(), cli.principal, cli.clock, message_id)
    console.print(f"message {message_id} is pending again")
