"""The words of the certificate life cycle: statuses, reasons and routes.

Pure vocabulary, imported by the rules (which must not import the ORM) and by the tables
that store these values.
"""

from __future__ import annotations

from enum import StrEnum


class CertificateStatus(StrEnum):
    """Stored life-cycle states. ``expired`` is not stored: it is an ``issued`` certificate
    past its expiry date, so it needs no job to flip it."""

    ISSUED = "issued"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class CancellationReason(StrEnum):
    """Why an exporting authority cancels (voids) a certificate (USKPA's void reasons)."""

    PRINTING_ERROR = "printing_error"
    TRANSPOSITION_ERROR = "transposition_error"
    SHIPMENT_WITHDRAWN = "shipment_withdrawn"
    SHIPMENT_RETURNED = "shipment_returned"
    LOST_IN_TRANSIT = "lost_in_transit"
    OTHER = "other"


class LossKind(StrEnum):
    """A report that a certificate went missing."""

    LOST = "lost"
    STOLEN = "stolen"


class ReminderRoute(StrEnum):
    """How a reminder to confirm an import reached (or came to) this system."""

    HERE = "here"  # the importer is served by this system: its inbox shows the reminder
    EXCHANGE = "exchange"  # sent to the importer's own system, through the exchange
    RECEIVED = "received"  # came from the exporter's system, through the exchange
