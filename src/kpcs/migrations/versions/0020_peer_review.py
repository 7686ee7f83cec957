"""peer review: reviews, teams, recommendations and their follow-up

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 13:18:43.519736
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False, comment="visit or mission"),
        sa.Column("participant", sa.String(length=8), nullable=False),
        sa.Column(
            "stage", sa.String(length=10), nullable=False, comment="planned, draft, commented, final, adopted"
        ),
        sa.Column("terms_of_reference", sa.Text(), nullable=False),
        sa.Column("visit_starts", sa.Date(), nullable=True),
        sa.Column(
            "visit_ends", sa.Date(), nullable=True, comment="the draft report's timeline runs from this day"
        ),
        sa.Column("draft_report", sa.Text(), nullable=True),
        sa.Column("draft_sent_on", sa.Date(), nullable=True),
        sa.Column("comments", sa.Text(), nullable=True, comment="the participant's comments on the draft"),
        sa.Column("commented_on", sa.Date(), nullable=True),
        sa.Column("final_report", sa.Text(), nullable=True),
        sa.Column("final_on", sa.Date(), nullable=True),
        sa.Column("adopted_on", sa.Date(), nullable=True),
        sa.Column("created_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant"], ["participants.code"], name=op.f("fk_reviews_participant_participants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_participant"), ["participant"], unique=False)

    op.create_table(
        "review_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "constituency",
            sa.String(length=16),
            nullable=False,
            comment="participant, industry, civil society",
        ),
        sa.Column(
            "affiliation", sa.String(length=200), nullable=False, comment="the participant or organisation"
        ),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_members_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_members")),
    )
    with op.batch_alter_table("review_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_members_review_id"), ["review_id"], unique=False)

    op.create_table(
        "review_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False, comment="1, 2, 3… within the review"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False, comment="who is to act on it"),
        sa.Column(
            "follow_up", sa.String(length=20), nullable=False, comment="open, in progress, implemented, …"
        ),
        sa.ForeignKeyConstraint(
            ["review_id"], ["reviews.id"], name=op.f("fk_review_recommendations_review_id_reviews")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_recommendations")),
        sa.UniqueConstraint("review_id", "number", name=op.f("uq_review_recommendations_review_id_number")),
    )
    with op.batch_alter_table("review_recommendations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_recommendations_review_id"), ["review_id"], unique=False)

    op.create_table(
        "review_recommendation_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("follow_up", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "source",
            sa.String(length=40),
            nullable=False,
            comment="where it was reported: wgm, annual report…",
        ),
        sa.Column("taken_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["review_recommendations.id"],
            name=op.f("fk_review_recommendation_steps_recommendation_id_review_recommendations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_recommendation_steps")),
    )
    with op.batch_alter_table("review_recommendation_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_recommendation_steps_recommendation_id"),
            ["recommendation_id"],
            unique=False,
        )


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("review_recommendation_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_recommendation_steps_recommendation_id"))

    op.drop_table("review_recommendation_steps")
    with op.batch_alter_table("review_recommendations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_recommendations_review_id"))

    op.drop_table("review_recommendations")
    with op.batch_alter_table("review_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_members_review_id"))

    op.drop_table("review_members")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_participant"))

    op.drop_table("reviews")
