"""Initial schema: diagnostics, answers, answer revisions, results.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diagnostics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("current_question_id", sa.String(length=100), nullable=True),
        sa.Column("revising_question_id", sa.String(length=100), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("authority_type", sa.String(length=100), nullable=True),
        sa.Column("authority_name", sa.Text(), nullable=True),
        sa.Column("population", sa.BigInteger(), nullable=True),
        sa.Column("agents", sa.BigInteger(), nullable=True),
        sa.Column("respondent_role", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('en_cours', 'en_pause', 'termine', 'abandonne')", name="ck_diagnostics_status"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_diagnostics"),
        sa.UniqueConstraint("public_id", name="uq_diagnostics_public_id"),
    )
    op.create_index("ix_diagnostics_sender_id", "diagnostics", ["sender_id"], unique=False)

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("diagnostic_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('answered', 'unknown', 'skipped')", name="ck_answers_status"),
        sa.ForeignKeyConstraint(
            ["diagnostic_id"],
            ["diagnostics.id"],
            name="fk_answers_diagnostic_id_diagnostics",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_answers"),
        sa.UniqueConstraint("diagnostic_id", "question_id", name="uq_answers_diagnostic_id_question_id"),
    )

    op.create_table(
        "answer_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('answered', 'unknown', 'skipped')", name="ck_answer_revisions_status"),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answers.id"],
            name="fk_answer_revisions_answer_id_answers",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_answer_revisions"),
    )
    op.create_index("ix_answer_revisions_answer_id", "answer_revisions", ["answer_id"], unique=False)

    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("diagnostic_id", sa.Integer(), nullable=False),
        sa.Column("overall_score", sa.Float(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("recommended_action", sa.String(length=255), nullable=True),
        sa.Column("maturity", sa.JSON(), nullable=False),
        sa.Column("recommendation", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["diagnostic_id"],
            ["diagnostics.id"],
            name="fk_results_diagnostic_id_diagnostics",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_results"),
        sa.UniqueConstraint("diagnostic_id", name="uq_results_diagnostic_id"),
    )


def downgrade() -> None:
    op.drop_table("results")
    op.drop_index("ix_answer_revisions_answer_id", table_name="answer_revisions")
    op.drop_table("answer_revisions")
    op.drop_table("answers")
    op.drop_index("ix_diagnostics_sender_id", table_name="diagnostics")
    op.drop_table("diagnostics")
