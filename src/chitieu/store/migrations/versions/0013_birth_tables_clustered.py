"""birth tables: no index on birth_records.unit_code; on SQLite stored in key order

Revision ID: 0013_birth_tables_clustered
Revises: 0012_birth_year_rollups
Create Date: 2026-12-06 17:00:00.000000

``ix_birth_records_unit_code`` served no query (records are read by ``birth_id``; counts come
from the aggregate tables) and cost every import an index entry per record. On SQLite,
``birth_records``, ``birth_aggregates`` and ``birth_year_aggregates`` become ``WITHOUT ROWID``
tables: the rows live in their primary key's B-tree instead of beside a copy of the key. SQLite
cannot change that in place, so each table is copied into its new shape in key order (about a
minute for ten million records); PostgreSQL only drops the index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_birth_tables_clustered"
down_revision: str | None = "0012_birth_year_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNT_KEY = ("unit_code", "year", "month", "sex", "birth_order", "prev_boys", "prev_girls")


def _records(metadata: sa.MetaData, name: str, with_rowid: bool) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("birth_id", sa.String(length=64), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("unit_code", sa.String(length=16), nullable=False),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("birth_order", sa.Integer(), nullable=False),
        sa.Column("prev_boys", sa.Integer(), nullable=False),
        sa.Column("prev_girls", sa.Integer(), nullable=False),
        sa.Column("mother_birth_year", sa.Integer(), nullable=False),
        sa.Column("facility_code", sa.String(length=32), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("sex IN ('M', 'F')", name="ck_birth_sex"),
        sa.CheckConstraint("birth_order >= 1", name="ck_birth_order"),
        sa.CheckConstraint("prev_boys + prev_girls = birth_order - 1", name="ck_birth_prev"),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batches.id"]),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"]),
        sa.PrimaryKeyConstraint("birth_id"),
        sqlite_with_rowid=with_rowid,
    )


def _counts(metadata: sa.MetaData, name: str, key: Sequence[str], with_rowid: bool) -> sa.Table:
    types = {"unit_code": sa.String(length=16), "sex": sa.String(length=1)}
    return sa.Table(
        name,
        metadata,
        *(sa.Column(c, types.get(c, sa.Integer()), nullable=False) for c in key),
        sa.Column("births", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["unit_code"], ["units.code"]),
        sa.PrimaryKeyConstraint(*key),
        sqlite_with_rowid=with_rowid,
    )


def _tables(metadata: sa.MetaData, suffix: str, with_rowid: bool) -> list[sa.Table]:
    year_key = tuple(c for c in _COUNT_KEY if c != "month")
    return [
        _records(metadata, "birth_records" + suffix, with_rowid),
        _counts(metadata, "birth_aggregates" + suffix, _COUNT_KEY, with_rowid),
        _counts(metadata, "birth_year_aggregates" + suffix, year_key, with_rowid),
    ]


def _reshape_sqlite(with_rowid: bool) -> None:
    """Copy each birth table into a new one of the wanted shape, in key order, and put it in
    the old one's place (no other table refers to these)."""
    bind = op.get_bind()
    metadata = sa.MetaData()
    # What the foreign keys point at, for the DDL compiler.
    sa.Table("units", metadata, sa.Column("code", sa.String(length=16), primary_key=True))
    sa.Table("import_batches", metadata, sa.Column("id", sa.Integer(), primary_key=True))
    for table in _tables(metadata, "_reshaped", with_rowid):
        name = table.name.removesuffix("_reshaped")
        table.create(bind)
        columns = ", ".join(c.name for c in table.columns)
        key = ", ".join(c.name for c in table.primary_key.columns)
        op.execute(
            f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM {name} ORDER BY {key}"
        )
        op.execute(f"DROP TABLE {name}")
        op.execute(f"ALTER TABLE {table.name} RENAME TO {name}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _reshape_sqlite(with_rowid=False)  # the index goes with the old table
    else:
        op.drop_index("ix_birth_records_unit_code", table_name="birth_records")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _reshape_sqlite(with_rowid=True)
    op.create_index("ix_birth_records_unit_code", "birth_records", ["unit_code"], unique=False)
