"""birth_months: the months with births per unit and year, kept on write

Revision ID: 0011_birth_months
Revises: 0010_scale_data_value_rollups
Create Date: 2026-12-06 14:00:00.000000

The table is filled by ``chitieu db upgrade`` (and ``chitieu demo``) right after this
migration, with the rollups: which months a stored period covers is decided by the period
rules of ``chitieu.catalog.periods``, which a migration must not import. The rollups' mark is
removed here so that the upgrade rebuilds them all; until then readers read the values and
the birth counts themselves.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_birth_months"
down_revision: str | None = "0010_scale_data_value_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "birth_months",
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("own", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"]),
        sa.PrimaryKeyConstraint("unit_code", "year", "month"),
    )
    op.execute("DELETE FROM change_counters WHERE scope = '~rollups'")


def downgrade() -> None:
    op.drop_table("birth_months")
