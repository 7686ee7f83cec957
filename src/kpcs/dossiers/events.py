"""What happens to an export dossier that other parts of kpcs act on (:mod:`kpcs.events`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kpcs.events import Event


@dataclass(frozen=True)
class DossierAwaitsDecision(Event):
    """A restricted participant's dossier was submitted (or answered a request for more
    information): the Monitoring Team's week runs until ``decide_by``."""

    dossier_id: int
    participant: str
    zone: str
    decide_by: date
