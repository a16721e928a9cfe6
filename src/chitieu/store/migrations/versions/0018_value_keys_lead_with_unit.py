"""Data values' unique key leads with the unit and the period, and serves their searches too

Revision ID: 0018_value_keys_lead_with_unit
Revises: 0017_own_figure_last_start
Create Date: 2026-12-07 07:40:00.000000

``data_values`` and ``deleted_data_values`` each had two indexes a written row must enter
besides its primary key: the unique key (element, unit, period, disaggregation) and
(unit, period), through which every read of stored values goes (a batch's rows by unit and
period, reports, completeness, exports by unit). The unique key now lists the same four
columns as (unit, period, element, disaggregation): its leading columns answer the
(unit, period) searches, so the second index goes. The application's queries name the unit
or the period; the one that names elements alone (the periods an element has, read only while
the rollups are not built) scans the table instead. A million values imported into
PostgreSQL took its server 11.3-13.4 CPU seconds this way against 13.1-18.3 s with both
indexes (five paired runs).

SQLite declares both keys inside ``CREATE TABLE`` without names, so the table is copied
(Alembic's batch mode) with the new key; PostgreSQL changes them in place.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_value_keys_lead_with_unit"
down_revision: str | None = "0017_own_figure_last_start"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BY_ELEMENT = ["element_code", "unit_code", "period", "disaggregation"]
_BY_UNIT = ["unit_code", "period", "element_code", "disaggregation"]
#: table -> its (unit, period) index before this revision
_TABLES = {
    "data_values": "ix_data_values_unit_period",
    "deleted_data_values": "ix_deleted_data_values_unit_period",
}
#: Names for constraints SQLite reflects without one, so that the batch copy can drop them.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _unique_named(table: str, columns: list[str]) -> str:
    for found in sa.inspect(op.get_bind()).get_unique_constraints(table):
        if found["column_names"] == columns and found["name"]:
            return found["name"]
    raise LookupError(f"{table} has no unique key on {columns}")


def _swap(table: str, old: list[str], new: list[str]) -> None:
    """Replace ``table``'s unique key on ``old`` by one on ``new``."""
    if op.get_bind().dialect.name == "postgresql":
        name = _unique_named(table, old)
        op.execute(sa.text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        op.execute(sa.text(f"ALTER TABLE {table} ADD UNIQUE ({', '.join(new)})"))
        return
    with op.batch_alter_table(table, naming_convention=_NAMING, recreate="always") as batch:
        batch.drop_constraint(f"uq_{table}_{old[0]}", type_="unique")
        batch.create_unique_constraint(f"uq_{table}_{new[0]}", new)


def upgrade() -> None:
    for table, index in _TABLES.items():
        op.drop_index(index, table_name=table)
        _swap(table, _BY_ELEMENT, _BY_UNIT)


def downgrade() -> None:
    for table, index in _TABLES.items():
        _swap(table, _BY_UNIT, _BY_ELEMENT)
        op.create_index(index, table, ["unit_code", "period"])
