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
