"""The ``kpcs`` command line: thin commands that parse, call a service and print.

Wiring happens once, lazily, in :class:`CliState` (created by the root callback): a
command that needs no database never opens one. User errors print one red line on
stderr and exit 1; Typer's usage errors exit 2; tracebacks are for bugs only.

Every command imports only what it uses. Typer reads every command's signature to build
``kpcs --help`` (and to run any one command), so the command modules import at their top
only what those signatures need; services, and through them SQLAlchemy, Polars, Matplotlib,
the PDF writer or the web app, are imported inside the command that calls them. That keeps
``kpcs --help`` and an offline ``kpcs verify`` to a fraction of a second (issue 15);
``tests/functional/test_cli_startup.py`` holds it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TypeGuard

import typer
from typer.core import TyperGroup

from kpcs.cli.output import err_console
from kpcs.cli.state import CliState
from kpcs.errors import KPCSError

if TYPE_CHECKING:
    from pydantic import ValidationError
    from sqlalchemy.exc import OperationalError

# The two checks below look the error classes up in sys.modules rather than import them: a
# command that never loaded SQLAlchemy or pydantic cannot have raised their errors, and
# importing them here, only to name those errors, would cost every command their import time.


def _is_database_error(exc: Exception) -> TypeGuard[OperationalError]:
    loaded = sys.modules.get("sqlalchemy.exc")
    return loaded is not None and isinstance(exc, loaded.OperationalError)


def _is_invalid_settings(exc: Exception) -> TypeGuard[ValidationError]:
    loaded = sys.modules.get("pydantic")
    return loaded is not None and isinstance(exc, loaded.ValidationError)


class _KPCSGroup(TyperGroup):
    """Turns kpcs errors into a message and exit code 1, for every sub-command."""

    def invoke(self, ctx: typer.Context) -> object:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except KPCSError as exc:
            err_console.print(f"[red]error:[/red] {exc.message}", highlight=False)
            for problem in getattr(exc, "problems", []):
                if f"{problem.field}: {problem.message}" not in exc.message:
                    where = f"row {problem.row}, " if problem.row is not None else ""
                    err_console.print(f"  - {where}{problem.field}: {problem.message}", highlight=False)
            raise typer.Exit(1) from None
        except Exception as exc:
            if _is_database_error(exc):
                err_console.print(f"[red]error:[/red] cannot use the database: {exc.orig}", highlight=False)
                raise typer.Exit(1) from None
            if _is_invalid_settings(exc):
                for err in exc.errors():
                    where = ".".join(str(p) for p in err["loc"]) or "configuration"
                    err_console.print(f"[red]error:[/red] {where}: {err['msg']}", highlight=False)
                raise typer.Exit(1) from None
            raise


app = typer.Typer(
    cls=_KPCSGroup,
    name="kpcs",
    help="kpcs: the information system of the Kimberley Process Certification Scheme.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Configuration comes from KPCS_* environment variables (see the README)."""
    # Tests (and library users) may pass a ready CliState as `obj`; otherwise build one.
    if not isinstance(ctx.obj, CliState):
        ctx.obj = CliState()
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from kpcs.cli import (
        annual_reports,
        assistance,
        audit,
        backup,
        certificates,
        confiscations,
        dashboard,
        db,
        decisions,
        demo,
        dossiers,
        footprints,
        fraud,
        keys,
        log,
        nodes,
        notifications,
        participants,
        reviews,
        serve,
        statistics,
        tokens,
        users,
        verify,
    )

    app.add_typer(db.app, name="db")
    app.command("serve")(serve.serve)
    app.add_typer(participants.app, name="participants")
    app.add_typer(decisions.app, name="decisions")
    app.add_typer(certificates.app, name="certificates")
    app.command("verify")(verify.verify)
    app.add_typer(dossiers.app, name="dossiers")
    app.add_typer(footprints.app, name="footprints")
    app.add_typer(fraud.app, name="fraud")
    app.add_typer(log.app, name="log")
    app.add_typer(nodes.app, name="nodes")
    app.add_typer(statistics.app, name="statistics")
    app.add_typer(reviews.app, name="reviews")
    app.add_typer(annual_reports.app, name="annual-reports")
    app.command("dashboard")(dashboard.dashboard)
    app.add_typer(assistance.app, name="assistance")
    app.add_typer(confiscations.app, name="confiscations")
    app.add_typer(keys.keys_app, name="keys")
    app.add_typer(keys.trust_app, name="trust-list")
    app.add_typer(tokens.app, name="tokens")
    app.add_typer(users.app, name="users")
    app.add_typer(notifications.app, name="notifications")
    app.command("audit")(audit.audit)
    app.add_typer(demo.app, name="demo")
    app.command("backup")(backup.backup)
    app.command("restore")(backup.restore)


_register()


def main() -> None:
    """Console-script entry point."""
    app()
