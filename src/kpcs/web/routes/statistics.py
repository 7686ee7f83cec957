"""Statistics: submissions (CSV or XLSX in the Annex III templates) and the figures in force."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kpcs.accounts.permissions import Action, is_participant_bound, require
from kpcs.errors import NotFound
from kpcs.participants.models import Participant
from kpcs.participants.registry import ParticipantKind
from kpcs.statistics.derived import services as derived_trade
from kpcs.statistics.models import StatisticsKind
from kpcs.statistics.public import services as public
from kpcs.statistics.submissions import compliance
from kpcs.statistics.submissions import services as submissions
from kpcs.statistics.submissions.templates import FIRST_YEAR, TemplateError, template_csv, template_workbook
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.templating import render

api = APIRouter(tags=["statistics"])
pages = APIRouter(include_in_schema=False)

Year = Annotated[int | None, Query(ge=FIRST_YEAR, le=2100, description="calendar year; all years if omitted")]
ShownYear = Annotated[int | None, Query(ge=FIRST_YEAR, le=2100)]
"""The year a page shows; the last full year if omitted (see :func:`shown_year`)."""


def shown_year(year: int | None, today: date) -> int:
    """The year a statistics page shows: the one asked for, else last year, the latest
    whose statistics are complete."""
    return year or today.year - 1


def refused(error: TemplateError) -> JSONResponse:
    """422 naming every broken row, column and reason (CONTRACT.md)."""
    return JSONResponse(
        status_code=422,
        content={"detail": [{"row": e.row, "column": e.column, "message": e.message} for e in error.errors]},
    )


@api.post("/statistics/submissions", status_code=201, response_model=None)
async def submit(
    context: ContextDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="CSV or XLSX in the trade or production template")],
) -> dict[str, Any] | JSONResponse:
    """Submit trade or production figures; the file is stored whole or not at all."""
    try:
        # The upload as Starlette spooled it (to disk past 1 MB): read as a stream, not whole.
        done = await run_in_threadpool(
            submissions.submit,
            context.uow(),
            principal,
            context.clock,
            file.file,
            file.filename or "upload.csv",
        )
    except TemplateError as error:
        return refused(error)
    return asdict(done)


@api.get("/statistics/trade")
def trade(session: SessionDep, year: Year = None) -> list[dict[str, Any]]:
    """Reported trade in force: participant, period, flow, partner, HS code, carats, value, certificates."""
    return submissions.trade_figures(session, year)


@api.get("/statistics/derived")
def derived(
    session: SessionDep, principal: PrincipalDep, year: Year = None, participant: str | None = None
) -> list[dict[str, Any]]:
    """Trade derived from certificates (exports issued, imports confirmed), by quarter,
    partner and HS code, beside the figures reported for the same key and the difference."""
    return derived_trade.derived_figures(session, principal, participant=participant, year=year)


@api.get("/statistics/production")
def production(session: SessionDep, year: Year = None) -> list[dict[str, Any]]:
    """Reported production in force: participant, period, mining type, carats, value."""
    return submissions.production_figures(session, year)


class EscalationCreate(BaseModel):
    """A step taken about a late or missing submission."""

    participant: str = Field(min_length=2, max_length=8)
    kind: str = Field(description="trade or production")
    period: str = Field(description="2025-Q1 (trade) or 2025-H1 (production)")
    step: str = Field(description="reminder, chair-letter, listed or referred")
    taken_on: date
    note: str | None = Field(default=None, max_length=2000)


@api.get("/statistics/compliance")
def compliance_cases(
    session: SessionDep,
    context: ContextDep,
    year: Annotated[int, Query(ge=FIRST_YEAR, le=2100)],
    participant: str | None = None,
) -> list[dict[str, Any]]:
    """What each participant owed for ``year``: on time, late or missing (by how many days),
    with the escalation steps taken."""
    return [
        asdict(c)
        for c in compliance.compliance(session, year, context.clock.today(), participant=participant)
    ]


@api.post("/statistics/escalations", status_code=201)
def escalate(body: EscalationCreate, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """Record a reminder, a Chair's letter, a listing or a referral, dated and attributed."""
    return compliance.record_escalation(context.uow(), principal, context.clock, **body.model_dump())


