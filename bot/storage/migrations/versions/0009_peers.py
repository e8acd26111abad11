"""Comparison with peers (issue 14, part 3): synthetic diagnostics and staff exclusions.

- ``diagnostics.synthetic``: made up by ``python -m bot demo-data`` so that a fresh install
  can show the comparison; never counted among the peers unless the platform's setting
  DIAGNOSTIC_INCLUDE_SYNTHETIC asks for it.
- ``diagnostics.excluded_from_peers``: set by staff (a test diagnostic); never counted.

Both false for every existing diagnostic. An index on (status, authority_type, population)
serves the comparison's queries (completed diagnostics of one type and one population band).

Revision ID: 0009_peers
Revises: 0008_repeat
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_peers"
down_revision = "0008_repeat"
branch_labels = None
depends_on = None

_COLUMNS = ("synthetic", "excluded_from_peers")
_INDEX = "ix_diagnostics_status_authority_type_population"
_INDEXED = ["status", "authority_type", "population"]


# Plain ALTER TABLE, never a batch copy (see 0006: a batch copy of ``diagnostics`` on SQLite
# would cascade to the answers).


def upgrade() -> None:
    for name in _COLUMNS:
        op.add_column("diagnostics", sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(_INDEX, "diagnostics", _INDEXED, unique=False)


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="diagnostics")
    for name in reversed(_COLUMNS):
        op.drop_column("diagnostics", name)
