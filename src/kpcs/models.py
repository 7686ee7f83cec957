"""Every table of kpcs, imported in one place so that ``Base.metadata`` is complete
(Alembic's autogenerate and the model/migration check need all of them)."""

from __future__ import annotations

from kpcs.accounts.models import ApiToken, User, WebSession
from kpcs.annual_reports.models import AnnualReport
from kpcs.assistance.models import AssistanceEntry
from kpcs.audit.models import AuditEvent
from kpcs.certificates.models import (
    Certificate,
    CertificateLine,
    CertificateSerial,
    ConfirmationReminder,
    FraudReport,
    ImportConfirmation,
    LossReport,
)
from kpcs.confiscations.models import Confiscation
from kpcs.db import Base
from kpcs.decisions.models import Decision, DecisionBody, DecisionParticipant, DecisionSupersession
from kpcs.dossiers.models import ExportDossier
from kpcs.exchange.models import EnrollmentToken, HubLink, InboxMessage, Node, OutboxMessage
from kpcs.expertise.models import ValuationWarning
from kpcs.footprints.models import ZoneFootprint
from kpcs.idempotency.models import IdempotencyKey
from kpcs.notifications.models import Notification, NotificationMail
from kpcs.participants.models import (
    Authority,
    KPChair,
    Participant,
    ParticipantRegime,
    ParticipantStatusChange,
    RegistryRevision,
    RegistrySource,
    WorkingBody,
    WorkingBodyMembership,
)
from kpcs.photos.models import PhotoBand, PhotoMatch, ShipmentPhoto
from kpcs.plenaries.models import ChairPerson, Meeting
from kpcs.reviews.models import Recommendation, RecommendationStep, Review, ReviewMember
from kpcs.signing.models import SigningKey
from kpcs.statistics.models import (
    Escalation,
    ProductionFigure,
    PublishedProduction,
    PublishedWorldTotal,
    StatisticsSubmission,
    StatisticsUpload,
    TradeFigure,
)
from kpcs.translog.models import LogLeaf, LogNode, LogState, TreeHead
from kpcs.workbench.models import ExpertFinding

metadata = Base.metadata

__all__ = [
    "AnnualReport",
    "ApiToken",
    "AssistanceEntry",
    "AuditEvent",
    "Authority",
    "Certificate",
    "CertificateLine",
    "CertificateSerial",
    "ChairPerson",
    "ConfirmationReminder",
    "Confiscation",
    "Decision",
    "DecisionBody",
    "DecisionParticipant",
    "DecisionSupersession",
    "EnrollmentToken",
    "Escalation",
    "ExpertFinding",
    "ExportDossier",
    "FraudReport",
    "HubLink",
    "IdempotencyKey",
    "ImportConfirmation",
    "InboxMessage",
    "KPChair",
    "LogLeaf",
    "LogNode",
    "LogState",
    "LossReport",
    "Meeting",
    "Node",
    "Notification",
    "NotificationMail",
    "OutboxMessage",
    "Participant",
    "ParticipantRegime",
    "ParticipantStatusChange",
    "PhotoBand",
    "PhotoMatch",
    "ProductionFigure",
    "PublishedProduction",
    "PublishedWorldTotal",
    "Recommendation",
    "RecommendationStep",
    "RegistryRevision",
    "RegistrySource",
    "Review",
    "ReviewMember",
    "ShipmentPhoto",
    "SigningKey",
    "StatisticsSubmission",
    "StatisticsUpload",
    "TradeFigure",
    "TreeHead",
    "User",
    "ValuationWarning",
    "WebSession",
    "WorkingBody",
    "WorkingBodyMembership",
    "ZoneFootprint",
    "metadata",
]
