"""Footprints of production zones (issue 20, item 3): the Diamond Expert Team (a member of
the Monitoring Team records it) enters a zone's footprint or has kpcs compute it from the
zone's approved dossiers; the working groups read them. Dossiers show their check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from kpcs.accounts.permissions import Action, can, require
from kpcs.footprints import domain
from kpcs.footprints import services as footprints
from kpcs.footprints.schemas import FootprintCompute, FootprintCreate
from kpcs.web import labels
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.forms import act
from kpcs.web.templating import render

api = APIRouter(tags=["footprints"])
pages = APIRouter(include_in_schema=False)


@api.get("/footprints")
def list_footprints(
    session: SessionDep, principal: PrincipalDep, participant: str | None = None, zone: str | None = None
) -> list[dict[str, Any]]:
    """Every footprint recorded, newest first; ``current`` marks the one each zone's shipments
    are compared with (its newest)."""
    return footprints.list_footprints(session, principal, participant=participant, zone=zone)


@api.post("/footprints", status_code=201)
def enter(body: FootprintCreate, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """The experts enter a zone's footprint: the carat shares per sieve class, colour and
    quality (fractions adding up to 1), the $/ct and how many stones it rests on."""
    return footprints.enter(context.uow(), principal, context.clock, body)


@api.post("/footprints/compute", status_code=201)
def compute(body: FootprintCompute, context: ContextDep, principal: PrincipalDep) -> dict[str, Any]:
    """Compute a zone's footprint from its approved dossiers that declare an assortment."""
    return footprints.compute(context.uow(), principal, context.clock, body)


# -- pages ----------------------------------------------------------------------------------


@pages.get("/footprints")
def footprints_page(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    participant: str | None = None,
    zone: str | None = None,
    error: str | None = None,
) -> Response:
    """The footprints, newest first, and for the experts the forms to enter or compute one."""
    values = {
        "footprints": footprints.list_footprints(session, principal, participant=participant, zone=zone),
        "may_manage": can(principal, Action.MANAGE_FOOTPRINTS),
        "sieve_classes": domain.SIEVE_CLASSES,
        "colours": domain.COLOURS,
        "qualities": domain.QUALITIES,
        "thresholds": {
            "consistent_up_to": domain.CONSISTENT_UP_TO,
            "min_shipment_stones": domain.MIN_SHIPMENT_STONES,
            "min_footprint_stones": domain.MIN_FOOTPRINT_STONES,
        },
        "error": error,
    }
    return render(request, "footprints/list.html", values, principal=principal)


def percent_shares(form: Any, prefix: str, known: dict[str, str]) -> dict[str, str]:
    """The shares a form gives in percent (``prefix.key`` fields), as fractions; blanks left
    out (a value that is not a number is passed on as it is, for the body to refuse)."""
    shares: dict[str, str] = {}
    for key in known:
        given = str(form.get(f"{prefix}.{key}", "")).strip()
        if not given:
            continue
        try:
            shares[key] = str(float(given) / 100)
        except ValueError:
            shares[key] = given
    return shares


@pages.post("/footprints")
async def enter_form(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """The experts' form to enter a footprint (shares in percent)."""
    form = await request.form()

    def run() -> None:
        require(principal, Action.MANAGE_FOOTPRINTS)
        body = FootprintCreate.model_validate(
            {
                "participant": str(form.get("participant", "")),
                "zone": str(form.get("zone", "")),
                "sizes": percent_shares(form, "sizes", domain.SIEVE_CLASSES),
                "colours": percent_shares(form, "colours", domain.COLOURS),
                "qualities": percent_shares(form, "qualities", domain.QUALITIES),
                "usd_per_carat": str(form.get("usd_per_carat", "")).strip(),
                "stones": str(form.get("stones", "")).strip(),
                "as_of": str(form.get("as_of", "")).strip() or None,
                "notes": str(form.get("notes", "")),
            }
        )
        footprints.enter(context.uow(), principal, context.clock, body)

    return await act(run, "/footprints", "/footprints#enter", labels=labels.FOOTPRINT_LABELS)


@pages.post("/footprints/compute")
async def compute_form(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """The experts' form to compute a zone's footprint from its approved dossiers."""
    form = await request.form()

    def run() -> None:
        require(principal, Action.MANAGE_FOOTPRINTS)
        body = FootprintCompute.model_validate(
            {
                "participant": str(form.get("participant", "")),
                "zone": str(form.get("zone", "")),
                "notes": str(form.get("notes", "")),
            }
        )
        footprints.compute(context.uow(), principal, context.clock, body)

    return await act(run, "/footprints", "/footprints#compute", labels=labels.FOOTPRINT_LABELS)
