"""Use cases of the register of confiscated and seized rough diamonds: a case recorded (by
its participant's authority, or by the WGM), the register read with its filters and as CSV,
a case's disposition recorded, and the public figures. Every change is audited; the rules
are in ``domain.py``.

Who sees what: an authority its own participant's cases; the WGM and admins every case;
the public (and everyone else) only the yearly scheme-wide figures of
:func:`public_statistics`, never a participant's cases or their circumstances.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, can, is_participant_bound, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.confiscations import domain
from kpcs.confiscations.domain import Disposition
from kpcs.confiscations.models import Confiscation
from kpcs.db import DB_INT_MAX, UnitOfWork
from kpcs.errors import Conflict, InvalidInput, NotFound
from kpcs.participants.models import Participant

MAX_TEXT = 20_000
"""The longest account of the circumstances or note kept."""

FIRST_YEAR, LAST_YEAR = domain.FIRST_DAY.year, 2100


def _disposition(field: str, value: str) -> Disposition:
    try:
        return Disposition(value.strip().lower())
    except ValueError:
        raise InvalidInput.field(field, f"must be one of {', '.join(d.value for d in Disposition)}") from None


def _text(field: str, value: str, *, limit: int = MAX_TEXT) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput.field(field, "must not be empty")
    if len(text) > limit:
        raise InvalidInput.field(field, f"at most {limit} characters")
    return text


def amount(field: str, value: Decimal | float | str, *, maximum: Decimal, positive: bool) -> Decimal:
    """``value`` as a case's carats or value in USD, refused with the field named when it is
    not a number, negative, too large or finer than a hundredth."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput.field(field, "must be a number") from None
    wrong = domain.refuse_amount(number, maximum=maximum, positive=positive)
    if wrong:
        raise InvalidInput.field(field, wrong)
    return number


@dataclass(frozen=True)
class CaseFilter:
    """What the register is narrowed to (the list, the page, the CSV and the CLI alike)."""

    participant: str | None = None
    disposition: str | None = None
    year: int | None = None

    def checked(self) -> CaseFilter:
        """The filter with each value checked (a 422 naming the field)."""
        if self.year is not None and not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise InvalidInput.field("year", f"a year between {FIRST_YEAR} and {LAST_YEAR}")
        return CaseFilter(
            participant=self.participant.strip().upper() if self.participant else None,
            disposition=_disposition("disposition", self.disposition).value if self.disposition else None,
            year=self.year,
        )


def _case(row: Confiscation) -> dict[str, Any]:
    return {
        "id": row.id,
        "participant": row.participant,
        "reference": row.reference,
        "seized_on": row.seized_on,
        "carats": float(row.carats),
        "value_usd": float(row.value_usd),
        "circumstances": row.circumstances,
        "disposition": row.disposition,
        "disposition_on": row.disposition_on,
        "disposition_note": row.disposition_note,
        "created_at": row.created_at,
        "created_by": row.created_by,
        "updated_at": row.updated_at,
    }


def cases(session: Session, principal: Principal, chosen: CaseFilter | None = None) -> list[dict[str, Any]]:
    """The cases the caller may see (an authority: its own participant's), newest seizure first."""
    require(principal, Action.VIEW_CONFISCATIONS)
    wanted = (chosen or CaseFilter()).checked()
    query = sa.select(Confiscation).order_by(Confiscation.seized_on.desc(), Confiscation.id.desc())
    if is_participant_bound(principal):
        query = query.where(Confiscation.participant == principal.participant_code)
    if wanted.participant:
        query = query.where(Confiscation.participant == wanted.participant)
    if wanted.disposition:
        query = query.where(Confiscation.disposition == wanted.disposition)
    if wanted.year is not None:
        query = query.where(
            Confiscation.seized_on >= date(wanted.year, 1, 1),
            Confiscation.seized_on <= date(wanted.year, 12, 31),
        )
    return [_case(row) for row in session.scalars(query)]


def _get(session: Session, principal: Principal, case_id: int) -> Confiscation:
    """The case, if the caller may see it (another participant's is not found, not refused:
    that it exists is not theirs to know)."""
    require(principal, Action.VIEW_CONFISCATIONS)
    row = session.get(Confiscation, case_id) if 1 <= case_id <= DB_INT_MAX else None
    if row is None or not can(principal, Action.VIEW_CONFISCATIONS, participant=row.participant):
        raise NotFound(f"no confiscation {case_id}")
    return row


def case(session: Session, principal: Principal, case_id: int) -> dict[str, Any]:
    """One case, with the dispositions it may still move to."""
    row = _get(session, principal, case_id)
    return _case(row) | {
        "next_dispositions": sorted(d.value for d in domain.NEXT[Disposition(row.disposition)])
    }


CSV_COLUMNS = (
    "id",
    "participant",
    "reference",
    "seized_on",
    "carats",
    "value_usd",
    "disposition",
    "disposition_on",
    "circumstances",
    "disposition_note",
)
"""The columns of the register's CSV export."""


