"""report period locks and body members

Revision ID: 0006_report_periods_body_members
Revises: 0005_dhis2_followup_deleted
Create Date: 2026-12-06 08:30:40.787546
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_report_periods_body_members"
down_revision: str | None = "0005_dhis2_followup_deleted"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_periods",
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["unit_code"],
            ["units.code"],
        ),
        sa.PrimaryKeyConstraint("unit_code", "period"),
    )
    op.create_table(
        "body_members",
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("body_code", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.CheckConstraint("role IN ('member', 'delegate')", name="ck_body_member_role"),
        sa.ForeignKeyConstraint(
            ["body_code"],
            ["bodies.code"],
        ),
        sa.ForeignKeyConstraint(
            ["username"],
            ["users.username"],
        ),
        sa.PrimaryKeyConstraint("username", "body_code"),
    )


def downgrade() -> None:
    op.drop_table("body_members")
    op.drop_table("report_periods")
