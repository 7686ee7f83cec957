"""Use cases of the experts' workbench (issue 20, item 5): the list of every warning of the
expert checks to review — re-used photos, valuation warnings, dossiers whose footprint check
reads "unusual for this zone" — open ones first, and the Diamond Expert Team's finding that
closes one, audited on the certificate (its timeline shows it) or else on the dossier.

How the list stays fast: the photo matches and valuation warnings are rows, so one SQL
``UNION ALL`` of their keys (kind, id, when raised, participant, finding), left-joined to the
findings by their unique key, is filtered, ordered and cut in the database, and only the
page's rows are then read in full. A footprint warning has no row (its verdict is computed
against the zone's current footprint), so the open ones are computed for the dossiers that
declare an assortment in a zone with a footprint and merged in; a closed one is its finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, Session, aliased

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.certificates.models import Certificate
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.dossiers.models import ExportDossier
from kpcs.errors import Conflict, FieldProblem, InvalidInput, NotFound
from kpcs.expertise.models import ValuationWarning
from kpcs.footprints import services as footprints
from kpcs.footprints.domain import Verdict
from kpcs.footprints.models import ZoneFootprint
from kpcs.photos import domain as photo_domain
from kpcs.photos.models import PhotoMatch, ShipmentPhoto
from kpcs.workbench import findings
from kpcs.workbench.domain import MAX_FINDING, TITLES, Conclusion, Kind, State, is_stale, words
from kpcs.workbench.models import ExpertFinding

MAX_LIMIT = 200
"""The most warnings one request returns."""


@dataclass(frozen=True)
class WarningFilter:
    """What the workbench is narrowed to (every field optional)."""

    kind: Kind | None = None
    state: State | None = None
    participant: str | None = None

    @classmethod
    def parse(cls, *, kind: str | None, state: str | None, participant: str | None) -> WarningFilter:
        """The filter from request text, or :class:`InvalidInput` naming the field."""
        kind, state, participant = ((v or "").strip() or None for v in (kind, state, participant))
        if kind is not None and kind not in {k.value for k in Kind}:
            raise InvalidInput.field("kind", f"one of {', '.join(k.value for k in Kind)}")
        if state is not None and state not in {s.value for s in State}:
            raise InvalidInput.field("state", "open or closed")
        if participant is not None:
            participant = participant.upper()
            if not (1 <= len(participant) <= 8 and participant.isalnum()):
                raise InvalidInput.field("participant", "a participant code such as BW or EU")
        return cls(
            kind=Kind(kind) if kind else None,
            state=State(state) if state else None,
            participant=participant,
        )


@dataclass(frozen=True)
class _Key:
    """One warning of the list, before its details are read."""

    kind: Kind
    id: int
    raised_at: datetime
    participant: str
    closed: bool
    figures: dict[str, Any] = field(default_factory=dict, compare=False)

    def order(self) -> tuple[bool, float, str, int]:
        """Open first, newest first, then by kind and newest id: the SQL ``ORDER BY`` too."""
        return (self.closed, -self.raised_at.timestamp(), self.kind.value, -self.id)


# -- the keys of the stored kinds, in SQL -------------------------------------------------------

_Keys = sa.Select[str, int, datetime, str, int]
"""A kind's keys: kind, warning id, when raised, participant, finding id (or NULL)."""

_Participant = sa.ColumnElement[str] | QueryableAttribute[str]
"""The column a kind's exporting participant is read from."""


def _finding_join(kind: Kind, warning_id: QueryableAttribute[int]) -> sa.ColumnElement[bool]:
    return sa.and_(ExpertFinding.kind == kind, ExpertFinding.warning_id == warning_id)


