"""The stored rows a batch of incoming values acts on: the live values and the deleted
values kept for their keys, read in a few set-based queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chitieu.store.batches import chunks
from chitieu.store.models import DataValue, DeletedDataValue


def _load_rows(
    db: Session, table: Any, keys: set[tuple[str, str, str, str]], cols: list[Any]
) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """Rows of ``table`` (data values or deleted values) with one of ``keys``."""
    units = sorted({k[1] for k in keys})
    periods = sorted({k[2] for k in keys})
    names = [c.key for c in cols]
    found: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for chunk in chunks(units):
        for pchunk in chunks(periods):
            stmt = select(*cols).where(table.unit_code.in_(chunk), table.period.in_(pchunk))
            for row in db.execute(stmt).tuples():
                key = (row[1], row[2], row[3], row[4])  # element, unit, period, disaggregation
                if key in keys:
                    found[key] = dict(zip(names, row, strict=True))
    return found


def load_existing(
    db: Session, keys: set[tuple[str, str, str, str]]
) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    cols = [
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
    return _load_rows(db, DataValue, keys, cols)


def load_tombstones(
    db: Session, keys: set[tuple[str, str, str, str]]
) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    t = DeletedDataValue
    cols = [
        t.id,
        t.element_code,
        t.unit_code,
        t.period,
        t.disaggregation,
        t.value,
        t.comment,
        t.stored_by,
        t.followup,
    ]
    return _load_rows(db, t, keys, cols)
