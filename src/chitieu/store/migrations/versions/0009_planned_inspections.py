"""planned_inspections: facilities put on an inspection campaign

Revision ID: 0009_planned_inspections
Revises: 0008_birth_year_aggregates
Create Date: 2026-12-06 10:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_planned_inspections"
down_revision: str | None = "0008_birth_year_aggregates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "planned_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("facility_code", sa.String(length=32), nullable=False),
        sa.Column("flagged_unit_code", sa.String(length=16), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["facility_code"], ["facilities.code"]),
        sa.ForeignKeyConstraint(["flagged_unit_code"], ["units.code"]),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_code", "facility_code", "planned_on"),
    )
    with op.batch_alter_table("planned_inspections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_planned_inspections_facility_code"), ["facility_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_planned_inspections_unit_code"), ["unit_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("planned_inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_inspections_unit_code"))
        batch_op.drop_index(batch_op.f("ix_planned_inspections_facility_code"))
    op.drop_table("planned_inspections")
