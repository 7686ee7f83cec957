"""Who may do what: the one place that decides (STYLE: authority scoping in one helper).

Routes, pages and CLI commands never check roles themselves; services call
:func:`require` and list queries go through :func:`scoped`. The permission matrix test
walks :data:`POLICY` for every role, so a new action is tested the day it is added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

import sqlalchemy as sa

from kpcs.accounts.models import Role
from kpcs.errors import NotAuthenticated, PermissionDenied


class PrincipalKind(StrEnum):
    """How the principal proved who it is."""

    ANONYMOUS = "anonymous"
    USER = "user"
    TOKEN = "token"
    OPERATOR = "cli"
    SYSTEM = "system"
    NODE = "node"  # another kpcs system, through the exchange


@dataclass(frozen=True)
class Principal:
    """Whoever acts: a signed-in user, an API token, the operator at the CLI, or nobody."""

    kind: PrincipalKind
    name: str
    participant_code: str | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    user_id: int | None = None
    token_id: int | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        if self.kind is PrincipalKind.ANONYMOUS:
            return "anonymous"
        if self.kind is PrincipalKind.SYSTEM:
            return "system"
        return f"{self.kind.value}:{self.name}"

    @property
    def is_authenticated(self) -> bool:
        """True unless anonymous."""
        return self.kind is not PrincipalKind.ANONYMOUS

    def has_role(self, role: Role) -> bool:
        """True if the principal holds ``role``."""
        return role in self.roles


ANONYMOUS = Principal(kind=PrincipalKind.ANONYMOUS, name="anonymous")
SYSTEM = Principal(kind=PrincipalKind.SYSTEM, name="system", roles=frozenset(Role))


def exchange_peer(name: str) -> Principal:
    """Another kpcs system whose message changed something here (``node:BW``, ``node:hub``).

    It holds no role: what a message may do is decided by the exchange, not by permissions.
    """
    return Principal(kind=PrincipalKind.NODE, name=name)


def operator(os_user: str) -> Principal:
    """The person at the server's command line: the machine's operator, with every role.

    Whoever can run ``kpcs`` on the server can read its database file anyway; the CLI
    still records them by their login name in the audit log.
    """
    return Principal(kind=PrincipalKind.OPERATOR, name=os_user, roles=frozenset(Role))


class Action(StrEnum):
    """Every permission-checked action in kpcs."""

    VIEW_REGISTRY = "registry:view"
    CHANGE_PARTICIPANT_STATUS = "participant:status:change"
    VIEW_AUDIT = "audit:view"
    MANAGE_TOKENS = "tokens:manage"
    MANAGE_USERS = "users:manage"
    VIEW_OWN_ACCOUNT = "account:view-own"
    MANAGE_KEYS = "keys:manage"
    CONFIGURE_AUTHORITY = "authority:configure"
    ISSUE_CERTIFICATE = "certificate:issue"
    VIEW_CERTIFICATES = "certificate:view"
    CONFIRM_IMPORT = "certificate:confirm-import"
    CANCEL_CERTIFICATE = "certificate:cancel"
    REMIND_IMPORTER = "certificate:remind-importer"
    REPORT_LOSS = "certificate:report-loss"
    REPORT_FRAUD = "fraud:report"
    VIEW_FRAUD_EVIDENCE = "fraud:view-evidence"
    VERIFY_CERTIFICATE = "certificate:verify"
    MANAGE_NODES = "exchange:manage-nodes"
    SUBMIT_STATISTICS = "statistics:submit"
    RECORD_ESCALATION = "statistics:escalate"
    VIEW_DERIVED_STATISTICS = "statistics:view-derived"
    VIEW_ANOMALIES = "statistics:view-anomalies"
    TUNE_ANOMALY_THRESHOLDS = "statistics:tune-thresholds"
    MANAGE_QUESTIONNAIRES = "statistics:questionnaire:manage"
    VIEW_QUESTIONNAIRES = "statistics:questionnaire:view"
    ANSWER_QUESTIONNAIRE = "statistics:questionnaire:answer"
    VIEW_RECONCILIATION = "statistics:view-reconciliation"
    ASSESS_EXPORT = "statistics:assess-export"
    VIEW_ANALYSES = "statistics:view-analyses"
    VIEW_REVIEWS = "review:view"
    MANAGE_REVIEWS = "review:manage"
    INVITE_REVIEW_VISIT = "review:invite-visit"
    COMMENT_ON_REVIEW = "review:comment"
    FOLLOW_UP_RECOMMENDATION = "review:recommendation:follow-up"
    VIEW_ANNUAL_REPORTS = "annual-report:view"
    EDIT_ANNUAL_REPORT = "annual-report:edit"
    ASSESS_ANNUAL_REPORT = "annual-report:assess"
    SUBMIT_EXPORT_DOSSIER = "dossier:submit"
    VIEW_EXPORT_DOSSIERS = "dossier:view"
    ASSESS_DOSSIER_EXPERTISE = "dossier:assess-expertise"
    ASSESS_DOSSIER_STATISTICS = "dossier:assess-statistics"
    DECIDE_EXPORT_DOSSIER = "dossier:decide"
    VIEW_RESTRICTED_CROSS_CHECK = "dossier:cross-check"
    VIEW_NOTIFICATIONS = "notifications:view"
    VIEW_DASHBOARD = "dashboard:view"
    # The register of administrative decisions (issue 19): read by anyone, kept by admins.
    MANAGE_DECISIONS = "decision:manage"
    VIEW_ASSISTANCE = "assistance:view"
    RECORD_ASSISTANCE = "assistance:record"
    VIEW_CONFISCATIONS = "confiscation:view"
    RECORD_CONFISCATION = "confiscation:record"
    VIEW_CONFISCATION_STATISTICS = "confiscation:view-statistics"
    ADD_SHIPMENT_PHOTO = "photo:add"
    VIEW_VALUATION_WARNINGS = "expertise:view-valuation-warnings"
    # Footprints of production zones (issue 20, item 3).
    VIEW_FOOTPRINTS = "footprint:view"
    MANAGE_FOOTPRINTS = "footprint:manage"
    VIEW_FOOTPRINT_DETAIL = "footprint:view-detail"
    # The experts' workbench (issue 20, item 5).
    VIEW_EXPERT_WARNINGS = "expertise:view-warnings"
    RECORD_EXPERT_FINDING = "expertise:record-finding"


_Select = TypeVar("_Select", bound="sa.Select[Any]")

Rule = Callable[[Principal, str | None], bool]
"""Decides for a principal and, where the action concerns one, a participant code."""


def _anyone(_principal: Principal, _participant: str | None) -> bool:
    return True


def _signed_in(principal: Principal, _participant: str | None) -> bool:
    return principal.is_authenticated


def _role(*roles: Role) -> Rule:
    def rule(principal: Principal, _participant: str | None) -> bool:
        return any(principal.has_role(role) for role in roles)

    return rule


def _acting_for(*roles: Role) -> Rule:
    """Holds one of ``roles`` for the participant concerned (any participant when none is
    named yet, e.g. to show an "Issue" button); the server's operator acts for all."""

    def rule(principal: Principal, participant: str | None) -> bool:
        if principal.kind is PrincipalKind.OPERATOR:
            return True
        if not any(principal.has_role(role) for role in roles):
            return False
        return participant is None or principal.participant_code == participant

    return rule


