"""birth_year_aggregates: the yearly rollup of birth_aggregates, filled from it

Revision ID: 0008_birth_year_aggregates
Revises: 0007_user_email
Create Date: 2026-12-06 10:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_birth_year_aggregates"
down_revision: str | None = "0007_user_email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The rollup's key: birth_aggregates' key without the month.
KEY = "unit_code, year, sex, birth_order, prev_boys, prev_girls"


def upgrade() -> None:
    op.create_table(
        "birth_year_aggregates",
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_order", sa.Integer(), nullable=False),
        sa.Column("prev_boys", sa.Integer(), nullable=False),
        sa.Column("prev_girls", sa.Integer(), nullable=False),
        sa.Column("births", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_code"],
            ["units.code"],
        ),
        sa.PrimaryKeyConstraint(
            "unit_code", "year", "sex", "birth_order", "prev_boys", "prev_girls"
        ),
    )
    # Existing databases: the rollup starts as the sum of the stored monthly counts.
    op.execute(
        sa.text(
            f"INSERT INTO birth_year_aggregates ({KEY}, births) "
            f"SELECT {KEY}, SUM(births) FROM birth_aggregates GROUP BY {KEY}"
        )
    )


def downgrade() -> None:
    op.drop_table("birth_year_aggregates")
