"""Certificates: the JSON API of CONTRACT.md and the authority's pages."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from kpcs.accounts.permissions import Action, require
from kpcs.certificates import reading, reminders, services
from kpcs.certificates.models import CancellationReason, LossKind
from kpcs.certificates.pdf import render_certificate_pdf
from kpcs.certificates.qr import encode_qr_text, qr_svg
from kpcs.certificates.rules import HS_IN_SCOPE
from kpcs.certificates.schemas import (
    CancellationCreate,
    CertificateCreate,
    CertificateDetail,
    CertificatePublic,
    CertificateSummary,
    ConfirmationCreate,
    LossReportCreate,
    ReminderCreate,
    ReminderPublic,
    RemindersCreate,
    RemindersSent,
    SealIn,
)
from kpcs.errors import FieldProblem, InvalidInput, KPCSError
from kpcs.participants.services import trading_countries
from kpcs.photos import services as shipment_photos
from kpcs.web import labels
from kpcs.web.deps import ClockDep, ContextDep, PrincipalDep, SessionDep, allowed
from kpcs.web.errors import status_for
from kpcs.web.forms import act
from kpcs.web.htmx import is_htmx_partial
from kpcs.web.issue_form import EMPTY_LINE, OPTIONAL_FIELDS, IssueForm, read_issue_form
from kpcs.web.params import Offset
from kpcs.web.templating import render

api = APIRouter(tags=["certificates"])
pages = APIRouter(include_in_schema=False)

Limit = Annotated[int, Query(ge=1, le=1000)]


# --- API -----------------------------------------------------------------------------------


@api.post(
    "/certificates",
    response_model=CertificatePublic,
    status_code=201,
    dependencies=[Depends(allowed(Action.ISSUE_CERTIFICATE))],
)
def issue(body: CertificateCreate, context: ContextDep, principal: PrincipalDep) -> Response:
    """Issue a certificate for a shipment leaving the caller's participant."""
    issued = services.issue_certificate(context.uow(), principal, context.clock, context.keyring, body)
    # Already a validated response model: serialised once, not validated a second time.
    return Response(issued.model_dump_json(), status_code=201, media_type="application/json")


@api.post("/certificates/check", dependencies=[Depends(allowed(Action.ISSUE_CERTIFICATE))])
def check(
    body: CertificateCreate, session: SessionDep, clock: ClockDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Apply every rule without issuing: ``{"problems": [{field, rule, message}]}``."""
    problems = services.check_certificate(session, principal, clock, body)
    return {"problems": [p.__dict__ for p in problems]}


@api.get("/certificates", response_model=list[CertificatePublic])
def list_certificates(
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    status: str | None = None,
    direction: str | None = None,
    partner: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[CertificatePublic]:
    """The caller participant's certificates, newest first (``direction``: outgoing or incoming)."""
    rows = reading.list_certificates(
        session,
        principal,
        clock,
        direction=direction,
        status=status,
        partner=partner,
        limit=limit,
        offset=offset,
    )
    return [reading.get_certificate(session, principal, clock, row.number) for row in rows]


@api.get("/certificates/unconfirmed", response_model=list[CertificateSummary])
def list_unconfirmed(
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    days: Annotated[int, Query(ge=0, le=3650)] = 30,
) -> list[CertificateSummary]:
    """Exported certificates still without an import confirmation ``days`` after issue."""
    return reading.unconfirmed(session, principal, clock, days=days)


@api.post("/certificates/unconfirmed/reminders", response_model=RemindersSent)
def remind_unconfirmed(body: RemindersCreate, context: ContextDep, principal: PrincipalDep) -> RemindersSent:
    """Remind the importing authorities of every certificate still unconfirmed ``days``
    after issue; lists those reminded and, with why, those not (one reminder a day)."""
    return reminders.remind_unconfirmed(context.uow(), principal, context.clock, body)


@api.post("/certificates/{number}/reminders", response_model=ReminderPublic, status_code=201)
def remind(number: str, body: ReminderCreate, context: ContextDep, principal: PrincipalDep) -> ReminderPublic:
    """Remind the importing authority that the certificate still awaits its import confirmation."""
    return reminders.send_reminder(context.uow(), principal, context.clock, number, body)


@api.get("/certificates/{number}", response_model=CertificateDetail)
def get(number: str, session: SessionDep, clock: ClockDep, principal: PrincipalDep) -> CertificateDetail:
    """One certificate (exporting or importing side), with its timeline."""
    return reading.get_certificate(session, principal, clock, number)


@api.get("/certificates/{number}/pdf", response_class=Response)
def pdf(number: str, session: SessionDep, clock: ClockDep, principal: PrincipalDep) -> Response:
    """The printable certificate, with the credential in its QR code."""
    document = reading.certificate_document(session, principal, clock, number)
    return Response(
        render_certificate_pdf(document),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{document.number}.pdf"'},
    )


@api.post("/certificates/{number}/import-confirmation", response_model=CertificatePublic)
def confirm(
    number: str, body: ConfirmationCreate, context: ContextDep, principal: PrincipalDep
) -> CertificatePublic:
    """The return slip: the importing authority confirms receipt (once)."""
    return services.confirm_import(context.uow(), principal, context.clock, number, body)


@api.post("/certificates/{number}/cancellation", response_model=CertificatePublic)
def cancel(
    number: str, body: CancellationCreate, context: ContextDep, principal: PrincipalDep
) -> CertificatePublic:
    """The exporting authority cancels a certificate that was not used."""
    return services.cancel_certificate(context.uow(), principal, context.clock, number, body)


@api.post("/certificates/{number}/loss-reports", response_model=CertificatePublic, status_code=201)
def report_loss(
    number: str, body: LossReportCreate, context: ContextDep, principal: PrincipalDep
) -> CertificatePublic:
    """Report the certificate lost or stolen; verifications will say so."""
    return services.report_loss(context.uow(), principal, context.clock, number, body)


# --- pages ---------------------------------------------------------------------------------


def _unconfirmed_csv(rows: list[CertificateSummary], days: int) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "number",
            "importing_participant",
            "importer",
            "issued_on",
            "expires_on",
            "days_open",
            "carats",
            "value_usd",
            "parcels",
            "status",
        ]
    )
    for row in rows:
        writer.writerow(
            [
                row.number,
                row.importing_participant,
                row.importer_name,
                row.issued_on,
                row.expires_on,
                row.days_open,
                row.total_carats,
                row.total_value_usd,
                row.parcel_count,
                row.status,
            ]
        )
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="unconfirmed-{days}-days.csv"'},
    )


