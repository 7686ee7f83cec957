"""Use cases of the Data Anomaly Questionnaire (DAQ) process: the anomalies of a year, run
over the figures in force with the thresholds the Working Group on Statistics has set.

The detectors themselves are pure (``anomalies.py``); this module reads their inputs from
the database (reported trade and production of the year and its history, and what the
compliance calendar says is missing), and keeps the thresholds with who set them and when.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
from dataclasses import asdict
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.accounts.permissions import Action, Principal, require
from kpcs.audit import tags
from kpcs.audit.services import record
from kpcs.clock import Clock
from kpcs.db import UnitOfWork
from kpcs.errors import InvalidInput
from kpcs.statistics import compliance, services
from kpcs.statistics.anomalies import TYPES, Anomaly, Thresholds, find_anomalies
from kpcs.statistics.models import AnomalyThresholds, StatisticsKind

SEVERITIES = ("high", "medium", "low")


def thresholds_in_force(session: Session) -> tuple[Thresholds, dict[str, Any] | None]:
    """The thresholds in force, and who set them when (``None``: the published defaults)."""
    latest = session.scalars(
        sa.select(AnomalyThresholds).order_by(AnomalyThresholds.id.desc()).limit(1)
    ).first()
    if latest is None:
        return Thresholds(), None
    return Thresholds.from_mapping(latest.values), {
        "set_at": latest.set_at,
        "set_by": latest.set_by,
        "note": latest.note,
        "changed": latest.values,
    }


def thresholds_table(session: Session) -> list[dict[str, Any]]:
    """Every threshold: name, value in force, default, and what it means (its docstring)."""
    current, _ = thresholds_in_force(session)
    defaults = Thresholds()
    described = _meanings()
    return [
        {"name": name, "value": value, "default": getattr(defaults, name), "meaning": described.get(name, "")}
        for name, value in asdict(current).items()
    ]


def _thresholds(values: dict[str, Any]) -> Thresholds:
    """``values`` as thresholds, or a 422 naming the threshold and what is wrong with it."""
    try:
        return Thresholds.from_mapping(values)
    except ValueError as error:
        name, _, reason = str(error).partition(":")
        raise InvalidInput.field(name, reason.strip()) from None


@cache
def _meanings() -> dict[str, str]:
    """Each threshold's docstring, as written beside it in ``anomalies.py`` (one source for
    the code and for the page that lets the statistics role tune it)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(Thresholds)))
    body = tree.body[0].body  # type: ignore[attr-defined]
    found: dict[str, str] = {}
    for assign, doc in itertools.pairwise(body):
        if (
            isinstance(assign, ast.AnnAssign)
            and isinstance(assign.target, ast.Name)
            and isinstance(doc, ast.Expr)
            and isinstance(doc.value, ast.Constant)
            and isinstance(doc.value.value, str)
        ):
            found[assign.target.id] = " ".join(doc.value.value.split())
    return found


def set_thresholds(
    uow: UnitOfWork, principal: Principal, clock: Clock, values: dict[str, Any], note: str | None = None
) -> Thresholds:
    """Set some thresholds (the others keep their values in force); ``{}`` with
    ``reset`` semantics is not offered: send the defaults to go back to them."""
    require(principal, Action.TUNE_ANOMALY_THRESHOLDS)
    with uow:
        current, _ = thresholds_in_force(uow.session)
        chosen = _thresholds(asdict(current) | dict(values))
        defaults = asdict(Thresholds())
        changed = {k: v for k, v in asdict(chosen).items() if v != defaults[k]}
        before = {k: v for k, v in asdict(current).items() if v != defaults[k]}
        row = AnomalyThresholds(
            values=changed, note=(note or "").strip() or None, set_at=clock.now(), set_by=principal.actor
        )
        uow.session.add(row)
        uow.session.flush()
        record(
            uow.session,
            actor=principal,
            clock=clock,
            tag=tags.STATISTICS_THRESHOLDS_SET,
            object_type="statistics",
            object_id="anomaly-thresholds",
            before=before,
            after=changed,
            note=row.note,
        )
        uow.commit()
        return chosen


def year_anomalies(
    session: Session,
    principal: Principal,
    year: int,
    today: date,
    *,
    overrides: dict[str, Any] | None = None,
    types: set[str] | None = None,
    participant: str | None = None,
    severity: str | None = None,
) -> list[Anomaly]:
    """The anomalies of ``year`` over the figures in force, with the thresholds in force
    (or ``overrides`` of some of them, for a trial run that stores nothing)."""
    require(principal, Action.VIEW_ANOMALIES)
    if types and not types <= set(TYPES):
        raise InvalidInput.field("type", f"must be among {', '.join(TYPES)}")
    if severity is not None and severity not in SEVERITIES:
        raise InvalidInput.field("severity", "must be high, medium or low")
    thresholds, _ = thresholds_in_force(session)
    if overrides:
        thresholds = _thresholds(asdict(thresholds) | overrides)
    first = year - thresholds.history_years
    trade = services.figures_frame(session, StatisticsKind.TRADE, first, year)
    production = services.figures_frame(session, StatisticsKind.PRODUCTION, first, year)
    missing = [
        (case.participant, case.kind, case.period)
        for case in compliance.compliance(session, year, today)
        if case.standing == "missing"
    ]
    found = find_anomalies(trade, production, year, thresholds=thresholds, missing=missing)
    return [
        a
        for a in found
        if (not types or a.type in types)
        and (participant is None or participant in (a.participant, a.partner))
        and (severity is None or a.severity == severity)
    ]
