"""data_value_years, data_value_rollups, change_counters; units.path in byte order

Revision ID: 0010_scale_data_value_rollups
Revises: 0009_planned_inspections
Create Date: 2026-12-06 11:30:00.000000

The two rollup tables are filled from the stored values by ``chitieu db upgrade`` (and
``chitieu demo``) right after this migration: which year a stored period counts in, and its
type's precedence, are decided by the period rules of ``chitieu.catalog.periods``, which a
migration must not import. Until they are filled, readers keep reading ``data_values``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_scale_data_value_rollups"
down_revision: str | None = "0009_planned_inspections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ("unit_code", "element_code", "disaggregation", "year")


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("element_code", sa.String(length=64), nullable=False),
        sa.Column("disaggregation", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "data_value_years",
        *_key_columns(),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("latest", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"]),
        sa.PrimaryKeyConstraint(*_KEY),
    )
    op.create_table(
        "data_value_rollups",
        *_key_columns(),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("latest", sa.Float(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"]),
        sa.PrimaryKeyConstraint(*_KEY),
    )
    op.create_table(
        "change_counters",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "year"),
    )
    # A subtree is a range of paths (``path >= 'VN/01/' AND path < 'VN/010'``): PostgreSQL
    # needs the paths indexed in byte order for it whatever the database's collation (SQLite
    # compares bytes already).
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_units_path_bytes ON units (path COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_units_path_bytes")
    op.drop_table("change_counters")
    op.drop_table("data_value_rollups")
    op.drop_table("data_value_years")
