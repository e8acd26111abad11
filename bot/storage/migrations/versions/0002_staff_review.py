"""Staff review: staff accounts, review marks and tags, NLU corrections, tracker read model, audit log.

Only adds tables: nothing of revision 0001 is changed or dropped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_users"),
        sa.UniqueConstraint("email", name="uq_staff_users_email"),
    )

    op.create_table(
        "review_conversations",
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("reviewed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.String(length=254), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("note_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note_updated_by", sa.String(length=254), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", name="pk_review_conversations"),
    )

    op.create_table(
        "review_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_tags"),
        sa.UniqueConstraint("sender_id", "tag", name="uq_review_tags_sender_id_tag"),
    )
    op.create_index("ix_review_tags_tag", "review_tags", ["tag"], unique=False)

    op.create_table(
        "nlu_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized_text", sa.Text(), nullable=False),
        sa.Column("intent", sa.String(length=100), nullable=False),
        sa.Column("entities", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_sender_id", sa.String(length=255), nullable=True),
        sa.Column("source_event_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_nlu_corrections"),
        sa.UniqueConstraint("normalized_text", "intent", name="uq_nlu_corrections_normalized_text_intent"),
    )
    op.create_index(
        "ix_nlu_corrections_source_sender_id", "nlu_corrections", ["source_sender_id"], unique=False
    )

    op.create_table(
        "review_summaries",
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("low_confidence", sa.Integer(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sender_id", name="pk_review_summaries"),
    )
    op.create_index("ix_review_summaries_started_at", "review_summaries", ["started_at"], unique=False)
    op.create_index("ix_review_summaries_last_event_at", "review_summaries", ["last_event_at"], unique=False)

    op.create_table(
        "review_flagged_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized_text", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("intent", sa.String(length=255), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("best_guess", sa.String(length=255), nullable=True),
        sa.CheckConstraint("kind IN ('fallback', 'low_confidence')", name="ck_review_flagged_turns_kind"),
        sa.PrimaryKeyConstraint("id", name="pk_review_flagged_turns"),
    )
    op.create_index(
        "ix_review_flagged_turns_sender_id_event_id",
        "review_flagged_turns",
        ["sender_id", "event_id"],
        unique=True,
    )
    op.create_index(
        "ix_review_flagged_turns_normalized_text", "review_flagged_turns", ["normalized_text"], unique=False
    )

    op.create_table(
        "review_state",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_review_state"),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("target", sa.String(length=255), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("review_state")
    op.drop_index("ix_review_flagged_turns_normalized_text", table_name="review_flagged_turns")
    op.drop_index("ix_review_flagged_turns_sender_id_event_id", table_name="review_flagged_turns")
    op.drop_table("review_flagged_turns")
    op.drop_index("ix_review_summaries_last_event_at", table_name="review_summaries")
    op.drop_index("ix_review_summaries_started_at", table_name="review_summaries")
    op.drop_table("review_summaries")
    op.drop_index("ix_nlu_corrections_source_sender_id", table_name="nlu_corrections")
    op.drop_table("nlu_corrections")
    op.drop_index("ix_review_tags_tag", table_name="review_tags")
    op.drop_table("review_tags")
    op.drop_table("review_conversations")
    op.drop_table("staff_users")
