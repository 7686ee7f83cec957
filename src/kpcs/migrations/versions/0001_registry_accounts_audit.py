"""registry, accounts and audit log

Revision ID: 0001
Revises:
Create Date: 2026-11-22 16:19:28.048067
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import kpcs.db

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "actor",
            sa.String(length=120),
            nullable=False,
            comment="'user:<name>', 'token:<prefix>', 'cli:<os user>', 'system'",
        ),
        sa.Column("actor_participant", sa.String(length=8), nullable=True),
        sa.Column("tag", sa.String(length=80), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=120), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index("ix_audit_events_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index("ix_audit_events_tag", ["tag"], unique=False)

    op.create_table(
        "participants",
        sa.Column(
            "code",
            sa.String(length=8),
            nullable=False,
            comment="ISO 3166-1 alpha-2, EU, or an observer's code",
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("participant", "observer", name="participantkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "countries",
            sa.JSON(),
            nullable=False,
            comment="alpha-2 codes this participant stands for ([] for observers)",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_participants")),
    )
    op.create_table(
        "registry_sources",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False, comment="repo-relative file or URL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_sources")),
    )
    op.create_table(
        "working_bodies",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_working_bodies")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "token_hash", sa.String(length=64), nullable=False, comment="SHA-256 hex of the whole token"
        ),
        sa.Column(
            "prefix",
            sa.String(length=16),
            nullable=False,
            comment="first characters, shown in lists to tell tokens apart",
        ),
        sa.Column("name", sa.String(length=200), nullable=False, comment="what the token is for"),
        sa.Column("participant_code", sa.String(length=8), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "authority",
                "customs",
                "statistics",
                "monitoring",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("expires_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=120), nullable=True),
        sa.Column("last_used_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_code"],
            ["participants.code"],
            name=op.f("fk_api_tokens_participant_code_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "authorities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column(
            "default_validity_days",
            sa.Integer(),
            nullable=False,
            comment="validity given to a certificate when none is asked for",
        ),
        sa.Column(
            "max_validity_days",
            sa.Integer(),
            nullable=False,
            comment="longest validity this authority allows",
        ),
        sa.ForeignKeyConstraint(
            ["participant_code"],
            ["participants.code"],
            name=op.f("fk_authorities_participant_code_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorities")),
        sa.UniqueConstraint("participant_code", "name", name=op.f("uq_authorities_participant_code_name")),
    )
    op.create_table(
        "kp_chairs",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("chair_code", sa.String(length=8), nullable=True),
        sa.Column("vice_chair_code", sa.String(length=8), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chair_code"], ["participants.code"], name=op.f("fk_kp_chairs_chair_code_participants")
        ),
        sa.ForeignKeyConstraint(
            ["vice_chair_code"], ["participants.code"], name=op.f("fk_kp_chairs_vice_chair_code_participants")
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_kp_chairs")),
    )
    op.create_table(
        "participant_status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_code", sa.String(length=8), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "restricted",
                "withdrawn",
                name="participantstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=False, comment="compliant zones, for restricted only"),
        sa.Column(
            "sources",
            sa.JSON(),
            nullable=False,
            comment="citations '<source id> <locator>'; empty when entered by an admin",
        ),
        sa.Column(
            "unsourced", sa.Text(), nullable=True, comment="why no source could be cited (registry data only)"
        ),
        sa.Column("recorded_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_by",
            sa.String(length=120),
            nullable=False,
            comment="'registry' for the data file, else the actor",
        ),
        sa.ForeignKeyConstraint(
            ["participant_code"],
            ["participants.code"],
            name=op.f("fk_participant_status_changes_participant_code_participants"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participant_status_changes")),
    )
    with op.batch_alter_table("participant_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participant_status_changes_participant_effective",
            ["participant_code", "effective_on"],
            unique=False,
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False, comment="lower-case"),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False, comment="argon2id"),
        sa.Column("participant_code", sa.String(length=8), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False, comment="Role values"),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column(
            "failed_sign_ins", sa.Integer(), nullable=False, comment="consecutive failures; reset on success"
        ),
        sa.Column(
            "locked_until",
            kpcs.db.UTCDateTime(timezone=True),
            nullable=True,
            comment="sign-in refused until then, after too many failures",
        ),
        sa.Column("created_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_code"], ["participants.code"], name=op.f("fk_users_participant_code_participants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "working_body_memberships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("participant_code", sa.String(length=8), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "chair",
                "vice_chair",
                "member",
                "provisional_member",
                "observer",
                name="membershiprole",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["working_bodies.code"],
            name=op.f("fk_working_body_memberships_body_code_working_bodies"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_code"],
            ["participants.code"],
            name=op.f("fk_working_body_memberships_participant_code_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_body_memberships")),
        sa.UniqueConstraint(
            "body_code",
            "year",
            "participant_code",
            "role",
            name=op.f("uq_working_body_memberships_body_code_year_participant_code_role"),
        ),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", kpcs.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", kpcs.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Undo this revision."""
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))

    op.drop_table("web_sessions")
    op.drop_table("working_body_memberships")
    op.drop_table("users")
    with op.batch_alter_table("participant_status_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_participant_status_changes_participant_effective")

    op.drop_table("participant_status_changes")
    op.drop_table("kp_chairs")
    op.drop_table("authorities")
    op.drop_table("api_tokens")
    op.drop_table("working_bodies")
    op.drop_table("registry_sources")
    op.drop_table("participants")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_tag")
        batch_op.drop_index("ix_audit_events_occurred_at")
        batch_op.drop_index("ix_audit_events_object")

    op.drop_table("audit_events")