@pages.get("/certificates")
def certificates_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    direction: str = "outgoing",
    status: str | None = None,
    partner: str | None = None,
    q: str | None = None,
) -> Response:
    """The authority's outgoing list or its inbox of incoming shipments."""
    if principal.participant_code is None:
        direction = ""
    rows = reading.list_certificates(
        session,
        principal,
        clock,
        direction=direction or None,
        status=status or None,
        partner=partner or None,
        search=q or None,
        limit=500,
    )
    context = {
        "rows": rows,
        "direction": direction,
        "filters": {"status": status or "", "partner": partner or "", "q": q or ""},
        "statuses": [
            ("issued", "Issued"),
            ("confirmed", "Confirmed"),
            ("discrepancies", "Confirmed with discrepancies"),
            ("cancelled", "Cancelled"),
            ("expired", "Expired"),
        ],
    }
    template = "certificates/_table.html" if is_htmx_partial(request) else "certificates/list.html"
    return render(request, template, context, principal=principal)


@pages.get("/inbox")
def inbox(principal: PrincipalDep) -> Response:
    """Incoming shipments: the importing authority's inbox."""
    return RedirectResponse("/certificates?direction=incoming", status_code=303)


@pages.get("/certificates/unconfirmed")
def unconfirmed_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    days: int = 30,
    format: str | None = None,
    notice: str | None = None,
    error: str | None = None,
) -> Response:
    """Exported certificates still unconfirmed after ``days``: a page and a CSV."""
    if days < 0 or days > 3650:
        raise InvalidInput.field("days", "between 0 and 3650")
    rows = reading.unconfirmed(session, principal, clock, days=days)
    if format == "csv":
        return _unconfirmed_csv(rows, days)
    context = {"rows": rows, "days": days, "notice": notice, "error": error}
    return render(request, "certificates/unconfirmed.html", context, principal=principal)


@pages.post("/certificates/unconfirmed/remind")
async def remind_all_form(request: Request, context: ContextDep, principal: PrincipalDep) -> Response:
    """Remind the importers of every certificate listed on the unconfirmed page."""
    form = await request.form()
    days = str(form.get("days", "30")).strip()
    sent: list[RemindersSent] = []

    def run() -> None:
        body = RemindersCreate(
            days=int(days) if days.isdigit() else -1, note=str(form.get("note", "")) or None
        )
        sent.append(reminders.remind_unconfirmed(context.uow(), principal, context.clock, body))

    here = f"/certificates/unconfirmed?days={quote(days)}"
    response = await act(run, here, here)
    if sent:
        return RedirectResponse(f"{here}&notice={quote(_reminders_notice(sent[0]))}", status_code=303)
    return response


def _reminders_notice(result: RemindersSent) -> str:
    """What a round of reminders did, in one sentence for the clerk."""
    told = f"Reminders sent for {len(result.sent)} certificate{'s' if len(result.sent) != 1 else ''}."
    if result.skipped:
        told += f" Not sent for {len(result.skipped)}: " + "; ".join(
            f"{number} ({why})" for number, why in result.skipped.items()
        )
    return told