def _submit_statistics(principal: Principal, participant: str | None) -> bool:
    """The Working Group on Statistics for anyone; an authority for its own participant."""
    if principal.kind is PrincipalKind.OPERATOR or principal.has_role(Role.STATISTICS):
        return True
    return _acting_for(Role.AUTHORITY)(principal, participant)


def _working_groups_or_own_authority(principal: Principal, participant: str | None) -> bool:
    """The working groups for every participant, an authority for its own: figures derived
    from certificates, questionnaires, reconciliation, export assessments, country analyses."""
    if principal.kind is PrincipalKind.OPERATOR or principal.roles & {
        Role.STATISTICS,
        Role.MONITORING,
        Role.ADMIN,
    }:
        return True
    return _acting_for(Role.AUTHORITY)(principal, participant)


def _monitoring_or_own_authority(principal: Principal, participant: str | None) -> bool:
    """The Working Group on Monitoring and admins for every participant, an authority for its
    own: peer reviews, which the restricted section shows to the reviewed participant."""
    if principal.kind is PrincipalKind.OPERATOR or principal.roles & {Role.MONITORING, Role.ADMIN}:
        return True
    return _acting_for(Role.AUTHORITY)(principal, participant)


# Roles that see every participant's certificates; authority and customs see their own.
_SCHEME_WIDE_ROLES = frozenset({Role.ADMIN, Role.STATISTICS, Role.MONITORING})


