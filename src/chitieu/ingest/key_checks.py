"""Foreign keys of an import's new rows checked once, set-based, instead of row by row.

SQLite checks a foreign key by looking the parent up for every row written (for birth records,
two lookups a record: a fifth of the time spent writing them). An import has already checked
every row's unit against the unit list it read, and refers to its own new batch, so on its own
connection it turns SQLite's per-row check off before its transaction starts
(:func:`defer_key_checks`) and, once its rows are written, checks the units they name in one
query (:func:`check_new_units`), while it holds the database's write
lock: a unit removed meanwhile refuses the import and nothing is written. The connection is
closed after the import (:func:`chitieu.ingest.births.import_births`), so the setting never
reaches another piece of work. PostgreSQL keeps its own way (``birth_store.bulk_load``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

from chitieu.ingest.errors import ImportRefused, row_error
from chitieu.store.models import Unit


def defer_key_checks(conn: Connection) -> bool:
    """On SQLite, outside a transaction: stop checking foreign keys row by row on ``conn`` and
    return True (the caller then calls :func:`check_new_units` and closes ``conn`` after its
    transaction). Otherwise change nothing and return False: SQLite ignores the setting
    inside a transaction, and the rows are then checked one by one as usual."""
    if conn.dialect.name != "sqlite":
        return False
    conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
    return conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0


def check_new_units(conn: Connection, units: Iterable[str]) -> None:
    """Refuse the import (:class:`ImportRefused`) if one of ``units`` (those of the rows it
    adds) is not in ``units``. Called after the import's first write to the database, so that
    no other connection can remove a unit until the import commits."""
    known = set(conn.scalars(select(Unit.code)))
    unknown = sorted(set(units) - known)
    if unknown:
        raise ImportRefused(
            [
                row_error(
                    None,
                    "unit_code",
                    (
                        f"unit {code} is no longer in the unit list",
                        f"đơn vị {code} không còn trong danh mục đơn vị",
                    ),
                    code,
                )
                for code in unknown[:10]
            ],
            len(unknown),
        )
