"""Bring a table in step with rows declared in a data file: insert, update, delete, audited.

Used by the catalogue and plan loaders, so that loading the same files twice changes nothing
and every change lands in the audit log inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, select, update
from sqlalchemy.orm import Session

from chitieu.store.audit import SYSTEM_ACTOR, record_change
from chitieu.store.models import Base


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in row.items()}


def sync_rows(
    db: Session,
    model: type[Base],
    key: Sequence[str],
    rows: Sequence[dict[str, Any]],
    *,
    scope: ColumnElement[bool] | None = None,
    delete_missing: bool = False,
) -> int:
    """Make ``model``'s rows match ``rows`` (matched on the ``key`` columns); return how many
    rows were inserted, updated or deleted.

    Only the columns present in ``rows`` are compared and written (so a surrogate ``id`` is left
    alone). With ``delete_missing``, rows within ``scope`` whose key is not in ``rows`` are
    deleted. Each change is audited with the row before and after."""
    table = model.__table__
    columns = list(rows[0]) if rows else list(key)
    query = select(*(table.c[c] for c in columns))
    if scope is not None:
        query = query.where(scope)
    existing = {tuple(r[k] for k in key): dict(r) for r in db.execute(query).mappings()}

    def where(k: tuple[Any, ...]) -> ColumnElement[bool]:
        return and_(*(table.c[c] == v for c, v in zip(key, k, strict=True)))

    def audit(action: str, k: tuple[Any, ...], before: Any, after: Any) -> None:
        record_change(
            db,
            actor=SYSTEM_ACTOR,
            action=action,
            table=table.name,
            key="/".join(map(str, k)),
            before=_jsonable(before) if before else None,
            after=_jsonable(after) if after else None,
        )

    changed = 0
    wanted = set()
    for row in rows:
        k = tuple(row[c] for c in key)
        wanted.add(k)
        before = existing.get(k)
        if before == row:
            continue
        if before is None:
            db.execute(insert(table).values(**row))
            audit("insert", k, None, row)
        else:
            db.execute(update(table).where(where(k)).values(**row))
            audit("update", k, before, row)
        changed += 1
    if delete_missing:
        for k in existing.keys() - wanted:
            db.execute(delete(table).where(where(k)))
            audit("delete", k, existing[k], None)
            changed += 1
    return changed
