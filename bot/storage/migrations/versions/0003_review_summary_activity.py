"""Review read model: each conversation's current diagnostic and last activity, for fast lists.

Adds two nullable columns to ``review_summaries`` (a cache of the tracker store, rebuilt by
``bot.review.summaries.refresh`` when its version changes); nothing is dropped.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_summaries") as batch:
        batch.add_column(sa.Column("diagnostic_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_review_summaries_diagnostic_id", ["diagnostic_id"], unique=False)
        batch.create_index("ix_review_summaries_last_activity_at", ["last_activity_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_summaries") as batch:
        batch.drop_index("ix_review_summaries_last_activity_at")
        batch.drop_index("ix_review_summaries_diagnostic_id")
        batch.drop_column("last_activity_at")
        batch.drop_column("diagnostic_id")
