"""Export dossiers of the restricted regime (CONTRACT.md): the authority submits, the Diamond
Expert Team and the statistics working group assess, the Monitoring Team decides within a
week; and the Monitoring Team's cross-check of unconfirmed certificates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from kpcs.accounts.permissions import Action, can, require
from kpcs.dossiers import services as dossiers
from kpcs.dossiers.domain import DECISION_DAYS, Decision, DossierStatus, ExpertConclusion
from kpcs.dossiers.schemas import (
    DecisionCreate,
    DossierCreate,
    ExpertAssessmentCreate,
    InformationCreate,
    StatisticsAssessmentCreate,
)
from kpcs.footprints.domain import COLOURS, QUALITIES, SIEVE_CLASSES
from kpcs.photos import services as shipment_photos
from kpcs.web import labels
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.forms import act
from kpcs.web.params import Offset, RowId
from kpcs.web.routes.footprints import percent_shares
from kpcs.web.routes.statistics import csv_response
from kpcs.web.templating import render

api = APIRouter(tags=["export dossiers"])
pages = APIRouter(include_in_schema=False)


@api.get("/export-dossiers/cross-check")
def cross_check(session: SessionDep, context: ContextDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """Certificates issued while their exporter was restricted that the importer never confirmed."""
    return dossiers.cross_check(session, principal, context.clock.today())


PageLimit = Annotated[
    int, Query(ge=1, le=dossiers.MAX_PAGE, description=f"dossiers per page, at most {dossiers.MAX_PAGE}")
]


def _paging_links(request: Request, offset: int, limit: int, total: int) -> dict[str, str]:
    """The neighbouring pages of a listing, as paths keeping the request's other parameters."""
    here = request.url.remove_query_params("error")

    def at(start: int) -> str:
        url = here.include_query_params(offset=start, limit=limit)
        return f"{url.path}?{url.query}"

    links: dict[str, str] = {}
    if offset > 0:
        links["prev"] = at(max(0, offset - limit))
    if offset + limit < total:
        links["next"] = at(offset + limit)
    return links