def _issue_context(
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    form: dict[str, Any],
    problems: list[FieldProblem],
) -> dict[str, Any]:
    countries = trading_countries(session, clock.today())
    own = principal.participant_code
    shown_problems = labels.shown(problems)
    invalid = {p.field for p in shown_problems}
    # A list item's problem (container.seal_numbers.1, transit.0) marks the field it was typed in.
    prefixes = {f"{field.rsplit('.', 1)[0]}" for field in invalid if field.rsplit(".", 1)[-1].isdigit()}
    optional = ("container", "transit", "quality_characteristics", "additional_information")
    return {
        "form": form,
        "problems": shown_problems,
        "invalid": invalid,
        "invalid_prefixes": prefixes,
        "optional_open": any(form.get(name) for name in OPTIONAL_FIELDS)
        or any(field.startswith(optional) for field in invalid),
        "cannot_export": services.export_refusals(session, principal, clock),
        "export_countries": [c for c in countries if own is None or c.participant == own],
        "import_countries": [c for c in countries if c.participant != own],
        "hs_codes": HS_IN_SCOPE,
        "today": clock.today(),
    }


@pages.get("/certificates/new")
def issue_page(request: Request, session: SessionDep, clock: ClockDep, principal: PrincipalDep) -> Response:
    """The issue form, or why the caller's participant cannot export today."""
    require(principal, Action.ISSUE_CERTIFICATE)
    form = {
        "exporting_country": principal.participant_code
        if principal.participant_code not in (None, "EU")
        else "",
        "lines": [dict(EMPTY_LINE)],
        "parcel_count": "1",
    }
    return render(
        request,
        "certificates/new.html",
        _issue_context(session, clock, principal, form, []),
        principal=principal,
    )


@pages.get("/certificates/new/line")
def new_line(
    request: Request, principal: PrincipalDep, index: Annotated[int, Query(ge=0, le=100)] = 1
) -> Response:
    """One more empty line for the issue form (HTMX)."""
    return render(
        request,
        "certificates/_line.html",
        {"line": dict(EMPTY_LINE), "hs_codes": HS_IN_SCOPE, "number": index + 1, "invalid": set()},
        principal=principal,
    )


def _form_problems(
    session: SessionDep, clock: ClockDep, principal: PrincipalDep, form: IssueForm
) -> list[FieldProblem]:
    """Everything wrong with the form at once: unreadable fields and the Scheme's rules."""
    return form.all_problems(lambda probe: services.check_certificate(session, principal, clock, probe))


@pages.post("/certificates/new/check")
async def issue_check(
    request: Request, session: SessionDep, clock: ClockDep, principal: PrincipalDep
) -> Response:
    """Live validation while the clerk types: the problems the form would meet."""
    form = read_issue_form(await request.form())
    problems = await run_in_threadpool(_form_problems, session, clock, principal, form)
    return render(
        request,
        "certificates/_problems.html",
        {"problems": labels.shown(problems), "checked": True},
        principal=principal,
    )


@pages.post("/certificates/new")
async def issue_submit(
    request: Request, session: SessionDep, context: ContextDep, principal: PrincipalDep
) -> Response:
    """Issue from the form; on refusal the form comes back filled in, with every problem."""
    form = read_issue_form(await request.form())
    if form.body is not None and not form.problems:
        try:
            issued = await run_in_threadpool(
                services.issue_certificate,
                context.uow(),
                principal,
                context.clock,
                context.keyring,
                form.body,
            )
            return RedirectResponse(f"/certificates/{issued.number}", status_code=303)
        except KPCSError as exc:
            if status_for(exc) in (401, 403):
                raise
            problems = list(getattr(exc, "problems", [])) or [
                FieldProblem(getattr(exc, "field", None) or "certificate", exc.message)
            ]
    else:
        problems = await run_in_threadpool(_form_problems, session, context.clock, principal, form)
    page_context = await run_in_threadpool(
        _issue_context, session, context.clock, principal, form.shown, problems
    )
    return render(request, "certificates/new.html", page_context, principal=principal, status_code=422)


@pages.get("/certificates/{number}")
def certificate_page(
    request: Request,
    number: str,
    session: SessionDep,
    clock: ClockDep,
    principal: PrincipalDep,
    error: str | None = None,
) -> Response:
    """A certificate with its timeline, QR code and the actions open to the caller."""
    detail = reading.get_certificate(session, principal, clock, number)
    return render(
        request,
        "certificates/detail.html",
        {
            "c": detail,
            "photos": shipment_photos.certificate_photos(session, principal, number),
            "qr": qr_svg(encode_qr_text(detail.credential)),
            "reasons": list(CancellationReason),
            "loss_kinds": list(LossKind),
            "hs_codes": HS_IN_SCOPE,
            "today": clock.today(),
            "error": error,
        },
        principal=principal,
    )


