"""The permission matrix: every action for every kind of principal.

The expected table is written out here, not derived from the policy, so that a change
to the policy that nobody meant fails this test.
"""

from __future__ import annotations

import pytest

from kpcs.accounts.models import Role
from kpcs.accounts.permissions import (
    ANONYMOUS,
    POLICY,
    Action,
    Principal,
    PrincipalKind,
    can,
    operator,
    require,
)
from kpcs.errors import NotAuthenticated, PermissionDenied


def token(role: Role, participant: str | None = "BW") -> Principal:
    return Principal(
        kind=PrincipalKind.TOKEN, name="kpcs_abc123", participant_code=participant, roles=frozenset({role})
    )


PRINCIPALS = {
    "anonymous": ANONYMOUS,
    "admin": token(Role.ADMIN, None),
    "authority": token(Role.AUTHORITY),
    "customs": token(Role.CUSTOMS),
    "statistics": token(Role.STATISTICS, None),
    "monitoring": token(Role.MONITORING, None),
    "operator": operator("root"),
}

# action -> principals allowed (everyone else is refused)
EXPECTED: dict[Action, set[str]] = {
    Action.VIEW_REGISTRY: set(PRINCIPALS),
    Action.CHANGE_PARTICIPANT_STATUS: {"admin", "operator"},
    Action.VIEW_AUDIT: {"admin", "operator"},
    Action.MANAGE_TOKENS: {"admin", "operator"},
    Action.MANAGE_USERS: {"admin", "operator"},
    Action.VIEW_OWN_ACCOUNT: set(PRINCIPALS) - {"anonymous"},
    Action.MANAGE_KEYS: {"admin", "operator"},
    Action.MANAGE_NODES: {"admin", "operator"},
    Action.SUBMIT_STATISTICS: {"statistics", "authority", "operator"},
    Action.RECORD_ESCALATION: {"statistics", "monitoring", "admin", "operator"},
    Action.VIEW_DERIVED_STATISTICS: {"statistics", "monitoring", "admin", "authority", "operator"},
    Action.VIEW_ANOMALIES: {"statistics", "admin", "operator"},
    Action.TUNE_ANOMALY_THRESHOLDS: {"statistics", "admin", "operator"},
    Action.MANAGE_QUESTIONNAIRES: {"statistics", "admin", "operator"},
    Action.VIEW_QUESTIONNAIRES: {"statistics", "monitoring", "admin", "authority", "operator"},
    Action.ANSWER_QUESTIONNAIRE: {"authority", "operator"},
    Action.VIEW_RECONCILIATION: {"statistics", "monitoring", "admin", "authority", "operator"},
    Action.ASSESS_EXPORT: {"statistics", "monitoring", "admin", "authority", "operator"},
    Action.VIEW_ANALYSES: {"statistics", "monitoring", "admin", "authority", "operator"},
    # issue 18, item 5: notifications
    Action.VIEW_NOTIFICATIONS: set(PRINCIPALS) - {"anonymous"},
    Action.CONFIGURE_AUTHORITY: {"admin", "operator"},
    Action.ISSUE_CERTIFICATE: {"authority", "operator"},
    Action.VIEW_CERTIFICATES: {"admin", "authority", "customs", "statistics", "monitoring", "operator"},
    Action.CONFIRM_IMPORT: {"authority", "operator"},
    Action.CANCEL_CERTIFICATE: {"authority", "operator"},
    Action.REMIND_IMPORTER: {"authority", "operator"},
    Action.REPORT_LOSS: {"authority", "operator"},
    Action.REPORT_FRAUD: {"authority", "customs", "operator"},
    Action.VIEW_FRAUD_EVIDENCE: {"admin", "authority", "customs", "monitoring", "operator"},
    Action.VERIFY_CERTIFICATE: set(PRINCIPALS),
    # peer review (issue 18)
    Action.VIEW_REVIEWS: {"monitoring", "admin", "authority", "operator"},
    Action.MANAGE_REVIEWS: {"monitoring", "admin", "operator"},
    Action.INVITE_REVIEW_VISIT: {"monitoring", "admin", "authority", "operator"},
    Action.COMMENT_ON_REVIEW: {"authority", "operator"},
    Action.FOLLOW_UP_RECOMMENDATION: {"monitoring", "admin", "authority", "operator"},
    # annual reports (issue 18): the authority writes its own, the WGM assesses
    Action.VIEW_ANNUAL_REPORTS: {"statistics", "monitoring", "admin", "authority", "operator"},
    Action.EDIT_ANNUAL_REPORT: {"authority", "operator"},
    Action.ASSESS_ANNUAL_REPORT: {"monitoring", "admin", "operator"},
    # the restricted regime's export dossiers (issue 18); no expert role: monitoring records
    # the Diamond Expert Team's assessment
    Action.SUBMIT_EXPORT_DOSSIER: {"authority", "operator"},
    Action.VIEW_EXPORT_DOSSIERS: {"statistics", "monitoring", "admin", "authority", "operator"},
    Action.ASSESS_DOSSIER_EXPERTISE: {"monitoring", "operator"},
    Action.ASSESS_DOSSIER_STATISTICS: {"statistics", "operator"},
    Action.DECIDE_EXPORT_DOSSIER: {"monitoring", "operator"},
    Action.VIEW_RESTRICTED_CROSS_CHECK: {"monitoring", "admin", "operator"},
    # the Chair's dashboard (issue 18): the working groups, and an authority for its own lines
    Action.VIEW_DASHBOARD: {"statistics", "monitoring", "admin", "authority", "operator"},
    # the register of administrative decisions (issue 19): kept by admins
    Action.MANAGE_DECISIONS: {"admin", "operator"},
    # technical assistance and confiscations (issue 19, item 5)
    Action.VIEW_ASSISTANCE: set(PRINCIPALS),
    Action.RECORD_ASSISTANCE: {"admin", "monitoring", "authority", "operator"},
    Action.VIEW_CONFISCATIONS: {"admin", "monitoring", "authority", "operator"},
    Action.RECORD_CONFISCATION: {"admin", "monitoring", "authority", "operator"},
    Action.VIEW_CONFISCATION_STATISTICS: set(PRINCIPALS),
    # shipment photos (issue 20): the authority at either end of the shipment
    Action.ADD_SHIPMENT_PHOTO: {"authority", "operator"},
    # valuation warnings (issue 20): the Diamond Expert Team (monitoring stands for it) and admins
    Action.VIEW_VALUATION_WARNINGS: {"monitoring", "admin", "operator"},
    # footprints (issue 20, item 3): the experts (monitoring) record them, the working groups
    # read them; no authority (it sees only the verdict on its own dossier)
    Action.VIEW_FOOTPRINTS: {"admin", "statistics", "monitoring", "operator"},
    Action.MANAGE_FOOTPRINTS: {"monitoring", "operator"},
    Action.VIEW_FOOTPRINT_DETAIL: {"admin", "statistics", "monitoring", "operator"},
    # the experts' workbench (issue 20, item 5): read with admins, closed by the WGM only
    Action.VIEW_EXPERT_WARNINGS: {"monitoring", "admin", "operator"},
    Action.RECORD_EXPERT_FINDING: {"monitoring", "operator"},
}

