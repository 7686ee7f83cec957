"""``kpcs statistics``: submit Annex III figures from a file."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from kpcs.cli import questionnaires
from kpcs.cli.output import console, err_console, print_json, print_table
from kpcs.cli.state import state

# The statistics services (Polars, DuckDB), the charts (Matplotlib) and the PDF writer are
# imported inside the commands that use them: every other command would pay for them at start-up.

app = typer.Typer(help="Statistics: submissions and figures.", no_args_is_help=True)
app.add_typer(questionnaires.app, name="questionnaires")


@app.command("submit")
def submit(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="a CSV or XLSX in a template")],
) -> None:
    """Check a trade or production file and store it whole; or name every bad row and store nothing."""
    from kpcs.statistics.submissions import services as submissions
    from kpcs.statistics.submissions.templates import TemplateError

    cli = state(ctx)
    try:
        with file.open("rb") as stream:
            done = submissions.submit(cli.uow(), cli.principal, cli.clock, stream, file.name)
    except TemplateError as error:
        err_console.print(f"[red]error:[/red] {file.name} refused, nothing stored:", highlight=False)
        for e in error.errors:
            where = f"row {e.row}" if e.row is not None else "file"
            column = f", {e.column}" if e.column else ""
            err_console.print(f"  {where}{column}: {e.message}", highlight=False)
        raise typer.Exit(1) from None
    console.print(
        f"{done.rows:,} {done.kind} row(s) stored: "
        + ", ".join(f"{s['participant']} {s['period']} (revision {s['revision']})" for s in done.submissions),
        highlight=False,
    )


@app.command("compliance")
def compliance_report(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="the year whose statistics were due")],
    participant: Annotated[str | None, typer.Option(help="one participant only")] = None,
    all_: Annotated[bool, typer.Option("--all", help="list on-time and open obligations too")] = False,
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """What is missing or late for a year, by how many days, and the steps taken."""
    from kpcs.statistics.submissions import compliance

    cli = state(ctx)
    with cli.session_factory() as session:
        cases = compliance.compliance(session, year, cli.clock.today(), participant=participant)
    shown = cases if all_ else [c for c in cases if c.standing in ("missing", "late")]
    if json_:
        print_json([asdict(c) for c in shown])
        return
    print_table(
        f"statistics for {year}: {sum(c.standing == 'missing' for c in cases)} missing, "
        f"{sum(c.standing == 'late' for c in cases)} late",
        ["participant", "statistics", "period", "due", "standing", "submitted", "days late", "steps"],
        [
            [
                c.participant,
                c.kind,
                c.period,
                str(c.due_on),
                c.standing,
                str(c.submitted_on or ""),
                "" if c.days_late is None else c.days_late,
                "; ".join(f"{s['taken_on']} {s['step']}" for s in c.steps),
            ]
            for c in shown
        ],
    )


@app.command("escalate")
def escalate(
    ctx: typer.Context,
    participant: Annotated[str, typer.Option(help="participant code")],
    period: Annotated[str, typer.Option(help="2025-Q1 (trade) or 2025-H1 (production)")],
    step: Annotated[str, typer.Option(help="reminder, chair-letter, listed or referred")],
    kind: Annotated[str, typer.Option(help="trade or production")] = "trade",
    taken_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today)")] = None,
    note: Annotated[str | None, typer.Option(help="e.g. the letter's reference")] = None,
) -> None:
    """Record a step taken about a late or missing submission."""
    from kpcs.statistics.submissions import compliance

    cli = state(ctx)
    on = date.fromisoformat(taken_on) if taken_on else cli.clock.today()
    done = compliance.record_escalation(
        cli.uow(),
        cli.principal,
        cli.clock,
        participant=participant.upper(),
        kind=kind,
        period=period,
        step=step,
        taken_on=on,
        note=note,
    )
    console.print(
        f"recorded: {done['step']} for {done['participant']} {done['kind']} {done['period']}", highlight=False
    )


@app.command("anomalies")
def anomalies(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="the year under review")],
    type_: Annotated[list[str] | None, typer.Option("--type", help="only this type (repeatable)")] = None,
    participant: Annotated[str | None, typer.Option(help="only anomalies about this participant")] = None,
    severity: Annotated[str | None, typer.Option(help="high, medium or low")] = None,
    threshold: Annotated[
        list[str] | None, typer.Option(help="NAME=VALUE: a trial run with this threshold (repeatable)")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The anomalies of a year, for the Data Anomaly Questionnaire."""
    from kpcs.statistics.analysis import daq

    cli = state(ctx)
    overrides: dict[str, str] = {}
    for item in threshold or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(
                f"{item!r}: write NAME=VALUE, e.g. mirror_value_di=0.2", param_hint="--threshold"
            )
        overrides[name.strip()] = value.strip()
    with cli.session_factory() as session:
        found = daq.year_anomalies(
            session,
            cli.principal,
            year,
            cli.clock.today(),
            overrides=overrides,
            types=set(type_) if type_ else None,
            participant=participant.upper() if participant else None,
            severity=severity,
        )
    if json_:
        print_json([a.as_dict() for a in found])
        return
    print_table(
        f"{len(found)} anomalies in {year}",
        ["severity", "type", "participant", "partner", "period", "HS", "explanation"],
        [
            [
                a.severity,
                a.type,
                a.participant,
                a.partner or "",
                a.period or "",
                a.hs_code or "",
                a.explanation,
            ]
            for a in found
        ],
    )