def _photo_keys() -> tuple[_Keys, _Participant]:
    participant = sa.func.coalesce(Certificate.exporting_participant, ExportDossier.participant_code)
    statement = (
        sa.select(
            sa.literal(Kind.PHOTO_MATCH.value, sa.String(16)).label("kind"),
            PhotoMatch.id.label("warning_id"),
            PhotoMatch.found_at.label("raised_at"),
            participant.label("participant"),
            ExpertFinding.id.label("finding_id"),
        )
        .select_from(PhotoMatch)
        .join(ShipmentPhoto, ShipmentPhoto.id == PhotoMatch.photo_id)
        .outerjoin(Certificate, Certificate.number == ShipmentPhoto.certificate_number)
        .outerjoin(ExportDossier, ExportDossier.id == ShipmentPhoto.dossier_id)
        .outerjoin(ExpertFinding, _finding_join(Kind.PHOTO_MATCH, PhotoMatch.id))
    )
    return statement, participant


def _valuation_keys() -> tuple[_Keys, _Participant]:
    statement = (
        sa.select(
            sa.literal(Kind.VALUATION.value, sa.String(16)).label("kind"),
            ValuationWarning.id.label("warning_id"),
            Certificate.issued_at.label("raised_at"),
            ValuationWarning.exporting_participant.label("participant"),
            ExpertFinding.id.label("finding_id"),
        )
        .select_from(ValuationWarning)
        .join(Certificate, Certificate.id == ValuationWarning.certificate_id)
        .outerjoin(ExpertFinding, _finding_join(Kind.VALUATION, ValuationWarning.id))
    )
    return statement, ValuationWarning.exporting_participant


def _closed_footprint_keys() -> tuple[_Keys, _Participant]:
    statement = sa.select(
        sa.literal(Kind.FOOTPRINT.value, sa.String(16)).label("kind"),
        ExpertFinding.warning_id.label("warning_id"),
        ExpertFinding.raised_at.label("raised_at"),
        ExpertFinding.participant_code.label("participant"),
        ExpertFinding.id.label("finding_id"),
    ).where(ExpertFinding.kind == Kind.FOOTPRINT)
    return statement, ExpertFinding.participant_code


def _stored_keys(chosen: WarningFilter) -> sa.Subquery | None:
    parts = []
    for kind, build in (
        (Kind.PHOTO_MATCH, _photo_keys),
        (Kind.VALUATION, _valuation_keys),
        (Kind.FOOTPRINT, _closed_footprint_keys),
    ):
        if chosen.kind not in (None, kind):
            continue
        if kind is Kind.FOOTPRINT and chosen.state is State.OPEN:
            continue  # an open footprint warning has no row: computed below
        statement, participant = build()
        if chosen.participant is not None:
            statement = statement.where(participant == chosen.participant)
        if chosen.state is State.OPEN:
            statement = statement.where(ExpertFinding.id.is_(None))
        elif chosen.state is State.CLOSED:
            statement = statement.where(ExpertFinding.id.is_not(None))
        parts.append(statement)
    if not parts:
        return None
    return sa.union_all(*parts).subquery("warnings") if len(parts) > 1 else parts[0].subquery("warnings")


# -- the open footprint warnings, computed ------------------------------------------------------


def _open_footprint_keys(session: Session, chosen: WarningFilter) -> list[_Key]:
    if chosen.kind not in (None, Kind.FOOTPRINT) or chosen.state is State.CLOSED:
        return []
    has_footprint = (
        sa.select(ZoneFootprint.id)
        .where(
            ZoneFootprint.participant_code == ExportDossier.participant_code,
            ZoneFootprint.zone == ExportDossier.zone,
        )
        .exists()
    )
    closed = sa.select(ExpertFinding.warning_id).where(ExpertFinding.kind == Kind.FOOTPRINT)
    statement = sa.select(ExportDossier).where(
        ExportDossier.assortment.is_not(None), has_footprint, ExportDossier.id.not_in(closed)
    )
    if chosen.participant is not None:
        statement = statement.where(ExportDossier.participant_code == chosen.participant)
    keys = []
    for dossier in session.scalars(statement):
        if not dossier.assortment:  # JSON null is not SQL NULL on every backend
            continue
        check, footprint = footprints.check(session, dossier)
        if check.verdict is Verdict.UNUSUAL:
            keys.append(
                _Key(
                    Kind.FOOTPRINT,
                    dossier.id,
                    dossier.submitted_at,
                    dossier.participant_code,
                    closed=False,
                    figures=_footprint_figures(check.as_json(), footprint),
                )
            )
    return keys


