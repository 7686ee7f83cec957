"""``kpcs audit``: read the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from kpcs.cli.output import print_json, print_table
from kpcs.cli.state import state

if TYPE_CHECKING:
    from kpcs.audit.services import AuditEventView


def audit(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="how many events")] = 50,
    tag: Annotated[str | None, typer.Option(help="tag prefix, e.g. participant: or account:token")] = None,
    object_type: Annotated[str | None, typer.Option(help="participant, user, api_token, registry")] = None,
    object_id: Annotated[str | None, typer.Option(help="e.g. CF")] = None,
    actor: Annotated[str | None, typer.Option(help="e.g. user:admin or cli:root")] = None,
    since: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="from this day (UTC), YYYY-MM-DD")
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="to this day (UTC) included")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Show the audit log, newest first."""
    from kpcs.audit.services import list_events

    cli = state(ctx)
    with cli.session_factory() as session:
        events = list_events(
            session,
            cli.principal,
            tag=tag,
            object_type=object_type,
            object_id=object_id,
            actor=actor,
            since=since.date() if since else None,
            until=until.date() if until else None,
            limit=limit,
        )
    if json_:
        print_json([e.as_dict() for e in events])
        return
    print_table(
        "Audit log",
        ["id", "when (UTC)", "actor", "action", "object", "change"],
        [
            (
                e.id,
                f"{e.occurred_at:%Y-%m-%d %H:%M:%S}",
                e.actor,
                e.tag,
                f"{e.object_type} {e.object_id}",
                _change_text(e),
            )
            for e in events
        ],
    )


def _change_text(event: AuditEventView) -> str:
    """What changed, key by key as the audit page shows it (``status: active → restricted``),
    then the note."""
    lines = [
        f"{c.key}: "
        + ("" if c.before is None else f"{c.before} → ")
        + ("(removed)" if c.after is None else c.after)
        for c in event.changes
    ]
    return "\n".join([*lines, *([event.note] if event.note else [])])
