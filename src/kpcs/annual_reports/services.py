"""Annual reports, one use case per step: start a draft (Part A carried over from the
previous report), edit it, submit it (the figures kpcs knows are kept with it), assess it
section by section (the WGM), respond (the participant); and the late and missing list.

A draft is its participant's alone: the working groups see a report once it is submitted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, can, is_participant_bound, require
from kpcs.annual_reports import domain
from kpcs.annual_reports.domain import SECTIONS, Status, Step
from kpcs.annual_reports.events import AnnualReportSubmitted
from kpcs.annual_reports.figures import year_figures
from kpcs.annual_reports.models import AnnualReport
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import Conflict, FieldProblem, InvalidInput, NotFound
from kpcs.events import publish
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot
from kpcs.reviews.services import described, to_report_on
from kpcs.statistics.submissions.templates import FIRST_YEAR

MAX_RESPONSE = domain.MAX_SECTION_TEXT


def start(
    uow: UnitOfWork, principal: Principal, clock: Clock, *, participant: str, year: int
) -> dict[str, Any]:
    """A draft report on ``year``, its Part A pre-filled from the participant's latest earlier report."""
    require(principal, Action.EDIT_ANNUAL_REPORT, participant=participant)
    today = clock.today()
    if not FIRST_YEAR <= year <= today.year:
        raise InvalidInput.field(
            "year", f"a year between {FIRST_YEAR} and {today.year}: a report covers a year begun"
        )
    with uow:
        session = uow.session
        _participant_name(session, participant)
        if _find(session, participant, year) is not None:
            raise Conflict(f"{participant} already has a report on {year}: edit that one")
        previous = _previous(session, participant, year)
        now = clock.now()
        report = AnnualReport(
            participant=participant,
            year=year,
            status=Status.DRAFT.value,
            part_a=domain.carried_over(previous.part_a if previous else None),
            part_b=domain.blank_part(),
            created_at=now,
            created_by=principal.actor,
            updated_at=now,
            updated_by=principal.actor,
        )
        session.add(report)
        session.flush()
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.ANNUAL_REPORT_STARTED,
            object_type="annual_report",
            object_id=str(report.id),
            after={
                "participant": participant,
                "year": year,
                "part_a_from": previous.year if previous else None,
            },
        )
        uow.commit()
        return _detail(session, report, today)