def is_participant_bound(principal: Principal) -> bool:
    """True if the principal sees only its own participant's records."""
    if principal.kind is PrincipalKind.OPERATOR:
        return False
    return not (principal.roles & _SCHEME_WIDE_ROLES)


def _view_certificates(principal: Principal, participant: str | None) -> bool:
    if principal.kind is PrincipalKind.OPERATOR or principal.roles & _SCHEME_WIDE_ROLES:
        return True
    if principal.has_role(Role.AUTHORITY) or principal.has_role(Role.CUSTOMS):
        return participant is None or principal.participant_code == participant
    return False


POLICY: dict[Action, Rule] = {
    Action.VIEW_REGISTRY: _anyone,
    Action.CHANGE_PARTICIPANT_STATUS: _role(Role.ADMIN),
    Action.MANAGE_DECISIONS: _role(Role.ADMIN),
    Action.VIEW_AUDIT: _role(Role.ADMIN),
    Action.MANAGE_TOKENS: _role(Role.ADMIN),
    Action.MANAGE_USERS: _role(Role.ADMIN),
    Action.VIEW_OWN_ACCOUNT: _signed_in,
    Action.VIEW_NOTIFICATIONS: _signed_in,
    Action.MANAGE_KEYS: _role(Role.ADMIN),
    Action.CONFIGURE_AUTHORITY: _role(Role.ADMIN),
    Action.ISSUE_CERTIFICATE: _acting_for(Role.AUTHORITY),
    Action.VIEW_CERTIFICATES: _view_certificates,
    Action.CONFIRM_IMPORT: _acting_for(Role.AUTHORITY),
    Action.CANCEL_CERTIFICATE: _acting_for(Role.AUTHORITY),
    Action.REMIND_IMPORTER: _acting_for(Role.AUTHORITY),
    Action.REPORT_LOSS: _acting_for(Role.AUTHORITY),
    Action.REPORT_FRAUD: _acting_for(Role.AUTHORITY, Role.CUSTOMS),
    Action.VIEW_FRAUD_EVIDENCE: _role(Role.AUTHORITY, Role.CUSTOMS, Role.ADMIN, Role.MONITORING),
    Action.VERIFY_CERTIFICATE: _anyone,
    Action.MANAGE_NODES: _role(Role.ADMIN),
    Action.SUBMIT_STATISTICS: _submit_statistics,
    Action.RECORD_ESCALATION: _role(Role.STATISTICS, Role.MONITORING, Role.ADMIN),
    Action.VIEW_DERIVED_STATISTICS: _working_groups_or_own_authority,
    Action.VIEW_ANOMALIES: _role(Role.STATISTICS, Role.ADMIN),
    Action.TUNE_ANOMALY_THRESHOLDS: _role(Role.STATISTICS, Role.ADMIN),
    Action.MANAGE_QUESTIONNAIRES: _role(Role.STATISTICS, Role.ADMIN),
    Action.VIEW_QUESTIONNAIRES: _working_groups_or_own_authority,
    Action.ANSWER_QUESTIONNAIRE: _acting_for(Role.AUTHORITY),
    Action.VIEW_RECONCILIATION: _working_groups_or_own_authority,
    Action.ASSESS_EXPORT: _working_groups_or_own_authority,
    Action.VIEW_ANALYSES: _working_groups_or_own_authority,
    Action.VIEW_REVIEWS: _monitoring_or_own_authority,
    Action.MANAGE_REVIEWS: _role(Role.MONITORING, Role.ADMIN),
    Action.INVITE_REVIEW_VISIT: _monitoring_or_own_authority,
    Action.COMMENT_ON_REVIEW: _acting_for(Role.AUTHORITY),
    Action.FOLLOW_UP_RECOMMENDATION: _monitoring_or_own_authority,
    # Annual reports: written and answered by the participant's authority, assessed by the WGM.
    Action.VIEW_ANNUAL_REPORTS: _working_groups_or_own_authority,
    Action.EDIT_ANNUAL_REPORT: _acting_for(Role.AUTHORITY),
    Action.ASSESS_ANNUAL_REPORT: _role(Role.MONITORING, Role.ADMIN),
    # The restricted regime: the authority submits, the Diamond Expert Team (no role of its
    # own yet: the Monitoring Team's members record it) and the statistics working group
    # assess, the Monitoring Team decides.
    Action.SUBMIT_EXPORT_DOSSIER: _acting_for(Role.AUTHORITY),
    Action.VIEW_EXPORT_DOSSIERS: _working_groups_or_own_authority,
    Action.ASSESS_DOSSIER_EXPERTISE: _role(Role.MONITORING),
    Action.ASSESS_DOSSIER_STATISTICS: _role(Role.STATISTICS),
    Action.DECIDE_EXPORT_DOSSIER: _role(Role.MONITORING),
    Action.VIEW_RESTRICTED_CROSS_CHECK: _role(Role.MONITORING, Role.ADMIN),
    # The Chair's and the working groups' dashboard; an authority sees what it owes.
    Action.VIEW_DASHBOARD: _working_groups_or_own_authority,
    # Technical assistance (2014 communiqué §38-39: the list of needs is to be posted for all
    # to see): anyone reads the needs and offers (contacts only for the signed-in); an
    # authority records its own participant's, the WGM and admins anyone's (an observer's too).
    Action.VIEW_ASSISTANCE: _anyone,
    Action.RECORD_ASSISTANCE: _monitoring_or_own_authority,
    # Confiscations: a case stays with its participant's authority and the WGM; the public
    # sees yearly scheme-wide totals only (see kpcs.confiscations.domain).
    Action.VIEW_CONFISCATIONS: _monitoring_or_own_authority,
    Action.RECORD_CONFISCATION: _monitoring_or_own_authority,
    Action.VIEW_CONFISCATION_STATISTICS: _anyone,
    # Shipment photos (issue 20): the exporting or importing authority of a certificate, the
    # authority of a dossier's participant; whoever sees the shipment sees its photos.
    Action.ADD_SHIPMENT_PHOTO: _acting_for(Role.AUTHORITY),
    # Valuation warnings (issue 20): the list is the Diamond Expert Team's, which has no role of
    # its own (the Monitoring Team's members stand for it, as for dossiers), and admins'. The
    # issuing and importing authorities see a certificate's warnings on the certificate.
    Action.VIEW_VALUATION_WARNINGS: _role(Role.MONITORING, Role.ADMIN),
    # Footprints (issue 20, item 3): the Diamond Expert Team (recorded, like its dossier
    # assessments, by the Monitoring Team's members) enters or computes them; the working
    # groups read them. An authority sees only the plain verdict on its own dossier, never a
    # zone's footprint nor the distance and what differs most: those would let an exporter
    # shape a declared assortment to fit the reference.
    Action.VIEW_FOOTPRINTS: _role(Role.MONITORING, Role.STATISTICS, Role.ADMIN),
    Action.MANAGE_FOOTPRINTS: _role(Role.MONITORING),
    Action.VIEW_FOOTPRINT_DETAIL: _role(Role.MONITORING, Role.STATISTICS, Role.ADMIN),
    # The experts' workbench (issue 20, item 5): every warning of the expert checks, read by the
    # Diamond Expert Team (the Monitoring Team's members stand for it) and admins; a finding
    # is the Team's word, recorded by the Monitoring Team's members only, as its dossier
    # assessments and footprints are.
    Action.VIEW_EXPERT_WARNINGS: _role(Role.MONITORING, Role.ADMIN),
    Action.RECORD_EXPERT_FINDING: _role(Role.MONITORING),
}


