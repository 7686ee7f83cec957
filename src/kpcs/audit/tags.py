"""Names of audited actions, ``<object>:<verb>`` (warehouse's event tags).

One constant per state change, so that a search for a tag finds every place it is made.
"""

from __future__ import annotations

from typing import Final

REGISTRY_LOADED: Final = "registry:loaded"
PARTICIPANT_STATUS_CHANGED: Final = "participant:status:changed"
AUTHORITY_UPDATED: Final = "authority:updated"

USER_CREATED: Final = "account:user:created"
USER_PASSWORD_CHANGED: Final = "account:user:password-changed"
USER_ROLES_CHANGED: Final = "account:user:roles-changed"
USER_DEACTIVATED: Final = "account:user:deactivated"
USER_ACTIVATED: Final = "account:user:activated"
USER_SIGNED_IN: Final = "account:user:signed-in"
USER_SIGN_IN_FAILED: Final = "account:user:sign-in-failed"
USER_LOCKED: Final = "account:user:locked"
USER_SIGNED_OUT: Final = "account:user:signed-out"

TOKEN_CREATED: Final = "account:token:created"
TOKEN_REVOKED: Final = "account:token:revoked"

KEY_CREATED: Final = "signing-key:created"
KEY_RETIRED: Final = "signing-key:retired"
KEY_REVOKED: Final = "signing-key:revoked"

CERTIFICATE_ISSUED: Final = "certificate:issued"
CERTIFICATE_IMPORT_CONFIRMED: Final = "certificate:import-confirmed"
CERTIFICATE_CANCELLED: Final = "certificate:cancelled"
CERTIFICATE_REPORTED_LOST: Final = "certificate:reported-lost"
CERTIFICATE_REPORTED_STOLEN: Final = "certificate:reported-stolen"
FRAUD_REPORTED: Final = "fraud-report:filed"
AUTHORITY_CREATED: Final = "authority:created"
