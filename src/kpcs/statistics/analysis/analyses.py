"""Use cases of the annual statistical country analyses: read the year's inputs once, then
analyse any participant (the page, the API) or all of them (``kpcs statistics analyses``).

The analysis itself is pure (:mod:`kpcs.statistics.analysis.country`); its charts and PDF
are pure renderings of it (:mod:`~kpcs.statistics.analysis.charts`,
:mod:`~kpcs.statistics.analysis.pdf`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, is_participant_bound, require
from kpcs.errors import NotFound
from kpcs.participants.registry import ParticipantKind
from kpcs.participants.snapshot import registry_snapshot
from kpcs.statistics.analysis import country as country_analysis
from kpcs.statistics.analysis import daq
from kpcs.statistics.analysis.country import CountryAnalysis
from kpcs.statistics.derived import services as derived
from kpcs.statistics.public import services as public


@dataclass(frozen=True)
class Inputs:
    """What every participant's analysis of one year reads, read once."""

    year: int
    names: dict[str, str]
    participants: list[str]
    by_year: pl.DataFrame
    world: dict[int, dict[str, Any]]
    partners: pl.DataFrame
    anomalies: dict[str, list[dict[str, Any]]]
    questionnaires: dict[str, dict[str, Any]]
    cif_fob_factor: float


def read_inputs(session: Session, year: int, today: date) -> Inputs:
    """The figures in force, the year's trade per partner, its anomalies and questionnaires."""
    snapshot = registry_snapshot(session)
    participants = sorted(
        c for c, f in snapshot.participants.items() if f.kind is ParticipantKind.PARTICIPANT
    )
    by_year = public.figures_by_year(session)
    thresholds, _ = daq.thresholds_in_force(session)
    anomalies: dict[str, list[dict[str, Any]]] = {}
    for a in daq.find_year_anomalies(session, year, today, thresholds):
        anomalies.setdefault(a.participant, []).append(a.as_dict())
    return Inputs(
        year=year,
        names={c: f.name for c, f in snapshot.participants.items()},
        participants=participants,
        by_year=by_year,
        world=country_analysis.world_by_year(by_year),
        partners=derived.trade_in_force(session, year, year, ("participant", "flow", "partner")),
        anomalies=anomalies,
        questionnaires=daq.questionnaire_states(session, year, today),
        cif_fob_factor=thresholds.cif_fob_factor,
    )


def analyse(inputs: Inputs, code: str) -> CountryAnalysis:
    """One participant's analysis from the inputs read."""
    return country_analysis.analyse(
        code,
        inputs.names.get(code, code),
        inputs.year,
        by_year=inputs.by_year,
        world=inputs.world,
        partners=inputs.partners,
        anomalies=inputs.anomalies.get(code, []),
        questionnaire=inputs.questionnaires.get(code),
        names=inputs.names,
        cif_fob_factor=inputs.cif_fob_factor,
    )


def country_analysis_of(
    session: Session, principal: Principal, code: str, year: int, today: date
) -> CountryAnalysis:
    """The analysis of one participant (the working groups: any; an authority: its own)."""
    require(principal, Action.VIEW_ANALYSES, participant=code)
    inputs = read_inputs(session, year, today)
    if code not in inputs.participants:
        raise NotFound(f"{code} is not a participant in the registry")
    return analyse(inputs, code)


def all_analyses(session: Session, principal: Principal, year: int, today: date) -> Iterator[CountryAnalysis]:
    """Every participant's analysis of ``year`` (an authority: its own), inputs read once."""
    require(principal, Action.VIEW_ANALYSES)
    inputs = read_inputs(session, year, today)
    chosen = inputs.participants
    if is_participant_bound(principal):
        chosen = [c for c in chosen if c == principal.participant_code]
    for code in chosen:
        yield analyse(inputs, code)


def participants_for(session: Session, principal: Principal) -> list[tuple[str, str]]:
    """(code, name) of the participants whose analyses the principal may read."""
    require(principal, Action.VIEW_ANALYSES)
    snapshot = registry_snapshot(session)
    return [
        (c, f.name)
        for c, f in sorted(snapshot.participants.items())
        if f.kind is ParticipantKind.PARTICIPANT
        and (not is_participant_bound(principal) or c == principal.participant_code)
    ]
