"""Tables of reported statistics: uploads (the file as received), submissions (one per
participant, period and kind, revised by later uploads, never deleted) and their rows.

The figures in force for a participant and period are those of its newest submission
(``superseded_at IS NULL``); earlier revisions stay, so published figures can be traced
to who sent what and when.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpcs.db import Base

# The vocabulary lives in domain.py; re-exported for the tables' users.
from kpcs.statistics.domain import OTHERS as OTHERS
from kpcs.statistics.domain import StatisticsKind as StatisticsKind

Carats = sa.Numeric(18, 2)
Money = sa.Numeric(20, 2)


class StatisticsUpload(Base):
    """One file as received: who sent it, when, and its fingerprint."""

    __tablename__ = "statistics_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[StatisticsKind]
    filename: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    rows: Mapped[int]
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[str] = mapped_column(sa.String(120))


class StatisticsSubmission(Base):
    """The figures of one participant for one period and kind, from one upload."""

    __tablename__ = "statistics_submissions"
    __table_args__ = (
        sa.Index("ix_statistics_submissions_key", "kind", "participant", "period"),
        # At most one submission in force per participant, period and kind.
        sa.Index(
            "uq_statistics_submissions_current",
            "kind",
            "participant",
            "period",
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(sa.ForeignKey("statistics_uploads.id"), index=True)
    kind: Mapped[StatisticsKind]
    participant: Mapped[str] = mapped_column(sa.String(8))
    period: Mapped[str] = mapped_column(sa.String(7), comment="2025-Q1 (trade) or 2025-H1 (production)")
    year: Mapped[int]
    revision: Mapped[int] = mapped_column(comment="1 for the first submission, then 2, 3…")
    rows: Mapped[int]
    superseded_at: Mapped[datetime | None] = mapped_column(comment="NULL while these figures are in force")
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("statistics_submissions.id"))
    submitted_at: Mapped[datetime]
    submitted_by: Mapped[str] = mapped_column(sa.String(120))


class SubmissionTotal(Base):
    """A submission's figures summed per flow when it is stored (``export`` and ``import``
    for trade, ``production`` for production): the public pages read these few rows, not
    the millions of figures under them. A submission never changes once stored."""

    __tablename__ = "statistics_submission_totals"

    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("statistics_submissions.id"), primary_key=True)
    flow: Mapped[str] = mapped_column(sa.String(10), primary_key=True, comment="export, import or production")
    carats: Mapped[Decimal] = mapped_column(Carats)
    value_usd: Mapped[Decimal | None] = mapped_column(Money)
    certificates: Mapped[int | None]


class TradeFigure(Base):
    """One row of the trade template."""

    __tablename__ = "statistics_trade"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("statistics_submissions.id"), index=True)
    participant: Mapped[str] = mapped_column(sa.String(8))
    period: Mapped[str] = mapped_column(sa.String(7))
    flow: Mapped[str] = mapped_column(sa.String(6), comment="export or import")
    partner: Mapped[str] = mapped_column(sa.String(8))
    hs_code: Mapped[str] = mapped_column(sa.String(7))
    carats: Mapped[Decimal] = mapped_column(Carats)
    value_usd: Mapped[Decimal] = mapped_column(Money)
    certificates: Mapped[int]


class ProductionFigure(Base):
    """One row of the production template."""

    __tablename__ = "statistics_production"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("statistics_submissions.id"), index=True)
    participant: Mapped[str] = mapped_column(sa.String(8))
    period: Mapped[str] = mapped_column(sa.String(7), comment="2025-H1")
    mining_type: Mapped[str] = mapped_column(sa.String(3), comment="LSM or ASM")
    carats: Mapped[Decimal] = mapped_column(Carats)
    value_usd: Mapped[Decimal] = mapped_column(Money)


class PublishedProduction(Base):
    """Annual production as the KP published it, loaded so that history is there before
    any participant submits through kpcs (each row names its source, and says in ``note``
    what the source printed and where it disagrees with another)."""

    __tablename__ = "statistics_published_production"
    __table_args__ = (sa.UniqueConstraint("year", "participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    participant: Mapped[str] = mapped_column(sa.String(8), comment="a participant code, or OTHERS")
    carats: Mapped[Decimal | None] = mapped_column(Carats, comment="NULL where it was not published")
    value_usd: Mapped[Decimal | None] = mapped_column(Money, comment="NULL where it was not published")
    source: Mapped[str] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text, comment="what the source printed, disagreements")
    loaded_at: Mapped[datetime]


class PublishedWorldTotal(Base):
    """The world totals of one year as the KP published them (production, exports, imports;
    certificate counts where found), with their source, the note on what each source
    printed, and the other sources' figures where they disagree (``disagreements``:
    ``[{"measure", "value", "source", "note"}]``)."""

    __tablename__ = "statistics_published_world_totals"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    production_carats: Mapped[Decimal | None] = mapped_column(Carats)
    production_value_usd: Mapped[Decimal | None] = mapped_column(Money)
    export_carats: Mapped[Decimal | None] = mapped_column(Carats)
    export_value_usd: Mapped[Decimal | None] = mapped_column(Money)
    import_carats: Mapped[Decimal | None] = mapped_column(Carats)
    import_value_usd: Mapped[Decimal | None] = mapped_column(Money)
    export_certificates: Mapped[int | None]
    import_certificates: Mapped[int | None]
    source: Mapped[str] = mapped_column(sa.Text, comment="where the figures come from (URLs, ' ; ' between)")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="what each source printed")
    disagreements: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON, comment="other sources' figures: [{measure, value, source, note}]"
    )
    loaded_at: Mapped[datetime]


class Escalation(Base):
    """A step taken about a missing or late submission, dated and attributed."""

    __tablename__ = "statistics_escalations"
    __table_args__ = (sa.Index("ix_statistics_escalations_case", "participant", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    kind: Mapped[StatisticsKind]
    period: Mapped[str] = mapped_column(sa.String(7))
    step: Mapped[str] = mapped_column(sa.String(20), comment="reminder, chair-letter, listed, referred")
    taken_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(sa.String(120))


ALL = "*"
"""``partner`` or ``hs_code`` of a row that sums every partner or every HS code."""


class CertificateTotal(Base):
    """Trade derived from the certificates in kpcs, summed as they happen: exports by
    quarter of issue, imports by quarter of the importer's confirmation, per partner and
    HS code (``certificates``: how many certificates have lines of that code), and per
    participant over all partners and codes (``partner = hs_code = '*'``: each certificate
    counted once). Cancelled certificates are taken out.

    Kept by triggers in the database (migration 0010), so that every way a certificate
    arrives or changes (issued here, received from another system, confirmed, cancelled)
    counts once, and the statistics never scan two million certificates to be shown.
    """

    __tablename__ = "statistics_certificate_totals"
    __table_args__ = (sa.Index("ix_statistics_certificate_totals_year", "year", "hs_code"),)

    participant: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    flow: Mapped[str] = mapped_column(sa.String(6), primary_key=True, comment="export or import")
    partner: Mapped[str] = mapped_column(sa.String(8), primary_key=True, comment="or '*': every partner")
    year: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[int] = mapped_column(primary_key=True)
    hs_code: Mapped[str] = mapped_column(sa.String(7), primary_key=True, comment="or '*': every HS code")
    carats: Mapped[Decimal] = mapped_column(Carats)
    value_usd: Mapped[Decimal] = mapped_column(Money)
    certificates: Mapped[int]


class AnomalyThresholds(Base):
    """The thresholds of the anomaly detectors as the Working Group on Statistics set them;
    the newest row is in force, earlier ones show what was used before (and by whom)."""

    __tablename__ = "statistics_anomaly_thresholds"

    id: Mapped[int] = mapped_column(primary_key=True)
    values: Mapped[dict[str, float]] = mapped_column(
        sa.JSON, comment="{name: value} differing from the defaults in kpcs.statistics.analysis.anomalies"
    )
    note: Mapped[str | None] = mapped_column(sa.Text)
    set_at: Mapped[datetime]
    set_by: Mapped[str] = mapped_column(sa.String(120))


class Questionnaire(Base):
    """A Data Anomaly Questionnaire: the questions the WGS puts to one participant about
    its statistics of one year. ``status`` follows from the questions (see
    :mod:`kpcs.statistics.analysis.questionnaire`) and is stored so lists need not read them."""

    __tablename__ = "statistics_questionnaires"
    __table_args__ = (sa.UniqueConstraint("year", "participant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    participant: Mapped[str] = mapped_column(sa.ForeignKey("participants.code"))
    status: Mapped[str] = mapped_column(sa.String(10), comment="draft, sent, answered, closed")
    deadline: Mapped[date | None] = mapped_column(comment="answers due by this day; NULL while a draft")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(sa.String(120))
    sent_at: Mapped[datetime | None]
    sent_by: Mapped[str | None] = mapped_column(sa.String(120))


class Question(Base):
    """One question of a questionnaire: the anomaly behind it, as found when it was drawn
    up (the figures may be revised later; the question stays what was asked)."""

    __tablename__ = "statistics_questions"
    __table_args__ = (sa.UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(sa.ForeignKey("statistics_questionnaires.id"), index=True)
    number: Mapped[int] = mapped_column(comment="1, 2, 3… within the questionnaire")
    anomaly: Mapped[dict[str, Any]] = mapped_column(sa.JSON, comment="the anomaly with the contract's fields")
    text: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(
        sa.String(16), comment="awaiting answer, answered, accepted, escalated"
    )


class QuestionStep(Base):
    """A step in a question's history: asked, answered, accepted, asked again, escalated."""

    __tablename__ = "statistics_question_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("statistics_questions.id"), index=True)
    step: Mapped[str] = mapped_column(sa.String(12))
    text: Mapped[str | None] = mapped_column(sa.Text, comment="the answer, or the WGS's note")
    taken_at: Mapped[datetime]
    taken_by: Mapped[str] = mapped_column(sa.String(120))
