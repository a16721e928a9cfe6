"""data values: followup; deleted values kept apart

Revision ID: 0005_dhis2_followup_deleted
Revises: 0004_revoked_credentials
Create Date: 2026-12-06 08:31:23.123546
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_dhis2_followup_deleted"
down_revision: str | None = "0004_revoked_credentials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deleted_data_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("element_code", sa.String(length=64), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("disaggregation", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("stored_by", sa.String(length=100), nullable=True),
        sa.Column("followup", sa.Boolean(), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=True),
        sa.Column(
            "last_updated",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["element_code"],
            ["data_elements.code"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_code"],
            ["units.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("element_code", "unit_code", "period", "disaggregation"),
    )
    with op.batch_alter_table("deleted_data_values", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deleted_data_values_unit_period", ["unit_code", "period"], unique=False
        )

    with op.batch_alter_table("data_values", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("followup", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("data_values", schema=None) as batch_op:
        batch_op.drop_column("followup")

    with op.batch_alter_table("deleted_data_values", schema=None) as batch_op:
        batch_op.drop_index("ix_deleted_data_values_unit_period")

    op.drop_table("deleted_data_values")
