"""The experts' workbench (issue 20, item 5): API and pages. Every warning of the expert checks
to review, and the Diamond Expert Team's finding that closes one. The Monitoring Team stands
for the Team (it has no role of its own); admins read the list too."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode

from annotated_types import Interval
from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kpcs.web.deps import ContextDep, PrincipalDep
from kpcs.web.forms import act
from kpcs.web.params import RowId
from kpcs.web.templating import render
from kpcs.workbench import domain
from kpcs.workbench import services as workbench
from kpcs.workbench.schemas import FindingCreate

api = APIRouter(tags=["expertise"])
pages = APIRouter(include_in_schema=False)

Limit = Annotated[int, Interval(ge=1, le=workbench.MAX_LIMIT)]
Offset = Annotated[int, Interval(ge=0, le=10_000_000)]
KindName = Literal["photo-match", "valuation", "footprint"]
StateName = Literal["open", "closed"]
PAGE = 50
LABELS = {"conclusion": "Conclusion", "finding": "What the experts found", "kind": "Kind"}


@api.get("/expertise/warnings")
def warnings(
    context: ContextDep,
    principal: PrincipalDep,
    kind: KindName | None = None,
    state: StateName | None = None,
    participant: str | None = None,
    limit: Limit = PAGE,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Every warning of the expert checks to review — re-used photos (``photo-match``),
    valuation warnings (``valuation``), export dossiers whose footprint check reads "unusual
    for this zone" (``footprint``) — open ones first, newest first: ``{"total", "limit",
    "offset", "warnings": [{"kind", "id", "state", "raised_at", "participant", "certificate",
    "dossier", "link", "summary", "figures", "finding"}]}``."""
    chosen = workbench.WarningFilter.parse(kind=kind, state=state, participant=participant)
    with context.read_session_factory() as session:
        return workbench.list_warnings(session, principal, context.clock, chosen, limit=limit, offset=offset)


@api.post("/expertise/warnings/{kind}/{warning_id}/finding", status_code=201)
def record_finding(
    kind: KindName, warning_id: RowId, body: FindingCreate, context: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Close a warning with the experts' finding: ``confirmed`` or ``cleared``, and what they
    found. It shows on the certificate's timeline (or the dossier's page) with who and when;
    a warning already closed is a 409."""
    return workbench.record_finding(
        context.uow(),
        principal,
        context.clock,
        kind,
        warning_id,
        conclusion=body.conclusion,
        finding=body.finding,
    )


# --- pages ------------------------------------------------------------------------------------


@pages.get("/expertise")
async def workbench_page(
    request: Request,
    context: ContextDep,
    principal: PrincipalDep,
    kind: str | None = None,
    state: str | None = None,
    participant: str | None = None,
    offset: Offset = 0,
    error: str | None = None,
) -> Response:
    """The workbench: the warnings with their filters, and a form on each open one."""
    chosen = workbench.WarningFilter.parse(kind=kind, state=state, participant=participant)

    def build() -> dict[str, Any]:
        with context.read_session_factory() as session:
            return workbench.list_warnings(
                session, principal, context.clock, chosen, limit=PAGE, offset=offset
            )

    found = await run_in_threadpool(build)
    query = {k: v for k, v in (("kind", kind), ("state", state), ("participant", participant)) if v}
    values = {
        "found": found,
        "chosen": chosen,
        "kinds": [(k.value, domain.TITLES[k]) for k in domain.Kind],
        "choices": {k.value: {c.value: text for c, text in domain.CHOICES[k].items()} for k in domain.Kind},
        "query": query,
        "error": error,
        "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    }
    return render(request, "workbench/index.html", values, principal=principal)


def _back(text: Any) -> str:
    """Where the form came from, if it is a page of this site (never another site's)."""
    value = str(text or "")
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and "\n" not in value:
        return value
    return "/expertise"


def _without_error(back: str) -> str:
    """The page to go back to, without the refusal of an earlier try in its address."""
    path, _, anchor = back.partition("#")
    base, _, query = path.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "error"]
    return base + (f"?{urlencode(kept)}" if kept else "") + (f"#{anchor}" if anchor else "")


@pages.post("/expertise/warnings/{kind}/{warning_id}/finding")
async def finding_form(
    request: Request, kind: KindName, warning_id: RowId, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The finding form (on the workbench, the certificate, the dossier, the photo match):
    back to the page it was sent from, which now shows the warning closed."""
    async with request.form() as form:
        conclusion = str(form.get("conclusion") or "")
        finding = str(form.get("finding") or "")
        back = _back(form.get("back"))
    back = _without_error(back)

    def run() -> None:
        workbench.record_finding(
            context.uow(), principal, context.clock, kind, warning_id, conclusion=conclusion, finding=finding
        )

    return await act(run, back, back, labels=LABELS)
