"""The hook where a submitted annual report will update the follow-up status of the
peer-review recommendations addressed to its participant.

Peer review (issue 18, item 3) is built in another slice; when its recommendations exist,
this subscriber reads the report's Part B and moves each recommendation's follow-up on.
It is wired to :class:`AnnualReportSubmitted` in :mod:`kpcs.wiring` already, so that slice
changes only this function.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kpcs.annual_reports.events import AnnualReportSubmitted
from kpcs.clock import Clock


def update_recommendation_follow_up(session: Session, clock: Clock, event: AnnualReportSubmitted) -> None:
    """Update the follow-up of ``event.participant``'s peer-review recommendations from the
    report (no recommendations are stored yet: nothing to update)."""
    del session, clock, event
