"""The official administrative division (issue 13): régions, départements, communes, EPCI.

A read-only copy of ``@etalab/decoupage-administratif``, filled by
``python -m bot authorities load`` (bot/storage/division.py), with the version loaded in
``division_versions``. No foreign keys: the copy is replaced whole by each load.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_INDEXES = {
    "division_departements": ["region_code"],
    "division_communes": ["departement_code", "region_code", "epci_siren"],
    "division_epcis": ["departement_code", "region_code"],
}


def upgrade() -> None:
    op.create_table(
        "division_versions",
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("communes", sa.Integer(), nullable=False),
        sa.Column("epcis", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_division_versions"),
    )
    op.create_table(
        "division_regions",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_division_regions"),
    )
    op.create_table(
        "division_departements",
        sa.Column("code", sa.String(length=3), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_division_departements"),
    )
    op.create_table(
        "division_communes",
        sa.Column("insee", sa.String(length=5), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("departement_code", sa.String(length=3), nullable=False),
        sa.Column("region_code", sa.String(length=3), nullable=False),
        sa.Column("postal_codes", sa.JSON(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("epci_siren", sa.String(length=9), nullable=True),
        sa.PrimaryKeyConstraint("insee", name="pk_division_communes"),
    )
    op.create_table(
        "division_epcis",
        sa.Column("siren", sa.String(length=9), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("departement_code", sa.String(length=3), nullable=True),
        sa.Column("region_code", sa.String(length=3), nullable=True),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("siren", name="pk_division_epcis"),
    )
    for table, columns in _INDEXES.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def downgrade() -> None:
    for table, columns in _INDEXES.items():
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
    for table in (
        "division_epcis",
        "division_communes",
        "division_departements",
        "division_regions",
        "division_versions",
    ):
        op.drop_table(table)