def _footprint_figures(check: dict[str, Any], footprint: ZoneFootprint | None) -> dict[str, Any]:
    return {
        "verdict": check["verdict"],
        "distance": check["distance"],
        "differs_most": check["differs_most"],
        "footprint": footprint.id if footprint else None,
    }


# -- the list -----------------------------------------------------------------------------------


def list_warnings(
    session: Session,
    principal: Principal,
    clock: Clock,
    chosen: WarningFilter,
    *,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Every warning of the expert checks narrowed by ``chosen``, open ones first, newest first:
    ``{"total", "limit", "offset", "warnings": [...]}``, each warning with its kind and id, its
    state, when it was raised, the participant, the certificate or dossier it is on, the link
    to it, its key figures and, once closed, the experts' finding."""
    require(principal, Action.VIEW_EXPERT_WARNINGS)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput.field("limit", f"between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise InvalidInput.field("offset", "0 or more")
    computed = _open_footprint_keys(session, chosen)
    stored = _stored_keys(chosen)
    total = len(computed)
    keys = list(computed)
    if stored is not None:
        total += session.scalar(sa.select(sa.func.count()).select_from(stored)) or 0
        rows = session.execute(
            sa.select(stored)
            .order_by(
                stored.c.finding_id.is_not(None),
                stored.c.raised_at.desc(),
                stored.c.kind,
                stored.c.warning_id.desc(),
            )
            .limit(offset + limit)
        ).all()
        keys += [
            _Key(Kind(r.kind), r.warning_id, r.raised_at, r.participant, closed=r.finding_id is not None)
            for r in rows
        ]
    page = sorted(keys, key=_Key.order)[offset : offset + limit]
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "warnings": _details(session, page, clock.now()),
    }


def _details(session: Session, page: list[_Key], now: datetime) -> list[dict[str, Any]]:
    closed = findings.by_warning(session, [(k.kind, k.id) for k in page if k.closed])
    photos = _photo_details(session, [k.id for k in page if k.kind is Kind.PHOTO_MATCH])
    valuations = _valuation_details(session, [k.id for k in page if k.kind is Kind.VALUATION])
    dossiers = {
        d.id: d
        for d in session.scalars(
            sa.select(ExportDossier).where(
                ExportDossier.id.in_([k.id for k in page if k.kind is Kind.FOOTPRINT])
            )
        )
    }
    shown = []
    for key in page:
        finding = closed.get((key.kind, key.id))
        if key.kind is Kind.PHOTO_MATCH:
            about = photos[key.id]
        elif key.kind is Kind.VALUATION:
            about = valuations[key.id]
        else:
            about = _footprint_detail(dossiers[key.id], key.figures or (finding or {}).get("figures", {}))
        shown.append(
            {
                "kind": key.kind.value,
                "id": key.id,
                "title": TITLES[key.kind],
                "state": State.CLOSED.value if key.closed else State.OPEN.value,
                "raised_at": key.raised_at,
                "stale": not key.closed and is_stale(key.raised_at, now),
                "participant": key.participant,
                **about,
                "finding": finding,
            }
        )
    return shown


def _shipment(photo: ShipmentPhoto) -> str:
    if photo.certificate_number is not None:
        return f"certificate {photo.certificate_number}"
    return f"export dossier {photo.dossier_id}"


def _photo_details(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    newer, earlier = aliased(ShipmentPhoto), aliased(ShipmentPhoto)
    rows = session.execute(
        sa.select(PhotoMatch, newer, earlier)
        .join(newer, newer.id == PhotoMatch.photo_id)
        .join(earlier, earlier.id == PhotoMatch.earlier_photo_id)
        .where(PhotoMatch.id.in_(ids))
    ).all()
    return {
        match.id: {
            "certificate": new.certificate_number,
            "dossier": new.dossier_id,
            "link": f"/photo-matches/{match.id}",
            "shipment_link": f"/certificates/{new.certificate_number}"
            if new.certificate_number
            else f"/export-dossiers/{new.dossier_id}",
            "summary": f"photo {new.id} of {_shipment(new)} looks like photo {old.id} of {_shipment(old)}",
            "figures": {"distance": match.distance, "bits": photo_domain.HASH_BITS},
        }
        for match, new, old in rows
    }


def _valuation_details(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = session.execute(
        sa.select(ValuationWarning, Certificate.number)
        .join(Certificate, Certificate.id == ValuationWarning.certificate_id)
        .where(ValuationWarning.id.in_(ids))
    ).all()
    return {
        w.id: {
            "certificate": number,
            "dossier": None,
            "link": f"/certificates/{number}",
            "shipment_link": f"/certificates/{number}",
            "summary": f"possible {w.type} of line {w.line} of certificate {number} "
            f"({w.hs_code}, origin {w.origin})",
            "figures": _valuation_figures(w),
        }
        for w, number in rows
    }


def _valuation_figures(w: ValuationWarning) -> dict[str, Any]:
    return {
        "type": w.type,
        "line": w.line,
        "usd_per_carat": float(w.usd_per_carat),
        "reference_usd_per_carat": float(w.reference_usd_per_carat),
        "basis": w.basis,
        "ratio": w.ratio,
        "distance": w.distance,
    }


def _footprint_detail(dossier: ExportDossier, figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "certificate": dossier.certificate_number,
        "dossier": dossier.id,
        "link": f"/export-dossiers/{dossier.id}",
        "shipment_link": f"/export-dossiers/{dossier.id}",
        "summary": f"export dossier {dossier.id} of {dossier.participant_code}, zone {dossier.zone}: "
        f"the declared assortment is {Verdict.UNUSUAL.value}",
        "figures": dict(figures),
    }


# -- closing a warning --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Warning:
    """What a finding is recorded against."""

    certificate: str | None
    dossier: int | None
    participant: str
    raised_at: datetime
    figures: dict[str, Any]


def _linked_dossier(session: Session, number: str | None) -> int | None:
    if number is None:
        return None
    return session.scalar(sa.select(ExportDossier.id).where(ExportDossier.certificate_number == number))


def _warning(session: Session, kind: Kind, warning_id: int) -> _Warning:
    missing = NotFound(f"no {TITLES[kind]} warning {warning_id}")
    if kind is Kind.PHOTO_MATCH:
        match = session.get(PhotoMatch, warning_id)
        photo = session.get(ShipmentPhoto, match.photo_id) if match else None
        if match is None or photo is None:
            raise missing
        if photo.certificate_number is not None:
            certificate = session.scalar(
                sa.select(Certificate).where(Certificate.number == photo.certificate_number)
            )
            assert certificate is not None
            return _Warning(
                certificate.number,
                _linked_dossier(session, certificate.number),
                certificate.exporting_participant,
                match.found_at,
                {"distance": match.distance, "bits": photo_domain.HASH_BITS},
            )
        dossier = session.get(ExportDossier, photo.dossier_id)
        assert dossier is not None
        return _Warning(
            dossier.certificate_number,
            dossier.id,
            dossier.participant_code,
            match.found_at,
            {"distance": match.distance, "bits": photo_domain.HASH_BITS},
        )
    if kind is Kind.VALUATION:
        row = session.execute(
            sa.select(ValuationWarning, Certificate)
            .join(Certificate, Certificate.id == ValuationWarning.certificate_id)
            .where(ValuationWarning.id == warning_id)
        ).first()
        if row is None:
            raise missing
        warning, certificate = row
        return _Warning(
            certificate.number,
            _linked_dossier(session, certificate.number),
            certificate.exporting_participant,
            certificate.issued_at,
            _valuation_figures(warning),
        )
    dossier = session.get(ExportDossier, warning_id)
    if dossier is None:
        raise missing
    check, footprint = footprints.check(session, dossier)
    if check.verdict is not Verdict.UNUSUAL:
        raise NotFound(
            f"export dossier {warning_id} has no footprint warning: its check reads {check.verdict.value!r}"
        )
    return _Warning(
        dossier.certificate_number,
        dossier.id,
        dossier.participant_code,
        dossier.submitted_at,
        _footprint_figures(check.as_json(), footprint),
    )


def _checked(conclusion: str, finding: str) -> tuple[Conclusion, str]:
    problems = []
    text = finding.strip()
    if conclusion not in {c.value for c in Conclusion}:
        problems.append(FieldProblem("conclusion", "confirmed or cleared"))
    if not text:
        problems.append(FieldProblem("finding", "say what the experts found"))
    elif len(text) > MAX_FINDING:
        problems.append(FieldProblem("finding", f"at most {MAX_FINDING} characters"))
    if problems:
        raise InvalidInput("the finding cannot be recorded", problems=problems)
    return Conclusion(conclusion), text


def record_finding(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    kind: str,
    warning_id: int,
    *,
    conclusion: str,
    finding: str,
) -> dict[str, Any]:
    """Close a warning with the experts' finding (``confirmed`` or ``cleared``, and what they
    found), audited on its certificate — whose timeline then shows it — or else on its export
    dossier. A warning is closed once: a second finding is a :class:`Conflict`."""
    require(principal, Action.RECORD_EXPERT_FINDING)
    if kind not in {k.value for k in Kind}:
        raise InvalidInput.field("kind", f"one of {', '.join(k.value for k in Kind)}")
    chosen, text = _checked(conclusion, finding)
    with uow:
        session = uow.session
        kind_ = Kind(kind)
        warning = _warning(session, kind_, warning_id)
        earlier = session.scalar(
            sa.select(ExpertFinding).where(
                ExpertFinding.kind == kind_, ExpertFinding.warning_id == warning_id
            )
        )
        if earlier is not None:
            raise _closed(earlier)
        row = ExpertFinding(
            kind=kind_,
            warning_id=warning_id,
            certificate_number=warning.certificate,
            dossier_id=warning.dossier,
            participant_code=warning.participant,
            conclusion=chosen,
            finding=text,
            figures=warning.figures,
            raised_at=warning.raised_at,
            recorded_at=clock.now(),
            recorded_by=principal.actor,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            # Another expert closed it between our read and our write: the unique key decides.
            raise Conflict(f"the {TITLES[kind_]} warning {warning_id} was closed meanwhile") from None
        said = words(kind_, chosen)
        if warning.certificate is not None:
            object_type, object_id = "certificate", warning.certificate
        else:
            object_type, object_id = "export-dossier", str(warning.dossier)
        record(
            session,
            actor=principal,
            clock=clock,
            tag=tags.EXPERT_FINDING_RECORDED,
            object_type=object_type,
            object_id=object_id,
            after={
                "kind": kind_.value,
                "warning": warning_id,
                "conclusion": chosen.value,
                "finding": text,
                "dossier": warning.dossier,
            },
            note=f"{TITLES[kind_]} warning {warning_id} — {said}: {text}",
        )
        uow.commit()
        return findings.public(row)


def _closed(earlier: ExpertFinding) -> Conflict:
    return Conflict(
        f"the {TITLES[earlier.kind]} warning {earlier.warning_id} is already closed: "
        f"{words(earlier.kind, earlier.conclusion)} ({earlier.recorded_by}, "
        f"{earlier.recorded_at.date().isoformat()})"
    )