@api.get("/export-dossiers")
def list_dossiers(
    request: Request,
    response: Response,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    participant: str | None = None,
    status: DossierStatus | None = None,
    overdue: bool = False,
    limit: PageLimit = dossiers.PAGE,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    """The dossiers the caller may see (an authority: its own), newest first, each with the
    week's clock; ``overdue``: only those still undecided after their week. One page of
    ``limit`` from ``offset``: the ``X-Total-Count`` header gives how many match in all, and
    ``Link`` the next and previous pages (RFC 8288)."""
    today = context.clock.today()
    filters: dict[str, Any] = {
        "participant": participant.strip().upper() if participant else None,
        "status": status,
        "overdue": overdue,
    }
    total = dossiers.count_dossiers(session, principal, today, **filters)
    response.headers["X-Total-Count"] = str(total)
    links = _paging_links(request, offset, limit, total)
    if links:
        response.headers["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return dossiers.list_dossiers(session, principal, today, limit=limit, offset=offset, **filters)


@api.post("/export-dossiers", status_code=201)
def submit(body: DossierCreate, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """A restricted participant's proposed export, from one of its compliant zones."""
    return dossiers.submit(context.uow(), principal, context.clock, body)


@api.get("/export-dossiers/{dossier_id}")
def dossier(
    dossier_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """One dossier, its assessments, decision and certificate."""
    return dossiers.get(session, principal, context.clock.today(), dossier_id)


@api.post("/export-dossiers/{dossier_id}/expert-assessment")
def expert_assessment(
    dossier_id: RowId, body: ExpertAssessmentCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The Diamond Expert Team's assessment (recorded by a member of the Monitoring Team)."""
    return dossiers.assess_expertise(context.uow(), principal, context.clock, dossier_id, body)


@api.post("/export-dossiers/{dossier_id}/statistics-assessment")
def statistics_assessment(
    dossier_id: RowId, body: StatisticsAssessmentCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The statistics working group's assessment; kpcs attaches its statistical report."""
    return dossiers.assess_statistics(context.uow(), principal, context.clock, dossier_id, body)


@api.post("/export-dossiers/{dossier_id}/decision")
def decision(
    dossier_id: RowId, body: DecisionCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The Monitoring Team approves, rejects or asks for more information, with its reason."""
    return dossiers.decide(context.uow(), principal, context.clock, dossier_id, body)


@api.post("/export-dossiers/{dossier_id}/information")
def information(
    dossier_id: RowId, body: InformationCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The authority's answer to a request for more information; a new week starts."""
    return dossiers.give_information(context.uow(), principal, context.clock, dossier_id, body)


# -- pages ----------------------------------------------------------------------------------


@pages.get("/export-dossiers/cross-check")
def cross_check_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    format: str | None = None,
) -> Response:
    """The cross-check as a page, or as CSV (``?format=csv``)."""
    rows = dossiers.cross_check(session, principal, context.clock.today())
    if format == "csv":
        return csv_response(rows, "kp-restricted-unconfirmed.csv", columns=dossiers.CROSS_CHECK_COLUMNS)
    return render(request, "dossiers/cross_check.html", {"rows": rows}, principal=principal)


@pages.get("/export-dossiers")
def dossiers_page(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    status: str | None = None,
    overdue: str | None = None,
    limit: PageLimit = dossiers.PAGE,
    offset: Offset = 0,
    error: str | None = None,
) -> Response:
    """Every dossier the caller may see with its week's clock, a page at a time; for an
    authority, the form."""
    today = context.clock.today()
    shown = DossierStatus(status) if status in set(DossierStatus) else None
    filters: dict[str, Any] = {"status": shown, "overdue": bool(overdue)}
    total = dossiers.count_dossiers(session, principal, today, **filters)
    rows = dossiers.list_dossiers(session, principal, today, limit=limit, offset=offset, **filters)
    values = {
        "dossiers": rows,
        "statuses": [s.value for s in DossierStatus],
        "status": shown.value if shown else "",
        "overdue_only": bool(overdue),
        "total": total,
        "first": offset + 1 if rows else 0,
        "last": offset + len(rows),
        "links": _paging_links(request, offset, limit, total),
        "may_submit": can(principal, Action.SUBMIT_EXPORT_DOSSIER, participant=principal.participant_code)
        and principal.participant_code is not None,
        "country": principal.participant_code or "",
        "days": DECISION_DAYS,
        "error": error,
        "sieve_classes": SIEVE_CLASSES,
        "colours": COLOURS,
        "qualities": QUALITIES,
    }
    return render(request, "dossiers/list.html", values, principal=principal)


def _lines_from(form: Any) -> list[dict[str, str | None]]:
    """The form's one optional line (HS code, origin, carats, value), when filled in."""
    hs_code = str(form.get("hs_code", "")).strip()
    if not hs_code:
        return []
    return [
        {
            "hs_code": hs_code,
            "origin": str(form.get("origin", "")).strip(),
            "carats": str(form.get("carats", "")).strip(),
            "value_usd": str(form.get("value_usd", "")).strip(),
            "classification_note": str(form.get("classification_note", "")).strip() or None,
        }
    ]


def _assortment_from(form: Any) -> dict[str, Any] | None:
    """The form's optional assortment (shares in percent), when any of it is filled in."""
    lots: dict[str, Any] = {}
    for key in SIEVE_CLASSES:
        stones = str(form.get(f"stones.{key}", "")).strip()
        carats = str(form.get(f"sieve_carats.{key}", "")).strip()
        if stones or carats:
            lots[key] = {"stones": stones or "0", "carats": carats or "0"}
    colours = percent_shares(form, "colours", COLOURS)
    qualities = percent_shares(form, "qualities", QUALITIES)
    if not (lots or colours or qualities):
        return None
    return {"sieve_classes": lots, "colours": colours, "qualities": qualities}


@pages.post("/export-dossiers")
async def submit_form(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """The submission form: on success, the new dossier."""
    form = await request.form()
    made: dict[str, Any] = {}

    def run() -> None:
        require(principal, Action.SUBMIT_EXPORT_DOSSIER)
        parcels = [p.strip() for p in str(form.get("parcels", "")).splitlines() if p.strip()]
        body = DossierCreate.model_validate(
            {
                "exporting_country": str(form.get("exporting_country", "")),
                "zone": str(form.get("zone", "")),
                "carats": str(form.get("carats", "")).strip(),
                "value_usd": str(form.get("value_usd", "")).strip(),
                "notes": str(form.get("notes", "")),
                "lines": _lines_from(form),
                "parcel_count": len(parcels) or None,
                "parcels": parcels,
                "assortment": _assortment_from(form),
            }
        )
        made.update(dossiers.submit(context.uow(), principal, context.clock, body))

    response = await act(run, "/export-dossiers", "/export-dossiers#submit", labels=labels.DOSSIER_LABELS)
    if made:
        return RedirectResponse(f"/export-dossiers/{made['id']}", status_code=303)
    return response


@pages.get("/export-dossiers/{dossier_id}")
def dossier_page(
    request: Request,
    dossier_id: RowId,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    error: str | None = None,
) -> Response:
    """One dossier with the forms open to the caller."""
    detail = dossiers.get(session, principal, context.clock.today(), dossier_id)
    open_ = detail["status"] == DossierStatus.SUBMITTED
    values = {
        "d": detail,
        "photos": shipment_photos.dossier_photos(session, principal, dossier_id),
        "error": error,
        "days": DECISION_DAYS,
        "may_assess_expertise": open_ and can(principal, Action.ASSESS_DOSSIER_EXPERTISE),
        "may_assess_statistics": open_ and can(principal, Action.ASSESS_DOSSIER_STATISTICS),
        "may_decide": open_ and can(principal, Action.DECIDE_EXPORT_DOSSIER),
        "may_inform": detail["status"] == DossierStatus.MORE_INFORMATION
        and can(principal, Action.SUBMIT_EXPORT_DOSSIER, participant=detail["participant"])
        and principal.participant_code is not None,
        "conclusions": [c.value for c in ExpertConclusion],
        "decisions": [d.value for d in Decision],
    }
    return render(request, "dossiers/detail.html", values, principal=principal)


def _here(dossier_id: int) -> str:
    return f"/export-dossiers/{dossier_id}"


@pages.post("/export-dossiers/{dossier_id}/expert-assessment")
async def expert_form(
    request: Request, dossier_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The Diamond Expert Team's assessment form."""
    form = await request.form()

    def run() -> None:
        require(principal, Action.ASSESS_DOSSIER_EXPERTISE)
        body = ExpertAssessmentCreate.model_validate(
            {"conclusion": str(form.get("conclusion", "")), "notes": str(form.get("notes", "")).strip()}
        )
        dossiers.assess_expertise(context.uow(), principal, context.clock, dossier_id, body)

    return await act(run, _here(dossier_id), _here(dossier_id) + "#expert", labels=labels.DOSSIER_LABELS)


@pages.post("/export-dossiers/{dossier_id}/statistics-assessment")
async def statistics_form(
    request: Request, dossier_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The statistics working group's assessment form."""
    form = await request.form()

    def run() -> None:
        require(principal, Action.ASSESS_DOSSIER_STATISTICS)
        body = StatisticsAssessmentCreate.model_validate(
            {"conclusion": str(form.get("conclusion", "")).strip()}
        )
        dossiers.assess_statistics(context.uow(), principal, context.clock, dossier_id, body)

    return await act(run, _here(dossier_id), _here(dossier_id) + "#statistics", labels=labels.DOSSIER_LABELS)


@pages.post("/export-dossiers/{dossier_id}/decision")
async def decision_form(
    request: Request, dossier_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The Monitoring Team's decision form."""
    form = await request.form()

    def run() -> None:
        require(principal, Action.DECIDE_EXPORT_DOSSIER)
        body = DecisionCreate.model_validate(
            {"decision": str(form.get("decision", "")), "reason": str(form.get("reason", "")).strip()}
        )
        dossiers.decide(context.uow(), principal, context.clock, dossier_id, body)

    return await act(run, _here(dossier_id), _here(dossier_id) + "#decision", labels=labels.DOSSIER_LABELS)


@pages.post("/export-dossiers/{dossier_id}/information")
async def information_form(
    request: Request, dossier_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The authority's answer to a request for more information."""
    form = await request.form()

    def run() -> None:
        require(principal, Action.SUBMIT_EXPORT_DOSSIER)
        body = InformationCreate.model_validate({"notes": str(form.get("notes", "")).strip()})
        dossiers.give_information(context.uow(), principal, context.clock, dossier_id, body)

    return await act(run, _here(dossier_id), _here(dossier_id) + "#information", labels=labels.DOSSIER_LABELS)