def edit(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    report_id: int,
    *,
    part_a: Mapping[str, str] | None = None,
    part_b: Mapping[str, str] | None = None,
    follow_ups: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Change the sections given of a draft; the others stay as they were. ``follow_ups``
    (when given, all of them: it replaces what the draft said) reports on the participant's
    open peer-review recommendations, applied when the report is submitted."""
    given = {
        "part_a": domain.section_texts("part_a", part_a or {}),
        "part_b": domain.section_texts("part_b", part_b or {}),
    }
    with uow:
        session = uow.session
        report = _get(session, principal, report_id)
        require(principal, Action.EDIT_ANNUAL_REPORT, participant=report.participant)
        if report.status != Status.DRAFT.value:
            raise Conflict(f"report {report_id} was submitted: only a draft is edited")
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        if follow_ups is not None:
            entries = domain.follow_up_entries(
                follow_ups, to_report_on(session, report.participant), report.participant
            )
            if entries != (report.follow_ups or []):
                before["follow_ups"], after["follow_ups"] = report.follow_ups or [], entries
                report.follow_ups = entries or None
        for part, texts in given.items():
            stored = dict(getattr(report, part))
            for key, text in texts.items():
                if stored.get(key, "") != text:
                    before[f"{part}.{key}"], after[f"{part}.{key}"] = stored.get(key, ""), text
                    stored[key] = text
            setattr(report, part, stored)
        if after:
            report.updated_at, report.updated_by = clock.now(), principal.actor
            record(
                session,
                actor=principal,
                clock=clock,
                tag=tags.ANNUAL_REPORT_EDITED,
                object_type="annual_report",
                object_id=str(report.id),
                before=before,
                after=after,
            )
        uow.commit()
        return _detail(session, report, clock.today())


def submit(uow: UnitOfWork, principal: Principal, clock: Clock, report_id: int) -> dict[str, Any]:
    """Submit a draft with every section covered; the figures kpcs knows of the year are kept with it."""
    with uow:
        session = uow.session
        report = _get(session, principal, report_id)
        require(principal, Action.EDIT_ANNUAL_REPORT, participant=report.participant)
        status = domain.after(Status(report.status), Step.SUBMIT)
        empty = domain.empty_sections(report.part_a, report.part_b)
        if empty:
            raise InvalidInput(
                f"say something in part A or B of: {', '.join(empty)}",
                problems=[FieldProblem(f"part_b.{key}", "empty in both parts") for key in empty],
            )
        # a recommendation the WGM closed since the draft was written is refused, naming it
        reported = domain.follow_up_entries(
            report.follow_ups or [], to_report_on(session, report.participant), report.participant
        )
        now = clock.now()
        report.status, report.submitted_at, report.submitted_by = status.value, now, principal.actor
        report.figures = year_figures(session, report.participant, report.year)
        standing = domain.standing(report.year, now.date(), now.date())
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.ANNUAL_REPORT_SUBMITTED,
            object_type="annual_report",
            object_id=str(report.id),
            after={
                "participant": report.participant,
                "year": report.year,
                "standing": standing.value,
                "follow_ups": len(reported),
            },
        )
        publish(
            session,
            clock,
            AnnualReportSubmitted(
                report_id=report.id,
                participant=report.participant,
                year=report.year,
                part_b=dict(report.part_b),
                follow_ups=tuple(reported),
                submitted_by=principal,
            ),
        )
        uow.commit()
        return _detail(session, report, clock.today())


def assess(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    report_id: int,
    *,
    feedback: Mapping[str, str],
    note: str | None = None,
) -> dict[str, Any]:
    """The WGM's assessment of a submitted report: feedback per section and an overall note."""
    require(principal, Action.ASSESS_ANNUAL_REPORT)
    texts = domain.feedback_texts(feedback)
    conclusion = _words("note", note or "", required=False)
    with uow:
        session = uow.session
        report = _get(session, principal, report_id)
        status = domain.after(Status(report.status), Step.ASSESS)
        now = clock.now()
        report.status, report.assessed_at, report.assessed_by = status.value, now, principal.actor
        report.feedback, report.assessment_note = texts, conclusion
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.ANNUAL_REPORT_ASSESSED,
            object_type="annual_report",
            object_id=str(report.id),
            after={"feedback": texts, "note": conclusion},
        )
        uow.commit()
        return _detail(session, report, clock.today())


def respond(uow: UnitOfWork, principal: Principal, clock: Clock, report_id: int, text: str) -> dict[str, Any]:
    """The participant's response to the WGM's assessment."""
    words = _words("response", text, required=True)
    with uow:
        session = uow.session
        report = _get(session, principal, report_id)
        require(principal, Action.EDIT_ANNUAL_REPORT, participant=report.participant)
        status = domain.after(Status(report.status), Step.RESPOND)
        now = clock.now()
        report.status, report.responded_at, report.responded_by = status.value, now, principal.actor
        report.response = words
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.ANNUAL_REPORT_RESPONDED,
            object_type="annual_report",
            object_id=str(report.id),
            after={"response": words},
        )
        uow.commit()
        return _detail(session, report, clock.today())