@pages.get("/statistics/compliance")
async def compliance_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
) -> Response:
    """Who has submitted what, and what is late or missing."""
    today = context.clock.today()
    shown = shown_year(year, today)

    def build() -> dict[str, Any]:
        with context.session_factory() as session:
            cases = compliance.compliance(session, shown, today)
        counts = {
            standing: sum(1 for c in cases if c.standing == standing)
            for standing in ("missing", "late", "not yet due", "from certificates", "on time")
        }
        return {
            "cases": cases,
            "year": shown,
            "counts": counts,
            "years": list(range(today.year, FIRST_YEAR - 1, -1)),
        }

    values = await run_in_threadpool(build)
    return render(request, "statistics/compliance.html", values, principal=principal)


# --- public statistics -----------------------------------------------------------------------


def csv_response(
    rows: list[dict[str, Any]], filename: str, *, columns: Sequence[str] | None = None
) -> Response:
    """``rows`` as a CSV download; with ``columns``, a header even when there is no row."""
    out = io.StringIO()
    if rows or columns:
        writer = csv.DictWriter(out, fieldnames=list(columns or rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _default_year(session: Any, year: int | None) -> int:
    if year is not None:
        return year
    found = public.years(session)
    return found[0] if found else 2023


@api.get("/statistics/summary")
def summary(session: SessionDep, year: Year = None) -> dict[str, Any]:
    """The Annual Global Summary: per participant production, exports, imports, $/carat and
    certificate counts for ``year`` (the latest year with figures if omitted), with totals."""
    return public.annual_global_summary(session, _default_year(session, year))


@api.get("/statistics/participants/{code}")
def participant_statistics(code: str, session: SessionDep) -> list[dict[str, Any]]:
    """One participant's figures year by year."""
    return public.participant_history(session, code.upper())


@api.get("/statistics/world")
def world(session: SessionDep) -> list[dict[str, Any]]:
    """World figures per year since the earliest year loaded, oldest first. Each figure has
    its ``basis`` (``participants``: the sum of every producer's row, the unnamed ones
    included; ``published_total``: the KP's published world total; ``listed``: the sum of
    the producers listed only, not a world total) and its ``source``; ``partial`` years
    list ``producers_listed`` of about ``producers_expected`` producers; ``disagreements``
    names the other sources' figures; ``published_total`` is the published row itself."""
    return public.world_trend(session)


@pages.get("/statistics")
async def summary_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    year: Year = None,
    format: str | None = None,
) -> Response:
    """The Annual Global Summary for a chosen year (``format=csv`` downloads it)."""

    def build() -> dict[str, Any]:
        with context.read_session_factory() as session:
            shown = _default_year(session, year)
            return {
                "summary": public.annual_global_summary(session, shown),
                "years": public.years(session),
                "sources": public.published_sources(session),
            }

    values = await run_in_threadpool(build)
    if format == "csv":
        summary = values["summary"]
        return csv_response(summary["rows"], f"kp-annual-global-summary-{summary['year']}.csv")
    return render(request, "statistics/summary.html", values, principal=principal)


@pages.get("/statistics/participants/{code}")
async def participant_page(
    code: str, request: Request, context: ContextDep, principal: PrincipalDep, format: str | None = None
) -> Response:
    """A participant's production, exports, imports and $/carat over the years, charted."""

    def build() -> dict[str, Any]:
        with context.read_session_factory() as session:
            participant = session.get(Participant, code.upper())
            if participant is None:
                raise NotFound(f"no participant {code!r}")
            return {
                "participant": participant,
                "history": public.participant_history(session, participant.code),
                "sources": public.published_sources(session),
            }

    values = await run_in_threadpool(build)
    if format == "csv":
        return csv_response(values["history"], f"kp-statistics-{values['participant'].code}.csv")
    return render(request, "statistics/participant.html", values, principal=principal)


@pages.get("/statistics/world")
async def world_page(
    request: Request, context: ContextDep, principal: PrincipalDep, format: str | None = None
) -> Response:
    """World production and trade since the earliest year loaded."""

    def build() -> dict[str, Any]:
        with context.read_session_factory() as session:
            return {"trend": public.world_trend(session), "sources": public.published_sources(session)}

    values = await run_in_threadpool(build)
    if format == "csv":
        return csv_response(
            public.world_csv_rows(values["trend"]),
            "kp-statistics-world.csv",
            columns=public.WORLD_CSV_COLUMNS,
        )
    return render(request, "statistics/world.html", values, principal=principal)


@pages.get("/statistics/derived")
async def derived_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    year: ShownYear = None,
    participant: str | None = None,
    format: str | None = None,
) -> Response:
    """Trade derived from certificates beside the reported figures, with the differences:
    a KP authority sees its own participant; the Working Group on Statistics any, or all."""
    require(principal, Action.VIEW_DERIVED_STATISTICS)
    shown_year = year or context.clock.today().year
    chosen = (participant or "").strip().upper() or None
    if is_participant_bound(principal):
        chosen = principal.participant_code

    def build() -> dict[str, Any]:
        with context.read_session_factory() as session:
            values: dict[str, Any] = {"year": shown_year, "participant": chosen}
            if chosen is None and format != "csv":
                # The whole world in detail is tens of thousands of rows: the page shows
                # totals per participant, quarter and flow; the CSV has the detail.
                values["totals"] = derived_trade.derived_overview(session, principal, year=shown_year)
            else:
                values["rows"] = derived_trade.derived_figures(
                    session, principal, participant=chosen, year=shown_year
                )
            values["participants"] = [
                code
                for code, kind in session.execute(
                    sa.select(Participant.code, Participant.kind).order_by(Participant.code)
                )
                if kind == ParticipantKind.PARTICIPANT
            ]
        return values

    values = await run_in_threadpool(build)
    if format == "csv":
        return csv_response(values["rows"], f"kp-derived-{chosen or 'all'}-{shown_year}.csv")
    values["years"] = list(range(context.clock.today().year, FIRST_YEAR - 1, -1))
    values["only_own"] = is_participant_bound(principal)
    return render(request, "statistics/derived.html", values, principal=principal)


