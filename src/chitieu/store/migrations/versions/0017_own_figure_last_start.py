"""Each unit's own figure keeps where its last period starts and how many values it sums

Revision ID: 0017_own_figure_last_start
Revises: 0016_audit_time_brin
Create Date: 2026-12-07 00:30:00.000000

``data_value_years`` gains ``latest_start`` (the ordinal of the first day of the period whose
value is ``latest``) and ``counted`` (the values summed in ``total``). With them an import
brings a figure up to date from its own changes alone (:mod:`chitieu.reporting.own_changes`)
instead of reading back every value of the cell. Rows written before stay NULL in both: such
a figure is recounted from the values the first time a change touches it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_own_figure_last_start"
down_revision: str | None = "0016_audit_time_brin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("data_value_years") as batch_op:
        batch_op.add_column(sa.Column("latest_start", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("counted", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("data_value_years") as batch_op:
        batch_op.drop_column("counted")
        batch_op.drop_column("latest_start")
