"""A diagnostic with several voices (issue 14, part 1).

- ``diagnostic_groups``: a group of colleagues of one authority, with its unguessable
  invitation and report tokens, the coordinator (the founding diagnostic), the authority's
  profile copied from it (official columns included), and when it was created and closed.
- ``diagnostics`` gains ``group_id`` (indexed; no database foreign key, as SQLite cannot add
  one to an existing table without a batch copy, see 0006) and ``group_role``, the service
  the person answers for.

Revision ID: 0007_groups
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_groups"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diagnostic_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_token", sa.String(length=64), nullable=False),
        sa.Column("report_token", sa.String(length=64), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("authority_type", sa.String(length=100), nullable=True),
        sa.Column("authority_name", sa.Text(), nullable=True),
        sa.Column("population", sa.BigInteger(), nullable=True),
        sa.Column("agents", sa.BigInteger(), nullable=True),
        sa.Column("authority_code", sa.String(length=9), nullable=True),
        sa.Column("authority_kind", sa.String(length=8), nullable=True),
        sa.Column("departement_code", sa.String(length=3), nullable=True),
        sa.Column("departement_name", sa.Text(), nullable=True),
        sa.Column("region_code", sa.String(length=3), nullable=True),
        sa.Column("region_name", sa.Text(), nullable=True),
        sa.Column("epci_siren", sa.String(length=9), nullable=True),
        sa.Column("epci_name", sa.Text(), nullable=True),
        sa.Column("epci_kind", sa.String(length=8), nullable=True),
        sa.Column("division_version", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["diagnostics.id"],
            name="fk_diagnostic_groups_coordinator_id_diagnostics",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_diagnostic_groups"),
        sa.UniqueConstraint("invitation_token", name="uq_diagnostic_groups_invitation_token"),
        sa.UniqueConstraint("report_token", name="uq_diagnostic_groups_report_token"),
    )
    op.add_column("diagnostics", sa.Column("group_id", sa.Integer(), nullable=True))
    op.add_column("diagnostics", sa.Column("group_role", sa.String(length=40), nullable=True))
    op.create_index("ix_diagnostics_group_id", "diagnostics", ["group_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_diagnostics_group_id", table_name="diagnostics")
    op.drop_column("diagnostics", "group_role")
    op.drop_column("diagnostics", "group_id")
    op.drop_table("diagnostic_groups")
