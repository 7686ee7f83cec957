"""Statistics: submissions (CSV or XLSX in the Annex III templates) and the figures in force."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from kpcs.statistics import services
from kpcs.statistics.templates import FIRST_YEAR, TemplateError
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep

api = APIRouter(tags=["statistics"])
pages = APIRouter(include_in_schema=False)

Year = Annotated[int | None, Query(ge=FIRST_YEAR, le=2100, description="calendar year; all years if omitted")]


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
    content = await file.read()
    try:
        done = await run_in_threadpool(
            services.submit, context.uow(), principal, context.clock, content, file.filename or "upload.csv"
        )
    except TemplateError as error:
        return refused(error)
    return asdict(done)


@api.get("/statistics/trade")
def trade(session: SessionDep, year: Year = None) -> list[dict[str, Any]]:
    """Reported trade in force: participant, period, flow, partner, HS code, carats, value, certificates."""
    return services.trade_figures(session, year)


@api.get("/statistics/production")
def production(session: SessionDep, year: Year = None) -> list[dict[str, Any]]:
    """Reported production in force: participant, period, mining type, carats, value."""
    return services.production_figures(session, year)