def export_csv(session: Session, principal: Principal, chosen: CaseFilter | None = None) -> str:
    """The cases the caller may see as CSV (the same filter as the list), oldest seizure first;
    carats and values as written, two decimals."""
    require(principal, Action.VIEW_CONFISCATIONS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in reversed(cases(session, principal, chosen)):
        cells = row | {"carats": f"{row['carats']:.2f}", "value_usd": f"{row['value_usd']:.2f}"}
        writer.writerow(["" if cells[c] is None else cells[c] for c in CSV_COLUMNS])
    return buffer.getvalue()


def public_statistics(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The published figures: per year of seizure, scheme-wide, the number of cases, of each
    disposition, and the carats and value when the year holds enough cases to hide any one."""
    require(principal, Action.VIEW_CONFISCATION_STATISTICS)
    rows = session.execute(
        sa.select(
            Confiscation.seized_on, Confiscation.carats, Confiscation.value_usd, Confiscation.disposition
        )
    )
    figures = domain.public_figures(
        domain.Case(year=seized.year, carats=carats, value_usd=value, disposition=Disposition(disposition))
        for seized, carats, value, disposition in rows
    )
    return [
        {
            "year": f.year,
            "cases": f.cases,
            "carats": None if f.carats is None else float(f.carats),
            "value_usd": None if f.value_usd is None else float(f.value_usd),
            "withheld": f.withheld,
            "dispositions": f.dispositions,
        }
        for f in figures
    ]


def _audit(
    session: Session,
    principal: Principal,
    clock: Clock,
    tag: str,
    row: Confiscation,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tag,
        object_type="confiscation",
        object_id=str(row.id),
        before=before,
        after=after,
        note=note,
    )


def create(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    *,
    participant: str,
    seized_on: date,
    carats: Decimal | float | str,
    value_usd: Decimal | float | str,
    circumstances: str,
    disposition: str = Disposition.HELD.value,
    disposition_on: date | None = None,
    reference: str | None = None,
) -> dict[str, Any]:
    """Record a case of ``participant`` (its authority, or the WGM). Usually the stones are
    ``held``; a case entered after the fact may have its disposition already."""
    code = participant.strip().upper()
    require(principal, Action.RECORD_CONFISCATION, participant=code)
    weight = amount("carats", carats, maximum=domain.MAX_CARATS, positive=True)
    value = amount("value_usd", value_usd, maximum=domain.MAX_VALUE_USD, positive=False)
    how = _text("circumstances", circumstances)
    outcome = _disposition("disposition", disposition)
    ref = (reference or "").strip() or None
    if ref is not None and len(ref) > 100:
        raise InvalidInput.field("reference", "at most 100 characters")
    if outcome is Disposition.HELD and disposition_on is not None:
        raise InvalidInput.field("disposition_on", "diamonds still held have no disposition date")
    wrong = domain.refuse_dates(seized_on, disposition_on, clock.today())
    if wrong:
        raise InvalidInput.field(*wrong)
    with uow:
        if uow.session.get(Participant, code) is None:
            raise InvalidInput.field("participant", f"{code or '(none)'} is not in the registry")
        now = clock.now()
        row = Confiscation(
            participant=code,
            reference=ref,
            seized_on=seized_on,
            carats=weight,
            value_usd=value,
            circumstances=how,
            disposition=outcome.value,
            disposition_on=disposition_on,
            disposition_note=None,
            created_at=now,
            created_by=principal.actor,
            updated_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        after = {
            "participant": code,
            "seized_on": seized_on,
            "carats": str(weight),
            "value_usd": str(value),
            "disposition": outcome.value,
        }
        _audit(uow.session, principal, clock, tags.CONFISCATION_RECORDED, row, after=after)
        uow.commit()
        return case(uow.session, principal, row.id)


def dispose(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    case_id: int,
    *,
    disposition: str,
    disposition_on: date,
    note: str | None = None,
) -> dict[str, Any]:
    """Record what became of the stones of a case (its participant's authority, or the WGM):
    returned, forfeited, auctioned or destroyed, on a day not before the seizure."""
    outcome = _disposition("disposition", disposition)
    said = (note or "").strip() or None
    if said is not None and len(said) > MAX_TEXT:
        raise InvalidInput.field("note", f"at most {MAX_TEXT} characters")
    with uow:
        row = _get(uow.session, principal, case_id)
        require(principal, Action.RECORD_CONFISCATION, participant=row.participant)
        refusal = domain.refuse_disposition(Disposition(row.disposition), outcome)
        if refusal:
            raise Conflict(f"confiscation {case_id}: {refusal}")
        wrong = domain.refuse_dates(row.seized_on, disposition_on, clock.today())
        if wrong:
            raise InvalidInput.field(*wrong)
        before = {"disposition": row.disposition, "disposition_on": row.disposition_on}
        row.disposition, row.disposition_on = outcome.value, disposition_on
        row.disposition_note, row.updated_at = said, clock.now()
        after = {"disposition": row.disposition, "disposition_on": disposition_on}
        _audit(
            uow.session,
            principal,
            clock,
            tags.CONFISCATION_DISPOSED,
            row,
            before=before,
            after=after,
            note=said,
        )
        uow.commit()
        return case(uow.session, principal, case_id)
