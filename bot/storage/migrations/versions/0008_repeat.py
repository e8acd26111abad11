"""A diagnostic may repeat an earlier one (issue 14, progress over time).

``diagnostics`` gains ``previous_diagnostic_id``: the diagnostic this one repeats, NULL for a
first diagnostic (set to NULL when the earlier one is erased: see
``bot.storage.repository.unlink_repeats``). Indexed, to find the repeats of a diagnostic.

Revision ID: 0008_repeat
Revises: 0007_groups
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_repeat"
down_revision = "0007_groups"
branch_labels = None
depends_on = None

_FOREIGN_KEY = "fk_diagnostics_previous_diagnostic_id_diagnostics"
_INDEX = "ix_diagnostics_previous_diagnostic_id"


def upgrade() -> None:
    # SQLite cannot add a foreign key to an existing table without copying it (and a batch copy of
    # ``diagnostics`` would cascade to the answers): the column carries its foreign key inline there.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE diagnostics ADD COLUMN previous_diagnostic_id INTEGER "
            f"CONSTRAINT {_FOREIGN_KEY} REFERENCES diagnostics (id)"
        )
    else:
        op.add_column("diagnostics", sa.Column("previous_diagnostic_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            _FOREIGN_KEY,
            "diagnostics",
            "diagnostics",
            ["previous_diagnostic_id"],
            ["id"],
        )
    op.create_index(_INDEX, "diagnostics", ["previous_diagnostic_id"], unique=False)


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="diagnostics")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(_FOREIGN_KEY, "diagnostics", type_="foreignkey")
    op.drop_column("diagnostics", "previous_diagnostic_id")