def reports(
    session: Session,
    principal: Principal,
    today: date,
    *,
    year: int | None = None,
    participant: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The reports the caller may see, latest year first: an authority its own (drafts too),
    the working groups every submitted one."""
    require(principal, Action.VIEW_ANNUAL_REPORTS)
    query = sa.select(AnnualReport).order_by(AnnualReport.year.desc(), AnnualReport.participant)
    if is_participant_bound(principal):
        query = query.where(AnnualReport.participant == principal.participant_code)
    else:
        query = query.where(AnnualReport.status != Status.DRAFT.value)
    if year is not None:
        query = query.where(AnnualReport.year == year)
    if participant:
        query = query.where(AnnualReport.participant == participant)
    if status:
        if status not in {s.value for s in Status}:
            raise InvalidInput.field("status", f"one of {', '.join(s.value for s in Status)}")
        query = query.where(AnnualReport.status == status)
    names = _names(session)
    return [_summary(r, names.get(r.participant, r.participant), today) for r in session.scalars(query)]


def report(session: Session, principal: Principal, report_id: int, today: date) -> dict[str, Any]:
    """One report with its parts, figures, feedback and response."""
    return _detail(session, _get(session, principal, report_id), today)


def late_and_missing(session: Session, principal: Principal, year: int, today: date) -> dict[str, Any]:
    """Who has not submitted its report on ``year`` by the due date, of the participants that
    owe one: missing ones (none yet, the due date passed) first, then late ones (submitted
    after it), longest overdue first."""
    require(principal, Action.VIEW_ANNUAL_REPORTS)
    submitted: dict[str, date] = {
        code: at.date()
        for code, at in session.execute(
            sa.select(AnnualReport.participant, AnnualReport.submitted_at).where(
                AnnualReport.year == year, AnnualReport.submitted_at.is_not(None)
            )
        )
        if at is not None
    }
    rows: list[dict[str, Any]] = []
    for code, facts in sorted(registry_snapshot(session).participants.items()):
        if facts.kind is not ParticipantKind.PARTICIPANT or not domain.owes_report(facts.history, year):
            continue
        on = submitted.get(code)
        standing = domain.standing(year, on, today)
        if standing in (domain.Standing.LATE, domain.Standing.MISSING):
            rows.append(
                {
                    "participant": code,
                    "name": facts.name,
                    "standing": standing.value,
                    "submitted_on": on.isoformat() if on else None,
                    "days_late": domain.days_late(year, on, today),
                }
            )
    rows.sort(key=lambda r: (r["standing"] != "missing", -r["days_late"], r["participant"]))
    return {"year": year, "due_on": domain.due_date(year).isoformat(), "rows": rows}


def not_submitted(session: Session, year: int) -> list[tuple[str, str]]:
    """The participants (code, name) that owe a report on ``year`` and have not submitted it
    (for the reminder before the due date; no permission is checked: nothing is shown)."""
    submitted = set(
        session.scalars(
            sa.select(AnnualReport.participant).where(
                AnnualReport.year == year, AnnualReport.submitted_at.is_not(None)
            )
        )
    )
    return [
        (code, facts.name)
        for code, facts in sorted(registry_snapshot(session).participants.items())
        if facts.kind is ParticipantKind.PARTICIPANT
        and domain.owes_report(facts.history, year)
        and code not in submitted
    ]


# -- helpers ---------------------------------------------------------------------------------


def _find(session: Session, participant: str, year: int) -> AnnualReport | None:
    return session.scalars(
        sa.select(AnnualReport).where(AnnualReport.participant == participant, AnnualReport.year == year)
    ).first()


def _previous(session: Session, participant: str, year: int) -> AnnualReport | None:
    """The participant's latest report on an earlier year: where Part A comes from."""
    return session.scalars(
        sa.select(AnnualReport)
        .where(AnnualReport.participant == participant, AnnualReport.year < year)
        .order_by(AnnualReport.year.desc())
        .limit(1)
    ).first()


def _get(session: Session, principal: Principal, report_id: int) -> AnnualReport:
    """The report, if the caller may see it (a draft only its participant's authority)."""
    require(principal, Action.VIEW_ANNUAL_REPORTS)
    found = session.get(AnnualReport, report_id)
    if found is None or not can(principal, Action.VIEW_ANNUAL_REPORTS, participant=found.participant):
        raise NotFound(f"no annual report {report_id}")
    if found.status == Status.DRAFT.value and not can(
        principal, Action.EDIT_ANNUAL_REPORT, participant=found.participant
    ):
        raise NotFound(f"no annual report {report_id}")
    return found


def _words(field: str, text: str, *, required: bool) -> str | None:
    text = text.strip()
    if required and not text:
        raise InvalidInput.field(field, "must not be empty")
    if len(text) > MAX_RESPONSE:
        raise InvalidInput.field(field, f"is {len(text):,} characters long; at most {MAX_RESPONSE:,}")
    return text or None


def _names(session: Session) -> dict[str, str]:
    return {code: facts.name for code, facts in registry_snapshot(session).participants.items()}


def _participant_name(session: Session, participant: str) -> str:
    facts = registry_snapshot(session).participants.get(participant)
    if facts is None or facts.kind is not ParticipantKind.PARTICIPANT:
        raise NotFound(f"{participant} is not a participant in the registry")
    return facts.name


def _summary(r: AnnualReport, name: str, today: date) -> dict[str, Any]:
    submitted_on = r.submitted_at.date() if r.submitted_at else None
    return {
        "id": r.id,
        "participant": r.participant,
        "name": name,
        "year": r.year,
        "status": r.status,
        "due_on": domain.due_date(r.year),
        "standing": domain.standing(r.year, submitted_on, today).value,
        "submitted_at": r.submitted_at,
        "assessed_at": r.assessed_at,
        "responded_at": r.responded_at,
    }


def _detail(session: Session, r: AnnualReport, today: date) -> dict[str, Any]:
    """The report as the API, the pages and the PDF show it: a draft shows today's figures,
    and each section says whether its Part A changed from the previous report's."""
    names = _names(session)
    previous = _previous(session, r.participant, r.year)
    return _summary(r, names.get(r.participant, r.participant), today) | {
        "part_a_from": previous.year if previous else None,
        "sections": [
            {
                "key": key,
                "title": title,
                "part_a": r.part_a.get(key, ""),
                "part_a_changed": None
                if previous is None
                else domain.part_a_changed(previous.part_a, r.part_a, key),
                "part_b": r.part_b.get(key, ""),
                "feedback": (r.feedback or {}).get(key),
            }
            for key, title in SECTIONS.items()
        ],
        "follow_ups": _follow_ups(session, r),
        "recommendations_to_report": _to_report(session, r),
        "figures": r.figures if r.figures is not None else year_figures(session, r.participant, r.year),
        "figures_as_of": "submission" if r.figures is not None else "today",
        "assessment_note": r.assessment_note,
        "response": r.response,
        "created_at": r.created_at,
        "created_by": r.created_by,
        "updated_at": r.updated_at,
        "updated_by": r.updated_by,
        "submitted_by": r.submitted_by,
        "assessed_by": r.assessed_by,
        "responded_by": r.responded_by,
    }


def _follow_ups(session: Session, r: AnnualReport) -> list[dict[str, Any]]:
    """What the report says of each peer-review recommendation, with the recommendation."""
    entries = r.follow_ups or []
    known = described(session, [e["recommendation"] for e in entries])
    return [
        {
            "recommendation": e["recommendation"],
            "review": known.get(e["recommendation"], {}).get("review"),
            "number": known.get(e["recommendation"], {}).get("number"),
            "text": known.get(e["recommendation"], {}).get("text", ""),
            "owner": known.get(e["recommendation"], {}).get("owner", ""),
            "follow_up": e["follow_up"],
            "note": e["note"],
        }
        for e in entries
    ]


def _to_report(session: Session, r: AnnualReport) -> list[dict[str, Any]]:
    """For a draft: the participant's open recommendations it may report on, each with what
    the draft says of it so far (``reported``: None when nothing)."""
    if r.status != Status.DRAFT.value:
        return []
    said = {e["recommendation"]: e for e in r.follow_ups or []}
    return [
        rec | {"reported": said.get(rec_id)} for rec_id, rec in to_report_on(session, r.participant).items()
    ]
