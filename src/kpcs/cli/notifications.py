"""``kpcs notifications``: the inbox, deadlines to announce, and e-mails to send."""

from __future__ import annotations

from typing import Annotated

import typer

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state

app = typer.Typer(help="Notifications: the inbox, deadlines, e-mail.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context, json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False
) -> None:
    """Every notification, newest first."""
    from kpcs.notifications import services

    cli = state(ctx)
    with cli.session_factory() as session:
        items = services.inbox(session, cli.principal)
    if json_:
        print_json([i.__dict__ for i in items])
        return
    print_table(
        "Notifications",
        ["created", "for", "subject", "link"],
        [
            (f"{i.created_at:%Y-%m-%d %H:%M}", f"{i.role} {i.participant or ''}".strip(), i.subject, i.link)
            for i in items
        ],
    )


@app.command("deadlines")
def deadlines(ctx: typer.Context) -> None:
    """Notify whoever must act of what is due within seven days: statistics, the annual
    report, a review's next step, questionnaire answers (``kpcs serve`` runs it at start-up
    and daily; a deadline is announced once)."""
    from kpcs.notifications.deadlines import remind_deadlines

    cli = state(ctx)
    made = remind_deadlines(cli.uow(), cli.clock)
    console.print(f"{made} deadline notification(s) made", highlight=False)


@app.command("send")
def send(ctx: typer.Context) -> None:
    """E-mail the notifications that are due through KPCS_SMTP_URL (run every minute or so;
    an e-mail the server could not take is tried again later)."""
    from kpcs.errors import InvalidInput
    from kpcs.notifications import services
    from kpcs.notifications.mail import parse_smtp_url

    cli = state(ctx)
    if not cli.settings.smtp_url:
        raise InvalidInput.field(
            "KPCS_SMTP_URL", "no SMTP server is configured: notifications stay in the inbox"
        )
    server = parse_smtp_url(cli.settings.smtp_url)
    sent, failed = services.send_due(cli.session_factory, cli.clock, server, cli.settings.mail_from)
    console.print(f"{sent} e-mail(s) sent, {failed} failed for good", highlight=False)
