"""Every table of kpcs, imported in one place so that ``Base.metadata`` is complete
(Alembic's autogenerate and the model/migration check need all of them)."""

from __future__ import annotations

from kpcs.accounts.models import ApiToken, User, WebSession
from kpcs.annual_reports.models import AnnualReport
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
from kpcs.db import Base
from kpcs.dossiers.models import ExportDossier
from kpcs.exchange.models import EnrollmentToken, HubLink, InboxMessage, Node, OutboxMessage
from kpcs.idempotency.models import IdempotencyKey
from kpcs.notifications.models import Notification, NotificationMail
from kpcs.participants.models import (
    Authority,
    KPChair,
    Participant,
    ParticipantStatusChange,
    RegistryRevision,
    RegistrySource,
    WorkingBody,
    WorkingBodyMembership,
)
from kpcs.photos.models import PhotoBand, PhotoHash, PhotoMatch, ShipmentPhoto
from kpcs.reviews.models import Recommendation, RecommendationStep, Review, ReviewMember
from kpcs.signing.models import SigningKey
from kpcs.statistics.models import (
    Escalation,
    ProductionFigure,
    PublishedProduction,
    StatisticsSubmission,
    StatisticsUpload,
    TradeFigure,
)
from kpcs.translog.models import LogLeaf, LogNode, LogState, TreeHead

metadata = Base.metadata

__all__ = [
    "AnnualReport",
    "ApiToken",
    "AuditEvent",
    "Authority",
    "Certificate",
    "CertificateLine",
    "CertificateSerial",
    "ConfirmationReminder",
    "EnrollmentToken",
    "Escalation",
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
    "Node",
    "Notification",
    "NotificationMail",
    "OutboxMessage",
    "Participant",
    "ParticipantStatusChange",
    "PhotoBand",
    "PhotoHash",
    "PhotoMatch",
    "ProductionFigure",
    "PublishedProduction",
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
    "WebSession",
    "WorkingBody",
    "WorkingBodyMembership",
    "metadata",
]
