"""The Working Group on Statistics' workbench: the anomalies of a year (CONTRACT:
``GET /statistics/anomalies?year=``) and the thresholds behind them, and the reconciliation
of certificates between partners."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.errors import FieldProblem, InvalidInput
from kpcs.statistics.analysis import analyses, daq
from kpcs.statistics.analysis import charts as analysis_charts
from kpcs.statistics.analysis import services as analysis_services
from kpcs.statistics.analysis import workbench as workbench_service
from kpcs.statistics.analysis.anomalies import SEVERITIES, TYPES, Anomaly
from kpcs.statistics.analysis.charts import CHARTS
from kpcs.statistics.analysis.country import CountryAnalysis
from kpcs.statistics.analysis.pdf import render_analysis_pdf
from kpcs.statistics.analysis.selection import PERIOD_CHOICES, FindingFilter, parse_filter
from kpcs.statistics.submissions.templates import FIRST_YEAR
from kpcs.web import labels
from kpcs.web.context import AppContext
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.forms import act
from kpcs.web.htmx import is_htmx_partial
from kpcs.web.params import year_from_form
from kpcs.web.routes.statistics import ShownYear, csv_response, shown_year
from kpcs.web.templating import render

api = APIRouter(tags=["analysis"])
pages = APIRouter(include_in_schema=False)

ReviewYear = Annotated[int, Query(ge=FIRST_YEAR, le=2100, description="the year under review")]
_FILTERS = {"year", "type", "participant", "partner", "period", "severity", "format"}


def _overrides(request: Request) -> dict[str, str]:
    """Thresholds given as query parameters: a trial run with them, nothing stored."""
    return {k: v for k, v in request.query_params.items() if k not in _FILTERS}


@api.get("/statistics/anomalies")
def anomalies(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    year: ReviewYear,
    type: Annotated[list[str] | None, Query(description="only these types")] = None,
    participant: Annotated[str | None, Query(description="concerning it, as reporter or as partner")] = None,
    severity: str | None = None,
    partner: Annotated[str | None, Query(description="with this partner")] = None,
    period: Annotated[
        str | None, Query(description="a half-year or quarter of the year (2024-H1, 2024-Q2) and its parts")
    ] = None,
) -> list[dict[str, Any]]:
    """The anomalies of ``year`` (CONTRACT): type, participant, partner, period, HS code,
    reported, reference, deviation, severity and an explanation. Any threshold may be given
    as a query parameter (``?year=2024&mirror_value_di=0.2``) for a trial run."""
    found = daq.year_anomalies(
        session,
        principal,
        year,
        context.clock.today(),
        overrides=_overrides(request),
        types=set(type) if type else None,
        participant=participant.upper() if participant else None,
        severity=severity,
        partner=partner,
        period=period,
    )
    return [a.as_dict() for a in found]


class ThresholdsUpdate(BaseModel):
    """Some thresholds to change (the others keep their values), and why."""

    values: dict[str, float] = Field(
        description="{name: value}; names as in GET /statistics/anomaly-thresholds"
    )
    note: str | None = Field(default=None, max_length=2000)


@api.get("/statistics/anomaly-thresholds")
def thresholds(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Every threshold with its value in force, its default and what it means."""
    require(principal, Action.VIEW_ANOMALIES)
    _, who = daq.thresholds_in_force(session)
    return {"thresholds": daq.thresholds_table(session), "set": who}


