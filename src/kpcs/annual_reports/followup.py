"""A submitted annual report moves on the follow-up of the peer-review recommendations
addressed to its participant (issue 18: "recommendations, each with an owner and a
follow-up status that the participant's later annual reports update").

The report carries, for each recommendation it answers on, the follow-up state and a note
(:func:`kpcs.annual_reports.domain.follow_up_entries`); on submission this subscriber of
:class:`AnnualReportSubmitted` applies each through peer review's one way of changing a
follow-up, as a step whose source is ``annual report <year>``, audited, in the submission's
transaction (a recommendation closed meanwhile refuses the submission, changing nothing).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kpcs.annual_reports.events import AnnualReportSubmitted
from kpcs.clock import Clock
from kpcs.reviews.services import follow_up_from_annual_report


def update_recommendation_follow_up(session: Session, clock: Clock, event: AnnualReportSubmitted) -> None:
    """Apply the follow-up ``event``'s report gives on its participant's recommendations."""
    if event.follow_ups:
        follow_up_from_annual_report(
            session,
            event.submitted_by,
            clock,
            participant=event.participant,
            year=event.year,
            updates=list(event.follow_ups),
        )
