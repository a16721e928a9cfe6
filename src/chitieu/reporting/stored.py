"""The stored rows a batch of incoming values acts on: the live values and the deleted
values kept for their keys, read in a few set-based queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.store.batches import chunks
from chitieu.store.models import DataValue, DeletedDataValue

Key = tuple[str, str, str, str]  # element, unit, period, disaggregation

_LIVE = [
    DataValue.id,
    DataValue.element_code,
    DataValue.unit_code,
    DataValue.period,
    DataValue.disaggregation,
    DataValue.value,
    DataValue.comment,
    DataValue.stored_by,
    DataValue.status,
    DataValue.followup,
]
_DELETED = [
    DeletedDataValue.id,
    DeletedDataValue.element_code,
    DeletedDataValue.unit_code,
    DeletedDataValue.period,
    DeletedDataValue.disaggregation,
    DeletedDataValue.value,
    DeletedDataValue.comment,
    DeletedDataValue.stored_by,
    DeletedDataValue.followup,
]


def _load_rows(
    db: Session,
    table: Any,
    units: set[str],
    periods: set[str],
    cols: list[Any],
    keep: Callable[[Key], bool],
) -> dict[Key, dict[str, Any]]:
    """Rows of ``table`` (data values or deleted values) of ``units`` in ``periods`` (searched
    through the (unit, period) index) whose key ``keep`` accepts."""
    names = [c.key for c in cols]
    found: dict[Key, dict[str, Any]] = {}
    for chunk in chunks(sorted(units)):
        for pchunk in chunks(sorted(periods)):
            stmt = select(*cols).where(table.unit_code.in_(chunk), table.period.in_(pchunk))
            for row in db.execute(stmt).tuples():
                key = (row[1], row[2], row[3], row[4])
                if keep(key):
                    found[key] = dict(zip(names, row, strict=True))
    return found


def load_months(db: Session, pairs: set[tuple[str, str]]) -> dict[Key, dict[str, Any]]:
    """Every live value stored in the (unit, period) ``pairs``: the rows a batch acts on and
    the rest of their periods (the monthly report's state, the births of the month), in one
    read."""
    units, periods = {u for u, _ in pairs}, {p for _, p in pairs}
    return _load_rows(db, DataValue, units, periods, _LIVE, lambda k: (k[1], k[2]) in pairs)


def load_tombstones(db: Session, keys: set[Key]) -> dict[Key, dict[str, Any]]:
    """The deleted values kept under ``keys``."""
    units, periods = {k[1] for k in keys}, {k[2] for k in keys}
    return _load_rows(db, DeletedDataValue, units, periods, _DELETED, keys.__contains__)