def can(principal: Principal, action: Action, *, participant: str | None = None) -> bool:
    """True if ``principal`` may do ``action`` (for ``participant``, where it applies)."""
    return POLICY[action](principal, participant)


def require(principal: Principal, action: Action, *, participant: str | None = None) -> None:
    """Raise unless ``principal`` may do ``action``.

    Anonymous callers get :class:`NotAuthenticated` (sign in, then try again); known
    principals get :class:`PermissionDenied` (signing in again will not help).
    """
    if can(principal, action, participant=participant):
        return
    if not principal.is_authenticated:
        raise NotAuthenticated(f"sign in or present a token to {action.value}")
    raise PermissionDenied(f"{principal.actor} may not {action.value}")


def scoped(statement: _Select, principal: Principal, action: Action) -> _Select:
    """Restrict a ``select()`` to the rows ``principal`` may see for ``action``.

    The one place that decides visibility (netbox's ``restrict``): an authority or a
    customs office sees the certificates its participant exported or imported; scheme-wide
    roles see all. The registry and the audit log are all-or-nothing, so only guarded.
    """
    require(principal, action)
    if action is Action.VIEW_CERTIFICATES and is_participant_bound(principal):
        from kpcs.certificates.models import Certificate

        code = principal.participant_code
        return statement.where(
            sa.or_(Certificate.exporting_participant == code, Certificate.importing_participant == code)
        )
    return statement
