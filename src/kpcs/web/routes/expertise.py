"""The Diamond Expert Team's list of valuation warnings (issue 20): API and page. The
Monitoring Team stands for the Team (it has no role of its own), with admins."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from annotated_types import Interval
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kpcs.errors import InvalidInput
from kpcs.expertise import services as expertise
from kpcs.expertise.valuation import DEFAULT, MIN_CERTIFICATES
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.templating import render

api = APIRouter(tags=["expertise"])
pages = APIRouter(include_in_schema=False)

Limit = Annotated[int, Interval(ge=1, le=expertise.MAX_LIMIT)]
Offset = Annotated[int, Interval(ge=0, le=10_000_000)]
WarningType = Literal["undervaluation", "overvaluation"]
Basis = Literal["origin", "participant", "published"]


def _filter(**fields: Any) -> expertise.WarningFilter:
    return expertise.WarningFilter(**{k: (v or None) for k, v in fields.items()})


@api.get("/expertise/valuation-warnings")
def valuation_warnings(
    session: SessionDep,
    principal: PrincipalDep,
    exporter: str | None = None,
    importer: str | None = None,
    hs_code: str | None = None,
    origin: str | None = None,
    type: WarningType | None = None,
    basis: Basis | None = None,
    issued_from: date | None = None,
    issued_to: date | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """Under- and over-valuation warnings of issued certificates, newest first (the farthest
    first within a day): the certificate and line, the line's $/ct, the reference, its basis
    (``origin``, ``participant`` or ``published``), the distance in spreads and the ratio."""
    chosen = _filter(
        exporter=exporter,
        importer=importer,
        hs_code=hs_code,
        origin=origin,
        type=type,
        basis=basis,
        issued_from=issued_from,
        issued_to=issued_to,
    )
    return expertise.valuation_warnings(session, principal, chosen, limit=limit, offset=offset)


def _date(name: str, text: str | None) -> date | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(name, "a date, YYYY-MM-DD") from None


def _origin(text: str | None) -> str:
    value = (text or "").strip()
    return value.lower() if value.lower() == "mixed" else value.upper()


@pages.get("/expertise/valuation-warnings")
async def valuation_warnings_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    exporter: str | None = None,
    importer: str | None = None,
    hs_code: str | None = None,
    origin: str | None = None,
    type: str | None = None,
    basis: str | None = None,
    issued_from: str | None = None,
    issued_to: str | None = None,
) -> Response:
    """The list with its filters, for the experts."""
    chosen = _filter(
        exporter=(exporter or "").strip().upper(),
        importer=(importer or "").strip().upper(),
        hs_code=(hs_code or "").strip(),
        origin=_origin(origin),
        type=type,
        basis=basis,
        issued_from=_date("issued_from", issued_from),
        issued_to=_date("issued_to", issued_to),
    )

    def build() -> list[dict[str, Any]]:
        with context.read_session_factory() as session:
            return expertise.valuation_warnings(session, principal, chosen, limit=expertise.MAX_LIMIT)

    found = await run_in_threadpool(build)
    values = {
        "warnings": found,
        "chosen": chosen,
        "types": expertise.TYPES,
        "bases": ("origin", "participant", "published"),
        "limit": expertise.MAX_LIMIT,
        "thresholds": DEFAULT,
        "min_certificates": MIN_CERTIFICATES,
    }
    return render(request, "expertise/valuation_warnings.html", values, principal=principal)
