"""DHIS2 UIDs for units; personal access tokens

Revision ID: 0003_unit_uids_api_tokens
Revises: 0002_login_failures
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from chitieu.store.uids import derived_uid

revision: str = "0003_unit_uids_api_tokens"
down_revision: str | None = "0002_login_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX: on SQLite, anything that rebuilds `units` would drop a
    # table that every other table references, which foreign keys forbid once rows exist.
    op.add_column("units", sa.Column("uid", sa.String(length=11), nullable=True))
    op.add_column("units", sa.Column("last_updated", sa.DateTime(), nullable=True))
    units = sa.table(
        "units",
        sa.column("code", sa.String),
        sa.column("uid", sa.String),
        sa.column("last_updated", sa.DateTime),
    )
    conn = op.get_bind()
    codes = conn.execute(sa.select(units.c.code)).scalars().all()
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    if codes:
        conn.execute(
            units.update().where(units.c.code == sa.bindparam("b_code")),
            [{"b_code": c, "uid": derived_uid("unit", c), "last_updated": now} for c in codes],
        )
    op.create_index("uq_units_uid", "units", ["uid"], unique=True)

    op.create_table(
        "api_tokens",
        sa.Column("uid", sa.String(length=11), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("expires", sa.DateTime(), nullable=False),
        sa.Column("last_used", sa.DateTime(), nullable=True),
        sa.Column("revoked", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"]),
        sa.ForeignKeyConstraint(["username"], ["users.username"]),
        sa.PrimaryKeyConstraint("uid"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_username"), ["username"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_username"))
    op.drop_table("api_tokens")
    op.drop_index("uq_units_uid", table_name="units")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+), not a rebuild of `units` (see upgrade)
    op.drop_column("units", "last_updated")
    op.drop_column("units", "uid")
