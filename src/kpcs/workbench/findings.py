"""Reading the experts' findings where the warnings are shown: on a certificate, on an export
dossier. The certificate and dossier use cases import this module (it imports neither of
them), so that a closed warning shows as closed, with its finding, wherever it appears."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.expertise.models import ValuationWarning
from kpcs.workbench.domain import TITLES, Kind, words
from kpcs.workbench.models import ExpertFinding

PHOTO_WARNING = "photo-reused"
"""The type of a re-used photo's warning on a certificate or dossier (:mod:`kpcs.photos`)."""

VALUATION_WARNINGS = ("undervaluation", "overvaluation")
"""The types of a valuation warning on a certificate (:mod:`kpcs.expertise`)."""


def public(finding: ExpertFinding) -> dict[str, Any]:
    """A finding as the API and pages show it."""
    return {
        "id": finding.id,
        "kind": finding.kind.value,
        "warning": finding.warning_id,
        "title": TITLES[finding.kind],
        "conclusion": finding.conclusion.value,
        "words": words(finding.kind, finding.conclusion),
        "finding": finding.finding,
        "certificate": finding.certificate_number,
        "dossier": finding.dossier_id,
        "participant": finding.participant_code,
        "figures": dict(finding.figures),
        "raised_at": finding.raised_at,
        "recorded_at": finding.recorded_at,
        "recorded_by": finding.recorded_by,
    }


def findings_on(
    session: Session, *, certificate: str | None = None, dossier: int | None = None
) -> list[dict[str, Any]]:
    """The findings on a certificate or on an export dossier, oldest first."""
    where = []
    if certificate is not None:
        where.append(ExpertFinding.certificate_number == certificate)
    if dossier is not None:
        where.append(ExpertFinding.dossier_id == dossier)
    if not where:
        return []
    found = session.scalars(sa.select(ExpertFinding).where(sa.or_(*where)).order_by(ExpertFinding.id))
    return [public(f) for f in found]


def by_warning(session: Session, keys: Iterable[tuple[Kind, int]]) -> dict[tuple[Kind, int], dict[str, Any]]:
    """The findings of the given warnings, by (kind, id); an open warning is absent."""
    wanted = list(keys)
    if not wanted:
        return {}
    found = session.scalars(
        sa.select(ExpertFinding).where(
            sa.or_(
                *(
                    sa.and_(ExpertFinding.kind == kind, ExpertFinding.warning_id.in_(ids))
                    for kind, ids in _grouped(wanted).items()
                )
            )
        )
    )
    return {(f.kind, f.warning_id): public(f) for f in found}


def _grouped(keys: Iterable[tuple[Kind, int]]) -> dict[Kind, list[int]]:
    grouped: dict[Kind, list[int]] = {}
    for kind, warning_id in keys:
        grouped.setdefault(kind, []).append(warning_id)
    return grouped


def annotated(
    session: Session, warnings: Iterable[Mapping[str, Any]], *, certificate_id: int | None = None
) -> list[dict[str, Any]]:
    """A certificate's or dossier's stored warnings, each with ``review`` — the warning's
    kind and id on the workbench, ``null`` where the experts do not review it — and
    ``finding``, the experts' finding if the warning is closed (else ``null``)."""
    shown = [dict(w) for w in warnings]
    lines: dict[int, int] = {}
    if certificate_id is not None and any(w.get("type") in VALUATION_WARNINGS for w in shown):
        lines = {
            line: warning_id
            for warning_id, line in session.execute(
                sa.select(ValuationWarning.id, ValuationWarning.line).where(
                    ValuationWarning.certificate_id == certificate_id
                )
            )
        }
    keys: list[tuple[Kind, int] | None] = []
    for w in shown:
        if w.get("type") == PHOTO_WARNING and isinstance(w.get("match"), int):
            keys.append((Kind.PHOTO_MATCH, w["match"]))
        elif w.get("type") in VALUATION_WARNINGS and w.get("line") in lines:
            keys.append((Kind.VALUATION, lines[w["line"]]))
        else:
            keys.append(None)
    closed = by_warning(session, [k for k in keys if k is not None])
    for w, key in zip(shown, keys, strict=True):
        w["review"] = {"kind": key[0].value, "id": key[1]} if key else None
        w["finding"] = closed.get(key) if key else None
    return shown