@app.command("reconcile")
def reconcile(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="the year to reconcile")],
    participant: Annotated[str | None, typer.Option(help="only pairs this participant is in")] = None,
    partner: Annotated[str | None, typer.Option(help="with --participant: only this pair")] = None,
    details: Annotated[bool, typer.Option("--details", help="list the certificates, not the pairs")] = False,
    everything: Annotated[bool, typer.Option("--all", help="every pair-quarter, not only findings")] = False,
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Certificates between partners in kpcs: never confirmed, confirmed with other amounts,
    and imports reported beyond the certificates received, per pair and quarter."""
    import polars as pl

    from kpcs.statistics.analysis import services as analysis_services

    cli = state(ctx)
    with cli.session_factory() as session:
        pairs, certificates = analysis_services.reconciliation(
            session,
            cli.principal,
            year,
            cli.clock.today(),
            participant=participant.upper() if participant else None,
            partner=partner.upper() if partner else None,
        )
    if not everything:
        pairs = pairs.filter(pl.col("findings") > 0)
    shown = certificates if details else pairs
    if json_:
        print_json(shown.to_dicts())
        return
    if details:
        columns = ["number", "exporter", "importer", "period", "finding", "carats", "carats_received"]
        title = f"{len(shown)} certificate(s) that do not reconcile in {year}"
    else:
        columns = ["exporter", "importer", "period", "issued", "unconfirmed", "differing", "received_carats",
                   "reported_carats", "unmatched_carats", "findings"]  # fmt: skip
        title = f"{int(pairs['findings'].sum())} finding(s) in {year}"
    rows = [["" if v is None else str(v) for v in row] for row in shown.select(columns).rows()]
    print_table(title, columns, rows)


@app.command("assess")
def assess(
    ctx: typer.Context,
    exporter: Annotated[str, typer.Option(help="the exporting participant's code")],
    carats: Annotated[float, typer.Option(help="carats in the shipment")],
    value: Annotated[float, typer.Option(help="its value in US dollars")],
    hs_code: Annotated[str, typer.Option(help="7102.10, 7102.21 or 7102.31")],
    origin: Annotated[str, typer.Option(help="country of origin, or 'mixed'")],
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """How a proposed export compares with the exporter's history, other exporters and the origin."""
    from kpcs.statistics.analysis import services as analysis_services

    cli = state(ctx)
    with cli.session_factory() as session:
        report = analysis_services.assess_export(
            session,
            cli.principal,
            cli.clock.today(),
            exporter=exporter.upper(),
            carats=carats,
            value_usd=value,
            hs_code=hs_code,
            origin=origin if origin == "mixed" else origin.upper(),
        )
    if json_:
        print_json(report)
        return
    p = report["proposal"]
    title = f"{p['exporter']}: {p['carats']:,.2f} ct of {p['hs_code']} at US${p['usd_per_carat']:,.2f}/ct"
    rows = [
        [
            c["name"],
            c["level"],
            "" if c["median"] is None else f"{c['median']:,.2f}",
            c["points"],
            c["explanation"],
        ]
        for c in report["checks"]
    ]
    print_table(
        f"{title}: {report['level']}", ["against", "level", "median", "figures", "what it means"], rows
    )


@app.command("analyses")
def analyses_run(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="the year analysed")],
    out: Annotated[
        Path | None, typer.Option(help="directory for the PDFs (default: KPCS_DATA_DIR/analyses/YEAR)")
    ] = None,
    participant: Annotated[list[str] | None, typer.Option(help="only this participant (repeatable)")] = None,
) -> None:
    """Every participant's annual statistical analysis as a PDF, in one run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kpcs.statistics.analysis import analyses
    from kpcs.statistics.analysis import charts as analysis_charts
    from kpcs.statistics.analysis.pdf import render_analysis_pdf

    cli = state(ctx)
    target = out or cli.settings.data_dir / "analyses" / str(year)
    target.mkdir(parents=True, exist_ok=True)
    today = cli.clock.today()
    chosen = {p.upper() for p in participant or []}
    with cli.session_factory() as session:
        inputs = analyses.read_inputs(session, year, today)
        codes = [c for c in analyses.participants_for(session, cli.principal) if not chosen or c[0] in chosen]
    unknown = chosen - {c for c, _ in codes}
    if unknown:
        raise typer.BadParameter(
            f"not participants: {', '.join(sorted(unknown))}", param_hint="--participant"
        )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(f"analyses of {year}", total=len(codes))
        for code, _name in codes:
            progress.update(task, description=f"analysis of {year}: {code}")
            found = analyses.analyse(inputs, code)
            pdf = render_analysis_pdf(found, analysis_charts.draw_all(found, "png"), today)
            (target / f"kp-analysis-{year}-{code}.pdf").write_bytes(pdf)
            progress.advance(task)
    console.print(f"{len(codes)} analyses of {year} written to {target}", highlight=False)
