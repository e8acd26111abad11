"""Staff accounts: roles, server-side sessions, no more per-account lock-out.

- ``staff_users.role`` ("reviewer" or "administrator"): the accounts made before roles
  existed could do everything, so they become administrators; new accounts default to
  reviewer.
- ``staff_users.session_version``: raised at each password change, which makes every
  session opened before it worthless.
- ``staff_users.failed_attempts`` and ``locked_until`` go: a stranger could lock an account's
  owner out (logins are now throttled per client, account and device, bot/web/staff/login.py).
- ``staff_sessions``: one row per signed-in browser, keyed by the SHA-256 of its cookie's token.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ROLE_CHECK = "role IN ('reviewer', 'administrator')"


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("role", sa.String(length=20), server_default="reviewer", nullable=False))
        batch.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
        batch.drop_column("locked_until")
        batch.drop_column("failed_attempts")
    op.execute("UPDATE staff_users SET role = 'administrator'")
    with op.batch_alter_table("staff_users") as batch:
        batch.create_check_constraint(op.f("ck_staff_users_role"), ROLE_CHECK)

    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("flash", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["staff_users.id"],
            name="fk_staff_sessions_user_id_staff_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name="pk_staff_sessions"),
    )
    op.create_index("ix_staff_sessions_user_id", "staff_sessions", ["user_id"], unique=False)
    op.create_index("ix_staff_sessions_expires_at", "staff_sessions", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_staff_sessions_expires_at", table_name="staff_sessions")
    op.drop_index("ix_staff_sessions_user_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_constraint(op.f("ck_staff_users_role"), type_="check")
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("failed_attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
        batch.drop_column("session_version")
        batch.drop_column("role")
