"""What happens in the registry that other parts of kpcs act on (:mod:`kpcs.events`): the
hub tells every national node of a status change, so that no node keeps issuing to a
participant suspended on the hub."""

from __future__ import annotations

from dataclasses import dataclass

from kpcs.events import Event
from kpcs.participants.registry import StatusEntry


@dataclass(frozen=True)
class ParticipantStatusChanged(Event):
    """A status entry was appended to ``code``'s history (suspended, restricted with its
    zones, admitted again...), taking effect on ``entry.effective_on``."""

    code: str
    entry: StatusEntry
