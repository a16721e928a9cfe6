"""birth_year_rollups: yearly birth counts summed over each unit's subtree, kept on write

Revision ID: 0012_birth_year_rollups
Revises: 0011_birth_months
Create Date: 2026-12-06 14:30:00.000000

Filled by ``chitieu db upgrade`` (and ``chitieu demo``) right after this migration, with the
other rollups: the rollups' mark is removed here so that the upgrade rebuilds them all; until
then readers count births unit by unit.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_birth_year_rollups"
down_revision: str | None = "0011_birth_months"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "birth_year_rollups",
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_order", sa.Integer(), nullable=False),
        sa.Column("prev_boys", sa.Integer(), nullable=False),
        sa.Column("prev_girls", sa.Integer(), nullable=False),
        sa.Column("births", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"]),
        sa.PrimaryKeyConstraint(
            "unit_code", "year", "sex", "birth_order", "prev_boys", "prev_girls"
        ),
    )
    op.execute("DELETE FROM change_counters WHERE scope = '~rollups'")


def downgrade() -> None:
    op.drop_table("birth_year_rollups")
