"""The Data Anomaly Questionnaire's rules: what each question asks, and which step may
follow which (2012 Administrative Decision on the DAQ process, KP-DOMAIN §2.3).

Pure domain code. The Working Group on Statistics draws up a questionnaire from the
anomalies of a year (one question per anomaly) and sends it with a deadline; the
participant's authority answers every question; the WGS accepts each answer, asks again,
or escalates it. A participant that leaves a question unanswered past the deadline is
listed publicly (the "name and shame" list).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from kpcs.errors import Conflict

ANSWER_DAYS = 60
"""Days a participant has to answer, unless the WGS sets another deadline (the same two
months that Annex III gives for the statistics themselves)."""

ASK_AGAIN_DAYS = 30
"""Days given for a question asked again after the deadline has passed."""


class QuestionState(StrEnum):
    """Where one question stands."""

    AWAITING_ANSWER = "awaiting answer"
    ANSWERED = "answered"
    ACCEPTED = "accepted"
    ESCALATED = "escalated"


class Decision(StrEnum):
    """What the WGS decides on an answer."""

    ACCEPT = "accept"
    ASK_AGAIN = "ask-again"
    ESCALATE = "escalate"

    @property
    def state(self) -> QuestionState:
        """The question's state after this decision."""
        return {
            Decision.ACCEPT: QuestionState.ACCEPTED,
            Decision.ASK_AGAIN: QuestionState.AWAITING_ANSWER,
            Decision.ESCALATE: QuestionState.ESCALATED,
        }[self]


class Status(StrEnum):
    """Where a questionnaire stands, from its questions."""

    DRAFT = "draft"  # drawn up, not yet sent: only the WGS sees it
    SENT = "sent"  # some question awaits the participant's answer
    ANSWERED = "answered"  # every question answered; some answer awaits the WGS
    CLOSED = "closed"  # every answer accepted or escalated


class Step(StrEnum):
    """One entry in a question's history."""

    ASKED = "asked"
    ANSWERED = "answered"
    ACCEPTED = "accepted"
    ASKED_AGAIN = "asked-again"
    ESCALATED = "escalated"


DECISION_STEPS = {
    Decision.ACCEPT: Step.ACCEPTED,
    Decision.ASK_AGAIN: Step.ASKED_AGAIN,
    Decision.ESCALATE: Step.ESCALATED,
}

_REQUESTS = {
    "mirror_gap": "Please explain the difference (shipments in transit, valuation, origin or consignment "
    "country, an error in either report) and send corrected figures if yours were wrong.",
    "unit_value": "Please explain the value per carat of these shipments (assortment, quality, how they "
    "were valued) or send corrected figures.",
    "production_export": "Please explain how exports exceeded what was produced and imported (stocks "
    "carried over, re-exports, a reporting error).",
    "certificate_count": "Please confirm the number of certificates issued or received for this trade, "
    "or send the corrected count.",
    "sudden_change": "Please explain the change against earlier periods (a mine opened or closed, "
    "market conditions, a reporting error).",
    "missing_submission": "Please submit the statistics for this period, or say why they cannot be "
    "submitted and when they will be.",
}


def concerns(anomaly: Mapping[str, Any], participant: str) -> bool:
    """True if ``participant`` is asked about ``anomaly``: the participant it names, or
    the partner of a mirror gap (both sides of a mismatch check their records)."""
    if anomaly["participant"] == participant:
        return True
    return anomaly["type"] == "mirror_gap" and anomaly.get("partner") == participant


def question_text(anomaly: Mapping[str, Any], participant: str) -> str:
    """The question put to ``participant`` about ``anomaly``: what was found, then what to do."""
    found = str(anomaly["explanation"]).strip()
    request = _REQUESTS.get(str(anomaly["type"]), "Please explain these figures or correct them.")
    if anomaly["participant"] != participant:
        request = (
            f"As {anomaly['participant']}'s partner in this trade, please check your own records. " + request
        )
    return f"{found} {request}"


def after_answer(state: QuestionState) -> QuestionState:
    """The state after the participant answers; only a question awaiting an answer takes one."""
    if state is not QuestionState.AWAITING_ANSWER:
        raise Conflict(f"this question is {state.value}: it takes no answer now")
    return QuestionState.ANSWERED


def after_review(state: QuestionState, decision: Decision) -> QuestionState:
    """The state after the WGS decides on an answer; only an answered question is reviewed."""
    if state is not QuestionState.ANSWERED:
        raise Conflict(f"this question is {state.value}: only an answered question can be reviewed")
    return decision.state


def status_of(sent: bool, states: Iterable[QuestionState]) -> Status:
    """The questionnaire's status from its questions."""
    states = list(states)
    if not sent:
        return Status.DRAFT
    if any(s is QuestionState.AWAITING_ANSWER for s in states):
        return Status.SENT
    if any(s is QuestionState.ANSWERED for s in states):
        return Status.ANSWERED
    return Status.CLOSED


def default_deadline(sent_on: date) -> date:
    """The deadline when the WGS names none."""
    return sent_on + timedelta(days=ANSWER_DAYS)


def deadline_after_asking_again(deadline: date, today: date) -> date:
    """The deadline once a question is asked again: at least a fresh period from today (a
    participant is not listed the moment it is asked a second time)."""
    return max(deadline, today + timedelta(days=ASK_AGAIN_DAYS))


def overdue(status: Status, deadline: date | None, today: date) -> bool:
    """True if the participant has left a question unanswered past the deadline."""
    return status is Status.SENT and deadline is not None and today > deadline
