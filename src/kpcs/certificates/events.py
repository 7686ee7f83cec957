"""What happens to a certificate that other parts of kpcs act on (:mod:`kpcs.events`): the
log appends an issued certificate, the exchange tells the other participant's system."""

from __future__ import annotations

from dataclasses import dataclass

from kpcs.certificates.models import Certificate, ConfirmationReminder
from kpcs.events import Event


@dataclass(frozen=True)
class CertificateIssued(Event):
    """A certificate was signed and written (``revision``: the registry revision the issue read,
    which the exchange's topology cache is keyed by)."""

    certificate: Certificate
    revision: int | None = None


@dataclass(frozen=True)
class ImportConfirmed(Event):
    """The importing authority confirmed receipt (the return slip)."""

    certificate: Certificate


@dataclass(frozen=True)
class CertificateCancelled(Event):
    """The exporting authority voided a certificate."""

    certificate: Certificate


@dataclass(frozen=True)
class ImporterReminded(Event):
    """The exporting authority asked the importing one for the import confirmation; when the
    importer is served elsewhere, ``reminder.message_id`` names the message to send it."""

    certificate: Certificate
    reminder: ConfirmationReminder
    sequence: int


@dataclass(frozen=True)
class ReminderReceived(Event):
    """The exporter's system, elsewhere, asked for the import confirmation of a certificate
    received here: the importing authority here must act on it."""

    certificate: Certificate
    reminder: ConfirmationReminder
