"""Use cases of footprints: the Diamond Expert Team enters a zone's footprint or has kpcs
compute it from the zone's approved dossiers; the working groups list them; a dossier's
declared assortment is read against the footprint of the zone it claims. Every change is
audited in its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, can, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.dossiers.domain import DossierStatus
from kpcs.dossiers.models import ExportDossier
from kpcs.errors import FieldProblem, InvalidInput
from kpcs.footprints import domain
from kpcs.footprints.domain import Assortment, FootprintCheck, Lot, Profile, Source
from kpcs.footprints.models import ZoneFootprint
from kpcs.footprints.schemas import AssortmentIn, FootprintCompute, FootprintCreate
from kpcs.participants.snapshot import registry_snapshot

# -- the assortment a dossier declares ---------------------------------------------------------


def assortment_of(body: AssortmentIn) -> Assortment:
    """The request's assortment as the domain reads it."""
    return Assortment(
        sieve_classes={key: Lot(lot.stones, lot.carats) for key, lot in body.sieve_classes.items()},
        colours=dict(body.colours),
        qualities=dict(body.qualities),
    )


def assortment_problems(body: AssortmentIn, *, carats: Decimal) -> list[FieldProblem]:
    """What is wrong with a dossier's assortment, each naming its field."""
    return [
        FieldProblem(field, message, rule="assortment")
        for field, message in domain.assortment_problems(assortment_of(body), carats=carats)
    ]


def assortment_json(assortment: Assortment) -> dict[str, Any]:
    """How a dossier stores its assortment (carats as strings: exact decimals)."""
    return {
        "sieve_classes": {
            key: {"stones": lot.stones, "carats": str(lot.carats)}
            for key, lot in assortment.sieve_classes.items()
        },
        "colours": dict(assortment.colours),
        "qualities": dict(assortment.qualities),
    }


def assortment_from_json(data: Mapping[str, Any]) -> Assortment:
    """A stored assortment, back."""
    return Assortment(
        sieve_classes={
            key: Lot(int(lot["stones"]), Decimal(str(lot["carats"])))
            for key, lot in data["sieve_classes"].items()
        },
        colours={key: float(share) for key, share in data["colours"].items()},
        qualities={key: float(share) for key, share in data["qualities"].items()},
    )


