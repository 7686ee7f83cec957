"""Every table of kpcs, imported in one place so that ``Base.metadata`` is complete
(Alembic's autogenerate and the model/migration check need all of them)."""

from __future__ import annotations

from kpcs.accounts.models import ApiToken, User, WebSession
from kpcs.audit.models import AuditEvent
from kpcs.db import Base
from kpcs.participants.models import (
    Authority,
    KPChair,
    Participant,
    ParticipantStatusChange,
    RegistrySource,
    WorkingBody,
    WorkingBodyMembership,
)

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Authority",
    "KPChair",
    "Participant",
    "ParticipantStatusChange",
    "RegistrySource",
    "User",
    "WebSession",
    "WorkingBody",
    "WorkingBodyMembership",
    "metadata",
]
