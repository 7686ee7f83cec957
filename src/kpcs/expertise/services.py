"""The Diamond Expert Team's side of the valuation warnings (issue 20): the index of flagged
lines, written as each certificate is issued, and the list the experts read.

The Team has no role of its own: the Working Group on Monitoring stands for it (as for
the expertise assessment of export dossiers), with admins. The issuing and importing
authorities see a certificate's warnings on the certificate itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.certificates.events import CertificateIssued
from kpcs.certificates.models import Certificate
from kpcs.clock import Clock
from kpcs.errors import InvalidInput
from kpcs.expertise.models import ValuationWarning
from kpcs.expertise.valuation import OVERVALUATION, UNDERVALUATION, Basis
from kpcs.workbench import findings
from kpcs.workbench.domain import Kind
from kpcs.workbench.models import ExpertFinding

TYPES = (UNDERVALUATION, OVERVALUATION)
MAX_LIMIT = 500


def index_valuation_warnings(session: Session, clock: Clock, event: CertificateIssued) -> None:
    """Subscriber of :class:`CertificateIssued`: one row per valuation warning of the
    certificate, in the issue's transaction (nothing to write, nothing done)."""
    certificate = event.certificate
    rows = [
        {
            "certificate_id": certificate.id,
            "line": w["line"],
            "type": w["type"],
            "exporting_participant": certificate.exporting_participant,
            "importing_participant": certificate.importing_participant,
            "issued_on": certificate.issued_on,
            "hs_code": w["hs_code"],
            "origin": w["origin"],
            "usd_per_carat": Decimal(str(w["usd_per_carat"])),
            "reference_usd_per_carat": Decimal(str(w["reference_usd_per_carat"])),
            "basis": w["basis"],
            "certificates": w["certificates"],
            "spread": w["spread"],
            "distance": w["distance"],
            "ratio": w["ratio"],
        }
        for w in certificate.warnings or []
        if w.get("type") in TYPES and "basis" in w
    ]
    if rows:
        session.execute(sa.insert(ValuationWarning), rows)


@dataclass(frozen=True)
class WarningFilter:
    """What the experts' list is narrowed to (every field optional)."""

    exporter: str | None = None
    importer: str | None = None
    hs_code: str | None = None
    origin: str | None = None
    type: str | None = None
    basis: str | None = None
    issued_from: date | None = None
    issued_to: date | None = None

    def checked(self) -> WarningFilter:
        """The filter, or :class:`InvalidInput` naming the field that cannot be used."""
        if self.type is not None and self.type not in TYPES:
            raise InvalidInput.field("type", f"one of {', '.join(TYPES)}")
        if self.basis is not None and self.basis not in {b.value for b in Basis}:
            raise InvalidInput.field("basis", f"one of {', '.join(b.value for b in Basis)}")
        if self.issued_from and self.issued_to and self.issued_from > self.issued_to:
            raise InvalidInput.field("issued_to", "on or after issued_from")
        for name in ("exporter", "importer", "hs_code", "origin"):
            value = getattr(self, name)
            if value is not None and not (1 <= len(value) <= 8 and value.replace(".", "").isalnum()):
                raise InvalidInput.field(name, "a code such as BW, EU, mixed or 7102.31")
        return self


def _row(warning: ValuationWarning, number: str, status: str) -> dict[str, Any]:
    return {
        "certificate": number,
        "status": status,
        "line": warning.line,
        "type": warning.type,
        "exporter": warning.exporting_participant,
        "importer": warning.importing_participant,
        "issued_on": warning.issued_on,
        "hs_code": warning.hs_code,
        "origin": warning.origin,
        "usd_per_carat": float(warning.usd_per_carat),
        "reference_usd_per_carat": float(warning.reference_usd_per_carat),
        "basis": warning.basis,
        "certificates": warning.certificates,
        "spread": warning.spread,
        "distance": warning.distance,
        "ratio": warning.ratio,
    }


def valuation_warnings(
    session: Session, principal: Principal, chosen: WarningFilter, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The valuation warnings of issued certificates, newest first, farthest first within a
    day, narrowed by ``chosen`` (monitoring, standing for the Diamond Expert Team, and admins)."""
    require(principal, Action.VIEW_VALUATION_WARNINGS)
    chosen = chosen.checked()
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput.field("limit", f"between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise InvalidInput.field("offset", "0 or more")
    statement = (
        sa.select(ValuationWarning, Certificate.number, Certificate.status, ExpertFinding)
        .join(Certificate, Certificate.id == ValuationWarning.certificate_id)
        # the experts' finding once they closed the warning (issue 20, item 5)
        .outerjoin(
            ExpertFinding,
            sa.and_(ExpertFinding.kind == Kind.VALUATION, ExpertFinding.warning_id == ValuationWarning.id),
        )
    )
    for column, value in (
        (ValuationWarning.exporting_participant, chosen.exporter),
        (ValuationWarning.importing_participant, chosen.importer),
        (ValuationWarning.hs_code, chosen.hs_code),
        (ValuationWarning.origin, chosen.origin),
        (ValuationWarning.type, chosen.type),
        (ValuationWarning.basis, chosen.basis),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if chosen.issued_from is not None:
        statement = statement.where(ValuationWarning.issued_on >= chosen.issued_from)
    if chosen.issued_to is not None:
        statement = statement.where(ValuationWarning.issued_on <= chosen.issued_to)
    statement = statement.order_by(
        ValuationWarning.issued_on.desc(),
        sa.func.abs(ValuationWarning.distance).desc(),
        ValuationWarning.id.desc(),
    )
    rows = session.execute(statement.limit(limit).offset(offset)).all()
    return [
        _row(warning, number, str(status)) | {"finding": findings.public(found) if found else None}
        for warning, number, status, found in rows
    ]
