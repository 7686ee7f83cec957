"""Names of audited actions, ``<object>:<verb>`` (warehouse's event tags).

One constant per state change, so that a search for a tag finds every place it is made.
"""

from __future__ import annotations

from typing import Final

REGISTRY_LOADED: Final = "registry:loaded"
PARTICIPANT_STATUS_CHANGED: Final = "participant:status:changed"
AUTHORITY_UPDATED: Final = "authority:updated"
# The register of administrative decisions and the plenary calendar (issue 19).
DECISIONS_LOADED: Final = "decision:loaded"
DECISION_CREATED: Final = "decision:created"
DECISION_UPDATED: Final = "decision:updated"
DECISION_SUPERSEDED: Final = "decision:superseded"
PLENARIES_LOADED: Final = "plenary:loaded"

USER_CREATED: Final = "account:user:created"
USER_PASSWORD_CHANGED: Final = "account:user:password-changed"
USER_ROLES_CHANGED: Final = "account:user:roles-changed"
USER_DEACTIVATED: Final = "account:user:deactivated"
USER_ACTIVATED: Final = "account:user:activated"
USER_SIGNED_IN: Final = "account:user:signed-in"
USER_SIGN_IN_FAILED: Final = "account:user:sign-in-failed"
# No longer written (accounts are not locked since issue 17); older audit records carry it.
USER_LOCKED: Final = "account:user:locked"
USER_SIGNED_OUT: Final = "account:user:signed-out"

TOKEN_CREATED: Final = "account:token:created"
TOKEN_REVOKED: Final = "account:token:revoked"

KEY_CREATED: Final = "signing-key:created"
KEY_RETIRED: Final = "signing-key:retired"
KEY_REVOKED: Final = "signing-key:revoked"
KEY_IMPORTED: Final = "signing-key:imported"

BACKUP_CREATED: Final = "instance:backup:created"
BACKUP_RESTORED: Final = "instance:backup:restored"

CERTIFICATE_ISSUED: Final = "certificate:issued"
CERTIFICATE_IMPORT_CONFIRMED: Final = "certificate:import-confirmed"
CERTIFICATE_CANCELLED: Final = "certificate:cancelled"
CERTIFICATE_REPORTED_LOST: Final = "certificate:reported-lost"
CERTIFICATE_REPORTED_STOLEN: Final = "certificate:reported-stolen"
FRAUD_REPORTED: Final = "fraud-report:filed"
AUTHORITY_CREATED: Final = "authority:created"

NODE_ENROLLMENT_CREATED: Final = "exchange:enrollment:created"
NODE_ENROLLED: Final = "exchange:node:enrolled"
MESSAGE_FAILED: Final = "exchange:message:failed"
MESSAGE_RETRIED: Final = "exchange:message:retried"
CERTIFICATE_RECEIVED: Final = "certificate:received"
CERTIFICATE_NOTIFIED: Final = "certificate:pre-notification-delivered"
CERTIFICATE_CONFIRMATION_DELIVERED: Final = "certificate:confirmation-delivered"
CERTIFICATE_CANCELLATION_DELIVERED: Final = "certificate:cancellation-delivered"
CERTIFICATE_MESSAGE_HELD: Final = "certificate:message-held"
CERTIFICATE_REMINDER_SENT: Final = "certificate:reminder-sent"
CERTIFICATE_REMINDER_RECEIVED: Final = "certificate:reminder-received"
CERTIFICATE_REMINDER_DELIVERED: Final = "certificate:reminder-delivered"

STATISTICS_SUBMITTED: Final = "statistics:submitted"
STATISTICS_ESCALATED: Final = "statistics:escalated"
STATISTICS_THRESHOLDS_SET: Final = "statistics:thresholds-set"
STATISTICS_PUBLISHED_LOADED: Final = "statistics:published-loaded"
QUESTIONNAIRE_DRAWN_UP: Final = "statistics:questionnaire:drawn-up"
QUESTIONNAIRE_DISCARDED: Final = "statistics:questionnaire:discarded"
QUESTIONNAIRE_SENT: Final = "statistics:questionnaire:sent"
QUESTION_ANSWERED: Final = "statistics:question:answered"
QUESTION_REVIEWED: Final = "statistics:question:reviewed"

REVIEW_CREATED: Final = "review:created"
REVIEW_MEMBER_ADDED: Final = "review:member-added"
REVIEW_VISIT_DATED: Final = "review:visit-dated"
REVIEW_DRAFT_SENT: Final = "review:draft-sent"
REVIEW_COMMENTED: Final = "review:commented"
REVIEW_FINALISED: Final = "review:finalised"
REVIEW_ADOPTED: Final = "review:adopted"
RECOMMENDATION_ADDED: Final = "review:recommendation:added"
RECOMMENDATION_FOLLOWED_UP: Final = "review:recommendation:followed-up"
ANNUAL_REPORT_STARTED: Final = "annual-report:started"
ANNUAL_REPORT_EDITED: Final = "annual-report:edited"
ANNUAL_REPORT_SUBMITTED: Final = "annual-report:submitted"
ANNUAL_REPORT_ASSESSED: Final = "annual-report:assessed"
ANNUAL_REPORT_RESPONDED: Final = "annual-report:responded"


EXPORT_DOSSIER_SUBMITTED: Final = "dossier:submitted"
EXPORT_DOSSIER_EXPERT_ASSESSED: Final = "dossier:expert-assessed"
EXPORT_DOSSIER_STATISTICS_ASSESSED: Final = "dossier:statistics-assessed"
EXPORT_DOSSIER_DECIDED: Final = "dossier:decided"
EXPORT_DOSSIER_INFORMATION_GIVEN: Final = "dossier:information-given"
EXPORT_DOSSIER_CERTIFIED: Final = "dossier:certified"

FOOTPRINT_ENTERED: Final = "footprint:entered"
FOOTPRINT_COMPUTED: Final = "footprint:computed"

EXPERT_FINDING_RECORDED: Final = "expertise:finding:recorded"


def known_tags() -> list[str]:
    """Every tag above and each family of them (``account:``, ``account:user:``), sorted,
    so that a family comes just before its members."""
    tags = {value for name, value in globals().items() if name.isupper() and isinstance(value, str)}
    families = {tag[: i + 1] for tag in tags for i, char in enumerate(tag) if char == ":"}
    return sorted(tags | families)


NOTIFICATION_CREATED: Final = "notification:created"
NOTIFICATION_MAIL_SENT: Final = "notification:mail:sent"
NOTIFICATION_MAIL_FAILED: Final = "notification:mail:failed"
USER_EMAIL_SET: Final = "account:user:email-set"

ASSISTANCE_RECORDED: Final = "assistance:recorded"
ASSISTANCE_STATUS_CHANGED: Final = "assistance:status-changed"
CONFISCATION_RECORDED: Final = "confiscation:recorded"
CONFISCATION_DISPOSED: Final = "confiscation:disposed"
PHOTO_ADDED: Final = "photo:added"
PHOTO_REUSE_FLAGGED: Final = "photo:reuse-flagged"
PHOTOS_REHASHED: Final = "photo:rehashed"
