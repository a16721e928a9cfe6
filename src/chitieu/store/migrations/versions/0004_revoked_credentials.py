"""sessions and tokens ended by signing out

Revision ID: 0004_revoked_credentials
Revises: 0003_unit_uids_api_tokens
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_revoked_credentials"
down_revision: str | None = "0003_unit_uids_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revoked_credentials",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("revoked_credentials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revoked_credentials_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("revoked_credentials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revoked_credentials_expires_at"))
    op.drop_table("revoked_credentials")