def assortment_public(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A stored assortment as the API shows it (carats as numbers)."""
    if data is None:
        return None
    return {
        "sieve_classes": {
            key: {"stones": lot["stones"], "carats": float(lot["carats"])}
            for key, lot in data["sieve_classes"].items()
        },
        "colours": dict(data["colours"]),
        "qualities": dict(data["qualities"]),
    }


# -- footprints ------------------------------------------------------------------------------


def _profile(footprint: ZoneFootprint) -> Profile:
    return Profile(
        sizes={key: float(v) for key, v in footprint.sizes.items()},
        colours={key: float(v) for key, v in footprint.colours.items()},
        qualities={key: float(v) for key, v in footprint.qualities.items()},
        usd_per_carat=float(footprint.usd_per_carat),
        stones=footprint.stones,
    )


def source_words(footprint: ZoneFootprint) -> str:
    """Where the footprint comes from, in words."""
    if footprint.source is Source.EXPERTS:
        return "entered by the experts"
    count = len(footprint.dossier_ids)
    return f"computed from {count} approved dossier{'s' if count != 1 else ''}"


def public(footprint: ZoneFootprint, *, current: bool | None = None) -> dict[str, Any]:
    """A footprint as the API and pages show it."""
    shown: dict[str, Any] = {
        "id": footprint.id,
        "participant": footprint.participant_code,
        "zone": footprint.zone,
        "sizes": dict(footprint.sizes),
        "colours": dict(footprint.colours),
        "qualities": dict(footprint.qualities),
        "usd_per_carat": float(footprint.usd_per_carat),
        "stones": footprint.stones,
        "source": footprint.source.value,
        "source_words": source_words(footprint),
        "dossiers": [int(i) for i in footprint.dossier_ids],
        "as_of": footprint.as_of.isoformat(),
        "notes": footprint.notes,
        "recorded_at": footprint.recorded_at.isoformat(),
        "recorded_by": footprint.recorded_by,
    }
    if current is not None:
        shown["current"] = current
    return shown


def current_footprint(session: Session, participant: str, zone: str) -> ZoneFootprint | None:
    """The zone's newest footprint (the one shipments are compared with), if any."""
    return session.scalars(
        sa.select(ZoneFootprint)
        .where(ZoneFootprint.participant_code == participant, ZoneFootprint.zone == zone)
        .order_by(ZoneFootprint.id.desc())
        .limit(1)
    ).first()


def _participant_problem(session: Session, code: str) -> FieldProblem | None:
    if registry_snapshot(session).participants.get(code) is None:
        return FieldProblem("participant", f"{code!r} is not a participant of the registry")
    return None


def _save(
    uow: UnitOfWork,
    principal: Principal,
    clock: Clock,
    footprint: ZoneFootprint,
    tag: str,
) -> dict[str, Any]:
    session = uow.session
    session.add(footprint)
    session.flush()
    record(
        session,
        actor=principal,
        clock=clock,
        tag=tag,
        object_type="footprint",
        object_id=str(footprint.id),
        after={
            "participant": footprint.participant_code,
            "zone": footprint.zone,
            "source": source_words(footprint),
            "stones": footprint.stones,
            "usd_per_carat": str(footprint.usd_per_carat),
        },
    )
    uow.commit()
    return public(footprint, current=True)


def enter(uow: UnitOfWork, principal: Principal, clock: Clock, body: FootprintCreate) -> dict[str, Any]:
    """The Diamond Expert Team enters a zone's footprint; it becomes the zone's current one."""
    require(principal, Action.MANAGE_FOOTPRINTS)
    with uow:
        code = body.participant.upper()
        problems: list[FieldProblem] = []
        if (wrong := _participant_problem(uow.session, code)) is not None:
            problems.append(wrong)
        for field, shares, known in (
            ("sizes", body.sizes, domain.SIEVE_CLASSES),
            ("colours", body.colours, domain.COLOURS),
            ("qualities", body.qualities, domain.QUALITIES),
        ):
            problems += [FieldProblem(f, m) for f, m in domain.shares_problems(shares, known, field=field)]
        if problems:
            raise InvalidInput("the footprint cannot be recorded", problems=problems)
        footprint = ZoneFootprint(
            participant_code=code,
            zone=body.zone,
            sizes=dict(body.sizes),
            colours=dict(body.colours),
            qualities=dict(body.qualities),
            usd_per_carat=body.usd_per_carat,
            stones=body.stones,
            source=Source.EXPERTS,
            dossier_ids=[],
            as_of=body.as_of or clock.today(),
            notes=body.notes.strip(),
            recorded_at=clock.now(),
            recorded_by=principal.actor,
        )
        return _save(uow, principal, clock, footprint, tags.FOOTPRINT_ENTERED)


def compute(uow: UnitOfWork, principal: Principal, clock: Clock, body: FootprintCompute) -> dict[str, Any]:
    """Compute the zone's footprint from its approved dossiers that declare an assortment
    (their carats pooled per sieve class, shares weighted by carats, the $/ct of the total);
    it becomes the zone's current one."""
    require(principal, Action.MANAGE_FOOTPRINTS)
    with uow:
        code = body.participant.upper()
        if (wrong := _participant_problem(uow.session, code)) is not None:
            raise InvalidInput("the footprint cannot be computed", problems=[wrong])
        dossiers = list(
            uow.session.scalars(
                sa.select(ExportDossier)
                .where(
                    ExportDossier.participant_code == code,
                    ExportDossier.zone == body.zone,
                    ExportDossier.status == DossierStatus.APPROVED,
                    ExportDossier.assortment.is_not(None),
                )
                .order_by(ExportDossier.id)
            )
        )
        # JSON null and SQL NULL differ on some backends: keep only real assortments.
        dossiers = [d for d in dossiers if d.assortment]
        if not dossiers:
            raise InvalidInput.field(
                "zone",
                f"no approved export dossier of {code}'s zone {body.zone!r} declares an assortment: "
                "there is nothing to compute the footprint from",
            )
        profile = domain.pooled([(assortment_from_json(d.assortment or {}), d.value_usd) for d in dossiers])
        footprint = ZoneFootprint(
            participant_code=code,
            zone=body.zone,
            sizes=dict(profile.sizes),
            colours=dict(profile.colours),
            qualities=dict(profile.qualities),
            usd_per_carat=Decimal(str(profile.usd_per_carat)),
            stones=profile.stones,
            source=Source.DOSSIERS,
            dossier_ids=[str(d.id) for d in dossiers],
            as_of=clock.today(),
            notes=body.notes.strip(),
            recorded_at=clock.now(),
            recorded_by=principal.actor,
        )
        return _save(uow, principal, clock, footprint, tags.FOOTPRINT_COMPUTED)


def list_footprints(
    session: Session, principal: Principal, *, participant: str | None = None, zone: str | None = None
) -> list[dict[str, Any]]:
    """Every footprint recorded, newest first, each saying whether it is its zone's current one."""
    require(principal, Action.VIEW_FOOTPRINTS)
    stmt = sa.select(ZoneFootprint)
    if participant:
        stmt = stmt.where(ZoneFootprint.participant_code == participant.strip().upper())
    if zone:
        stmt = stmt.where(ZoneFootprint.zone == zone.strip())
    found = list(session.scalars(stmt.order_by(ZoneFootprint.id.desc())))
    seen: set[tuple[str, str]] = set()
    shown = []
    for footprint in found:
        key = (footprint.participant_code, footprint.zone)
        shown.append(public(footprint, current=key not in seen))
        seen.add(key)
    return shown


# -- the dossier's check -----------------------------------------------------------------------


def check(session: Session, dossier: ExportDossier) -> tuple[FootprintCheck, ZoneFootprint | None]:
    """The dossier's declared assortment read against its zone's current footprint."""
    footprint = current_footprint(session, dossier.participant_code, dossier.zone)
    shipment = (
        domain.profile_of(assortment_from_json(dossier.assortment), value_usd=dossier.value_usd)
        if dossier.assortment
        else None
    )
    return domain.compare(shipment, _profile(footprint) if footprint else None), footprint


def check_public(session: Session, principal: Principal, dossier: ExportDossier) -> dict[str, Any]:
    """The dossier's footprint check as its reader may see it: the working groups see the
    distance, its parts, what differs most and which footprint; the dossier's own authority
    sees the plain verdict only (see :data:`Action.VIEW_FOOTPRINT_DETAIL`)."""
    found, footprint = check(session, dossier)
    if not can(principal, Action.VIEW_FOOTPRINT_DETAIL):
        return {"verdict": found.verdict.value}
    shown = found.as_json()
    shown["footprint"] = (
        {
            "id": footprint.id,
            "source": source_words(footprint),
            "as_of": footprint.as_of.isoformat(),
            "usd_per_carat": float(footprint.usd_per_carat),
        }
        if footprint
        else None
    )
    shown["thresholds"] = {
        "consistent_up_to": domain.CONSISTENT_UP_TO,
        "min_shipment_stones": domain.MIN_SHIPMENT_STONES,
        "min_footprint_stones": domain.MIN_FOOTPRINT_STONES,
    }
    return shown


def today_check(session: Session, dossier: ExportDossier, on: date) -> dict[str, Any]:
    """The full check as the expert assessment keeps it (a snapshot: the zone's footprint
    may change later, the assessment then still says what the experts saw)."""
    found, footprint = check(session, dossier)
    return found.as_json() | {"footprint": footprint.id if footprint else None, "on": on.isoformat()}
