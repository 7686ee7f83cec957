"""Who takes which event (:mod:`kpcs.events`): the one place that knows.

The order within a tuple is the order subscribers run in, inside the use case's
transaction. The log comes last for an issued certificate: its append takes the log's
lock, which is then held only until the commit that follows.
"""

from __future__ import annotations

from collections.abc import Mapping

from kpcs.annual_reports.events import AnnualReportSubmitted
from kpcs.annual_reports.followup import update_recommendation_follow_up
from kpcs.certificates.events import (
    CertificateCancelled,
    CertificateIssued,
    ImportConfirmed,
    ImporterReminded,
    ReminderReceived,
)
from kpcs.dossiers.events import DossierAwaitsDecision
from kpcs.events import Event, Subscriber
from kpcs.exchange import services as exchange
from kpcs.expertise import services as expertise
from kpcs.notifications import services as notifications
from kpcs.participants.events import ParticipantStatusChanged
from kpcs.translog import services as translog

SUBSCRIBERS: Mapping[type[Event], tuple[Subscriber, ...]] = {
    CertificateIssued: (expertise.index_valuation_warnings, exchange.notify_issued, translog.log_issued),
    ImportConfirmed: (exchange.notify_confirmed,),
    CertificateCancelled: (exchange.notify_cancelled,),
    ImporterReminded: (exchange.send_reminder, notifications.importer_reminded),
    AnnualReportSubmitted: (update_recommendation_follow_up, notifications.annual_report_submitted),
    DossierAwaitsDecision: (notifications.dossier_awaits_decision,),
    ReminderReceived: (notifications.reminder_received,),
    ParticipantStatusChanged: (exchange.broadcast_status_change,),
}
