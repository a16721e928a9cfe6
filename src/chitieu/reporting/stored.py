"""The stored rows a batch of incoming values acts on: the live values and the deleted
values kept for their keys, read in a few set-based queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from chitieu.store.batches import chunks
from chitieu.store.models import DataValue, DeletedDataValue

Key = tuple[str, str, str, str]  # element, unit, period, disaggregation


def _reader(table: Any, names: tuple[str, ...]) -> Any:
    """A Core select of ``names`` (the key's four columns second to fifth) of the rows of some
    units in some periods, built once: each batch only binds its lists."""
    t = table.__table__
    return select(*(t.c[n] for n in names)).where(
        t.c.unit_code.in_(bindparam("units", expanding=True)),
        t.c.period.in_(bindparam("periods", expanding=True)),
    )


_KEY = ("element_code", "unit_code", "period", "disaggregation")
_LIVE_NAMES = ("id", *_KEY, "value", "comment", "stored_by", "status", "followup")
_DELETED_NAMES = ("id", *_KEY, "value", "comment", "stored_by", "followup")
_LIVE = _reader(DataValue, _LIVE_NAMES)
_DELETED = _reader(DeletedDataValue, _DELETED_NAMES)


def _load_rows(
    db: Session,
    statement: Any,
    names: tuple[str, ...],
    units: set[str],
    periods: set[str],
    keep: Callable[[Key], bool],
) -> dict[Key, dict[str, Any]]:
    """Rows read by ``statement`` (:func:`_reader`) of ``units`` in ``periods`` (searched
    through the (unit, period) index) whose key ``keep`` accepts."""
    conn = db.connection()  # Core rows: no ORM compile on every batch
    found: dict[Key, dict[str, Any]] = {}
    for chunk in chunks(sorted(units)):
        for pchunk in chunks(sorted(periods)):
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
    return _load_rows(db, _LIVE, _LIVE_NAMES, units, periods, lambda k: (k[1], k[2]) in pairs)


def load_tombstones(db: Session, keys: set[Key]) -> dict[Key, dict[str, Any]]:
    """The deleted values kept under ``keys``."""
    units, periods = {k[1] for k in keys}, {k[2] for k in keys}
    return _load_rows(db, _DELETED, _DELETED_NAMES, units, periods, keys.__contains__)
