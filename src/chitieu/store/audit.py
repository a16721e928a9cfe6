"""The audit log: every change records who, when, what, and the row before and after."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import func, insert, select

from chitieu.store.db import Db
from chitieu.store.generations import ALL_YEARS, ANY_YEAR, OTHER, bump, bump_units
from chitieu.store.models import AuditEntry, ImportBatch

SYSTEM_ACTOR = "system"
DATA_VALUES = "data_values"
#: Tables whose writers bump the counters of the units and years they touched themselves.
SELF_COUNTED = frozenset({DATA_VALUES, "birth_records"})
#: Tables whose rows belong to one unit (the change's ``unit_code``) and to no single year.
UNIT_TABLES = frozenset({"facilities", "inspections", "report_periods"})


@dataclass(frozen=True, slots=True)
class Change:
    """One audited change. ``before``/``after`` must be JSON-serialisable."""

    actor: str
    action: str
    table_name: str
    row_key: str
    unit_code: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


_CHANGE_FIELDS = tuple(f.name for f in fields(Change))


def record_changes(db: Db, changes: Iterable[Change]) -> int:
    """Append many audit entries in one statement inside the caller's transaction (so they
    commit or roll back with the changes they describe). Returns how many were written."""
    # a shallow dict per change: dataclasses.asdict deep-copies every before/after value,
    # which cost an import of many values more than writing them
    rows = [{f: getattr(c, f) for f in _CHANGE_FIELDS} for c in changes]
    if rows:
        db.execute(insert(AuditEntry), rows)
        # data values and birth records bump the counters of their own units and years
        rest = [r for r in rows if r["table_name"] not in SELF_COUNTED]
        of_units = [r for r in rest if r["table_name"] in UNIT_TABLES and r["unit_code"]]
        if of_units:
            bump_units(db, [(r["unit_code"], ALL_YEARS) for r in of_units])
        if len(of_units) < len(rest):
            bump(db, [(OTHER, ANY_YEAR)])
    return len(rows)


def record_change(
    db: Db,
    *,
    actor: str,
    action: str,
    table: str,
    key: str,
    unit_code: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry inside the caller's transaction."""
    record_changes(db, [Change(actor, action, table, key, unit_code, before, after)])


def data_version(db: Db) -> tuple[int, int]:
    """A stamp that changes whenever stored data change: every change is audited and every
    import is a batch, so the latest audit entry and import batch ids say "nothing new"
    cheaply (one round trip for both; caches of computed answers key on it)."""
    audit = select(func.max(AuditEntry.id)).scalar_subquery()
    batch = select(func.max(ImportBatch.id)).scalar_subquery()
    row = db.execute(select(audit, batch)).one()
    return int(row[0] or 0), int(row[1] or 0)