async def _act(request: Request, number: str, action: Any) -> Response:
    return await act(action, f"/certificates/{number}", f"/certificates/{number}#actions")


def _optional_decimal(value: str, field: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        return Decimal(value.replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInput.field(field, "a number") from None


def _seals_found(form: Any) -> list[SealIn] | None:
    """The seals the return-slip form reports: the certificate's, each intact, broken or not
    found (left out), and any other seal found on the container. None if there were none."""
    numbers = [str(n) for n in form.getlist("seal_number")]
    states = [str(s) for s in form.getlist("seal_state")]
    others = [seal.strip() for seal in str(form.get("other_seals", "")).split(",") if seal.strip()]
    if not numbers and not others:
        return None
    seals = [
        SealIn(number=number, intact=state == "intact")
        for number, state in zip(numbers, states, strict=False)
        if state != "missing"
    ]
    try:
        return seals + [SealIn(number=seal, intact=True) for seal in others]
    except ValidationError:
        raise InvalidInput.field("other_seals", "seal numbers of at most 50 characters") from None


@pages.post("/certificates/{number}/confirm", dependencies=[Depends(allowed(Action.CONFIRM_IMPORT))])
async def confirm_form(
    request: Request, number: str, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The return-slip form."""
    form = await request.form()

    def run() -> None:
        received = str(form.get("received_on", ""))
        try:
            received_on = date.fromisoformat(received)
        except ValueError:
            raise InvalidInput.field("received_on", "a date, YYYY-MM-DD") from None
        parcels = str(form.get("parcels_received", "")).strip()
        if parcels and not parcels.isdigit():
            raise InvalidInput.field("parcels_received", "a whole number")
        body = ConfirmationCreate(
            hs_codes_received=[str(code) for code in form.getlist("hs_codes_received")]
            if form.get("hs_codes_reported") == "yes"
            else None,
            seals=_seals_found(form),
            received_on=received_on,
            carats_received=_optional_decimal(str(form.get("carats_received", "")), "carats_received"),
            value_usd_received=_optional_decimal(
                str(form.get("value_usd_received", "")), "value_usd_received"
            ),
            parcels_received=int(parcels) if parcels else None,
            note=str(form.get("note", "")) or None,
        )
        services.confirm_import(context.uow(), principal, context.clock, number, body)

    return await _act(request, number, run)


@pages.post("/certificates/{number}/remind")
async def remind_form(
    request: Request, number: str, context: ContextDep, principal: PrincipalDep
) -> Response:
    """Remind the importing authority (from the certificate page or the unconfirmed list)."""
    form = await request.form()

    def run() -> None:
        body = ReminderCreate(note=str(form.get("note", "")) or None)
        reminders.send_reminder(context.uow(), principal, context.clock, number, body)

    if form.get("back") == "unconfirmed":
        days = str(form.get("days", "30"))
        here = f"/certificates/unconfirmed?days={quote(days)}"
        done = f"{here}&notice={quote(f'Reminder sent for {number.upper()}.')}"
        return await act(run, done, here)
    return await act(run, f"/certificates/{number}#reminders", f"/certificates/{number}#actions")


@pages.post("/certificates/{number}/cancel", dependencies=[Depends(allowed(Action.CANCEL_CERTIFICATE))])
async def cancel_form(
    request: Request, number: str, context: ContextDep, principal: PrincipalDep
) -> Response:
    """The cancellation form; the clerk ticks a box to confirm, for a void is for good."""
    form = await request.form()

    def run() -> None:
        if form.get("confirm") != "yes":
            raise InvalidInput.field(
                "confirm", "tick the box to confirm that the certificate is void for good"
            )
        body = CancellationCreate(reason=str(form.get("reason", "")), note=str(form.get("note", "")) or None)
        services.cancel_certificate(context.uow(), principal, context.clock, number, body)

    return await _act(request, number, run)


@pages.post("/certificates/{number}/loss", dependencies=[Depends(allowed(Action.REPORT_LOSS))])
async def loss_form(request: Request, number: str, context: ContextDep, principal: PrincipalDep) -> Response:
    """The lost-or-stolen form."""
    form = await request.form()

    def run() -> None:
        try:
            body = LossReportCreate(kind=str(form.get("kind", "")), note=str(form.get("note", "")))
        except ValidationError:
            raise InvalidInput.field("note", "choose lost or stolen and say what happened") from None
        services.report_loss(context.uow(), principal, context.clock, number, body)

    return await _act(request, number, run)
