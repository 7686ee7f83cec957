"""What kpcs already knows of a participant's year, for its annual report: read-only queries
over the certificates, import confirmations, statistics submissions and questionnaires, in
one place, so that nobody types these figures twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kpcs.certificates.domain import CertificateStatus
from kpcs.certificates.models import Certificate, ImportConfirmation
from kpcs.statistics.models import Question, Questionnaire, StatisticsSubmission


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _number(value: Decimal | None) -> float:
    return float(value or 0)


def year_figures(session: Session, participant: str, year: int) -> dict[str, Any]:
    """The figures of ``participant``'s ``year`` as kpcs holds them today."""
    first, last = _year(year)
    issued = session.execute(
        sa.select(
            sa.func.count(Certificate.id),
            sa.func.sum(Certificate.total_carats),
            sa.func.sum(Certificate.total_value_usd),
            sa.func.count(Certificate.id).filter(Certificate.status == CertificateStatus.CANCELLED),
        ).where(Certificate.exporting_participant == participant, Certificate.issued_on.between(first, last))
    ).one()
    confirmed = session.execute(
        sa.select(sa.func.count(ImportConfirmation.id), sa.func.sum(Certificate.total_carats))
        .join(Certificate, Certificate.id == ImportConfirmation.certificate_id)
        .where(
            Certificate.importing_participant == participant,
            ImportConfirmation.received_on.between(first, last),
        )
    ).one()
    submissions = session.execute(
        sa.select(StatisticsSubmission.kind, StatisticsSubmission.period)
        .where(
            StatisticsSubmission.participant == participant,
            StatisticsSubmission.year == year,
            StatisticsSubmission.superseded_at.is_(None),
        )
        .order_by(StatisticsSubmission.kind, StatisticsSubmission.period)
    ).all()
    questionnaire = session.execute(
        sa.select(Questionnaire.id, Questionnaire.status, Questionnaire.deadline).where(
            Questionnaire.participant == participant,
            Questionnaire.year == year,
            Questionnaire.sent_at.is_not(None),
        )
    ).first()
    questions: dict[str, int] = {}
    if questionnaire is not None:
        questions = dict(
            session.execute(
                sa.select(Question.state, sa.func.count())
                .where(Question.questionnaire_id == questionnaire.id)
                .group_by(Question.state)
            ).all()
        )
    return {
        "certificates_issued": {
            "count": issued[0],
            "cancelled": issued[3],
            "carats": _number(issued[1]),
            "value_usd": _number(issued[2]),
        },
        "imports_confirmed": {"count": confirmed[0], "carats": _number(confirmed[1])},
        "statistics_submitted": [{"kind": str(kind), "period": period} for kind, period in submissions],
        "questionnaire": None
        if questionnaire is None
        else {
            "id": questionnaire.id,
            "status": questionnaire.status,
            "deadline": questionnaire.deadline.isoformat() if questionnaire.deadline else None,
            "questions": sum(questions.values()),
            "unanswered": questions.get("awaiting answer", 0),
        },
    }
