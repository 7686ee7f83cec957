"""The register of fraudulent certificates: public list, reports by authorities."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kpcs.accounts.permissions import Action, can
from kpcs.certificates.fraud import (
    MAX_EVIDENCE_BYTES,
    Evidence,
    fraud_evidence,
    list_fraud_reports,
    report_fraud,
)
from kpcs.certificates.schemas import FraudReportPublic
from kpcs.errors import KPCSError
from kpcs.web.deps import ContextDep, PrincipalDep, SessionDep
from kpcs.web.errors import status_for
from kpcs.web.params import RowId
from kpcs.web.templating import render

api = APIRouter(tags=["fraud register"])
pages = APIRouter(include_in_schema=False)


async def _evidence(upload: UploadFile | None) -> Evidence | None:
    if upload is None or not upload.filename:
        return None
    return Evidence(filename=upload.filename, content=await upload.read(MAX_EVIDENCE_BYTES + 1))


@api.post("/fraud-reports", response_model=FraudReportPublic, status_code=201)
async def file_report(
    context: ContextDep,
    principal: PrincipalDep,
    number: Annotated[str, Form(description="the number as it appears on the suspect document")],
    claimed_participant: Annotated[str, Form(description="alpha-2 code the forgery claims to come from")],
    notes: Annotated[str, Form()],
    evidence: Annotated[UploadFile | None, File(description="PDF, PNG or JPEG, at most 10 MB")] = None,
) -> FraudReportPublic:
    """Report a suspected forgery (authorities and customs)."""
    file = await _evidence(evidence)
    return await run_in_threadpool(
        lambda: report_fraud(
            context.uow(),
            principal,
            context.clock,
            context.evidence,
            number=number,
            claimed_participant=claimed_participant,
            notes=notes,
            evidence=file,
        )
    )


@api.get("/fraud-reports", response_model=list[FraudReportPublic])
def list_reports(session: SessionDep, q: str | None = None) -> list[FraudReportPublic]:
    """The public register, newest first."""
    return list_fraud_reports(session, search=q)


@api.get("/fraud-reports/{report_id}/evidence", response_class=Response)
def evidence(report_id: RowId, session: SessionDep, context: ContextDep, principal: PrincipalDep) -> Response:
    """A report's evidence file (authorities, customs, monitoring and admins)."""
    content, media_type, name = fraud_evidence(session, principal, context.evidence, report_id)
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@pages.get("/fraud-register")
def register_page(
    request: Request, session: SessionDep, principal: PrincipalDep, q: str | None = None
) -> Response:
    """The public register, and the report form for authorities."""
    return render(
        request,
        "fraud_register.html",
        {
            "reports": list_fraud_reports(session, search=q),
            "q": q or "",
            "error": None,
            "form": {},
            "may_report": can(principal, Action.REPORT_FRAUD),
            "may_see_evidence": can(principal, Action.VIEW_FRAUD_EVIDENCE),
        },
        principal=principal,
    )


@pages.post("/fraud-register")
async def register_submit(
    request: Request,
    session: SessionDep,
    context: ContextDep,
    principal: PrincipalDep,
    number: Annotated[str, Form()] = "",
    claimed_participant: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
    evidence: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """File a report from the page."""
    file = await _evidence(evidence)
    try:
        await run_in_threadpool(
            lambda: report_fraud(
                context.uow(),
                principal,
                context.clock,
                context.evidence,
                number=number,
                claimed_participant=claimed_participant,
                notes=notes,
                evidence=file,
            )
        )
    except KPCSError as exc:
        if status_for(exc) in (401, 403):
            raise
        problems = getattr(exc, "problems", [])
        error = "; ".join(f"{p.field}: {p.message}" for p in problems) or exc.message
        reports = await run_in_threadpool(list_fraud_reports, session)
        return render(
            request,
            "fraud_register.html",
            {
                "reports": reports,
                "q": "",
                "error": error,
                "form": {"number": number, "claimed_participant": claimed_participant, "notes": notes},
                "may_report": True,
                "may_see_evidence": can(principal, Action.VIEW_FRAUD_EVIDENCE),
            },
            principal=principal,
            status_code=422,
        )
    return RedirectResponse("/fraud-register", status_code=303)