# Actions that concern one participant: allowed only for the caller's own participant
# (BW here), except for the operator and the scheme-wide roles that see everything.
PARTICIPANT_BOUND: dict[Action, set[str]] = {
    Action.ISSUE_CERTIFICATE: {"operator"},
    Action.CONFIRM_IMPORT: {"operator"},
    Action.CANCEL_CERTIFICATE: {"operator"},
    Action.REMIND_IMPORTER: {"operator"},
    Action.REPORT_LOSS: {"operator"},
    Action.REPORT_FRAUD: {"operator"},
    Action.VIEW_CERTIFICATES: {"admin", "statistics", "monitoring", "operator"},
    Action.VIEW_QUESTIONNAIRES: {"admin", "statistics", "monitoring", "operator"},
    Action.ANSWER_QUESTIONNAIRE: {"operator"},
    Action.VIEW_RECONCILIATION: {"admin", "statistics", "monitoring", "operator"},
    Action.ASSESS_EXPORT: {"admin", "statistics", "monitoring", "operator"},
    Action.VIEW_ANALYSES: {"admin", "statistics", "monitoring", "operator"},
    # peer review (issue 18)
    Action.VIEW_REVIEWS: {"admin", "monitoring", "operator"},
    Action.INVITE_REVIEW_VISIT: {"admin", "monitoring", "operator"},
    Action.COMMENT_ON_REVIEW: {"operator"},
    Action.FOLLOW_UP_RECOMMENDATION: {"admin", "monitoring", "operator"},
    # annual reports (issue 18)
    Action.VIEW_ANNUAL_REPORTS: {"admin", "statistics", "monitoring", "operator"},
    Action.EDIT_ANNUAL_REPORT: {"operator"},
    Action.SUBMIT_EXPORT_DOSSIER: {"operator"},
    Action.VIEW_EXPORT_DOSSIERS: {"admin", "statistics", "monitoring", "operator"},
    Action.VIEW_DASHBOARD: {"admin", "statistics", "monitoring", "operator"},
    # technical assistance and confiscations (issue 19, item 5)
    Action.RECORD_ASSISTANCE: {"admin", "monitoring", "operator"},
    Action.VIEW_CONFISCATIONS: {"admin", "monitoring", "operator"},
    Action.RECORD_CONFISCATION: {"admin", "monitoring", "operator"},
    Action.ADD_SHIPMENT_PHOTO: {"operator"},
}


@pytest.mark.parametrize("action", list(PARTICIPANT_BOUND))
@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_acting_for_another_participant(action: Action, who: str) -> None:
    principal = PRINCIPALS[who]
    assert can(principal, action, participant="ZW") is (who in PARTICIPANT_BOUND[action])
    # For BW (the authority's and customs office's own participant) the plain matrix holds.
    assert can(principal, action, participant="BW") is (who in EXPECTED[action])


def test_every_action_has_a_rule_and_an_expectation() -> None:
    assert set(POLICY) == set(Action) == set(EXPECTED)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("who", list(PRINCIPALS))
def test_matrix(action: Action, who: str) -> None:
    principal = PRINCIPALS[who]
    allowed = who in EXPECTED[action]
    assert can(principal, action) is allowed
    if allowed:
        require(principal, action)
    elif who == "anonymous":
        with pytest.raises(NotAuthenticated):
            require(principal, action)
    else:
        with pytest.raises(PermissionDenied):
            require(principal, action)


def test_actor_names() -> None:
    assert ANONYMOUS.actor == "anonymous"
    assert operator("alice").actor == "cli:alice"
    assert token(Role.ADMIN).actor == "token:kpcs_abc123"
