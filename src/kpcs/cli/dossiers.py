"""``kpcs dossiers``: export dossiers of the restricted regime from the command line: the
list with the week's clock, one dossier, the assessments, the decision, the cross-check."""

from __future__ import annotations

import csv
import sys
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from kpcs.cli.output import console, print_json, print_table
from kpcs.cli.state import state
from kpcs.dossiers.domain import Decision, DossierStatus, ExpertConclusion

# The services and their request bodies (SQLAlchemy, the certificate schemas) are imported
# inside the commands: help is built from the signatures alone.

app = typer.Typer(
    help="Export dossiers of restricted participants: assess, decide, cross-check.", no_args_is_help=True
)

Id = Annotated[int, typer.Argument(help="the dossier's number", min=1, max=2**31 - 1)]
Json = Annotated[bool, typer.Option("--json", help="print JSON")]


_Body = TypeVar("_Body", bound=BaseModel)


def _body(model: type[_Body], **values: object) -> _Body:
    """The request body, or a CLI error naming the option and why."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "input"
        raise typer.BadParameter(error["msg"], param_hint=f"--{name}") from None


def _clock(d: dict[str, Any]) -> str:
    if d["status"] == DossierStatus.SUBMITTED and d["overdue"]:
        return f"due {d['decision_due_on']}, OVERDUE by {-d['days_left']} day(s)"
    if d["status"] == DossierStatus.SUBMITTED:
        return f"due {d['decision_due_on']}, {d['days_left']} day(s) left"
    return f"due {d['decision_due_on']}" + (", decided late" if d["overdue"] else "")


def _show(d: dict[str, Any], json_: bool) -> None:
    if json_:
        print_json(d)
        return
    console.print(
        f"export dossier {d['id']}: {d['participant']}, zone {d['zone']}, {d['carats']} ct, "
        f"US$ {d['value_usd']}, {d['status']} ({_clock(d)})"
        + (f", certificate {d['certificate']}" if d["certificate"] else ""),
        highlight=False,
    )
    if d.get("footprint"):
        check = d["footprint"]
        said = check["verdict"] + (
            f" (distance {check['distance']})" if check.get("distance") is not None else ""
        )
        console.print(f"  footprint check: {said}", highlight=False)
        if check.get("differs_most"):
            console.print(f"    differs most: {check['differs_most']}", highlight=False)
    for title, part in (
        ("Diamond Expert Team", d["expert_assessment"]),
        ("statistics", d["statistics_assessment"]),
        ("decision", d["decision"]),
    ):
        if part:
            said = part.get("decision") or part.get("conclusion")
            console.print(f"  {title}: {said} ({part['by']}, {part['at'][:10]})", highlight=False)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[DossierStatus | None, typer.Option(help="only dossiers in this status")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only dossiers past their week")] = False,
    json_: Json = False,
) -> None:
    """The dossiers, newest first, each with the week's clock (overdue ones flagged)."""
    from kpcs.dossiers import services as dossiers

    cli = state(ctx)
    with cli.session_factory() as session:
        found = dossiers.list_dossiers(
            session, cli.principal, cli.clock.today(), status=status, overdue=overdue
        )
    if json_:
        print_json(found)
        return
    print_table(
        f"{len(found)} export dossier(s)",
        [
            "no.",
            "participant",
            "zone",
            "carats",
            "value (US$)",
            "status",
            "decision within a week",
            "certificate",
        ],
        [
            [
                d["id"],
                d["participant"],
                d["zone"],
                d["carats"],
                d["value_usd"],
                d["status"],
                _clock(d),
                d["certificate"] or "",
            ]
            for d in found
        ],
    )


@app.command("show")
def show(ctx: typer.Context, dossier_id: Id, json_: Json = False) -> None:
    """One dossier with its assessments and decision."""
    from kpcs.dossiers import services as dossiers

    cli = state(ctx)
    with cli.session_factory() as session:
        _show(dossiers.get(session, cli.principal, cli.clock.today(), dossier_id), json_)


@app.command("assess-expertise")
def assess_expertise(
    ctx: typer.Context,
    dossier_id: Id,
    conclusion: Annotated[ExpertConclusion, typer.Option(help="the parcels against zone and value")],
    notes: Annotated[str, typer.Option(help="what the Diamond Expert Team found")],
) -> None:
    """Record the Diamond Expert Team's assessment."""
    from kpcs.dossiers import services as dossiers
    from kpcs.dossiers.schemas import ExpertAssessmentCreate

    cli = state(ctx)
    body = _body(ExpertAssessmentCreate, conclusion=conclusion, notes=notes)
    _show(dossiers.assess_expertise(cli.uow(), cli.principal, cli.clock, dossier_id, body), False)


@app.command("assess-statistics")
def assess_statistics(
    ctx: typer.Context,
    dossier_id: Id,
    conclusion: Annotated[str, typer.Option(help="the statistics working group's reading")],
) -> None:
    """Record the statistics working group's assessment (the statistical report is attached)."""
    from kpcs.dossiers import services as dossiers
    from kpcs.dossiers.schemas import StatisticsAssessmentCreate

    cli = state(ctx)
    body = _body(StatisticsAssessmentCreate, conclusion=conclusion)
    _show(dossiers.assess_statistics(cli.uow(), cli.principal, cli.clock, dossier_id, body), False)


@app.command("decide")
def decide(
    ctx: typer.Context,
    dossier_id: Id,
    decision: Annotated[Decision, typer.Option(help="approved, rejected or more-information")],
    reason: Annotated[str, typer.Option(help="why, as the Monitoring Team decided")],
) -> None:
    """Record the Monitoring Team's decision."""
    from kpcs.dossiers import services as dossiers
    from kpcs.dossiers.schemas import DecisionCreate

    cli = state(ctx)
    body = _body(DecisionCreate, decision=decision, reason=reason)
    _show(dossiers.decide(cli.uow(), cli.principal, cli.clock, dossier_id, body), False)


@app.command("cross-check")
def cross_check(
    ctx: typer.Context,
    csv_: Annotated[bool, typer.Option("--csv", help="print CSV")] = False,
    json_: Json = False,
) -> None:
    """Certificates issued while their exporter was restricted that no importer confirmed."""
    from kpcs.dossiers import services as dossiers

    cli = state(ctx)
    with cli.session_factory() as session:
        rows = dossiers.cross_check(session, cli.principal, cli.clock.today())
    if json_:
        print_json(rows)
    elif csv_:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(dossiers.CROSS_CHECK_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    else:
        columns = list(dossiers.CROSS_CHECK_COLUMNS)
        print_table(
            f"{len(rows)} unconfirmed certificate(s)", columns, [[r[c] or "" for c in columns] for r in rows]
        )
