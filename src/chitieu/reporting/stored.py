"""The stored rows a batch of incoming values acts on: the live values and the deleted
values kept for their keys, read in a few set-based queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from chitieu.store.batches import chunks
from chitieu.store.models import DataValue, DeletedDataValue

Key = tuple[str, str, str, str]  # element, unit, period, disaggregation


def _reader(table: Any, names: tuple[str, ...], dialect: str) -> Any:
    """A Core select of ``names`` (the key's four columns second to fifth) of the rows of some
    units in some periods, built once: each batch only binds its lists. On PostgreSQL the
    lists are bound as two arrays (``= ANY``): one statement, the same text whatever their
    length; elsewhere as IN lists."""
    t = table.__table__
    if dialect == "postgresql":
        units = t.c.unit_code == any_(bindparam("units", type_=ARRAY(t.c.unit_code.type)))
        periods = t.c.period == any_(bindparam("periods", type_=ARRAY(t.c.period.type)))
    else:
        units = t.c.unit_code.in_(bindparam("units", expanding=True))
        periods = t.c.period.in_(bindparam("periods", expanding=True))
    return select(*(t.c[n] for n in names)).where(units, periods)


_KEY = ("element_code", "unit_code", "period", "disaggregation")
_LIVE_NAMES = ("id", *_KEY, "value", "comment", "stored_by", "status", "followup")
_DELETED_NAMES = ("id", *_KEY, "value", "comment", "stored_by", "followup")
_READERS = {
    (table, dialect): _reader(table, names, dialect)
    for table, names in ((DataValue, _LIVE_NAMES), (DeletedDataValue, _DELETED_NAMES))
    for dialect in ("postgresql", "sqlite")
}


def _load_rows(
    db: Session,
    table: Any,
    names: tuple[str, ...],
    units: set[str],
    periods: set[str],
    keep: Callable[[Key], bool],
) -> dict[Key, dict[str, Any]]:
    """Rows of ``table``'s ``names`` (:func:`_reader`) of ``units`` in ``periods`` (searched
    through the unique key, which leads with them) whose key ``keep`` accepts."""
    conn = db.connection()  # Core rows: no ORM compile on every batch
    dialect = conn.dialect.name
    statement = _READERS[(table, dialect)]
    whole = dialect == "postgresql"  # arrays of any length; IN lists go in chunks
    found: dict[Key, dict[str, Any]] = {}
    for chunk in [sorted(units)] if whole else chunks(sorted(units)):
        for pchunk in [sorted(periods)] if whole else chunks(sorted(periods)):
            for row in conn.execute(statement, {"units": chunk, "periods": pchunk}).tuples():
                key = (row[1], row[2], row[3], row[4])
                if keep(key):
                    found[key] = dict(zip(names, row, strict=True))
    return found


def load_months(db: Session, pairs: set[tuple[str, str]]) -> dict[Key, dict[str, Any]]:
    """Every live value stored in the (unit, period) ``pairs``: the rows a batch acts on and
    the rest of their periods (the monthly report's state, the births of the month), in one
    read."""
    units, periods = {u for u, _ in pairs}, {p for _, p in pairs}
    return _load_rows(db, DataValue, _LIVE_NAMES, units, periods, lambda k: (k[1], k[2]) in pairs)


def load_tombstones(db: Session, keys: set[Key]) -> dict[Key, dict[str, Any]]:
    """The deleted values kept under ``keys``."""
    units, periods = {k[1] for k in keys}, {k[2] for k in keys}
    return _load_rows(db, DeletedDataValue, _DELETED_NAMES, units, periods, keys.__contains__)