@api.put("/statistics/anomaly-thresholds")
def set_thresholds(body: ThresholdsUpdate, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """Change thresholds for every later run (recorded with who, when and why)."""
    chosen = daq.set_thresholds(context.uow(), principal, context.clock, body.values, body.note)
    return {"thresholds": {k: getattr(chosen, k) for k in body.values}}


@pages.get("/statistics/anomalies")
async def workbench(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
    type: str | None = None,
    participant: str | None = None,
    partner: str | None = None,
    period: str | None = None,
    severity: str | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    format: Literal["csv"] | None = None,
    error: str | None = None,
) -> Response:
    """The workbench: the findings of a year, most severe first, filtered by type,
    participant, partner, period and severity, a page at a time (only the table for HTMX),
    the missing returns apart, and the thresholds in force with a form to change them;
    ``format=csv`` downloads every anomaly the filters keep."""
    require(principal, Action.VIEW_ANOMALIES)
    today = context.clock.today()
    shown = shown_year(year, today)
    typed = {"type": type, "participant": participant, "partner": partner, "period": period,
             "severity": severity}  # fmt: skip
    partial = is_htmx_partial(request)

    def build() -> dict[str, Any]:
        with context.read_session_factory() as session:
            values: dict[str, Any] = {"year": shown, "error": error, "problems": []}
            try:
                where = parse_filter(shown, **typed)
            except InvalidInput as exc:
                values["problems"] = [f"{p.field}: {p.message}" for p in exc.problems] or [exc.message]
                values["filters"] = {name: (value or "").strip() for name, value in typed.items()}
                where = None
            if where is not None and format == "csv":
                return {"csv": workbench_service.matching(session, principal, shown, today, where)}
            if where is not None:
                bench = workbench_service.workbench(session, principal, shown, today, where, page=page)
                values |= {"bench": bench, "filters": _shown_filters(where), "links": _links(bench)}
            if not partial:
                _, who = daq.thresholds_in_force(session)
                values |= {
                    "thresholds": daq.thresholds_table(session),
                    "thresholds_set": who,
                    "types": TYPES,
                    "severities": SEVERITIES,
                    "period_choices": PERIOD_CHOICES,
                    "years": list(range(today.year, FIRST_YEAR - 1, -1)),
                }
            return values

    values = await run_in_threadpool(build)
    if "csv" in values:
        rows = [a.as_dict() for a in values["csv"]]
        return csv_response(rows, f"kp-anomalies-{shown}.csv", columns=ANOMALY_COLUMNS)
    status = 422 if values["problems"] else 200
    template = "statistics/_anomalies.html" if partial else "statistics/anomalies.html"
    response = render(request, template, values, principal=principal, status_code=status)
    if partial and "bench" in values:
        # The address bar gets the filters in force, without the form's empty fields.
        response.headers["HX-Push-Url"] = values["links"]["here"]
    # One address, two answers: the browser's cache must not answer a Back with the bare table.
    response.headers["Vary"] = "HX-Request"
    return response


ANOMALY_COLUMNS = tuple(f.name for f in fields(Anomaly))
"""The CSV's columns: the contract's fields of an anomaly, a header even when no row matches."""


def _shown_filters(where: FindingFilter) -> dict[str, str]:
    """The filter as the form shows it (a period as its part of the year: ``Q2``)."""
    return {
        "type": where.type or "",
        "participant": where.participant or "",
        "partner": where.partner or "",
        "period": (where.period or "").partition("-")[2],
        "severity": where.severity or "",
    }


def _address(year: int, where: FindingFilter, **extra: str | int) -> str:
    """The workbench's address for ``year`` with the filter in force (and paging or format)."""
    query = {"year": year, **{k: v for k, v in _shown_filters(where).items() if v}, **extra}
    return f"/statistics/anomalies?{urlencode(query)}"


def _links(bench: workbench_service.Workbench) -> dict[str, str | None]:
    """Addresses that keep the filter: this page, the pages either side, and the CSV."""
    year, where = bench.year, bench.where
    return {
        "here": _address(year, where, **({"page": bench.page} if bench.page > 1 else {})),
        "previous": _address(year, where, page=bench.page - 1) if bench.page > 1 else None,
        "next": _address(year, where, page=bench.page + 1) if bench.page < bench.pages else None,
        "csv": _address(year, where, format="csv"),
        "all": _address(year, FindingFilter()),
    }


@pages.post("/statistics/anomalies/questionnaires")
async def draw_up_selected(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """Draft a questionnaire for each participant the selected findings concern, then show
    it (or the drafts, if there are several); a refusal is shown on the workbench."""
    form = await request.form()
    year = str(form.get("year", ""))
    back = str(form.get("back", ""))
    if not back.startswith("/statistics/anomalies?") and back != "/statistics/anomalies":
        back = "/statistics/anomalies"  # only ever back to the workbench, not to an address given
    made: list[dict[str, Any]] = []

    def run() -> None:
        selection = [str(key) for key in form.getlist("finding")]
        made.extend(
            daq.draw_up_selected(
                context.uow(),
                principal,
                context.clock,
                year=year_from_form(year, example="2024"),
                selection=selection,
            )
        )

    response = await act(run, back, f"{back}#selection")
    if len(made) == 1:
        return RedirectResponse(f"/statistics/questionnaires/{made[0]['id']}", status_code=303)
    if made:
        return RedirectResponse(f"/statistics/questionnaires?year={year}&status=draft", status_code=303)
    return response


@pages.post("/statistics/anomalies/thresholds")
async def tune(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """The thresholds form: store the values that changed, then show the year again."""
    form = await request.form()
    year = str(form.get("year") or "")
    values = {
        name[len("t_") :]: str(value)
        for name, value in form.items()
        if name.startswith("t_") and str(value).strip() != ""
    }
    note = str(form.get("note") or "") or None
    await run_in_threadpool(daq.set_thresholds, context.uow(), principal, context.clock, values, note)
    target = f"/statistics/anomalies?year={int(year)}" if year.isdigit() else "/statistics/anomalies"
    return RedirectResponse(target, status_code=303)


def _reconciled(
    session: Session,
    principal: Principal,
    year: int,
    today: date,
    participant: str | None,
    partner: str | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    return analysis_services.reconciliation(
        session,
        principal,
        year,
        today,
        participant=participant.upper() if participant else None,
        partner=partner.upper() if partner else None,
    )


PAGE_PAIRS = 250
"""Pair-quarters the reconciliation page lists (the most findings first); the CSV and the
API have them all. A table of thousands of rows is not read, and costs seconds to send."""
PAGE_CERTIFICATES = 500
"""Certificates the page lists behind the findings of the chosen participant or pair."""


@api.get("/statistics/reconciliation")
def reconciliation(
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    year: ReviewYear,
    participant: str | None = None,
    partner: str | None = None,
) -> dict[str, Any]:
    """Certificates between partners that both use kpcs, per exporter, importer and quarter:
    never confirmed, confirmed with other carats or value, and imports reported beyond the
    certificates received (``pairs``); each certificate that is a finding (``details``)."""
    pairs, details = _reconciled(session, principal, year, context.clock.today(), participant, partner)
    return {"year": year, "pairs": pairs.to_dicts(), "details": details.to_dicts()}


@pages.get("/statistics/reconciliation")
async def reconciliation_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
    participant: str | None = None,
    partner: str | None = None,
    everything: bool = False,
    format: str | None = None,
) -> Response:
    """The reconciliation of a year per pair and quarter (only rows with findings unless
    ``everything``), the certificates behind them, and both as CSV (``format=csv`` for the
    pairs, ``format=details`` for the certificates)."""
    require(principal, Action.VIEW_RECONCILIATION, participant=participant.upper() if participant else None)
    today = context.clock.today()
    shown = shown_year(year, today)

    def build() -> tuple[pl.DataFrame, pl.DataFrame]:
        with context.read_session_factory() as session:
            return _reconciled(session, principal, shown, today, participant, partner)

    pairs, details = await run_in_threadpool(build)
    if format == "csv":
        return csv_response(pairs.to_dicts(), f"kp-reconciliation-{shown}.csv")
    if format == "details":
        return csv_response(details.to_dicts(), f"kp-reconciliation-{shown}-certificates.csv")
    counts = ("issued", "confirmed", "awaiting", "unconfirmed", "differing", "received", "findings")
    totals = {key: int(pairs[key].sum()) for key in counts}
    unmatched = (pl.col("unmatched_carats") != 0) | (pl.col("unmatched_value_usd") != 0)
    totals["unmatched"] = pairs.filter(unmatched).height
    listed = pairs if everything else pairs.filter(pl.col("findings") > 0)
    filtered = bool(participant or partner)
    values = {
        "year": shown,
        "pairs": listed.sort(
            ["findings", "exporter", "importer", "period"], descending=[True, False, False, False]
        )
        .head(PAGE_PAIRS)
        .to_dicts(),
        "listed_count": listed.height,
        "pair_count": pairs.height,
        "details": details.head(PAGE_CERTIFICATES).to_dicts() if filtered else [],
        "detail_count": details.height,
        "totals": totals,
        "filters": {
            "participant": (participant or "").upper(),
            "partner": (partner or "").upper(),
            "everything": everything,
        },
        "years": list(range(today.year, FIRST_YEAR - 1, -1)),
    }
    return render(request, "statistics/reconciliation.html", values, principal=principal)


class ExportProposal(BaseModel):
    """A proposed export to assess: who exports, how much, what, from where."""

    exporter: str = Field(min_length=2, max_length=8, description="participant code")
    carats: float = Field(gt=0)
    value_usd: float = Field(gt=0)
    hs_code: str = Field(min_length=4, max_length=10, examples=["7102.31"])
    origin: str = Field(min_length=2, max_length=5, description="country code, or 'mixed'")


@api.post("/statistics/export-assessments")
def assess_export(
    body: ExportProposal, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """How a proposed export's $/carat and size compare with the exporter's history, other
    exporters of the same goods and the origin's production (nothing is stored)."""
    return analysis_services.assess_export(
        session,
        principal,
        context.clock.today(),
        exporter=body.exporter.upper(),
        carats=body.carats,
        value_usd=body.value_usd,
        hs_code=body.hs_code,
        origin=body.origin if body.origin == "mixed" else body.origin.upper(),
    )


@pages.get("/statistics/assess")
def assess_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    exporter: str = "",
    carats: str = "",
    value_usd: str = "",
    hs_code: str = "7102.31",
    origin: str = "",
) -> Response:
    """A form for a proposed export, and its assessment once the form is filled in."""
    require(principal, Action.ASSESS_EXPORT)
    shown = {"exporter": exporter or (principal.participant_code or ""), "carats": carats,
             "value_usd": value_usd, "hs_code": hs_code, "origin": origin}  # fmt: skip
    report, problems = None, []
    if exporter and carats and value_usd and origin:
        try:
            report = analysis_services.assess_export(
                session,
                principal,
                context.clock.today(),
                exporter=exporter.strip().upper(),
                carats=_amount("carats", carats),
                value_usd=_amount("value_usd", value_usd),
                hs_code=hs_code.strip(),
                origin=origin.strip() if origin.strip() == "mixed" else origin.strip().upper(),
            )
        except InvalidInput as error:
            problems = list(error.problems) or [FieldProblem("proposal", error.message)]
    values = {"form": shown, "report": report, "problems": labels.shown(problems, labels.ASSESSMENT_LABELS)}
    return render(
        request, "statistics/assess.html", values, principal=principal, status_code=422 if problems else 200
    )


def _amount(field: str, text: str) -> float:
    try:
        return float(text.replace(",", "").strip())
    except ValueError:
        raise InvalidInput.field(field, "a number, such as 1520.35") from None


@api.get("/statistics/analyses/{participant}")
def country_analysis(
    participant: str, session: SessionDep, context: ContextDep, principal: PrincipalDep, year: ReviewYear
) -> dict[str, Any]:
    """The annual statistical analysis of a participant for ``year``, as data."""
    today = context.clock.today()
    return analyses.country_analysis_of(session, principal, participant.upper(), year, today).as_dict()


@pages.get("/statistics/analyses")
def analyses_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
) -> Response:
    """Every participant's annual analysis for a year: the page and the PDF of each."""
    today = context.clock.today()
    values = {
        "year": shown_year(year, today),
        "participants": analyses.participants_for(session, principal),
        "years": list(range(today.year, FIRST_YEAR - 1, -1)),
    }
    return render(request, "statistics/analyses.html", values, principal=principal)


def _analysis(
    context: AppContext, principal: Principal, participant: str, year: int, today: date
) -> CountryAnalysis:
    """One participant's analysis, read in a session of its own (pages run it in a thread)."""
    with context.read_session_factory() as session:
        return analyses.country_analysis_of(session, principal, participant.upper(), year, today)


@pages.get("/statistics/analyses/{participant}")
async def analysis_page(
    request: Request,
    participant: str,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
) -> Response:
    """A participant's annual analysis as a page, its charts drawn in SVG."""
    today = context.clock.today()
    shown = shown_year(year, today)

    def build() -> dict[str, Any]:
        found = _analysis(context, principal, participant, shown, today)
        charts = analysis_charts.draw_all(found, "svg")
        return {
            "a": found,
            # The SVG element alone: its XML declaration and doctype do not belong in HTML.
            "charts": {
                name: (CHARTS[name][0], Markup(svg.decode()[svg.decode().index("<svg") :]))
                for name, svg in charts.items()
            },
            "years": list(range(today.year, FIRST_YEAR - 1, -1)),
        }

    return render(request, "statistics/analysis.html", await run_in_threadpool(build), principal=principal)


@api.get("/statistics/analyses/{participant}/pdf", response_class=Response)
@pages.get("/statistics/analyses/{participant}/pdf")
async def analysis_pdf(
    participant: str,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
) -> Response:
    """A participant's annual analysis as a printable PDF."""
    today = context.clock.today()
    shown = shown_year(year, today)

    def build() -> bytes:
        found = _analysis(context, principal, participant, shown, today)
        return render_analysis_pdf(found, analysis_charts.draw_all(found, "png"), today)

    pdf = await run_in_threadpool(build)
    name = f"kp-analysis-{shown}-{participant.upper()}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
    )