@pages.get("/statistics/templates/{name}")
def template_file(name: str, session: SessionDep) -> Response:
    """The trade or production template, as CSV (the header) or XLSX (with code lists)."""
    kind_name, _, extension = name.partition(".")
    try:
        kind = StatisticsKind(kind_name)
    except ValueError:
        raise NotFound(
            f"no template {name!r}: trade.xlsx, trade.csv, production.xlsx or production.csv"
        ) from None
    if extension == "csv":
        return Response(
            template_csv(kind),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="kpcs-{kind.value}-template.csv"'},
        )
    if extension != "xlsx":
        raise NotFound(f"no template {name!r}: trade.xlsx, trade.csv, production.xlsx or production.csv")
    participants = [
        (code, name)
        for code, name, kind_of in session.execute(
            sa.select(Participant.code, Participant.name, Participant.kind).order_by(Participant.code)
        )
        if kind_of == ParticipantKind.PARTICIPANT
    ]
    return Response(
        template_workbook(kind, participants),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="kpcs-{kind.value}-template.xlsx"'},
    )


@pages.get("/statistics/submit")
async def submit_page(request: Request, principal: PrincipalDep) -> Response:
    """The upload form for a KP authority or the Working Group on Statistics."""
    require(principal, Action.SUBMIT_STATISTICS)
    return render(request, "statistics/submit.html", {"result": None, "errors": None}, principal=principal)


@pages.post("/statistics/submit")
async def submit_form(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    """Take the uploaded file; show what was stored, or every problem (nothing stored)."""
    try:
        # The upload as Starlette spooled it (to disk past 1 MB): read as a stream, not whole.
        done = await run_in_threadpool(
            submissions.submit,
            context.uow(),
            principal,
            context.clock,
            file.file,
            file.filename or "upload.csv",
        )
    except TemplateError as error:
        return render(
            request,
            "statistics/submit.html",
            {"result": None, "errors": error.errors, "filename": file.filename},
            principal=principal,
            status_code=422,
        )
    return render(
        request,
        "statistics/submit.html",
        {"result": done, "errors": None},
        principal=principal,
        status_code=201,
    )
