"""The official authority of a diagnostic (issue 13) and the source of each answer.

- ``diagnostics`` gains the authority recognised in the official division: its code (INSEE
  code of a commune, SIREN of an EPCI), kind, département, région, a commune's EPCI and the
  version of the division it came from. All nullable: an authority that is not in the
  division (a syndicat, a PETR) keeps only what the person typed. Indexed on the
  département and the région for the staff filters.
- ``answers`` and ``answer_revisions`` gain ``source``: NULL when the respondent said it,
  "decoupage-administratif 6.0.0" when it was taken from the official division.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_DIAGNOSTIC_COLUMNS = (
    ("authority_code", sa.String(length=9)),
    ("authority_kind", sa.String(length=8)),
    ("departement_code", sa.String(length=3)),
    ("departement_name", sa.Text()),
    ("region_code", sa.String(length=3)),
    ("region_name", sa.Text()),
    ("epci_siren", sa.String(length=9)),
    ("epci_name", sa.Text()),
    ("epci_kind", sa.String(length=8)),
    ("division_version", sa.String(length=20)),
)
_INDEXED = ("departement_code", "region_code")
_SOURCED = ("answers", "answer_revisions")


# Plain ALTER TABLE on every backend, never a batch copy: on SQLite a batch operation drops
# and recreates the table, and dropping ``diagnostics`` or ``answers`` while foreign keys are
# enforced would cascade to the answers and revisions. Dropping a column needs SQLite 3.35+.


def upgrade() -> None:
    for name, type_ in _DIAGNOSTIC_COLUMNS:
        op.add_column("diagnostics", sa.Column(name, type_, nullable=True))
    for name in _INDEXED:
        op.create_index(f"ix_diagnostics_{name}", "diagnostics", [name], unique=False)
    for table in _SOURCED:
        op.add_column(table, sa.Column("source", sa.String(length=40), nullable=True))


def downgrade() -> None:
    for table in _SOURCED:
        op.drop_column(table, "source")
    for name in _INDEXED:
        op.drop_index(f"ix_diagnostics_{name}", table_name="diagnostics")
    for name, _ in reversed(_DIAGNOSTIC_COLUMNS):
        op.drop_column("diagnostics", name)
